"""The periodic sweep: reminders at half time, escalation at the deadline, expiry reminders and
expiry; each happens once however often the sweep runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from deals.models import Deal, DealProtection, DealStatus
from deals.tasks import deals_sweep_all_task, deals_sweep_task
from prm.events.models import Event
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope
from tests.factories import refresh

from .deal_setup import submitted

pytestmark = pytest.mark.django_db
S = DealStatus


def sweep(side) -> dict:
    return deals_sweep_task.apply(kwargs={"tenant_id": side.tenant.pk}, throw=True).get()


def set_fields(deal, **fields):
    with platform_scope():
        Deal.objects.filter(pk=deal.pk).update(**fields)


def notes(kind, recipient=None) -> int:
    with platform_scope():
        found = Notification.objects.filter(kind=kind)
        return (found.filter(recipient=recipient) if recipient else found).count()


def verbs(deal, verb) -> int:
    with platform_scope():
        return Event.objects.filter(object_id=deal.pk, verb=verb).count()


def test_the_reviewer_is_reminded_at_half_time_and_admins_at_the_deadline_once_each(acme, cat):
    # given one deal past half its window, and one submitted just now
    now = timezone.now()
    late = submitted(acme.sales_rep, cat, customer_name="Late", customer_website="late.com")
    fresh = submitted(acme.sales_rep, cat, customer_name="Fresh", customer_website="fresh.com")
    set_fields(late, submitted_at=now - timedelta(days=30), decision_due_at=now + timedelta(hours=1))
    # when the sweep runs twice
    first, second = sweep(acme), sweep(acme)
    # then the reviewer was reminded once, about that deal only
    assert (first["reminded"], second["reminded"]) == (1, 0)
    assert notes("deal.reminder", acme.manager) == 1
    assert refresh(late).reminded_at is not None and refresh(fresh).reminded_at is None
    assert first["escalated"] == 0
    # when the deadline passes and the sweep runs twice
    set_fields(late, decision_due_at=now - timedelta(minutes=1))
    first, second = sweep(acme), sweep(acme)
    # then the vendor admins were told once, and no second reminder went out
    assert (first["escalated"], second["escalated"]) == (1, 0)
    assert notes("deal.escalated", acme.admin) == 1
    assert notes("deal.reminder") == 1
    assert verbs(late, "deal.escalated") == 1 and verbs(late, "deal.reminded") == 1


def test_expiry_reminders_go_out_14_and_3_days_before_once_each(acme, cat, approved):
    today = timezone.localdate()
    # given a protection ending in 10 days
    set_fields(approved, protected_until=today + timedelta(days=10))
    assert [sweep(acme)["expiry_reminders"] for _ in range(2)] == [1, 0]
    assert refresh(approved).expiry_reminders_sent == [14]
    # when it is 2 days away
    set_fields(approved, protected_until=today + timedelta(days=2))
    assert [sweep(acme)["expiry_reminders"] for _ in range(2)] == [1, 0]
    assert refresh(approved).expiry_reminders_sent == [3, 14]
    # then the partner's admin and the registrant heard twice in all
    assert notes("deal.expiring", acme.partner_admin) == 2
    assert notes("deal.expiring", acme.sales_rep) == 2
    assert verbs(approved, "deal.expiry_reminder") == 2


def test_a_protection_first_seen_3_days_before_its_end_gets_one_reminder(acme, cat, approved):
    set_fields(approved, protected_until=timezone.localdate() + timedelta(days=3))
    assert sweep(acme)["expiry_reminders"] == 1
    assert refresh(approved).expiry_reminders_sent == [3, 14]
    assert notes("deal.expiring", acme.sales_rep) == 1


def test_a_passed_protection_expires_once_and_frees_the_customer(acme, cat, approved):
    set_fields(approved, protected_until=timezone.localdate() - timedelta(days=1))
    assert [sweep(acme)["expired"] for _ in range(2)] == [1, 0]
    deal = refresh(approved)
    assert deal.status == S.EXPIRED
    with platform_scope():
        assert not DealProtection.objects.get(deal=deal).active
    assert verbs(deal, "deal.expired") == 1
    assert notes("deal.expired", acme.partner_admin) == 1


def test_a_protection_ending_today_does_not_expire_yet(acme, cat, approved):
    set_fields(approved, protected_until=timezone.localdate())
    assert sweep(acme)["expired"] == 0
    assert refresh(approved).status == S.APPROVED


def test_the_beat_task_fans_out_one_sweep_per_active_tenant(world, cat):
    assert deals_sweep_all_task() >= 2
