"""The Django admin, per tenant: a vendor admin configures its own tenant only (the managers
scope every queryset); platform superusers on the bare domain see every tenant. Signing in goes
through allauth, so rate limits and two-factor apply here too."""

from functools import update_wrapper

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from prm.accounts.roles import ADMIN_ACCESS
from prm.countries import COUNTRY_CHOICES
from prm.events.verbs import verb
from prm.memo import reference_changed
from prm.tenancy.scope import current_tenant_id


class PrmAdminSite(admin.AdminSite):
    """The configuration area, branded per tenant: its name in the header and the title, its
    colour through ``admin/base_site.html`` (templates/admin/)."""

    site_header = _("PRM configuration")
    site_title = _("PRM configuration")
    index_title = _("Configuration")

    def each_context(self, request):
        context = super().each_context(request)
        tenant = getattr(request, "tenant", None)
        if tenant is not None:
            context["site_header"] = context["site_title"] = gettext("%(tenant)s configuration") % {
                "tenant": tenant.name
            }
            context["index_title"] = self._index_title(tenant)
        context["tenant"] = tenant
        return context

    def _index_title(self, tenant) -> str:
        if tenant is None:
            return str(self.index_title)
        return gettext("Configure the %(tenant)s partner portal") % {"tenant": tenant.name}

    def index(self, request, extra_context=None):
        # The index's heading is ``index_title`` read from the class, not from each_context.
        title = self._index_title(getattr(request, "tenant", None))
        return super().index(request, {"title": title, **(extra_context or {})})

    def has_permission(self, request):
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        if user.is_superuser:
            return True
        membership = getattr(request, "membership", None)
        return membership is not None and membership.can(ADMIN_ACCESS)

    def admin_view(self, view, cacheable=False):
        """Someone signed in who may not configure (a channel manager, a partner user, a member
        of another vendor) is told so on the spot: sending them to sign in would bring them
        straight back (allauth forwards a signed-in visitor to ``next``), a redirect loop."""
        inner = super().admin_view(view, cacheable)

        def refuse_or_serve(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                return self.refuse(request)
            return inner(request, *args, **kwargs)

        return update_wrapper(refuse_or_serve, inner)

    def refuse(self, request):
        response = render(request, "admin/refused.html", status=403)
        add_never_cache_headers(response)  # it names the person and their menu
        return response

    def login(self, request, extra_context=None):
        """Signing in is allauth's (rate limits, two-factor)."""
        if request.user.is_authenticated:
            if self.has_permission(request):
                return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
            return self.refuse(request)
        return redirect_to_login(request.get_full_path())


class TenantModelForm(forms.ModelForm):
    """The admin's form of a tenant-owned model: its unique constraints, which lead with the
    tenant, are checked on the form (a message beside the field, what was typed kept) rather than
    by the database (an error page). Django leaves out of the check every field the form does not
    show, the tenant among them; the tenant is the scope's."""

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        if getattr(self.instance, "tenant_id", "") is None:
            self.instance.tenant_id = current_tenant_id()
        exclude.discard("tenant")
        return exclude


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

    form = TenantModelForm

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        # The event verbs of this model's admin edits (prm.events.verbs), declared on registration.
        name, label = model._meta.model_name, capfirst(model._meta.verbose_name)
        self.admin_verbs = {
            True: verb(f"{name}.changed_in_admin", format_lazy(_("{model} changed in the admin"), model=label)),
            False: verb(f"{name}.created_in_admin", format_lazy(_("{model} created in the admin"), model=label)),
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


# --- list fields chosen from fixed lists ------------------------------------------------------------


class ChoiceListField(forms.TypedMultipleChoiceField):
    """A list field (industries, regions, countries) picked from a fixed list instead of typed.

    A value outside the list is refused with a message. A record that already holds one (typed
    before the list existed) shows it as a choice of its own, ticked, so that saving the record
    for another reason does not silently drop it; unticking removes it.
    """

    def __init__(self, *, choices, widget=None, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("coerce", str)
        kwargs.setdefault("empty_value", [])
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": _("%(value)s is not one of the choices. Pick from the list.")},
        )
        super().__init__(choices=choices, widget=widget or forms.CheckboxSelectMultiple, **kwargs)

    def keep_legacy(self, values) -> None:
        known = {value for value, _label in self.choices}
        legacy = [value for value in values or [] if value not in known]
        if legacy:
            self.choices = [
                *self.choices,
                *((value, gettext("%(value)s (not in the list)") % {"value": value}) for value in legacy),
            ]


class CountriesWidget(FilteredSelectMultiple):
    """The admin's two-box filter, in a box of its own: its script puts the boxes first in the
    select's parent, which would otherwise be the row, ahead of the field's label."""

    def render(self, name, value, attrs=None, renderer=None):
        return format_html('<div class="prm-select-filter">{}</div>', super().render(name, value, attrs, renderer))


def countries_field(**kwargs) -> ChoiceListField:
    """Countries by name (``prm.countries``), in the admin's two-box filter widget: the list is
    long, so it is searched rather than scrolled."""
    label = kwargs.pop("label", _("Countries"))
    return ChoiceListField(
        choices=COUNTRY_CHOICES, widget=CountriesWidget(label, is_stacked=False), label=label, **kwargs
    )


class ChoiceListForm(TenantModelForm):
    """A model form whose ``ChoiceListField``s keep the record's values that predate the list."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, ChoiceListField) and self.instance.pk is not None:
                field.keep_legacy(getattr(self.instance, name, None))
