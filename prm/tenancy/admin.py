from django.contrib import admin

from prm.web.admin import PlatformAdmin

from .models import Tenant


@admin.register(Tenant)
class TenantAdminPage(PlatformAdmin):
    list_display = ("name", "slug", "custom_domain", "default_currency", "require_mfa", "is_active")
    search_fields = ("name", "slug", "custom_domain")
    list_filter = ("is_active", "require_mfa")
