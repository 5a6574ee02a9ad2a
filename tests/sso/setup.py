"""Identity providers of acme for the single sign-on tests: the vendor's staff through OpenID
Connect (domain acme.example), partner 1's people through SAML (domain p1.acme.example)."""

from __future__ import annotations

from django.utils import timezone

from prm.accounts import mfa_secrets
from prm.accounts.models import IdentityProvider, SsoProtocol
from prm.accounts.roles import Role
from prm.tenancy.scope import tenant_scope

PASSWORD = "idp-password-2026"


def staff_oidc(side, oidc_idp, *, host: str, sso_required=False, default_role="") -> IdentityProvider:
    with tenant_scope(side.tenant):
        provider = IdentityProvider(
            tenant=side.tenant,
            name="Acme Okta",
            slug="okta",
            protocol=SsoProtocol.OIDC,
            domains=["acme.example"],
            domains_verified_at=timezone.now(),
            sso_required=sso_required,
            default_role=default_role,
            server_url=oidc_idp.issuer,
        )
        provider.save()
        callback = f"http://{host}/accounts/oidc/{provider.provider_id}/login/callback/"
        provider.client_id, secret = oidc_idp.add_client(callback)
        provider.client_secret = mfa_secrets.encrypt(secret)
        provider.save()
    return provider


def partner_saml(side, saml_idp, *, sso_required=False, default_role=Role.SALES, verified=True) -> IdentityProvider:
    with tenant_scope(side.tenant):
        return IdentityProvider.objects.create(
            tenant=side.tenant,
            partner=side.partner,
            name="Partner One Entra",
            slug="p1-entra",
            protocol=SsoProtocol.SAML,
            domains=["p1.acme.example"],
            domains_verified_at=timezone.now() if verified else None,
            sso_required=sso_required,
            default_role=default_role,
            idp_entity_id=saml_idp.entity_id,
            idp_sso_url=saml_idp.sso_url,
            idp_x509cert=saml_idp.x509cert,
        )
