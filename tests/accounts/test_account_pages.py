"""allauth's pages (sign-in, sign-out, password reset and change, e-mail, two-factor) as people
meet them: in the product's layout with the vendor's name, and without a link to a page that
only says "closed" (sign-up: people join by invitation)."""

from __future__ import annotations

import re
import time

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.urls import reverse

from prm.accounts.roles import Role

from ..conftest import host_of, make_client
from ..factories import PASSWORD, StaffMembershipFactory
from ..hostile.support import concrete_path, url_patterns

pytestmark = pytest.mark.django_db


def _signed_in(membership, authenticator=None):
    """Signed in through allauth's forms (password, then the app's code), as a browser does:
    the pages that want a recent sign-in render instead of asking for the password again."""
    user = membership.user
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    client = make_client(None, host=host_of(membership.tenant))
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    if authenticator is not None:
        code = format_hotp_value(hotp_value(decrypt(authenticator.data["secret"]), int(time.time()) // 30))
        response = client.post(reverse("mfa_authenticate"), {"code": code})
        assert response.status_code == 302
    return client


def _in_our_layout(page: str, tenant) -> bool:
    return 'class="navbar navbar-expand-md navbar-dark brand-bar"' in page and tenant.name in page


def _reset_link(user) -> str:
    key = default_token_generator.make_token(user)
    return reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key})


def test_every_account_page_is_in_the_product_layout_and_links_to_no_closed_page(world):
    # given acme's account pages, asked for by someone signed out, a channel manager, a vendor
    # admin with an authenticator app and recovery codes, and a new vendor admin who must enrol
    acme = world.acme
    totp = Authenticator.objects.get(user=acme.admin.user, type=Authenticator.Type.TOTP)
    RecoveryCodes.activate(acme.admin.user)
    new_admin = StaffMembershipFactory(tenant=acme.tenant, role=Role.ADMIN, user__email="new.admin@acme.example")
    visitors = {
        "anonymous": make_client(None, host=acme.host),
        "manager": _signed_in(acme.manager),
        "admin": _signed_in(acme.admin, totp),
        "new_admin": _signed_in(new_admin),
    }
    half = make_client(None, host=acme.host)
    assert (
        half.post(reverse("account_login"), {"login": acme.admin.user.email, "password": PASSWORD}).status_code == 302
    )
    routes = [
        (route, pattern, regexes) for route, _, pattern, regexes in url_patterns() if route.startswith("accounts/")
    ]
    # when each opens every page (and the steps only a link or a half-finished sign-in reaches)
    pages = {"accounts/2fa/authenticate/ as half_signed_in": half.get(reverse("mfa_authenticate"))}
    for who, client in visitors.items():
        for route, pattern, regexes in routes:
            pages[f"{route} as {who}"] = client.get(concrete_path(pattern, regexes))
    reset = make_client(None, host=acme.host)
    step = reset.get(_reset_link(acme.sales_rep.user))  # allauth moves the key into the session
    pages["password reset link as anonymous"] = reset.get(step["Location"]) if step.status_code == 302 else step
    pages["password reset link, used up, as anonymous"] = make_client(None, host=acme.host).get(
        reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "set-password"})
    )
    rendered = {
        name: response.content.decode()
        for name, response in pages.items()
        if response.status_code == 200 and response["Content-Type"].startswith("text/html")
    }
    # then the pages people use render, each in our layout with acme's name, and none links to
    # sign-up (closed) or anything else that only says it is closed
    for page in (
        "accounts/login/ as anonymous",
        "accounts/logout/ as manager",
        "accounts/password/reset/ as anonymous",
        "accounts/password/reset/done/ as anonymous",
        "password reset link as anonymous",
        "password reset link, used up, as anonymous",
        "accounts/password/reset/key/done/ as anonymous",
        "accounts/password/change/ as manager",
        "accounts/email/ as manager",
        "accounts/login/code/ as anonymous",
        "accounts/reauthenticate/ as manager",
        "accounts/2fa/ as admin",
        "accounts/2fa/authenticate/ as half_signed_in",
        "accounts/2fa/totp/activate/ as new_admin",
        "accounts/2fa/totp/deactivate/ as admin",
        "accounts/2fa/recovery-codes/ as admin",
        "accounts/2fa/recovery-codes/generate/ as admin",
        "accounts/2fa/reauthenticate/ as admin",
    ):
        assert page in rendered, f"{page} did not render: {sorted(rendered)}"
    signup = reverse("account_signup")
    assert {name for name, html in rendered.items() if not _in_our_layout(html, acme.tenant)} == set()
    assert {name for name, html in rendered.items() if f'href="{signup}' in html} == set()
    assert {name for name, html in rendered.items() if re.search(r"sign.?up closed", html, re.I)} == {
        "accounts/signup/ as anonymous"
    }


def test_the_sign_in_page_says_how_to_get_an_account_instead_of_offering_sign_up(world):
    # given someone signed out on acme's host
    client = make_client(None, host=world.acme.host)
    # when they open the sign-in page
    page = client.get(reverse("account_login")).content.decode()
    # then it signs in by password or by a code, says accounts come by invitation, offers no sign-up
    assert f"{world.acme.tenant.name} partner portal" in page
    assert reverse("account_request_login_code") in page
    assert "invitation" in page
    assert "sign up" not in page.lower()


def test_enrolling_shows_the_whole_secret_to_copy_and_the_qr_code(world):
    # given a new vendor admin, who must set up an authenticator app
    new_admin = StaffMembershipFactory(tenant=world.acme.tenant, role=Role.ADMIN, user__email="enrol@acme.example")
    client = _signed_in(new_admin)
    # when they open the enrolment page
    response = client.get(reverse("mfa_activate_totp"))
    page = response.content.decode()
    # then the secret is there in full, in its own copyable element, next to the QR code
    secret = response.context["form"].secret
    assert len(secret) >= 16
    assert re.search(rf'<code id="totp-secret"[^>]*>{secret}</code>', page)
    assert 'data-copy="totp-secret"' in page
    assert 'src="data:image/svg+xml' in page
    # and the code from the app activates it
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    done = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert done.status_code == 302
    assert Authenticator.objects.filter(user=new_admin.user, type=Authenticator.Type.TOTP).exists()


def test_recovery_codes_are_listed_whole_and_can_be_downloaded(world):
    # given a vendor admin with an authenticator app and recovery codes
    acme = world.acme
    totp = Authenticator.objects.get(user=acme.admin.user, type=Authenticator.Type.TOTP)
    codes = RecoveryCodes.activate(acme.admin.user).get_unused_codes()
    client = _signed_in(acme.admin, totp)
    # when they open their recovery codes and download them
    page = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    download = client.get(reverse("mfa_download_recovery_codes"))
    # then every code is on the page, and in the download
    assert all(f"<li>{code}</li>" in page for code in codes)
    assert reverse("mfa_download_recovery_codes") in page and reverse("mfa_generate_recovery_codes") in page
    assert download.status_code == 200
    assert all(code in download.content.decode() for code in codes)
