"""Catalogue and policy configuration in the Django admin: product lines with products and
authorization rules, licence types, partner licences, regions and territory grants.

Territory grants and licence decisions are state the policy service reads, so they go through
the catalogue services here too (same validation, same locks, same events): the grant form's
``clean`` calls ``territory_validate``, saving calls ``territory_grant`` / ``territory_update``,
and licences are verified or rejected by admin actions that call the services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from partners.models import PartnerType
from prm.countries import country_name
from prm.errors import DomainError, PolicyViolation
from prm.web.admin import ChoiceListForm, TenantAdmin, TenantInline, countries_field

from .models import (
    AuthorizationRule,
    LicenceStatus,
    LicenceType,
    PartnerLicence,
    Product,
    ProductLine,
    Region,
    TerritoryGrant,
    Tier,
)
from .services.catalogue import (
    TERRITORY_FIELDS,
    licence_reject,
    licence_verify,
    territory_grant,
    territory_revoke,
    territory_update,
    territory_validate,
)

# --- product lines, products, rules ------------------------------------------------------------


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ("sku", "name", "list_price", "currency", "is_active")
        help_texts = {"currency": _("ISO 4217, e.g. EUR. Empty: the portal's default currency.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].required = False

    def clean_currency(self):
        return (self.cleaned_data.get("currency") or "").upper()


class ProductInline(TenantInline):
    model = Product
    form = ProductForm
    extra = 0
    show_change_link = True


class AuthorizationRuleForm(forms.ModelForm):
    """A rule's partner types as checkboxes, stored as the id list the policy service reads."""

    allowed_partner_types = forms.ModelMultipleChoiceField(
        queryset=PartnerType.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Allowed partner types"),
        help_text=_("Only these partner types may sell the line. Tick none for every type."),
    )

    class Meta:
        model = AuthorizationRule
        fields = ("min_tier", "allowed_partner_types", "required_licence_type", "required_competency", "note")
        help_texts = {
            "required_licence_type": _("The partner needs a verified, unexpired licence of this type."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Evaluated when the form renders, inside the request's tenant scope.
        self.fields["allowed_partner_types"].queryset = PartnerType.objects.order_by("name")
        if self.instance.pk:
            self.initial["allowed_partner_types"] = list(self.instance.allowed_partner_type_ids)

    def clean(self):
        data = super().clean()
        self.instance.allowed_partner_type_ids = sorted(t.pk for t in data.get("allowed_partner_types") or [])
        return data


class AuthorizationRuleInline(TenantInline):
    model = AuthorizationRule
    form = AuthorizationRuleForm
    extra = 0
    verbose_name = _("authorization rule")
    verbose_name_plural = _("authorization rules (every rule must hold; within a rule, every condition set)")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "min_tier":
            # Tiers are labelled "Program Tier": read their programs with them.
            kwargs["queryset"] = Tier.objects.select_related("program").order_by("program__name", "rank")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ProductLine)
class ProductLineAdmin(TenantAdmin):
    list_display = ("name", "slug", "requires_territory", "is_active")
    list_filter = ("is_active", "requires_territory")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [ProductInline, AuthorizationRuleInline]


@admin.register(Product)
class ProductAdmin(TenantAdmin):
    form = ProductForm
    list_display = ("name", "sku", "line", "list_price", "currency", "is_active")
    list_filter = ("line", "is_active")
    search_fields = ("name", "sku")
    list_select_related = ("line",)
    fields = ("line", "sku", "name", "list_price", "currency", "is_active")


@admin.register(LicenceType)
class LicenceTypeAdmin(TenantAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code", "description")
    prepopulated_fields = {"code": ("name",)}


class RegionForm(ChoiceListForm):
    countries = countries_field(required=True)

    class Meta:
        model = Region
        fields = ("name", "code", "countries")


@admin.register(Region)
class RegionAdmin(TenantAdmin):
    form = RegionForm
    list_display = ("name", "code", "country_list")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}

    @admin.display(description=_("countries"))
    def country_list(self, obj):
        return ", ".join(country_name(code) for code in obj.countries)


# --- territory grants ------------------------------------------------------------------------


class TerritoryGrantForm(forms.ModelForm):
    """The grant form: the catalogue service's own rules decide, so staff read the same sentence
    here as anywhere else."""

    class Meta:
        model = TerritoryGrant
        fields = ("partner", *TERRITORY_FIELDS)
        help_texts = {
            "country": _("A two-letter ISO code, e.g. DE. Give either a country or a region."),
            "region": _("A group of countries (configured under Regions)."),
            "exclusive": _("No other partner may hold these countries for this line (or for every line) meanwhile."),
            "valid_until": _("The first day the grant no longer applies. Empty: open-ended."),
        }

    def clean_country(self):
        return (self.cleaned_data.get("country") or "").strip().upper()

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        partner = data.get("partner") or getattr(self.instance, "partner", None)
        try:
            territory_validate(
                partner=partner,
                product_line=data.get("product_line"),
                country=data.get("country") or "",
                region=data.get("region"),
                exclusive=bool(data.get("exclusive")),
                valid_from=data["valid_from"],
                valid_until=data.get("valid_until"),
                grant=self.instance if self.instance.pk else None,
            )
        except PolicyViolation as error:
            # On "country": the model's country-xor-region check then stays quiet (one message).
            self.add_error("country" if "country" in self.fields else None, error.message)
        return data


@admin.register(TerritoryGrant)
class TerritoryGrantAdmin(TenantAdmin):
    form = TerritoryGrantForm
    list_display = ("partner", "where", "line", "exclusive", "valid_from", "valid_until")
    list_filter = ("exclusive", "product_line", "region")
    search_fields = ("partner__display_name", "partner__legal_name", "country", "region__name", "note")
    list_select_related = ("partner", "product_line", "region")
    autocomplete_fields = ("partner",)
    date_hierarchy = "valid_from"
    actions = ["revoke_selected"]

    @admin.display(description=_("territory"))
    def where(self, obj):
        return f"{country_name(obj.country)} ({obj.country})" if obj.country else (obj.region or "?")

    @admin.display(description=_("product line"), ordering="product_line__name")
    def line(self, obj):
        return obj.product_line or gettext("Every line")

    def get_readonly_fields(self, request, obj=None):
        # A territory moves to another partner by revoking it and granting it anew.
        return ("partner", "granted_by", "created_at") if obj else ()

    def has_delete_permission(self, request, obj=None):
        # Grants are history (deals were protected under them): revoke, do not delete.
        return False

    def save_model(self, request, obj, form, change):
        actor = getattr(request, "membership", None)
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in form.changed_data if name in TERRITORY_FIELDS}
            saved = territory_update(actor=actor, grant=obj, changes=changes)
        else:
            saved = territory_grant(actor=actor, **{name: data[name] for name in ("partner", *TERRITORY_FIELDS)})
        obj.pk = saved.pk

    @admin.action(description=_("Revoke the selected grants (no longer in force from today)"))
    def revoke_selected(self, request, queryset):
        done = 0
        for grant in queryset:
            try:
                territory_revoke(actor=request.membership, grant=grant, reason=gettext("Revoked in the admin."))
                done += 1
            except DomainError as error:
                self.message_user(
                    request,
                    gettext("%(grant)s: %(reason)s") % {"grant": grant, "reason": error.message},
                    messages.WARNING,
                )
        if done:
            self.message_user(
                request,
                ngettext("Revoked %(count)d grant.", "Revoked %(count)d grants.", done) % {"count": done},
                messages.SUCCESS,
            )


