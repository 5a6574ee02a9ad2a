"""Admin of the select part: selection criteria (weights and positions edited in the list, the
guidance per level on each), the due-diligence checklist's items (a default owner among the
tenant's staff) and the tenant's recruitment settings (one row). ``TenantAdmin`` records an event
for each change and calls ``reference_changed`` (the settings are memoised per tenant)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from prm.accounts.models import Membership, MembershipKind
from prm.web.admin import TenantAdmin

from .models import DiligenceItem, RecruitmentSettings, SelectionCriterion


@admin.register(SelectionCriterion)
class SelectionCriterionAdmin(TenantAdmin):
    list_display = ("name", "weight", "position", "is_active")
    list_editable = ("weight", "position", "is_active")
    list_filter = ("is_active",)
    ordering = ("position", "id")
    fieldsets = (
        (None, {"fields": ("name", "description", "weight", "position", "is_active")}),
        (
            _("Guidance per level"),
            {
                "fields": ("level_1", "level_2", "level_3", "level_4", "level_5"),
                "description": _("What a reviewer should see to give each score, from 1 (weak) to 5 (excellent)."),
            },
        ),
    )


@admin.register(DiligenceItem)
class DiligenceItemAdmin(TenantAdmin):
    list_display = ("name", "topic", "evidence_required", "default_owner", "position", "is_active")
    list_editable = ("position", "is_active")
    list_filter = ("topic", "evidence_required", "is_active")
    list_select_related = ("default_owner__user",)
    ordering = ("position", "id")
    fields = ("topic", "name", "description", "evidence_required", "default_owner", "position", "is_active")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "default_owner":
            # The tenant's active staff only (the manager scopes the tenant; partner users never own a check).
            kwargs["queryset"] = Membership.objects.filter(kind=MembershipKind.STAFF, is_active=True).select_related(
                "user"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(RecruitmentSettings)
class RecruitmentSettingsAdmin(TenantAdmin):
    list_display = ("__str__", "review_sla_hours", "unverified_expiry_hours", "stall_days", "show_scores_to_applicant")
    fields = ("review_sla_hours", "unverified_expiry_hours", "stall_days", "show_scores_to_applicant", "intro")

    def has_add_permission(self, request, *args):
        # One row per tenant: once it exists, it is edited, not added again.
        if not super().has_add_permission(request, *args):
            return False
        return not RecruitmentSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
