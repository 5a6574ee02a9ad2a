"""Single sign-on: the tenant's identity providers (``models.IdentityProvider``) as allauth's
OpenID Connect and SAML apps, chosen by the e-mail address's domain.

* ``SsoAdapter.list_apps`` gives allauth the current tenant's active providers only, built from
  their rows (no allauth ``SocialApp`` rows): another vendor's provider does not exist here.
* A person signs in through a provider only with an address of its verified domains; the address
  is then taken as verified (the provider vouches for it). Someone of such a domain without a
  membership in the tenant gets one (``membership_join_by_sso``) with the provider's role: staff
  for the vendor's provider, the partner's people for a partner's. A provider of one partner never
  signs in a member of another partner or staff.
* ``sso_required``: password and e-mailed-code sign-ins of its domains' people are refused
  (``refuse_without_sso``, called by the account adapter); MFA rules apply to those non-SSO
  sign-ins only (``signed_in_by_sso``).
"""

from __future__ import annotations

from allauth.account.internal.flows.login import get_authentication_records
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_noop

from prm.events.services import event_record

from . import events, mfa_secrets
from .hooks import partner_users_changed
from .models import IdentityProvider, Membership, SsoProtocol
from .roles import PARTNER_ROLES, STAFF_ROLES, MembershipKind

OIDC, SAML = "openid_connect", "saml"


