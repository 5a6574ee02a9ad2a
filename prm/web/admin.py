"""The Django admin, per tenant: a vendor admin configures its own tenant only (the managers
scope every queryset); platform superusers on the bare domain see every tenant. Signing in goes
through allauth, so rate limits and two-factor apply here too."""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.db import models

from prm.accounts.roles import ADMIN_ACCESS
from prm.events.verbs import verb
from prm.memo import reference_changed


class PrmAdminSite(admin.AdminSite):
    site_header = "PRM configuration"
    site_title = "PRM admin"

    def has_permission(self, request):
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        if user.is_superuser:
            return True
        membership = getattr(request, "membership", None)
        return membership is not None and membership.can(ADMIN_ACCESS)

    def login(self, request, extra_context=None):
        return redirect_to_login(request.get_full_path())


class TenantPermissions:
    """Vendor admins of the request's tenant may configure its rows (no Django model perms)."""

    # Django 6's default, today: a website typed without a scheme is https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def _allowed(self, request):
        if request.user.is_superuser:
            return True
        membership = getattr(request, "membership", None)
        return membership is not None and membership.can(ADMIN_ACCESS) and request.tenant is not None

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request, *args):
        # Rows belong to a tenant: adding needs one (not the platform-wide view).
        return self._allowed(request) and request.tenant is not None

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)


class TenantInline(TenantPermissions, admin.TabularInline):
    """Inline rows of a tenant-owned model (tiers of a program, contacts of a partner)."""


class TenantAdmin(TenantPermissions, admin.ModelAdmin):
    """Base for tenant-owned models. Every save or delete here (inlines included) tells
    ``prm.memo`` that the tenant's reference data changed: the admin is where types, tiers,
    programs and the catalogue are configured, and it changes seldom enough to rebuild all."""

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        # The event verbs of this model's admin edits (prm.events.verbs), declared on registration.
        name, label = model._meta.model_name, str(model._meta.verbose_name).capitalize()
        self.admin_verbs = {
            True: verb(f"{name}.changed_in_admin", f"{label} changed in the admin"),
            False: verb(f"{name}.created_in_admin", f"{label} created in the admin"),
        }

    def save_model(self, request, obj, form, change):
        """Configuration changes are state changes too: each leaves an event with what changed."""
        from prm.events.services import event_record

        super().save_model(request, obj, form, change)
        if change and not form.changed_data:
            return
        event_record(
            actor=getattr(request, "membership", None),
            target=obj,
            verb=self.admin_verbs[bool(change)],
            message="Changed " + ", ".join(form.changed_data) if change else "Created in the admin",
            data={"fields": form.changed_data},
            internal=True,
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # after save_model: the inlines
        reference_changed(tenant_id=form.instance.tenant_id)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        reference_changed(tenant_id=obj.tenant_id)

    def delete_queryset(self, request, queryset):
        tenant_ids = set(queryset.values_list("tenant_id", flat=True))
        super().delete_queryset(request, queryset)
        for tenant_id in tenant_ids:
            reference_changed(tenant_id=tenant_id)


class PlatformAdmin(admin.ModelAdmin):
    """Platform-level models (tenants, users): superusers only."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
