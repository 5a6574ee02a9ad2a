from django.contrib import admin

from prm.web.admin import TenantAdmin, TenantInline

from .models import Partner, PartnerContact, PartnerType


@admin.register(PartnerType)
class PartnerTypeAdmin(TenantAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class ContactInline(TenantInline):
    model = PartnerContact
    extra = 0
    fields = ("name", "email", "phone", "role", "title")


@admin.register(Partner)
class PartnerAdmin(TenantAdmin):
    """Configuration view of the record. Status moves only through the lifecycle service
    (back office), so it is read-only here."""

    list_display = ("display_name", "partner_type", "status", "country", "account_manager")
    list_filter = ("status", "partner_type", "country")
    search_fields = ("display_name", "legal_name", "external_crm_id")
    list_select_related = ("partner_type", "account_manager__user")
    readonly_fields = ("status", "status_changed_at", "created_at", "updated_at")
    autocomplete_fields = ("parent",)
    inlines = [ContactInline]
