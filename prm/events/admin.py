from django.contrib import admin

from prm.web.admin import TenantAdmin

from .models import Event


@admin.register(Event)
class EventAdmin(TenantAdmin):
    """The audit trail, read-only (the database refuses UPDATE and DELETE on it anyway)."""

    list_display = ("created_at", "verb", "actor_label", "from_state", "to_state", "content_type", "object_id")
    list_filter = ("verb",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
