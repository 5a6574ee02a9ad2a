"""The content library in the Django admin: its folders, and its assets read-only (the office's
pages are where assets are made, versioned, published and archived, through the services that
keep their search vector, versions and history). ``TenantAdmin`` says when folders change (the
library's folder filters are memoised)."""

from __future__ import annotations

from django.contrib import admin

from prm.web.admin import TenantAdmin

from .models import Asset, AssetFolder


@admin.register(AssetFolder)
class AssetFolderAdmin(TenantAdmin):
    list_display = ("name", "parent", "position")
    search_fields = ("name",)
    fields = ("name", "parent", "position")


@admin.register(Asset)
class AssetAdmin(TenantAdmin):
    list_display = ("title", "kind", "status", "folder", "published_at", "valid_until")
    list_filter = ("status", "kind")
    search_fields = ("title",)
    fields = (
        "title",
        "kind",
        "status",
        "folder",
        "description",
        "tags",
        "valid_from",
        "valid_until",
        "requires_terms",
        "published_at",
        "current_version",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request, *args):
        return False  # made on the office's pages, with its first version

    def has_change_permission(self, request, obj=None):
        return False  # changed on the office's pages (the search vector, the history)

    def has_delete_permission(self, request, obj=None):
        return False  # archived on the office's pages: its history and usage stay
