"""Two-factor sign-in, required of vendor admins, end to end with an authenticator's codes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from prm.accounts.roles import Role
from tests.factories import StaffMembershipFactory, TenantFactory

from .conftest import can_sign_in, sign_in, totp_code

pytestmark = pytest.mark.journey


@pytest.fixture
def vendor_admin(live_server):
    """A vendor admin of Acme with a password and no second factor yet."""
    tenant = TenantFactory(slug="acme", name="Acme")
    return can_sign_in(StaffMembershipFactory(tenant=tenant, role=Role.ADMIN, user__email="admin@acme.example"))


def enrol_authenticator(page: Page, email: str) -> str:
    """Sign in, get sent to the enrolment page, activate an app; the app's secret."""
    sign_in(page, email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    expect(page.get_by_role("alert").filter(has_text="requires two-factor sign-in")).to_be_visible()
    # The authenticator app reads the secret off the page (the QR code carries the same).
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    return secret


def test_vendor_admin_enrols_an_authenticator_then_signs_in_with_it(vendor_admin, open_page, tenant_url):
    page = open_page(tenant_url(vendor_admin.tenant))

    # When the admin signs in with a password, enrols an authenticator app...
    secret = enrol_authenticator(page, vendor_admin.user.email)
    # ...is shown the recovery codes made with it, and signs out
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery Codes")
    page.get_by_role("button", name=str(vendor_admin.user)).click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    # Then signing in takes the password, then a code from the app...
    sign_in(page, vendor_admin.user.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.get_by_role("textbox").fill(totp_code(secret))
    page.get_by_role("button", name="Sign In").click()

    # ...and opens the back office
    expect(page).to_have_url(re.compile(r"/office/$"))
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Back office")


def test_vendor_admin_is_told_the_authenticator_is_active(vendor_admin, open_page, tenant_url):
    page = open_page(tenant_url(vendor_admin.tenant))
    enrol_authenticator(page, vendor_admin.user.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery Codes")
    expect(page.get_by_role("alert").filter(has_text="Authenticator app activated.")).to_be_visible(timeout=2_000)
