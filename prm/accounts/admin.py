from django.contrib import admin

from prm.web.admin import PlatformAdmin, TenantAdmin

from .models import Invitation, Membership, User


@admin.register(User)
class UserAdmin(PlatformAdmin):
    list_display = ("email", "first_name", "last_name", "is_superuser", "is_active", "last_login")
    search_fields = ("email", "first_name", "last_name")
    fields = ("email", "first_name", "last_name", "is_active", "is_superuser", "last_login", "date_joined")
    readonly_fields = ("last_login", "date_joined")


@admin.register(Membership)
class MembershipAdmin(TenantAdmin):
    """Read-only: people join by invitation and leave by deactivation (office and portal pages)."""

    list_display = ("user", "kind", "role", "partner", "is_active", "created_at")
    list_filter = ("kind", "role", "is_active")
    search_fields = ("user__email", "user__last_name", "partner__display_name")
    list_select_related = ("user", "partner")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(MembershipAdmin):
    list_display = ("email", "kind", "role", "partner", "created_at", "expires_at", "accepted_at", "revoked_at")
    list_filter = ("kind", "role")
    search_fields = ("email",)
    list_select_related = ("partner",)
