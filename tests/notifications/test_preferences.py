"""Notifications respect each member's per-kind choices: in the portal, by e-mail, both, neither."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from prm.events.models import OutboxMessage
from prm.notifications.kinds import KINDS
from prm.notifications.models import Notification, NotificationPreference
from prm.notifications.services import notify, preferences_update
from prm.tenancy.scope import tenant_scope

from ..conftest import make_client

pytestmark = pytest.mark.django_db

KIND = "partner.status_changed"


def _notify(side, recipients, capture, **kwargs):
    with capture(execute=True), tenant_scope(side.tenant):
        return notify(recipients=recipients, kind=KIND, title="Partner 1 is now active", url="/office/", **kwargs)


def _set(side, member, in_portal, by_email):
    with tenant_scope(side.tenant):
        NotificationPreference.objects.create(membership=member, kind=KIND, in_portal=in_portal, by_email=by_email)


def _bell_count(member) -> str:
    return make_client(member).get("/notifications/bell/").content.decode()


def _checkbox(page: str, name: str) -> str:
    [tag] = re.findall(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    return tag


def test_without_preferences_a_member_is_told_in_the_portal_and_by_e_mail(world, django_capture_on_commit_callbacks):
    acme = world.acme
    _notify(acme, [acme.manager], django_capture_on_commit_callbacks)
    # the e-mail went out, with the link on the tenant's host
    [message] = mail.outbox
    assert message.to == [acme.manager.user.email]
    assert message.subject == "Partner 1 is now active"
    assert "https://acme.localhost/office/" in message.body
    # and the portal shows it, unread
    page = make_client(acme.manager).get("/notifications/").content.decode()
    assert "Partner 1 is now active" in page
    assert "1 unread" in _bell_count(acme.manager)


@pytest.mark.parametrize(
    ("in_portal", "by_email"),
    [(True, False), (False, True), (False, False), (True, True)],
    ids=["portal-only", "email-only", "neither", "both"],
)
def test_preferences_decide_the_channels(world, django_capture_on_commit_callbacks, in_portal, by_email):
    # given the manager's choice for this kind, and the marketing user with no choice made
    acme = world.acme
    _set(acme, acme.manager, in_portal, by_email)
    # when both are notified
    _notify(acme, [acme.manager, acme.marketing], django_capture_on_commit_callbacks)
    # then the manager gets exactly the channels chosen; the marketing user gets both
    recipients = sorted(to for m in mail.outbox for to in m.to)
    expected = sorted([acme.marketing.user.email] + ([acme.manager.user.email] if by_email else []))
    assert recipients == expected
    page = make_client(acme.manager).get("/notifications/").content.decode()
    assert ("Partner 1 is now active" in page) is in_portal
    with tenant_scope(acme.tenant):
        rows = Notification.objects.filter(recipient=acme.manager).count()
        assert rows == (1 if (in_portal or by_email) else 0)
        # an outbox row exists only for e-mails someone asked for
        assert OutboxMessage.objects.count() == (2 if by_email else 1)


def test_preferences_are_per_kind(world, django_capture_on_commit_callbacks):
    acme = world.acme
    with tenant_scope(acme.tenant):
        NotificationPreference.objects.create(
            membership=acme.manager, kind="invitation.accepted", in_portal=False, by_email=False
        )
    _notify(acme, [acme.manager], django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[acme.manager.user.email]]


def test_deactivated_members_are_not_notified(world, django_capture_on_commit_callbacks):
    acme = world.acme
    with tenant_scope(acme.tenant):
        acme.marketing.is_active = False
        created = notify(recipients=[acme.marketing, None], kind=KIND, title="x")
    assert created == []
    assert mail.outbox == []


def test_preferences_page_saves_the_choices_that_notify_then_follows(
    world, client_for, django_capture_on_commit_callbacks
):
    # given the manager on the settings page
    acme = world.acme
    client = client_for(acme.manager)
    assert client.get("/notifications/preferences/").status_code == 200
    # when they keep every box ticked except e-mail for status changes
    data = {f"{kind}:portal": "on" for kind in KINDS} | {f"{kind}:email": "on" for kind in KINDS if kind != KIND}
    response = client.post("/notifications/preferences/", data)
    assert response.status_code == 302
    # then the page shows that choice, and a status change reaches them only in the portal
    page = client.get("/notifications/preferences/").content.decode()
    assert "checked" not in _checkbox(page, f"{KIND}:email")
    assert "checked" in _checkbox(page, f"{KIND}:portal")
    _notify(acme, [acme.manager], django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert "Partner 1 is now active" in client.get("/notifications/").content.decode()


def test_preferences_update_rejects_unknown_kinds(world):
    acme = world.acme
    with tenant_scope(acme.tenant), pytest.raises(ValueError):
        preferences_update(actor=acme.manager, choices={"made.up": (True, True)})


def _offered(page: str) -> set[str]:
    return {name.split(":")[0] for name in re.findall(r'name="([a-z_.]+):portal"', page)}


def test_partner_users_are_not_offered_staff_only_kinds_nor_staff_partner_only_ones(world, client_for):
    # given acme's channel manager and a sales rep of acme partner 1
    acme = world.acme
    # when each opens their notification settings
    staff_page = client_for(acme.manager).get("/notifications/preferences/").content.decode()
    partner_page = client_for(acme.sales_rep).get("/notifications/preferences/").content.decode()
    # then the rep is not asked about reviewers' work (submissions to review, review reminders,
    # pricing waiting for a decision), nor the manager about a partner's own deal running out
    staff, partner = _offered(staff_page), _offered(partner_page)
    assert {"deal.submitted", "deal.reminder", "deal.escalated", "pricing.awaiting"} <= staff
    assert not {"deal.submitted", "deal.reminder", "deal.escalated", "pricing.awaiting"} & partner
    assert "A deal registration is submitted for your review" not in partner_page
    assert {"deal.expiring", "pricing.decided", "licence.decided"} <= partner
    assert not {"deal.expiring", "pricing.decided", "licence.decided"} & staff
    # and what both sides receive is offered to both
    assert {"deal.decided", "deal.message", "partner.status_changed"} <= staff & partner


def test_a_partner_user_saving_settings_keeps_the_choices_offered(world, client_for):
    # given the sales rep's settings page
    acme = world.acme
    client = client_for(acme.sales_rep)
    offered = _offered(client.get("/notifications/preferences/").content.decode())
    # when they untick e-mail for deal messages and save
    data = {f"{kind}:portal": "on" for kind in offered} | {f"{kind}:email": "on" for kind in offered}
    del data["deal.message:email"]
    assert client.post("/notifications/preferences/", data).status_code == 302
    # then the page shows that choice, and still offers only their side's kinds
    page = client.get("/notifications/preferences/").content.decode()
    assert "checked" not in _checkbox(page, "deal.message:email")
    assert "checked" in _checkbox(page, "deal.message:portal")
    assert _offered(page) == offered
