from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prm.web.admin import PlatformAdmin, TenantAdmin, TenantModelForm

from . import mfa_secrets
from .models import IdentityProvider, Invitation, Membership, SsoProtocol, User


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


class IdentityProviderForm(TenantModelForm):
    """The client secret is written, never shown again (kept encrypted); the fields of the
    protocol chosen are required."""

    new_client_secret = forms.CharField(
        label=_("client secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("OpenID Connect: leave empty to keep the current one."),
    )

    class Meta:
        model = IdentityProvider
        exclude = ("client_secret", "domains_verified_at", "domains_verified_by")

    def clean_domains(self):
        domains = self.cleaned_data.get("domains") or []
        if not isinstance(domains, list) or not all(isinstance(d, str) and "." in d for d in domains):
            raise forms.ValidationError(_('A list of domains, e.g. ["example.com"].'))
        return sorted({d.strip().lower().lstrip("@") for d in domains})

    def clean(self):
        data = super().clean()
        protocol = data.get("protocol")
        needed = (
            ("server_url", "client_id")
            if protocol == SsoProtocol.OIDC
            else ("idp_entity_id", "idp_sso_url", "idp_x509cert")
            if protocol == SsoProtocol.SAML
            else ()
        )
        for name in needed:
            if not data.get(name):
                self.add_error(name, _("Required for this protocol."))
        if protocol == SsoProtocol.OIDC and not (data.get("new_client_secret") or self.instance.client_secret):
            self.add_error("new_client_secret", _("Required for this protocol."))
        return data

    def save(self, commit=True):
        secret = self.cleaned_data.get("new_client_secret")
        if secret:
            self.instance.client_secret = mfa_secrets.encrypt(secret)
        if self.instance.pk and "domains" in self.changed_data:
            self.instance.domains_verified_at, self.instance.domains_verified_by = None, None
        return super().save(commit)


@admin.register(IdentityProvider)
class IdentityProviderAdmin(TenantAdmin):
    """Single sign-on (prm/accounts/sso.py). Changing the domains un-verifies them."""

    form = IdentityProviderForm
    list_display = ("name", "protocol", "partner", "domains", "domains_verified_at", "sso_required", "is_active")
    list_filter = ("protocol", "sso_required", "is_active")
    list_select_related = ("partner",)
    readonly_fields = ("domains_verified_at", "domains_verified_by", "sign_in_addresses")
    actions = ["verify_domains"]

    @admin.display(description=_("sign-in addresses"))
    def sign_in_addresses(self, obj):
        if not obj.pk:
            return "-"
        if obj.protocol == SsoProtocol.OIDC:
            return reverse("openid_connect_callback", kwargs={"provider_id": obj.provider_id})
        return ", ".join(
            reverse(name, kwargs={"organization_slug": obj.provider_id}) for name in ("saml_acs", "saml_metadata")
        )

    def get_actions(self, request):
        """Verifying domains is the platform operator's: a vendor's admin could otherwise claim
        another organisation's domain and sign its people in through their own provider."""
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("verify_domains", None)
        return actions

    @admin.action(description=_("Mark the domains verified (the company proved it holds them)"))
    def verify_domains(self, request, queryset):
        if not request.user.is_superuser:
            raise PermissionDenied
        count = queryset.update(
            domains_verified_at=timezone.now(), domains_verified_by=getattr(request, "membership", None)
        )
        self.message_user(request, _("%(count)s identity providers' domains verified.") % {"count": count})
