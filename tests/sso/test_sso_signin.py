"""Single sign-on through the real identity providers on loopback, driven with Django's test
client: staff through the vendor's OpenID Connect provider, partner users through their
company's SAML provider chosen by the e-mail's domain, just-in-time membership, and "SSO
required" turning password sign-in off."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from prm.accounts.models import Membership
from prm.accounts.roles import Role
from prm.tenancy.scope import platform_scope

from ..conftest import host_of
from .setup import PASSWORD, partner_saml, staff_oidc


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _start(client: Client, email: str):
    return client.post("/accounts/sso/", {"email": email})


def _oidc_sign_in(client, oidc_idp, email):
    started = _start(client, email)
    assert started.status_code == 302, started.content[:500]
    assert started["Location"].startswith(oidc_idp.base_url)
    back = oidc_idp.sign_in(started["Location"], email, PASSWORD)
    return client.get(_path(back))


def _saml_sign_in(client, saml_idp, email):
    started = _start(client, email)
    assert started.status_code == 302, started.content[:500]
    assert started["Location"].startswith(saml_idp.sso_url)
    acs, fields = saml_idp.sign_in(started["Location"], email, PASSWORD)
    answer = client.post(_path(acs), fields, follow=True)
    return answer


def _with_password(membership):
    """The member can sign in with a password (and a verified address), as before SSO existed."""
    user = membership.user
    user.set_password("pw-2026-manager")
    with platform_scope():
        user.save()
        EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return user


def _who(client) -> str | None:
    """The signed-in person's e-mail on the client's host, by the pages they may open."""
    response = client.get("/notifications/")
    return None if response.status_code != 200 else response.context["request"].user.email


def test_staff_sign_in_through_the_vendors_openid_connect_provider(world, oidc_idp):
    acme = world.acme
    staff_oidc(acme, oidc_idp, host=host_of(acme.tenant))
    oidc_idp.add_user(acme.manager.user.email, PASSWORD, "Casey", "Manager")
    client = Client(HTTP_HOST=host_of(acme.tenant))

    answer = _oidc_sign_in(client, oidc_idp, acme.manager.user.email)

    assert answer.status_code == 302
    assert client.get("/office/").status_code == 200
    assert _who(client) == acme.manager.user.email


def test_a_partner_user_signs_in_through_the_companys_saml_provider_by_domain(world, saml_idp):
    acme = world.acme
    partner_saml(acme, saml_idp)
    email = acme.partner_admin.user.email  # admin@p1.acme.example
    saml_idp.add_user(email, PASSWORD, "Pat", "Admin")
    client = Client(HTTP_HOST=host_of(acme.tenant))

    _saml_sign_in(client, saml_idp, email)

    assert client.get("/portal/").status_code == 200
    assert _who(client) == email


def test_someone_new_of_a_verified_domain_joins_with_the_providers_role(world, saml_idp):
    acme = world.acme
    partner_saml(acme, saml_idp, default_role=Role.SALES)
    saml_idp.add_user("new.rep@p1.acme.example", PASSWORD, "Nova", "Rep")
    client = Client(HTTP_HOST=host_of(acme.tenant))

    _saml_sign_in(client, saml_idp, "new.rep@p1.acme.example")

    assert client.get("/portal/").status_code == 200
    with platform_scope():
        membership = Membership.objects.get(user__email="new.rep@p1.acme.example")
        assert (membership.tenant_id, membership.partner_id, membership.role) == (
            acme.tenant.pk,
            acme.partner.pk,
            Role.SALES,
        )
        assert EmailAddress.objects.filter(email="new.rep@p1.acme.example", verified=True).exists()


def test_an_unverified_domain_signs_nobody_in(world, saml_idp):
    acme = world.acme
    partner_saml(acme, saml_idp, verified=False)
    client = Client(HTTP_HOST=host_of(acme.tenant))
    answer = _start(client, acme.partner_admin.user.email)
    assert answer.status_code == 200
    assert "No single sign-on is set up for this address" in answer.content.decode()


def test_a_partners_provider_cannot_sign_in_another_partners_user(world, saml_idp):
    acme = world.acme
    partner_saml(acme, saml_idp)
    # partner 2's admin, under partner 1's domain at partner 1's IdP (a misconfigured directory)
    other = acme.partner_admins[1]
    with platform_scope():
        other.user.email = "intruder@p1.acme.example"
        other.user.save()
    saml_idp.add_user("intruder@p1.acme.example", PASSWORD)
    client = Client(HTTP_HOST=host_of(acme.tenant))

    _saml_sign_in(client, saml_idp, "intruder@p1.acme.example")

    assert client.get("/portal/").status_code in (302, 404)
    assert _who(client) is None


def test_password_sign_in_is_refused_where_sso_is_required(world, oidc_idp):
    acme = world.acme
    staff_oidc(acme, oidc_idp, host=host_of(acme.tenant), sso_required=True)
    user = _with_password(acme.manager)
    client = Client(HTTP_HOST=host_of(acme.tenant))

    answer = client.post("/accounts/login/", {"login": user.email, "password": "pw-2026-manager"})

    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/sso/")
    assert client.get("/office/").status_code == 302  # still signed out
    follow = client.get(answer["Location"])
    assert "requires single sign-on" in follow.content.decode()


def test_password_sign_in_still_works_where_sso_is_optional(world, oidc_idp):
    acme = world.acme
    staff_oidc(acme, oidc_idp, host=host_of(acme.tenant), sso_required=False)
    user = _with_password(acme.manager)
    client = Client(HTTP_HOST=host_of(acme.tenant))
    answer = client.post("/accounts/login/", {"login": user.email, "password": "pw-2026-manager"})
    assert answer.status_code == 302 and not answer["Location"].startswith("/accounts/sso/")
    assert client.get("/office/").status_code == 200


@pytest.mark.parametrize("email", ["someone@globex.example", "not-an-address"])
def test_an_address_without_a_provider_is_told_so(world, email):
    client = Client(HTTP_HOST=host_of(world.acme.tenant))
    answer = _start(client, email)
    assert answer.status_code == 200
    assert "errorlist" in answer.content.decode() or "invalid" in answer.content.decode()


def test_another_vendors_provider_cannot_take_over_an_account(world, oidc_idp):
    # Given globex's admin configured a provider of their own claiming acme's staff domain
    acme, globex = world.acme, world.globex
    staff_oidc(globex, oidc_idp, host=host_of(globex.tenant), default_role=Role.MARKETING)
    oidc_idp.add_user(acme.manager.user.email, PASSWORD, "Fake", "Cam")
    client = Client(HTTP_HOST=host_of(globex.tenant))

    # When someone signs in there with acme's channel manager's address
    _oidc_sign_in(client, oidc_idp, acme.manager.user.email)

    # Then the existing account is neither signed in, joined to globex nor linked to that provider
    assert _who(client) is None
    with platform_scope():
        from allauth.socialaccount.models import SocialAccount

        assert list(Membership.objects.filter(user=acme.manager.user).values_list("tenant__slug", flat=True)) == [
            "acme"
        ]
        assert not SocialAccount.objects.filter(user=acme.manager.user).exists()


def test_only_the_platform_operator_verifies_domains(world, client_for):
    from django.urls import reverse

    from prm.accounts.models import IdentityProvider

    acme = world.acme
    page = client_for(acme.admin).get(reverse("admin:accounts_identityprovider_changelist"))
    assert page.status_code == 200
    assert "verify_domains" not in page.content.decode()
    with platform_scope():
        assert not IdentityProvider.objects.filter(domains_verified_at__isnull=False).exists()
