"""Single sign-on in Chromium (issue 17's "done when"): a staff member signs in through the
vendor's OpenID Connect provider; a partner user through the company's SAML provider, chosen by
the e-mail's domain; password sign-in is refused where single sign-on is required. The
providers are real servers on loopback (tests/sso/)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD as FACTORY_PASSWORD
from tests.sso.setup import PASSWORD, partner_saml, staff_oidc

from .conftest import can_sign_in, shot
from .test_lead_journey import assert_accessible

pytestmark = pytest.mark.journey


def _host(tenant_url, tenant) -> str:
    return tenant_url(tenant).split("://", 1)[1]


def _start_sso(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with single sign-on").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Single sign-on")
    assert_accessible(page)
    page.get_by_label("Work e-mail").fill(email)
    page.get_by_role("button", name="Continue").click()


def test_staff_sign_in_through_the_vendors_openid_connect_provider(acme, open_page, tenant_url, oidc_idp):
    # Given acme's staff sign in through its OpenID Connect provider
    staff_oidc(acme, oidc_idp, host=_host(tenant_url, acme.tenant))
    oidc_idp.add_user(acme.manager.user.email, PASSWORD, "Casey", "Manager")
    page = open_page(tenant_url(acme.tenant))

    # When the channel manager chooses single sign-on and signs in at the provider
    _start_sso(page, acme.manager.user.email)
    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/accounts/login/"))
    page.get_by_label("Username").fill(acme.manager.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Then they are in the back office, as themselves
    expect(page).to_have_url(re.compile(r"/office/$"))
    expect(page.get_by_role("navigation", name="Main")).to_contain_text(acme.manager.user.get_full_name())
    shot(page, "sso-staff-oidc-office")


def test_partner_user_signs_in_through_the_companys_saml_provider(acme, open_page, tenant_url, saml_idp):
    # Given partner 1's people sign in through its SAML provider (domain p1.acme.example)
    partner_saml(acme, saml_idp)
    email = acme.partner_admin.user.email
    saml_idp.add_user(email, PASSWORD, "Pat", "Admin")
    page = open_page(tenant_url(acme.tenant))

    # When the partner admin types the work address and signs in at the company's provider
    _start_sso(page, email)
    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/sso"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Then they land in the portal
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    shot(page, "sso-partner-saml-portal")


def test_password_sign_in_is_refused_where_sso_is_required(acme, open_page, tenant_url, oidc_idp):
    # Given acme requires single sign-on for its staff's domain
    staff_oidc(acme, oidc_idp, host=_host(tenant_url, acme.tenant), sso_required=True)
    manager = can_sign_in(acme.manager)
    page = open_page(tenant_url(acme.tenant))

    # When the channel manager signs in with the (right) password
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(manager.user.email)
    page.get_by_label("Password").fill(FACTORY_PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    # Then the single sign-on page says why, with the address filled in
    expect(page).to_have_url(re.compile(r"/accounts/sso/\?email="))
    expect(page.get_by_role("alert")).to_contain_text("requires single sign-on")
    expect(page.get_by_label("Work e-mail")).to_have_value(manager.user.email)
    shot(page, "sso-required")
