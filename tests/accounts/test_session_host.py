"""A session is good only on the host it was made on: replayed on another vendor's host it is
signed out there (and asked to sign in), and still works where it was made."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from prm.accounts.roles import Role
from tests.factories import PASSWORD, PartnerMembershipFactory

from ..conftest import PLATFORM_HOST

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(world):
    """A sales rep who sells for both vendors: signed in anywhere, they would be a member."""
    rep = world.globex.sales_rep
    PartnerMembershipFactory(partner=world.acme.partner, user=rep.user, role=Role.SALES)
    EmailAddress.objects.create(user=rep.user, email=rep.user.email, verified=True, primary=True)
    return rep


def replayed(client: Client, host: str) -> Client:
    """Another client on ``host`` presenting ``client``'s session cookie."""
    other = Client(HTTP_HOST=host)
    other.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return other


def asked_to_sign_in(response, path: str) -> bool:
    return response.status_code == 302 and response["Location"] == f"{reverse('account_login')}?next={path}"


def test_a_session_made_on_one_vendors_host_is_signed_out_on_another(world, rep):
    # given the rep signed in on globex's host
    globex = Client(HTTP_HOST=world.globex.host)
    assert globex.post(reverse("account_login"), {"login": rep.user.email, "password": PASSWORD}).status_code == 302
    assert globex.get("/portal/").status_code == 200
    # when that session's cookie is presented on acme's host, where the rep is a member too
    acme = replayed(globex, world.acme.host)
    response = acme.get("/portal/")
    # then acme's host treats it as signed out and asks to sign in
    assert asked_to_sign_in(response, "/portal/")
    # and the session still works on globex, where it was made
    assert Session.objects.filter(session_key=globex.cookies[settings.SESSION_COOKIE_NAME].value).exists()
    assert globex.get("/portal/").status_code == 200
    # and signing in on acme's host makes a session of its own there
    assert acme.post(reverse("account_login"), {"login": rep.user.email, "password": PASSWORD}).status_code == 302
    assert acme.get("/portal/").status_code == 200
    assert acme.cookies[settings.SESSION_COOKIE_NAME].value != globex.cookies[settings.SESSION_COOKIE_NAME].value


def test_a_session_with_no_host_yet_is_bound_to_the_first_host_it_is_used_on(world, rep):
    # given a session made without a host (force_login, like a session from before the binding)
    acme = Client(HTTP_HOST=world.acme.host)
    acme.force_login(rep.user)
    # when it is first used on acme's host, then on globex's
    assert acme.get("/portal/").status_code == 200
    response = replayed(acme, world.globex.host).get("/portal/")
    # then acme's host keeps it, and globex's host asks to sign in
    assert asked_to_sign_in(response, "/portal/")
    assert acme.get("/portal/").status_code == 200


def test_the_port_does_not_change_the_host(world, rep):
    # given a session made on acme's host on port 8000
    acme = Client(HTTP_HOST=world.acme.host + ":8000")
    acme.force_login(rep.user)
    assert acme.get("/portal/").status_code == 200
    # then it is the same host without the port (browsers send one cookie to both)
    assert replayed(acme, world.acme.host).get("/portal/").status_code == 200


def test_the_platform_hand_off_signs_in_on_the_portal_host_only(world, rep):
    # given the rep signed in on the platform page, opening acme's portal with a ticket
    platform = Client(HTTP_HOST=PLATFORM_HOST)
    platform.force_login(rep.user)
    assert platform.get("/").status_code == 200
    ticket = platform.post(f"/portals/{world.acme.tenant.pk}/open/")["Location"].removeprefix("https://acme.localhost")
    acme = Client(HTTP_HOST=world.acme.host)
    assert acme.get(ticket).status_code == 302
    # then the new session works on acme's host
    assert acme.get("/portal/").status_code == 200
    # and neither it nor the platform's session opens globex's portal, where the rep also belongs
    assert asked_to_sign_in(replayed(acme, world.globex.host).get("/portal/"), "/portal/")
    assert asked_to_sign_in(replayed(platform, world.globex.host).get("/portal/"), "/portal/")
    # and the platform page keeps its own
    assert platform.get("/").status_code == 200


def test_a_half_finished_sign_in_does_not_carry_to_another_host(world):
    # given a vendor admin of both vendors who typed the password on acme's host and is asked
    # for the authenticator's code there
    admin = world.acme.admin
    PartnerMembershipFactory(partner=world.globex.partner, user=admin.user, role=Role.SALES)
    EmailAddress.objects.create(user=admin.user, email=admin.user.email, verified=True, primary=True)
    acme = Client(HTTP_HOST=world.acme.host)
    response = acme.post(reverse("account_login"), {"login": admin.user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    # when that session is presented on globex's host
    response = replayed(acme, world.globex.host).get(reverse("mfa_authenticate"))
    # then there is no sign-in under way there
    assert response.status_code == 302 and response["Location"] == reverse("account_login")
    # and on acme's host the code is still asked for
    assert acme.get(reverse("mfa_authenticate")).status_code == 200
