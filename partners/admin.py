from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from prm.countries import COUNTRY_CHOICES, country_name
from prm.segments import INDUSTRY_CHOICES, REGION_CHOICES
from prm.web.admin import ChoiceListField, ChoiceListForm, TenantAdmin, TenantInline, countries_field

from .forms import CommaListField
from .models import Partner, PartnerContact, PartnerType


@admin.register(PartnerType)
class PartnerTypeAdmin(TenantAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class ContactInline(TenantInline):
    model = PartnerContact
    extra = 0
    fields = ("name", "email", "phone", "role", "title")


class PartnerAdminForm(ChoiceListForm):
    """The record's lists are picked from fixed lists (the ones programs target), not typed. No
    ``Meta``: the admin adds the model's other fields (with its field overrides)."""

    country = forms.ChoiceField(label=_("HQ country"), choices=[("", "---------"), *COUNTRY_CHOICES])
    regions_served = ChoiceListField(label=_("Regions served"), choices=REGION_CHOICES)
    countries_served = countries_field(label=_("Countries served"))
    industries = ChoiceListField(label=_("Industries"), choices=INDUSTRY_CHOICES)
    tags = CommaListField(item_max_length=40, lower=True, label=_("Tags"))  # stored as the record's form stores them


@admin.register(Partner)
class PartnerAdmin(TenantAdmin):
    """Configuration view of the record. Status moves only through the lifecycle service
    (back office), so it is read-only here."""

    form = PartnerAdminForm

    list_display = ("display_name", "partner_type", "status", "hq_country", "account_manager")
    list_filter = ("status", "partner_type", "country")
    search_fields = ("display_name", "legal_name", "external_crm_id")
    list_select_related = ("partner_type", "account_manager__user")
    readonly_fields = ("status", "status_changed_at", "created_at", "updated_at")
    autocomplete_fields = ("parent",)
    inlines = [ContactInline]

    @admin.display(description=_("HQ country"), ordering="country")
    def hq_country(self, obj):
        return country_name(obj.country)
