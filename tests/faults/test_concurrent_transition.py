"""Two people take the same action at the same moment: it happens once."""

from __future__ import annotations

import http.client
import re
import threading
import time
from html import unescape

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils.crypto import get_random_string

import prm.accounts.services as account_services
from prm.accounts.models import Membership
from prm.accounts.roles import Role
from prm.events.models import Event
from prm.tenancy.scope import tenant_scope
from tests.conftest import make_client
from tests.factories import PartnerFactory, PartnerMembershipFactory, TenantFactory

pytestmark = pytest.mark.fault


class Browser:
    """One signed-in person's browser, over its own HTTP connection to the live server."""

    def __init__(self, live_server, member):
        self.port = live_server.thread.port
        self.csrf = get_random_string(32)
        session = make_client(member).cookies["sessionid"].value
        self.headers = {
            "Host": f"{member.tenant.slug}.localhost:{self.port}",
            "Cookie": f"sessionid={session}; csrftoken={self.csrf}",
        }

    def request(self, method: str, path: str) -> tuple[int, str, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = dict(self.headers)
            if method == "POST":
                headers.update({"X-CSRFToken": self.csrf, "Content-Type": "application/x-www-form-urlencoded"})
            connection.request(
                method, path, body="reason=Left+the+company" if method == "POST" else None, headers=headers
            )
            response = connection.getresponse()
            return response.status, response.getheader("Location", ""), response.read().decode()
        finally:
            connection.close()

    def messages(self) -> list[str]:
        status, _, html = self.request("GET", "/portal/people/")
        assert status == 200
        return [
            unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in re.findall(r'role="alert">(.*?)<button', html, re.S)
        ]


def test_two_partner_admins_deactivating_the_same_user_at_once_do_it_once(live_server, superuser_db, monkeypatch):
    # Given two admins of one partner and a sales rep of theirs
    tenant = TenantFactory(slug="acme")
    partner = PartnerFactory(tenant=tenant)
    first, second = (PartnerMembershipFactory(partner=partner, role=Role.PARTNER_ADMIN) for _ in range(2))
    rep = PartnerMembershipFactory(partner=partner, role=Role.SALES)
    browsers = [Browser(live_server, first), Browser(live_server, second)]

    # ...and a server in which the first deactivation, holding the row lock, waits (up to 5 s)
    # until the other request is blocked on that lock: the race happens on every run
    real_event_record = account_services.event_record
    contended = threading.Event()

    def event_record_once_the_other_waits(**kwargs):
        if not contended.is_set():
            deadline = time.monotonic() + 5
            with superuser_db.cursor() as cursor:
                while time.monotonic() < deadline and not contended.is_set():
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                    if cursor.fetchone()[0]:
                        contended.set()
                    else:
                        time.sleep(0.01)
        return real_event_record(**kwargs)

    monkeypatch.setattr(account_services, "event_record", event_record_once_the_other_waits)

    # When both admins press "Deactivate" for the rep at the same moment
    barrier = threading.Barrier(2, timeout=10)
    answers: list = [None, None]

    def press(n: int) -> None:
        barrier.wait()
        answers[n] = browsers[n].request("POST", f"/portal/people/{rep.pk}/deactivate/")

    threads = [threading.Thread(target=press, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert contended.is_set(), "the second request never waited for the first: no race happened"

    # Then both are sent back to the people page; one is told it is done, the other that it
    # already was
    assert [(status, location) for status, location, _ in answers] == [(302, "/portal/people/")] * 2
    told = sorted(message for browser in browsers for message in browser.messages())
    assert told == sorted([f"{rep.user} no longer has access.", f"{rep.user} is already deactivated."])
    # ...the rep is deactivated, and there is exactly one event of it
    with tenant_scope(tenant):
        assert Membership.objects.get(pk=rep.pk).is_active is False
        events = Event.objects.filter(
            content_type=ContentType.objects.get_for_model(Membership), object_id=rep.pk, verb="membership.deactivated"
        )
        assert events.count() == 1