def domain_of(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""


def active_providers() -> list[IdentityProvider]:
    return list(IdentityProvider.objects.filter(is_active=True).order_by("pk"))


def provider_for_email(email: str) -> IdentityProvider | None:
    """The active provider whose verified domains include the address's, if any."""
    domain = domain_of(email)
    if not domain:
        return None
    for provider in active_providers():
        if provider.domains_verified_at and domain in [d.lower() for d in provider.domains]:
            return provider
    return None


def provider_by_allauth_id(provider_id: str) -> IdentityProvider | None:
    for provider in active_providers():
        if provider.provider_id == provider_id:
            return provider
    return None


def social_app(provider: IdentityProvider, request=None):
    """allauth's app for the provider (not saved: built per request from the row)."""
    from allauth.socialaccount.models import SocialApp

    if provider.protocol == SsoProtocol.OIDC:
        return SocialApp(
            provider=OIDC,
            provider_id=provider.provider_id,
            name=provider.name,
            client_id=provider.client_id,
            secret=mfa_secrets.decrypt(provider.client_secret) if provider.client_secret else "",
            settings={"server_url": provider.server_url, "oauth_pkce_enabled": True},
        )
    return SocialApp(
        provider=SAML,
        provider_id=provider.provider_id,
        name=provider.name,
        client_id=provider.provider_id,
        settings={
            "idp": {
                "entity_id": provider.idp_entity_id,
                "sso_url": provider.idp_sso_url,
                "x509cert": provider.idp_x509cert,
            },
            "attribute_mapping": {
                "email": ["email", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"],
                "first_name": ["first_name", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"],
                "last_name": ["last_name", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"],
            },
            "use_nameid_for_email": True,
            "advanced": {"want_assertion_signed": True, "allow_single_label_domains": True},
        },
    )


def signed_in_by_sso(request) -> bool:
    """Whether the session's latest sign-in went through an identity provider."""
    records = get_authentication_records(request, request.user) if request.user.is_authenticated else []
    return bool(records) and records[-1].get("method") == "socialaccount"


def _required_for(email: str) -> IdentityProvider | None:
    provider = provider_for_email(email)
    return provider if provider is not None and provider.sso_required else None


def refuse_without_sso(request, email: str):
    """A password or code sign-in of someone whose organisation requires single sign-on: the
    answer sending them to the single sign-on page, told why (``None``: go on)."""
    if getattr(request, "tenant", None) is None or not email:
        return None
    provider = _required_for(email)
    if provider is None:
        return None
    from allauth.account.internal.stagekit import clear_login

    clear_login(request)
    messages.error(
        request,
        gettext("%(name)s requires single sign-on for %(domain)s: continue with %(name)s.")
        % {"name": provider.name, "domain": domain_of(email)},
    )
    return redirect(f"{reverse('sso_start')}?{urlencode({'email': email})}")


def _allowed(provider: IdentityProvider, membership: Membership | None) -> bool:
    """A provider signs in only its own side's people: staff for the vendor's, the partner's
    people for a partner's."""
    if membership is None:
        return True
    if provider.partner_id is None:
        return membership.kind == MembershipKind.STAFF
    return membership.partner_id == provider.partner_id


@transaction.atomic
def membership_join_by_sso(*, provider: IdentityProvider, user) -> Membership | None:
    """Just in time: a membership for someone of a verified domain signing in for the first time,
    with the provider's role (staff or the partner's); ``None`` when the provider gives no role.
    A deactivated membership stays deactivated: leaving is decided in the portal, not by the IdP."""
    membership = Membership.objects.select_for_update().filter(user=user).first()
    if membership is not None or not provider.default_role:
        return membership
    staff = provider.partner_id is None
    if provider.default_role not in (STAFF_ROLES if staff else PARTNER_ROLES):
        return None
    membership = Membership.objects.create(
        user=user,
        kind=MembershipKind.STAFF if staff else MembershipKind.PARTNER,
        role=provider.default_role,
        partner_id=provider.partner_id,
    )
    event_record(
        actor=membership,
        target=membership,
        verb=events.MEMBERSHIP_JOINED_BY_SSO,
        to_state=membership.role,
        message=gettext_noop("Joined through %(provider)s"),
        params={"provider": provider.name},
        data={"identity_provider": provider.pk},
    )
    if membership.partner_id:
        partner_users_changed.send(partner_ids=[membership.partner_id])
    return membership


class SsoAdapter(DefaultSocialAccountAdapter):
    """allauth's social accounts, restricted to the tenant's identity providers."""

    def list_apps(self, request, provider=None, client_id=None):
        if request is None or getattr(request, "tenant", None) is None:
            return []
        apps = [social_app(p, request) for p in active_providers()]
        if provider:
            apps = [app for app in apps if provider in (app.provider, app.provider_id)]
        if client_id:
            apps = [app for app in apps if app.client_id == client_id]
        return apps

    def _provider(self, sociallogin) -> IdentityProvider:
        provider = provider_by_allauth_id(sociallogin.account.provider)
        if provider is None:
            raise ImmediateHttpResponse(redirect("account_login"))
        return provider

    def _refuse(self, request, message: str):
        messages.error(request, message)
        raise ImmediateHttpResponse(redirect("account_login"))

    def pre_social_login(self, request, sociallogin):
        """Only an address of the provider's verified domains, taken as verified; the person's
        membership (if any) must be of the provider's side."""
        provider = self._provider(sociallogin)
        addresses = [a.email for a in sociallogin.email_addresses] or [sociallogin.user.email]
        domains = {d.lower() for d in provider.domains} if provider.domains_verified_at else set()
        email = next((a for a in addresses if a and domain_of(a) in domains), None)
        if email is None:
            self._refuse(
                request,
                gettext("%(name)s signed you in as %(email)s, which is not an address of its verified domains.")
                % {"name": provider.name, "email": addresses[0] if addresses else "?"},
            )
        for address in sociallogin.email_addresses:
            address.verified = domain_of(address.email) in domains
        sociallogin.user.email = email.lower()
        user = sociallogin.user if sociallogin.is_existing else None
        if user is None:
            from .models import User

            user = User.objects.filter(email__iexact=email).first()
        membership = Membership.objects.filter(user=user).first() if user is not None else None
        if not _allowed(provider, membership):
            self._refuse(request, gettext("%(name)s cannot sign you in to this portal.") % {"name": provider.name})
        if user is not None:
            # The provider vouches for the addresses of its verified domains.
            from allauth.account.models import EmailAddress

            EmailAddress.objects.update_or_create(
                user=user, email__iexact=email, defaults={"email": email.lower(), "verified": True}
            )
        if user is not None and (membership is None or not membership.is_active):
            # An account that exists already (made by an invitation here or by another portal) is
            # never joined or linked by a provider: a provider of another vendor, naming someone
            # else's address, would otherwise take that person's account over. Only someone new
            # joins just in time (``save_user``); the others are invited.
            self._refuse(request, gettext("You have no access to this portal: ask its administrator to invite you."))
        if user is not None and not sociallogin.is_existing:
            # The person already has an account (invited before): this provider signs it in from now on.
            sociallogin.connect(request, user)

    def is_open_for_signup(self, request, sociallogin):
        """Someone new signs up through a provider that gives people of its domains a role."""
        provider = provider_by_allauth_id(sociallogin.account.provider)
        return bool(provider and provider.default_role and provider.domains_verified_at)

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        provider = self._provider(sociallogin)
        if membership_join_by_sso(provider=provider, user=user) is None:
            self._refuse(request, gettext("You have no access to this portal: ask its administrator to invite you."))
        return user
