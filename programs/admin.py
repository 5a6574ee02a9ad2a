"""Program configuration in the Django admin: programs with their tiers, each tier with its
requirements and benefits, manual metrics; the catalogue and policies are in ``admin_policies``."""

from django.contrib import admin

from prm.web.admin import TenantAdmin, TenantInline

from . import admin_policies  # noqa: F401  (registers the catalogue and policy admins)
from .models import Enrollment, Program, Tier

# The tier ladder and its requirements are added in the next step (forms for the metric
# registry and segment targeting).


class TierInline(TenantInline):
    model = Tier
    extra = 0
    fields = ("name", "rank", "color")
    show_change_link = True


@admin.register(Program)
class ProgramAdmin(TenantAdmin):
    list_display = ("name", "slug", "is_active")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [TierInline]


@admin.register(Enrollment)
class EnrollmentAdmin(TenantAdmin):
    list_display = ("partner", "program", "tier", "enrolled_at")
    list_filter = ("program", "tier")
    list_select_related = ("partner", "program", "tier")
    autocomplete_fields = ("partner",)
