"""Failed sign-ins are throttled per address and per account *at an address*: a stranger who
knows someone's e-mail address locks only themselves out, and an owner throttled at their own
address signs in with a code sent by e-mail (two-factor sign-in still follows). A looser bound
per account from anywhere stops guesses spread over many addresses; sign-in codes are capped per
mailbox and per address, by the minute and by the hour."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.core.internal import ratelimit
from allauth.core.internal.ratelimit import parse_rates
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from prm.accounts import mfa_secrets
from prm.settings.base import ACCOUNT_RATE_LIMITS
from tests.factories import PASSWORD

from ..conftest import host_of
from .test_mfa_secrets import code_for

pytestmark = pytest.mark.django_db

STRANGER = "203.0.113.7"
OWNER_ELSEWHERE = "198.51.100.20"
THROTTLED = "Too many failed login attempts"


def _amount(action: str, per: str, duration: int) -> int:
    """How many a production rate limit allows: ``_amount("login_failed_account", "key", 3600)``."""
    [rate] = [r for r in parse_rates(ACCOUNT_RATE_LIMITS[action]) if (r.per, r.duration) == (per, duration)]
    return rate.amount


def _clear_rate_limits() -> None:
    """Only this worker's rate-limit counters: the Redis database is shared with the other
    xdist worker, whose keys a flush would wipe."""
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(match=f"{cache.key_prefix}:*allauth:rl:*"):
        client.delete(key)


@pytest.fixture
def rate_limits(settings):
    """The production rate limits (the test settings switch them off)."""
    settings.ACCOUNT_RATE_LIMITS = ACCOUNT_RATE_LIMITS
    _clear_rate_limits()
    yield ACCOUNT_RATE_LIMITS
    _clear_rate_limits()


def verified(membership):
    user = membership.user
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return membership


def visitor(membership, address: str) -> Client:
    return Client(HTTP_HOST=host_of(membership.tenant), REMOTE_ADDR=address)


def sign_in(client: Client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def signed_in(client: Client) -> bool:
    return client.get("/portal/").status_code == 200


def test_a_stranger_failing_repeatedly_is_throttled_at_their_address(world, rate_limits):
    # given a stranger who knows a partner admin's e-mail address
    owner = verified(world.acme.partner_admin)
    stranger = visitor(owner, STRANGER)
    # when they type five wrong passwords
    for _ in range(5):
        response = sign_in(stranger, owner.user.email, "wrong-password-123")
        assert response.status_code == 200 and THROTTLED not in response.content.decode()
    # then the next attempt is refused at their address, even with the right password
    response = sign_in(stranger, owner.user.email, PASSWORD)
    assert response.status_code == 200 and THROTTLED in response.content.decode()
    assert not signed_in(stranger)


def test_the_owner_still_signs_in_from_another_address(world, rate_limits):
    # given a stranger who has locked themselves out with the owner's e-mail address
    owner = verified(world.acme.partner_admin)
    stranger = visitor(owner, STRANGER)
    for _ in range(6):
        sign_in(stranger, owner.user.email, "wrong-password-123")
    assert THROTTLED in sign_in(stranger, owner.user.email, PASSWORD).content.decode()
    # when the owner signs in from their own address with the right password
    own = visitor(owner, OWNER_ELSEWHERE)
    response = sign_in(own, owner.user.email, PASSWORD)
    # then they are in
    assert response.status_code == 302, response.content.decode()[:500]
    assert signed_in(own)


def test_behind_the_proxy_each_clients_own_address_counts(world, rate_limits, settings):
    # given production's trust in one proxy, through which every request arrives
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    owner = verified(world.acme.partner_admin)
    proxy = "10.0.0.2"
    stranger = Client(HTTP_HOST=host_of(owner.tenant), REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=STRANGER)
    own = Client(HTTP_HOST=host_of(owner.tenant), REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=OWNER_ELSEWHERE)
    # when a stranger locks themselves out with the owner's address
    for _ in range(6):
        sign_in(stranger, owner.user.email, "wrong-password-123")
    assert THROTTLED in sign_in(stranger, owner.user.email, PASSWORD).content.decode()
    # then the owner, behind the same proxy, signs in
    assert sign_in(own, owner.user.email, PASSWORD).status_code == 302
    assert signed_in(own)


def test_the_per_address_cap_still_holds_across_accounts(world, rate_limits):
    # given one address guessing passwords of many people, two tries each
    people = [*world.acme.partner_admins, *world.acme.sales, world.acme.manager]
    stranger = visitor(world.acme.partner_admin, STRANGER)
    attempts = [person.user.email for person in people for _ in range(2)][:10]
    for email in attempts:
        assert THROTTLED not in sign_in(stranger, email, "wrong-password-123").content.decode()
    # then after ten failures in a minute that address may not try anybody else
    response = sign_in(stranger, world.acme.marketing.user.email, "wrong-password-123")
    assert THROTTLED in response.content.decode()


def _request_code(client: Client, email: str) -> str:
    """Ask for a sign-in code on the sign-in page; the code from the e-mail."""
    page = client.get(reverse("account_login")).content.decode()
    assert f'href="{reverse("account_request_login_code")}"' in page  # the page offers the way in
    mail.outbox.clear()
    response = client.post(reverse("account_request_login_code"), {"email": email})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_confirm_login_code"))
    (message,) = mail.outbox
    assert message.to == [email]
    return re.search(r"\n\n(\S+)\n\n", message.body).group(1)


def test_an_owner_throttled_at_their_own_address_signs_in_with_an_emailed_code(world, rate_limits):
    # given an owner who mistyped their password five times and is now throttled at their address
    owner = verified(world.acme.partner_admin)
    own = visitor(owner, OWNER_ELSEWHERE)
    for _ in range(5):
        sign_in(own, owner.user.email, "wrong-password-123")
    assert THROTTLED in sign_in(own, owner.user.email, PASSWORD).content.decode()
    # when they ask for a sign-in code by e-mail and type it
    code = _request_code(own, owner.user.email)
    response = own.post(reverse("account_confirm_login_code"), {"code": code})
    # then they are in
    assert response.status_code == 302
    assert signed_in(own)


def test_a_sign_in_code_still_asks_for_the_second_factor(world, rate_limits):
    # given a vendor admin with an authenticator app
    admin = verified(world.acme.admin)
    totp = Authenticator.objects.get(user=admin.user, type=Authenticator.Type.TOTP)
    client = visitor(admin, OWNER_ELSEWHERE)
    # when they sign in with an e-mailed code
    code = _request_code(client, admin.user.email)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    # then the authenticator's code is asked for before the back office opens
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert client.get("/office/").status_code == 302
    response = client.post(reverse("mfa_authenticate"), {"code": code_for(mfa_secrets.decrypt(totp.data["secret"]))})
    assert response.status_code == 302 and response["Location"] != reverse("mfa_authenticate")
    assert client.get("/office/").status_code == 200


def test_many_addresses_guessing_one_account_are_stopped_and_the_owner_signs_in_with_a_code(world, rate_limits):
    # given guesses at one account spread over many addresses, three each (under every
    # per-address limit), up to the per-account bound
    owner = verified(world.acme.partner_admin)
    bound = _amount("login_failed_account", "key", 3600)
    for attempt in range(bound):
        response = sign_in(visitor(owner, f"203.0.113.{attempt // 3 + 1}"), owner.user.email, "wrong-password-123")
        assert THROTTLED not in response.content.decode(), attempt
    # when one more address tries, with the right password even
    response = sign_in(visitor(owner, "192.0.2.99"), owner.user.email, PASSWORD)
    # then it is refused: the account takes no more password attempts for now, from anywhere
    assert THROTTLED in response.content.decode()
    own = visitor(owner, OWNER_ELSEWHERE)
    assert THROTTLED in sign_in(own, owner.user.email, PASSWORD).content.decode()
    assert not signed_in(own)
    # and the owner signs in with a code sent by e-mail
    code = _request_code(own, owner.user.email)
    response = own.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert signed_in(own)


SPACED = 50  # seconds between two requests for codes


class _Clock:
    """The rate limiter's clock, moved by hand (the limits' windows are minutes and hours)."""

    def __init__(self, real):
        self.now, self.monotonic, self.sleep = real.time(), real.monotonic, real.sleep

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = _Clock(ratelimit.time)
    monkeypatch.setattr(ratelimit, "time", fake)
    return fake


def _code_refused(client: Client, email: str) -> bool:
    response = client.post(reverse("account_request_login_code"), {"email": email})
    return THROTTLED in response.content.decode()


def test_sign_in_codes_to_one_mailbox_are_capped_by_the_hour(world, rate_limits, clock):
    # given an owner's mailbox sent the hour's worth of codes, from many addresses
    # (SPACED: under every per-minute cap, all within the hour)
    owner = verified(world.acme.partner_admin)
    for number in range(_amount("request_login_code", "key", 3600)):
        assert not _code_refused(visitor(owner, f"203.0.113.{number + 1}"), owner.user.email)
        clock.now += SPACED
    # when one more is asked for, from yet another address
    refused = _code_refused(visitor(owner, "192.0.2.99"), owner.user.email)
    # then it is refused: nobody floods the mailbox
    assert refused


def test_sign_in_codes_from_one_address_are_capped_by_the_hour(world, rate_limits, clock):
    # given one address asking for codes for many mailboxes (known or not), SPACED
    somebody = world.acme.partner_admin
    for number in range(_amount("request_login_code", "ip", 3600)):
        assert not _code_refused(visitor(somebody, STRANGER), f"mailbox{number}@example.com")
        clock.now += SPACED
    # then the address may ask for no more this hour
    assert _code_refused(visitor(somebody, STRANGER), "one.more@example.com")