# --- partner licences ----------------------------------------------------------------------------


@admin.register(PartnerLicence)
class PartnerLicenceAdmin(TenantAdmin):
    """Read-mostly: partners upload licences in the portal; the vendor decides with the actions
    below (or in the back office's queue, where a rejection reason can be typed)."""

    list_display = ("partner", "licence_type", "number", "status", "expires_on", "uploaded_at")
    list_filter = ("status", "licence_type")
    search_fields = ("partner__display_name", "partner__legal_name", "number")
    list_select_related = ("partner", "licence_type")
    date_hierarchy = "uploaded_at"
    actions = ["verify_selected", "reject_selected"]
    fields = (
        "partner",
        "licence_type",
        "number",
        "document_link",
        "issued_on",
        "expires_on",
        "status",
        "uploaded_by",
        "uploaded_at",
        "verified_by",
        "verified_at",
        "rejection_reason",
    )
    readonly_fields = fields

    @admin.display(description=_("document"))
    def document_link(self, obj):
        if not obj.pk or not obj.document:
            return gettext("(none)")
        return format_html(
            '<a href="{}">{}</a>', reverse("office:licence_document", args=[obj.pk]), gettext("Download")
        )

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _decide(self, request, queryset, decide) -> int:
        """Decide each pending licence of ``queryset``; how many were decided (the caller says so)."""
        actor = getattr(request, "membership", None)
        if actor is None:
            self.message_user(request, gettext("Decide licences as a member of this portal."), messages.ERROR)
            return 0
        skipped = queryset.exclude(status=LicenceStatus.PENDING).count()
        done = 0
        for licence in queryset.filter(status=LicenceStatus.PENDING):
            try:
                decide(actor=actor, licence=licence)
                done += 1
            except DomainError as error:
                self.message_user(
                    request,
                    gettext("%(licence)s: %(reason)s") % {"licence": licence, "reason": error.message},
                    messages.WARNING,
                )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d already decided, left as it was.",
                    "%(count)d already decided, left as they were.",
                    skipped,
                )
                % {"count": skipped},
                messages.INFO,
            )
        return done

    @admin.action(description=_("Verify the selected pending licences"))
    def verify_selected(self, request, queryset):
        done = self._decide(request, queryset, licence_verify)
        if done:
            message = ngettext("Verified %(count)d licence.", "Verified %(count)d licences.", done)
            self.message_user(request, message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Reject the selected pending licences (asks the partner for a new copy)"))
    def reject_selected(self, request, queryset):
        def reject(*, actor, licence):
            return licence_reject(
                actor=actor,
                licence=licence,
                # Stored on the licence and shown to the partner: written in the deciding
                # person's language, as a reason they type would be.
                reason=gettext(
                    "The document could not be accepted; please upload a clear, current copy of the licence"
                ),
            )

        done = self._decide(request, queryset, reject)
        if done:
            message = ngettext("Rejected %(count)d licence.", "Rejected %(count)d licences.", done)
            self.message_user(request, message % {"count": done}, messages.SUCCESS)
