from django.contrib import admin

from prm.web.admin import TenantAdmin, TenantInline

from .models import Enrollment, Program, Tier


class TierInline(TenantInline):
    model = Tier
    extra = 0
    fields = ("name", "rank", "color")


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
