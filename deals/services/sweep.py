"""The periodic sweep of one tenant's registrations: review reminders at half time, escalation
at the deadline, expiry reminders and expiry.

Each step selects its candidates with one query (locking them, skipping rows a concurrent run
or a reviewer holds), marks them in one statement and writes its events and notifications in
bulk. Every step is guarded by state (``reminded_at``, ``escalated_at``,
``expiry_reminders_sent``, the status), so a second run in the same minute does nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext_noop

from prm.accounts.models import Membership
from prm.accounts.selectors import partner_admins_by_partner, vendor_admin_list
from prm.events import texts
from prm.events.models import Event
from prm.events.services import event_record_many, system_event
from prm.notifications.services import Message, notify_many
from prm.tenancy.time import tenant_zone
from programs.selectors.tiers import program_review_hours

from .. import events, notifications
from ..models import Deal, DealStatus
from .closing import deal_expire
from .common import DEAL_TITLE, DEFAULT_REVIEW_HOURS, EXPIRY_REMINDER_DAYS, business_deadline, deal_url

S = DealStatus


@dataclass
class SweepSummary:
    reminded: int = 0
    escalated: int = 0
    expiry_reminders: int = 0
    expired: int = 0


def _candidates(queryset, *fields):
    # Lock the candidates: a reviewer deciding one right now (or a parallel sweep) keeps it.
    return list(queryset.select_for_update(skip_locked=True, no_key=True).values_list(*fields))


def _events(rows: list[tuple]) -> list[Event]:
    """Bulk-insert system events: (deal id, partner id, verb, message, data[, the message's params])."""
    deal_type = ContentType.objects.get_for_model(Deal)
    return event_record_many(
        events=[
            system_event(
                target_type=deal_type,
                object_id=deal_id,
                partner_id=partner_id,
                verb=verb,
                message=message,
                params=params[0] if params else {},
                data=data,
                internal=verb != events.EXPIRY_REMINDER,
            )
            for deal_id, partner_id, verb, message, data, *params in rows
        ]
    )


def _reference(deal_id: int) -> str:
    return f"DR-{deal_id:06d}"


def _remind(now: datetime, zone) -> int:
    rows = _candidates(
        Deal.objects.filter(
            status=S.SUBMITTED, reminded_at__isnull=True, decision_due_at__gt=now, submitted_at__isnull=False
        ),
        "pk",
        "partner_id",
        "program_id",
        "submitted_at",
        "decision_due_at",
        "reviewer_id",
        "customer_name",
    )
    if not rows:
        return 0
    hours = program_review_hours(program_ids={r[2] for r in rows if r[2]})
    due = [r for r in rows if business_deadline(r[3], hours.get(r[2], DEFAULT_REVIEW_HOURS) / 2, zone) <= now]
    if not due:
        return 0
    Deal.objects.filter(pk__in=[r[0] for r in due]).update(reminded_at=now)
    recorded = _events([(r[0], r[1], events.REMINDED, "Reviewer reminded at half time.", {}) for r in due])
    reviewers = {m.pk: m for m in Membership.objects.filter(pk__in={r[5] for r in due if r[5]}, is_active=True)}
    admins = None
    messages = []
    for row, event in zip(due, recorded, strict=True):
        recipients = [reviewers[row[5]]] if row[5] in reviewers else None
        if recipients is None:
            admins = admins if admins is not None else vendor_admin_list()
            recipients = admins
        messages.append(
            Message(
                recipients=recipients,
                kind=notifications.REMINDER,
                title=DEAL_TITLE,
                body=gettext_noop("Half of the review window has passed."),
                params={
                    "deal": f"{_reference(row[0])} {row[6]}",
                    "what": texts.phrase(gettext_noop("decision due by %(due)s"), due=row[4]),
                },
                url=deal_url(row[0], staff=True),
                event=event,
            )
        )
    notify_many(messages=messages)
    return len(due)


def _escalate(now: datetime, zone) -> int:
    rows = _candidates(
        Deal.objects.filter(status=S.SUBMITTED, escalated_at__isnull=True, decision_due_at__lte=now),
        "pk",
        "partner_id",
        "decision_due_at",
        "customer_name",
    )
    if not rows:
        return 0
    Deal.objects.filter(pk__in=[r[0] for r in rows]).update(escalated_at=now)
    recorded = _events(
        [
            (r[0], r[1], events.ESCALATED, gettext_noop("Escalated to the vendor admins: the decision is overdue."), {})
            for r in rows
        ]
    )
    admins = vendor_admin_list()
    notify_many(
        messages=[
            Message(
                recipients=admins,
                kind=notifications.ESCALATED,
                title=DEAL_TITLE,
                body=gettext_noop("The decision was due by %(due)s."),
                params={
                    "deal": f"{_reference(row[0])} {row[3]}",
                    "what": texts.label(gettext_noop("decision overdue")),
                    "due": row[2],
                },
                url=deal_url(row[0], staff=True),
                event=event,
            )
            for row, event in zip(rows, recorded, strict=True)
        ]
    )
    return len(rows)


def _partner_audiences(rows) -> dict[int, list[Membership]]:
    """Each deal's partner admins and its registrant, in two queries: (deal, partner, registrant)."""
    admins = partner_admins_by_partner(partner_ids={r[1] for r in rows})
    registrants = {
        m.pk: m for m in Membership.objects.filter(pk__in={r[2] for r in rows}, partner__isnull=False, is_active=True)
    }
    return {
        deal_id: admins.get(partner_id, []) + ([registrants[by]] if by in registrants else [])
        for deal_id, partner_id, by in rows
    }


def _expiry_reminders(today: date) -> int:
    rows = _candidates(
        Deal.objects.filter(
            status=S.APPROVED,
            protected_until__gte=today,
            protected_until__lte=today + timedelta(days=max(EXPIRY_REMINDER_DAYS)),
        ),
        "pk",
        "partner_id",
        "registered_by_id",
        "protected_until",
        "expiry_reminders_sent",
        "customer_name",
    )
    due = []
    for row in rows:
        days_left = (row[3] - today).days
        sent = set(row[4] or [])
        new = {d for d in EXPIRY_REMINDER_DAYS if days_left <= d} - sent
        if new:
            due.append((row, days_left, tuple(sorted(sent | new))))
    if not due:
        return 0
    by_value: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for row, _, value in due:
        by_value[value].append(row[0])
    for value, ids in by_value.items():  # at most one statement per reminder combination
        Deal.objects.filter(pk__in=ids).update(expiry_reminders_sent=list(value))
    recorded = _events(
        [
            (
                row[0],
                row[1],
                events.EXPIRY_REMINDER,
                gettext_noop("Protection ends on %(day)s."),
                {"days_left": left},
                {"day": texts.day(row[3])},
            )
            for row, left, _ in due
        ]
    )
    audiences = _partner_audiences([(row[0], row[1], row[2]) for row, _, _ in due])
    notify_many(
        messages=[
            Message(
                recipients=audiences[row[0]],
                kind=notifications.EXPIRING,
                title=DEAL_TITLE,
                body=gettext_noop("Protected until %(day)s. Request an extension if the deal needs more time."),
                params={
                    "deal": f"{_reference(row[0])} {row[5]}",
                    "what": texts.count_phrase(
                        "protection ends in %(count)s day", "protection ends in %(count)s days", left
                    ),
                    "day": row[3],
                },
                url=deal_url(row[0], staff=False),
                event=event,
            )
            for (row, left, _), event in zip(due, recorded, strict=True)
        ]
    )
    return len(due)


def _expire(today: date) -> int:
    ids = list(
        Deal.objects.filter(status=S.APPROVED, protected_until__lt=today).order_by("pk").values_list("pk", flat=True)
    )
    # Through the service, one locked transition each: expiry releases protections and tells
    # the partner, and a deal decided meanwhile (won, extended) is left alone.
    return sum(1 for deal_id in ids if deal_expire(deal=Deal(pk=deal_id), today=today))


def deals_sweep(*, now: datetime | None = None) -> SweepSummary:
    """One sweep of the current tenant. Safe to run twice: every step is guarded by state."""
    now = now or timezone.now()
    zone = tenant_zone()
    today = now.astimezone(zone).date()
    return SweepSummary(
        reminded=_remind(now, zone),
        escalated=_escalate(now, zone),
        expiry_reminders=_expiry_reminders(today),
        expired=_expire(today),
    )
