"""Two-factor sign-in, required of vendor admins, end to end with an authenticator's codes."""

from __future__ import annotations

import os
import re
from pathlib import Path

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
    secret = page.locator("#totp-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    return secret


def test_vendor_admin_enrols_an_authenticator_then_signs_in_with_it(vendor_admin, open_page, tenant_url):
    page = open_page(tenant_url(vendor_admin.tenant))

    # When the admin signs in with a password, enrols an authenticator app...
    secret = enrol_authenticator(page, vendor_admin.user.email)
    # ...is shown the recovery codes made with it, and signs out
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery codes")
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
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery codes")
    expect(page.get_by_role("alert").filter(has_text="Authenticator app activated.")).to_be_visible(timeout=2_000)


# --- how the account pages and the configuration area look ------------------------------------

ADMIN_WINDOW = {"width": 1366, "height": 768}


def _shot(page: Page, name: str) -> None:
    """Screenshots for a person to look at, when PRM_SHOTS_DIR names a folder for them."""
    folder = os.environ.get("PRM_SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _page_is_wider_than_the_window(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_the_whole_secret_is_shown_on_the_tenants_enrolment_page(vendor_admin, open_page, tenant_url):
    page = open_page(tenant_url(vendor_admin.tenant))
    page.goto("/accounts/login/")
    # Given the sign-in page, in Acme's look, with no sign-up link
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Acme")
    expect(page.get_by_role("link", name=re.compile("sign up", re.I))).to_have_count(0)
    _shot(page, "sign-in")
    # When the new admin signs in and is sent to enrol
    sign_in(page, vendor_admin.user.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    # Then the QR code is there and the secret fits its box, whole, on a laptop and on a phone
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.locator("#totp-secret")
    for size in ({"width": 1280, "height": 900}, {"width": 390, "height": 844}):
        page.set_viewport_size(size)
        assert secret.evaluate("box => box.scrollWidth <= box.clientWidth")
        assert not _page_is_wider_than_the_window(page)
        _shot(page, f"totp-activate-{size['width']}")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Authenticator code").fill(totp_code(secret.inner_text().strip()))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery codes")
    expect(page.get_by_role("link", name="Download codes")).to_be_visible()
    _shot(page, "recovery-codes")
    # and every other account page a person reaches keeps the layout (looked at, by name)
    for name, path in (
        ("mfa-index", "/accounts/2fa/"),
        ("password-change", "/accounts/password/change/"),
        ("email", "/accounts/email/"),
        ("totp-deactivate", "/accounts/2fa/totp/deactivate/"),
        ("recovery-codes-generate", "/accounts/2fa/recovery-codes/generate/"),
        ("sign-out", "/accounts/logout/"),
    ):
        page.goto(path)
        expect(page.get_by_role("navigation", name="Main")).to_contain_text("Acme")
        assert not _page_is_wider_than_the_window(page)
        _shot(page, name)
    page.get_by_role("button", name="Sign out").last.click()
    for name, path in (("password-reset", "/accounts/password/reset/"), ("sign-in-code", "/accounts/login/code/")):
        page.goto(path)
        expect(page.get_by_role("navigation", name="Main")).to_contain_text("Acme")
        _shot(page, name)


@pytest.fixture
def configured_vendor(vendor_admin):
    """Acme with what a vendor admin configures: partners with long names and lists, a program."""
    from prm.tenancy.scope import tenant_scope
    from programs.models import Program
    from tests.factories import PartnerFactory, PartnerTypeFactory, ProgramFactory, TierFactory, give_totp

    tenant = vendor_admin.tenant
    with tenant_scope(tenant):
        kind = PartnerTypeFactory(tenant=tenant, name="Value-added reseller", slug="var")
        for n in range(12):
            PartnerFactory(
                tenant=tenant,
                partner_type=kind,
                display_name=f"Northwind Systems Integration and Cloud Services {n}",
                legal_name=f"Northwind Systems Integration and Cloud Services International {n} GmbH & Co. KG",
                industries=["Manufacturing", "Healthcare"],
                regions_served=["EMEA"],
                countries_served=["DE", "AT", "CH"],
            )
        program = ProgramFactory(tenant=tenant, name="Resell", target_industries=["Manufacturing"])
        TierFactory(tenant=tenant, program=program, name="Gold", rank=1)
        assert Program.objects.count() == 1
    return vendor_admin, give_totp(vendor_admin.user)


def test_the_configuration_area_fits_a_laptop_window(configured_vendor, open_page, tenant_url):
    from allauth.mfa.utils import decrypt

    admin, authenticator = configured_vendor
    page = open_page(tenant_url(admin.tenant))
    page.set_viewport_size(ADMIN_WINDOW)
    sign_in(page, admin.user.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    _shot(page, "mfa-authenticate")
    page.get_by_role("textbox").fill(totp_code(decrypt(authenticator.data["secret"])))
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/office/$"))
    # When the admin walks the pages vendor admins use, at 1,366 x 768
    page.goto("/admin/")
    expect(page.locator("#site-name")).to_contain_text("Acme configuration")
    _shot(page, "admin-index")
    wide = []
    for name, path in (
        ("admin-partners", "/admin/partners/partner/"),
        ("admin-partner", None),
        ("admin-partner-add", "/admin/partners/partner/add/"),
        ("admin-programs", "/admin/programs/program/"),
        ("admin-program", None),
        ("admin-program-add", "/admin/programs/program/add/"),
        ("admin-tiers", "/admin/programs/tier/"),
        ("admin-tier", None),
        ("admin-region-add", "/admin/programs/region/add/"),
        ("admin-enrollments", "/admin/programs/enrollment/"),
        ("admin-product-line-add", "/admin/programs/productline/add/"),
        ("admin-territory-grant-add", "/admin/programs/territorygrant/add/"),
    ):
        if path is None:  # the first row of the list just opened
            page.locator("#result_list tbody tr th a").first.click()
        else:
            page.goto(path)
        expect(page.locator("#content")).to_be_visible()
        _shot(page, name)
        if _page_is_wider_than_the_window(page):
            wide.append(name)
    # Then none of them makes the window scroll sideways
    assert wide == []


def test_a_channel_manager_opening_the_admin_is_told_it_is_for_administrators(live_server, open_page, tenant_url):
    tenant = TenantFactory(slug="acme", name="Acme")
    manager = can_sign_in(StaffMembershipFactory(tenant=tenant, role=Role.CHANNEL_MANAGER))
    page = open_page(tenant_url(tenant))
    sign_in(page, manager.user.email)
    response = page.goto("/admin/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_contain_text("for the vendor's administrators")
    _shot(page, "admin-refused")
    page.get_by_role("link", name="Back to your home page").click()
    expect(page).to_have_url(re.compile(r"/office/$"))
