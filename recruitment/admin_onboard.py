"""Admin of the onboard part: onboarding templates (with items), agreements and their versions.

A draft version is edited here; "Publish" (an action) calls ``agreement_publish``, which freezes and
hashes the text and asks the program's partners to accept a later version. A published version is
read only: the admin shows it and the service refuses a change.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from learning.models import Course
from prm.errors import DomainError
from prm.web.admin import TenantAdmin, TenantInline

from .models import Agreement, AgreementVersion, OnboardingTemplate, OnboardingTemplateItem
from .services.onboard import agreement_publish, agreement_version_save


class OnboardingTemplateItemInline(TenantInline):
    model = OnboardingTemplateItem
    extra = 1
    fields = ("position", "kind", "title", "description", "course", "min_count", "required")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "course":
            # The tenant's courses only (the scope's manager), by title.
            kwargs["queryset"] = Course.objects.order_by("title")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(OnboardingTemplate)
class OnboardingTemplateAdmin(TenantAdmin):
    """The checklist a new partner of one type gets (copied when its onboarding starts)."""

    list_display = ("name", "partner_type")
    list_select_related = ("partner_type",)
    inlines = [OnboardingTemplateItemInline]


class AgreementVersionInline(TenantInline):
    """The versions of an agreement, read only here: a version is edited and published on its own page."""

    model = AgreementVersion
    extra = 0
    fields = ("number", "published_at", "accept_by", "text_sha256")
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Agreement)
class AgreementAdmin(TenantAdmin):
    list_display = ("title", "program", "is_active")
    list_filter = ("is_active",)
    list_select_related = ("program",)
    inlines = [AgreementVersionInline]


@admin.register(AgreementVersion)
class AgreementVersionAdmin(TenantAdmin):
    list_display = ("agreement", "number", "published_at", "accept_by")
    list_select_related = ("agreement",)
    list_filter = ("agreement",)
    fields = ("agreement", "number", "text", "accept_by", "published_at", "text_sha256")
    actions = ["publish"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.published_at is not None:
            return self.fields  # published: never edited
        return ("published_at", "text_sha256")

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.published_at is not None:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        # Through the service, which refuses to change a published version (a stale form included).
        try:
            agreement_version_save(actor=getattr(request, "membership", None), version=obj)
        except DomainError as error:
            messages.error(request, error.message)

    @admin.action(description=_("Publish the selected draft versions"))
    def publish(self, request, queryset):
        actor = getattr(request, "membership", None)
        published = 0
        for version in queryset.order_by("number"):
            try:
                agreement_publish(actor=actor, version=version, accept_by=version.accept_by)
            except DomainError as error:
                messages.error(request, error.message)
                continue
            published += 1
        if published:
            messages.success(
                request,
                ngettext("%(count)s version published.", "%(count)s versions published.", published)
                % {"count": published},
            )
