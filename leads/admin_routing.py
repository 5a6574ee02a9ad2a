"""Admin of the routing part: routing rules (criteria picked from the tenant's lists and checked:
the minimum tier belongs to the rule's program, regions exist, product lines are the tenant's),
named accounts (their company key and registrable domain computed as deal conflicts compute
them), partners' lead capacities, and the tenant's and programs' lead settings."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.postgres.forms import SimpleArrayField
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deals.services import CustomerIdentity
from partners.selectors import partner_tag_choices
from prm.segments import INDUSTRY_CHOICES
from prm.web.admin import ChoiceListField, ChoiceListForm, TenantAdmin, countries_field
from programs.models import ProductLine, Tier

from .models import LeadCapacity, LeadProgramSettings, LeadSettings, NamedAccount, RoutingRule, Strategy
from .selectors.routing import region_choices


class RoutingRuleForm(ChoiceListForm):
    countries = countries_field(label=_("Countries"), help_text=_("Empty: any country."))
    region_codes = ChoiceListField(label=_("Regions"), choices=(), help_text=_("Empty: any region."))
    industries = ChoiceListField(label=_("Industries"), choices=INDUSTRY_CHOICES, help_text=_("Empty: any industry."))
    postal_prefixes = SimpleArrayField(
        forms.CharField(max_length=10),
        required=False,
        label=_("Postal-code prefixes"),
        help_text=_("Comma-separated, e.g. 80,81,85. Empty: any postal code."),
    )
    product_lines = forms.ModelMultipleChoiceField(
        queryset=ProductLine.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Product lines"),
        help_text=_("Empty: any product line."),
    )
    certification_codes = SimpleArrayField(
        forms.SlugField(max_length=40), required=False, label=_("Required certifications (codes)")
    )
    competency_codes = SimpleArrayField(
        forms.SlugField(max_length=40), required=False, label=_("Required competencies (codes)")
    )
    partner_tags = ChoiceListField(
        label=_("Partner tags"),
        choices=(),
        help_text=_("Only partners with one of these tags, e.g. marked for investment. Empty: any partner."),
    )

    class Meta:
        model = RoutingRule
        fields = (
            "program",
            "name",
            "priority",
            "is_active",
            "is_fallback",
            "strategy",
            "max_distance_km",
            "countries",
            "region_codes",
            "postal_prefixes",
            "industries",
            "product_lines",
            "min_tier",
            "certification_codes",
            "competency_codes",
            "partner_tags",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region_codes"].choices = region_choices()
        self.fields["partner_tags"].choices = partner_tag_choices()  # the tags in use, as the directory's
        if self.instance.pk is not None:
            self.fields["region_codes"].keep_legacy(self.instance.region_codes)
            self.fields["partner_tags"].keep_legacy(self.instance.partner_tags)
            self.initial["product_lines"] = list(ProductLine.objects.filter(pk__in=self.instance.product_line_ids))
        self.fields["min_tier"].queryset = Tier.objects.select_related("program").order_by("program__name", "rank")

    def clean(self):
        data = super().clean()
        program, tier = data.get("program"), data.get("min_tier")
        if program is not None and tier is not None and tier.program_id != program.pk:
            self.add_error(
                "min_tier", gettext("Pick a tier of the rule's program (%(program)s).") % {"program": program}
            )
        if data.get("max_distance_km") and data.get("strategy") != Strategy.NEAREST:
            self.add_error("max_distance_km", gettext("A maximum distance applies to nearest-first rules only."))
        data["postal_prefixes"] = ["".join(p.split()).upper() for p in data.get("postal_prefixes") or [] if p.strip()]
        return data

    def save(self, commit=True):
        self.instance.product_line_ids = sorted(line.pk for line in self.cleaned_data.get("product_lines") or [])
        self.instance.postal_prefixes = self.cleaned_data.get("postal_prefixes") or []
        return super().save(commit)


@admin.register(RoutingRule)
class RoutingRuleAdmin(TenantAdmin):
    form = RoutingRuleForm
    list_display = ("name", "program", "priority", "strategy", "is_fallback", "is_active")
    list_editable = ("priority", "is_active")
    list_filter = ("program", "strategy", "is_fallback", "is_active")
    list_select_related = ("program",)
    ordering = ("is_fallback", "priority", "id")
    fieldsets = (
        (None, {"fields": ("program", "name", "priority", "is_active", "is_fallback", "strategy", "max_distance_km")}),
        (
            _("Which leads (empty: any)"),
            {"fields": ("countries", "region_codes", "postal_prefixes", "industries", "product_lines")},
        ),
        (
            _("Which partners"),
            {
                "fields": ("min_tier", "certification_codes", "competency_codes", "partner_tags"),
                "description": _(
                    "Partners enrolled in the rule's program. With territory criteria a partner must serve the "
                    "lead's country; with industries it must list the lead's (or none); with partner tags it must "
                    "carry one of them."
                ),
            },
        ),
    )


class NamedAccountForm(forms.ModelForm):
    class Meta:
        model = NamedAccount
        fields = ("partner", "name", "domain", "note")

    def clean(self):
        data = super().clean()
        identity = CustomerIdentity.of(name=data.get("name") or "", website=data.get("domain") or "")
        if data.get("domain") and not identity.domain:
            self.add_error("domain", gettext("Give the customer's web domain, e.g. initech.com."))
        if not identity.key and not identity.domain:
            self.add_error("name", gettext("Name the customer."))
        self.identity = identity
        return data

    def save(self, commit=True):
        self.instance.name_key = self.identity.key[:200]
        self.instance.domain = self.identity.domain
        return super().save(commit)


@admin.register(NamedAccount)
class NamedAccountAdmin(TenantAdmin):
    form = NamedAccountForm
    list_display = ("name", "domain", "partner")
    list_select_related = ("partner",)
    search_fields = ("name", "domain")
    ordering = ("name",)


@admin.register(LeadCapacity)
class LeadCapacityAdmin(TenantAdmin):
    list_display = ("partner", "monthly_cap", "daily_quota", "paused", "away_from", "away_until")
    list_select_related = ("partner",)
    list_filter = ("paused",)
    fields = ("partner", "monthly_cap", "daily_quota", "paused", "paused_reason", "away_from", "away_until")


@admin.register(LeadSettings)
class LeadSettingsAdmin(TenantAdmin):
    list_display = ("__str__", "default_acceptance_hours", "default_max_offers", "duplicate_window_days")
    fields = (
        "default_acceptance_hours",
        "default_max_offers",
        "duplicate_window_days",
        "merge_duplicates",
        "web_form_enabled",
        "web_form_intro",
        "referrals_enabled",
    )

    def has_add_permission(self, request, *args):
        # One row per tenant: once it exists, it is edited, not added again.
        if not super().has_add_permission(request, *args):
            return False
        return not LeadSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LeadProgramSettings)
class LeadProgramSettingsAdmin(TenantAdmin):
    list_display = ("program", "acceptance_hours", "max_offers", "stale_after_days")
    list_select_related = ("program",)
    fields = ("program", "acceptance_hours", "max_offers", "stale_after_days")
