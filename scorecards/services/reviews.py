"""Relationship reviews (QBRs): due by the tier's cadence, scheduled with a calendar invitation,
held with notes, ratings and action items, summarised as a PDF.

* ``reviews_due_sweep`` (nightly, per tenant: ``scorecards.reviews_due``) opens a DUE review for
  every active or onboarding partner whose current tier (of any program) asks for reviews and
  whose cycle has come round, in one ``INSERT ... SELECT``; the partial unique index
  ``review_one_open`` keeps one open review per partner, so a second run adds nothing.
* ``review_create`` (by hand), ``review_schedule`` (and reschedule: the invitation's SEQUENCE goes
  up), ``review_cancel``, ``review_agenda_refresh``; ``review_hold`` (notes and ratings; the PDF
  summary is rendered by a worker, ``review_summary_store``), ``review_rate`` (staff correct the
  notes and ratings afterwards; the summary is rendered again).
* ``action_add`` and ``action_complete``: action items owned by a person of either side.

Who may do what is one table (``RULES``) and one guard (``review_require``); the selectors list
with the same rules (``review_filter``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from partners.models import Partner, PartnerStatus
from prm.accounts.models import Membership
from prm.accounts.selectors import partner_admins_by_partner
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation, assert_same_tenant
from prm.events import texts
from prm.events.services import event_record, event_record_many, outbox_enqueue, system_event
from prm.notifications.services import Message, notify_many
from prm.tenancy.models import Tenant
from prm.tenancy.scope import current_tenant_id
from prm.tenancy.time import tenant_today, tenant_zone

from .. import events, notifications
from ..models import (
    ActionItem,
    ActionStatus,
    BusinessPlan,
    Criterion,
    PlanObjective,
    PlanStatus,
    RelationshipReview,
    ReviewRating,
    ReviewStatus,
    Scorecard,
    ScorecardSnapshot,
)
from ..permissions import REVIEW_RULES, R, action_may_complete, review_require

# The worker's task that renders a held review's PDF summary (scorecards.tasks).
REVIEW_SUMMARY_TASK = "scorecards.review_summary"

OPEN_STATUSES = (ReviewStatus.DUE, ReviewStatus.SCHEDULED)
# How many of the scorecard's weakest KPIs the agenda names.
WEAKEST_KPIS = 3


# --- helpers --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    """A rating given on a criterion (1-5) with an optional comment."""

    rating: int
    comment: str = ""


def review_day(review: RelationshipReview, *, zone=None) -> date:
    """The day a review took place, in the tenant's calendar: its scheduled start, or the day it
    was marked held when that was earlier (or it was never scheduled). Ratings count on it."""
    zone = zone or tenant_zone()
    held = timezone.localtime(review.held_at or timezone.now(), zone).date()
    if review.starts_at is None:
        return held
    return min(timezone.localtime(review.starts_at, zone).date(), held)


def default_title(day: date) -> str:
    """ "Relationship review Q3 2026", in the active language."""
    quarter = (day.month - 1) // 3 + 1
    return gettext("Relationship review Q%(quarter)s %(year)s") % {"quarter": quarter, "year": day.year}


def _lock(review: RelationshipReview) -> RelationshipReview:
    return (
        RelationshipReview.objects.select_for_update(of=("self",))
        .select_related("partner", "organizer__user")
        .get(pk=review.pk)
    )


def _number(value) -> float | None:
    if value is None:
        return None
    return float(round(Decimal(str(value)), 2))


def _person(member) -> str:
    return str(member.user) if member is not None else ""


# --- the agenda -----------------------------------------------------------------------------------


def _metric_label(key: str) -> str:
    """A metric's label as stored (the registry's English message id, or a manual metric's name):
    pages translate it when they show it."""
    from programs.selectors.metrics import metric_get

    metric = metric_get(key) if key else None
    return metric.label if metric is not None else key


def _scorecard_part(partner_id: int) -> list[dict]:
    """The partner's latest snapshot of each active scorecard: score, trend, percentile, the
    weakest visible KPIs, and the risks flagged (two queries; none before the first run)."""
    names = dict(Scorecard.objects.filter(is_active=True).values_list("pk", "name"))
    if not names:
        return []
    snapshots = (
        ScorecardSnapshot.objects.filter(partner_id=partner_id, scorecard_id__in=list(names))
        .order_by("scorecard_id", "-period")
        .distinct("scorecard_id")
        .values(
            "scorecard_id",
            "period",
            "as_of",
            "score",
            "previous_score",
            "last_year_score",
            "percentile",
            "at_risk",
            "results",
            "risks",
        )
    )
    parts = []
    for snap in snapshots:
        measured = [r for r in snap["results"] or [] if r.get("visible") and r.get("measured") and r.get("max_points")]
        measured.sort(key=lambda r: (r.get("attainment") or 0, -(r.get("max_points") or 0)))
        weakest = [
            {
                "label": r.get("label") or "",
                "metric": r.get("metric") or "",
                "metric_label": _metric_label(r.get("metric") or ""),
                "unit": r.get("unit") or "",
                "value": _number(r.get("value")),
                "target": _number(r.get("target")),
                "points": _number(r.get("points")),
                "max_points": _number(r.get("max_points")),
            }
            for r in measured[:WEAKEST_KPIS]
            if (r.get("attainment") or 0) < 1
        ]
        score, previous = snap["score"], snap["previous_score"]
        parts.append(
            {
                "scorecard": names[snap["scorecard_id"]],
                "period": snap["period"].isoformat(),
                "as_of": snap["as_of"].isoformat(),
                "score": _number(score),
                "previous_score": _number(previous),
                "trend": _number(score - previous) if score is not None and previous is not None else None,
                "last_year_score": _number(snap["last_year_score"]),
                "percentile": _number(snap["percentile"]),
                # The at-risk reasons are the vendor's reading of the relationship (the portal never
                # shows them): the agenda, its calendar text and the PDF are read by both sides.
                "at_risk": False,
                "risks": [],
                "weakest": weakest,
            }
        )
    parts.sort(key=lambda part: part["scorecard"])
    return parts


def _plans_part(partner_id: int, today: date) -> list[dict]:
    """The partner's agreed business plans in force today (else its latest agreed one), each
    objective with its target and its progress measured as the plan's page measures it
    (``selectors.plans.plan_progress``: the same metrics as the scorecards; a custom objective's
    progress as recorded)."""
    from ..selectors.plans import plan_progress

    plans = list(
        BusinessPlan.objects.filter(partner_id=partner_id, status=PlanStatus.AGREED).order_by("-starts_on", "-version")[
            :5
        ]
    )
    current = [p for p in plans if p.starts_on <= today <= p.ends_on] or plans[:1]
    if not current:
        return []
    objectives: dict[int, list[PlanObjective]] = {}
    for objective in PlanObjective.objects.filter(plan_id__in=[p.pk for p in current]):
        objectives.setdefault(objective.plan_id, []).append(objective)
    currency = Tenant.objects.only("default_currency").get(pk=current_tenant_id()).default_currency
    shown = []
    for plan in current:
        progress = plan_progress(plan, objectives=objectives.get(plan.pk, []), today=today, currency=currency)
        shown.append(
            {
                "id": plan.pk,
                "title": plan.title,
                "version": plan.version,
                "starts_on": plan.starts_on.isoformat(),
                "ends_on": plan.ends_on.isoformat(),
                "elapsed_percent": progress.elapsed_percent,
                "objectives": [
                    {
                        "kind": row.kind,
                        "description": row.description,
                        "target": _number(row.target),
                        "progress": _number(row.value),
                        "percent": row.percent,
                        "status": row.status,
                    }
                    for row in progress.objectives
                ],
            }
        )
    return shown


def _actions_part(partner_id: int, review_id: int | None, today: date) -> list[dict]:
    """The open action items of the partner's earlier reviews, the earliest due first."""
    rows = (
        ActionItem.objects.filter(partner_id=partner_id, status=ActionStatus.OPEN)
        .exclude(review_id=review_id)
        .select_related("owner__user")
        .order_by("due_on", "id")[:20]
    )
    return [
        {
            "id": item.pk,
            "title": item.title,
            "owner": _person(item.owner),
            "due_on": item.due_on.isoformat(),
            "overdue": item.due_on < today,
        }
        for item in rows
    ]


def _issues_part(partner_id: int, scorecards: list[dict], actions: list[dict]) -> list[dict]:
    """What to discuss before it becomes a problem: action items overdue, deal registrations
    waiting for the partner's information (one count). Not the scorecards' at-risk reasons: the
    agenda is the partner's to read too, and those are the vendor's."""
    from deals.models import Deal, DealStatus

    issues: list[dict] = []
    overdue = sum(1 for action in actions if action["overdue"])
    if overdue:
        issues.append({"code": "actions_overdue", "value": overdue})
    waiting = Deal.objects.filter(partner_id=partner_id, status=DealStatus.INFO_REQUESTED).count()
    if waiting:
        issues.append({"code": "deals_info_requested", "value": waiting})
    return issues


def review_agenda_build(*, partner_id: int, review_id: int | None = None, today: date | None = None) -> dict:
    """The agenda a review starts from (stored as JSON on the review, language-neutral: the pages
    and the PDF put it in words): the partner's scorecards (score, trend, the weakest KPIs), its
    business plans, the open action items of earlier reviews, and open issues."""
    today = today or tenant_today()
    scorecards = _scorecard_part(partner_id)
    actions = _actions_part(partner_id, review_id, today)
    return {
        "built_at": timezone.now().isoformat(),
        "scorecards": scorecards,
        "plans": _plans_part(partner_id, today),
        "actions": actions,
        "issues": _issues_part(partner_id, scorecards, actions),
    }


# --- notifications ----------------------------------------------------------------------------------


def review_attendees(review: RelationshipReview) -> list[Membership]:
    """Who the invitation goes to: the partner's active admins and its account manager (one
    query for the admins; the account manager comes with the partner)."""
    partner = review.partner
    people = list(partner_admins_by_partner(partner_ids=[partner.pk]).get(partner.pk, []))
    manager = partner.account_manager if partner.account_manager_id else None
    if manager is not None and manager.is_active:
        people.append(manager)
    return people


def _both_sides(review, *, kind, title, body, params, event, staff=(), partner_side=(), note="") -> None:
    """One message to the partner's people (linking the portal's page) and one to the vendor's
    (the back office's), each recipient once."""
    staff = {m.pk: m for m in staff if m is not None}
    partner_side = {m.pk: m for m in partner_side if m is not None}
    messages = [
        Message(
            recipients=list(people.values()),
            kind=kind,
            title=title,
            body=body,
            params=params,
            note=note,
            url=reverse(f"{area}:review_detail", kwargs={"review_id": review.pk}),
            event=event,
        )
        for area, people in (("portal", partner_side), ("office", staff))
        if people
    ]
    notify_many(messages=messages)


def _split(people) -> tuple[list, list]:
    people = [m for m in people if m is not None]
    return [m for m in people if m.is_staff_member], [m for m in people if m.is_partner_user]


def _announce_schedule(review: RelationshipReview, event, *, rescheduled: bool) -> None:
    staff, partner_side = _split([*review_attendees(review), review.organizer])
    title = (
        gettext_noop("Relationship review with %(partner)s moved to %(when)s")
        if rescheduled
        else gettext_noop("Relationship review with %(partner)s on %(when)s")
    )
    _both_sides(
        review,
        kind=notifications.REVIEW_SCHEDULED,
        title=title,
        body=gettext_noop("%(title)s, %(minutes)s minutes. The review's page has the agenda and the invitation."),
        params={
            "partner": review.partner.display_name,
            "when": texts.moment(review.starts_at),
            "title": review.title,
            "minutes": review.duration_minutes,
        },
        event=event,
        staff=staff,
        partner_side=partner_side,
    )


# --- creating and scheduling ------------------------------------------------------------------------


@transaction.atomic
def review_create(
    *,
    actor,
    partner: Partner,
    title: str = "",
    due_on: date | None = None,
    starts_at: datetime | None = None,
    duration_minutes: int = 60,
    location: str = "",
) -> RelationshipReview:
    """Open a review with ``partner`` by hand (due on ``due_on``, today by default); with
    ``starts_at`` it is scheduled at once. A partner has one open review at a time: the partner's
    row is locked, so two managers at once make one (the other is told)."""
    review_require(actor, partner, R.MANAGE)
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if partner.status not in (PartnerStatus.ACTIVE, PartnerStatus.ONBOARDING):
        raise PolicyViolation(
            gettext("%(partner)s is not active: reviews are held with active and onboarding partners.")
            % {"partner": partner}
        )
    existing = RelationshipReview.objects.filter(partner=partner, status__in=OPEN_STATUSES).first()
    if existing is not None:
        raise PolicyViolation(
            gettext("%(partner)s already has an open review (%(title)s): schedule or cancel that one.")
            % {"partner": partner, "title": existing.title}
        )
    today = tenant_today()
    due_on = due_on or today
    try:
        with transaction.atomic():
            review = RelationshipReview.objects.create(
                partner=partner,
                title=(title or "").strip() or default_title(due_on),
                due_on=due_on,
                duration_minutes=duration_minutes,
            )
    except IntegrityError as error:  # the nightly sweep opened one at this very moment
        raise PolicyViolation(
            gettext("%(partner)s already has an open review: schedule or cancel that one.") % {"partner": partner}
        ) from error
    event_record(
        actor=actor,
        target=review,
        verb=events.REVIEW_DUE,
        to_state=ReviewStatus.DUE,
        message=gettext_noop("%(title)s opened, due on %(date)s."),
        params={"title": review.title, "date": texts.day(due_on)},
        data={"due_on": due_on.isoformat(), "by_hand": True},
        internal=True,  # a due review is the vendor's to-do: partners see it once scheduled
    )
    if starts_at is not None:
        review = review_schedule(
            actor=actor, review=review, starts_at=starts_at, duration_minutes=duration_minutes, location=location
        )
    return review


@transaction.atomic
def review_schedule(
    *,
    actor,
    review: RelationshipReview,
    starts_at: datetime,
    duration_minutes: int,
    location: str = "",
    title: str | None = None,
) -> RelationshipReview:
    """Schedule a due review, or move a scheduled one (the invitation's SEQUENCE goes up, so the
    attendees' calendars update the meeting rather than add one). The actor becomes the organizer;
    the agenda is (re)built from the partner's scorecard, plans, open actions and issues. The
    partner's admins, the account manager and the organizer get the invitation. Moving it to the
    same time and place changes nothing."""
    review_require(actor, review, R.MANAGE)
    review = _lock(review)
    if review.status not in OPEN_STATUSES:
        raise InvalidTransition(
            gettext("This review is %(status)s: it cannot be scheduled.")
            % {"status": review.get_status_display().lower()}
        )
    if timezone.is_naive(starts_at):
        raise PolicyViolation(gettext("Give the review's start with its time zone."))
    if not 15 <= duration_minutes <= 480:
        raise PolicyViolation(gettext("A review lasts between 15 minutes and 8 hours."))
    location = (location or "").strip()
    title = (title or "").strip() or review.title
    rescheduled = review.status == ReviewStatus.SCHEDULED
    if rescheduled and (review.starts_at, review.duration_minutes, review.location, review.title) == (
        starts_at,
        duration_minutes,
        location,
        title,
    ):
        return review
    if rescheduled:
        review.sequence += 1
    previous = review.starts_at
    from_state = review.status
    review.status = ReviewStatus.SCHEDULED
    review.starts_at, review.duration_minutes, review.location, review.title = (
        starts_at,
        duration_minutes,
        location,
        title,
    )
    review.organizer = actor
    review.agenda = review_agenda_build(partner_id=review.partner_id, review_id=review.pk)
    review.save(
        update_fields=[
            "status",
            "starts_at",
            "duration_minutes",
            "location",
            "title",
            "organizer",
            "agenda",
            "sequence",
            "updated_at",
        ]
    )
    event = event_record(
        actor=actor,
        target=review,
        verb=events.REVIEW_SCHEDULED,
        from_state=from_state,
        to_state=ReviewStatus.SCHEDULED,
        message=gettext_noop("Moved to %(when)s.") if rescheduled else gettext_noop("Scheduled for %(when)s."),
        params={"when": texts.moment(starts_at)},
        data={
            "starts_at": starts_at.isoformat(),
            "previous": previous.isoformat() if previous else None,
            "duration_minutes": duration_minutes,
            "sequence": review.sequence,
        },
    )
    _announce_schedule(review, event, rescheduled=rescheduled)
    return review


@transaction.atomic
def review_cancel(*, actor, review: RelationshipReview, reason: str = "") -> RelationshipReview:
    """Cancel an open review. A scheduled one's invitation is withdrawn (METHOD:CANCEL, the next
    SEQUENCE) and its attendees told. The next one falls due a cycle after this one's due date."""
    review_require(actor, review, R.MANAGE)
    review = _lock(review)
    if review.status == ReviewStatus.CANCELLED:
        raise InvalidTransition(gettext("This review is already cancelled."))
    if review.status not in OPEN_STATUSES:
        raise InvalidTransition(gettext("A review that was held cannot be cancelled."))
    from_state = review.status
    was_scheduled = from_state == ReviewStatus.SCHEDULED
    if was_scheduled:
        review.sequence += 1
    review.status = ReviewStatus.CANCELLED
    review.save(update_fields=["status", "sequence", "updated_at"])
    event = event_record(
        actor=actor,
        target=review,
        verb=events.REVIEW_CANCELLED,
        from_state=from_state,
        to_state=ReviewStatus.CANCELLED,
        message=gettext_noop("%(title)s cancelled."),
        params={"title": review.title},
        note=reason,
        data={"sequence": review.sequence},
        internal=not was_scheduled,  # never scheduled: the partner never saw it, nor sees why it went
    )
    if was_scheduled:
        staff, partner_side = _split([*review_attendees(review), review.organizer])
        _both_sides(
            review,
            kind=notifications.REVIEW_SCHEDULED,
            title=gettext_noop("Relationship review with %(partner)s on %(when)s is cancelled"),
            body=gettext_noop("The meeting is withdrawn from the calendars; the review's page has the cancellation."),
            params={"partner": review.partner.display_name, "when": texts.moment(review.starts_at)},
            note=reason,
            event=event,
            staff=[m for m in staff if m.pk != actor.pk],
            partner_side=partner_side,
        )
    return review


@transaction.atomic
def review_agenda_refresh(*, actor, review: RelationshipReview) -> RelationshipReview:
    """Build an open review's agenda again from today's figures (a held review keeps the agenda
    it was held on)."""
    review_require(actor, review, R.MANAGE)
    review = _lock(review)
    if review.status not in OPEN_STATUSES:
        raise InvalidTransition(gettext("Only an open review's agenda is refreshed: this one was held or cancelled."))
    review.agenda = review_agenda_build(partner_id=review.partner_id, review_id=review.pk)
    review.save(update_fields=["agenda", "updated_at"])
    return review


# --- holding and rating ------------------------------------------------------------------------------------


def _clean_ratings(ratings: dict) -> dict[str, Rating]:
    cleaned = {}
    for criterion, given in (ratings or {}).items():
        if given is None:
            continue
        if criterion not in Criterion.values:
            raise PolicyViolation(gettext("Unknown criterion: %(criterion)s.") % {"criterion": criterion})
        given = given if isinstance(given, Rating) else Rating(int(given))
        if not 1 <= given.rating <= 5:
            raise PolicyViolation(gettext("Ratings go from 1 to 5."))
        cleaned[criterion] = Rating(given.rating, (given.comment or "").strip()[:300])
    return cleaned


def _ratings_event(actor, review, ratings: dict[str, Rating], *, corrected: bool):
    return event_record(
        actor=actor,
        target=review,
        verb=events.REVIEW_RATED,
        message=gettext_noop("Ratings corrected.") if corrected else gettext_noop("Partner rated."),
        data={"ratings": {criterion: given.rating for criterion, given in sorted(ratings.items())}},
    )


@transaction.atomic
def review_hold(
    *, actor, review: RelationshipReview, notes: str = "", ratings: dict | None = None
) -> RelationshipReview:
    """Record that the review was held: the notes and the ratings (1-5) on the agreement's
    criteria, counted on the review's day (the scorecard's "reviews.rating" metric reads them).
    A worker renders the PDF summary and tells both sides."""
    review_require(actor, review, R.MANAGE)
    review = _lock(review)
    if review.status == ReviewStatus.HELD:
        raise InvalidTransition(
            gettext("This review was already marked held by %(person)s.") % {"person": _person(review.held_by)}
        )
    if review.status not in OPEN_STATUSES:
        raise InvalidTransition(gettext("A cancelled review cannot be held."))
    cleaned = _clean_ratings(ratings or {})
    now = timezone.now()
    from_state = review.status
    review.status, review.held_at, review.held_by = ReviewStatus.HELD, now, actor
    review.notes = (notes or "").strip()
    if not review.agenda:  # held without being scheduled: the summary still shows where things stood
        review.agenda = review_agenda_build(partner_id=review.partner_id, review_id=review.pk)
    review.save(update_fields=["status", "held_at", "held_by", "notes", "agenda", "updated_at"])
    day = review_day(review)
    ReviewRating.objects.bulk_create(
        [
            ReviewRating(
                review=review,
                partner_id=review.partner_id,
                criterion=criterion,
                rating=given.rating,
                comment=given.comment,
                rated_on=day,
                rated_by=actor,
            )
            for criterion, given in sorted(cleaned.items())
        ]
    )
    event_record(
        actor=actor,
        target=review,
        verb=events.REVIEW_HELD,
        from_state=from_state,
        to_state=ReviewStatus.HELD,
        message=gettext_noop("%(title)s held on %(date)s."),
        params={"title": review.title, "date": texts.day(day)},
        data={"day": day.isoformat(), "ratings": len(cleaned)},
    )
    if cleaned:
        _ratings_event(actor, review, cleaned, corrected=False)
    outbox_enqueue(task_name=REVIEW_SUMMARY_TASK, review_id=review.pk, announce=True)
    return review


@transaction.atomic
def review_rate(*, actor, review: RelationshipReview, notes: str, ratings: dict | None = None) -> RelationshipReview:
    """Correct a held review's notes and ratings (a criterion left blank loses its rating); the
    summary is rendered again. Nothing changed: nothing happens."""
    review_require(actor, review, R.MANAGE)
    review = _lock(review)
    if review.status != ReviewStatus.HELD:
        raise InvalidTransition(gettext("Ratings are given when the review is marked held."))
    cleaned = _clean_ratings(ratings or {})
    notes = (notes or "").strip()
    stored = {r.criterion: r for r in ReviewRating.objects.filter(review=review)}
    now_ratings = {c: (r.rating, r.comment) for c, r in stored.items()}
    wanted = {c: (g.rating, g.comment) for c, g in cleaned.items()}
    if now_ratings == wanted and notes == review.notes:
        return review
    day = review_day(review)
    gone = [stored[c].pk for c in set(stored) - set(cleaned)]
    if gone:
        ReviewRating.objects.filter(pk__in=gone).delete()
    changed = []
    for criterion, given in cleaned.items():
        row = stored.get(criterion)
        if row is None:
            ReviewRating.objects.create(
                review=review,
                partner_id=review.partner_id,
                criterion=criterion,
                rating=given.rating,
                comment=given.comment,
                rated_on=day,
                rated_by=actor,
            )
        elif (row.rating, row.comment) != (given.rating, given.comment):
            row.rating, row.comment, row.rated_by = given.rating, given.comment, actor
            changed.append(row)
    ReviewRating.objects.bulk_update(changed, ["rating", "comment", "rated_by"])
    if notes != review.notes:
        review.notes = notes
        review.save(update_fields=["notes", "updated_at"])
    _ratings_event(actor, review, cleaned, corrected=True)
    outbox_enqueue(task_name=REVIEW_SUMMARY_TASK, review_id=review.pk, announce=False)
    return review


# --- action items ------------------------------------------------------------------------------------------


def owner_allowed(review: RelationshipReview, owner: Membership) -> bool:
    """An action item's owner: an active person of the partner, or of the vendor's staff."""
    return (
        owner is not None
        and owner.is_active
        and owner.tenant_id == review.tenant_id
        and (owner.is_staff_member or owner.partner_id == review.partner_id)
    )


def _review_url_for(member, review_id: int) -> str:
    name = "office:review_detail" if member.is_staff_member else "portal:review_detail"
    return reverse(name, kwargs={"review_id": review_id})


@transaction.atomic
def action_add(*, actor, review: RelationshipReview, title: str, owner: Membership, due_on: date) -> ActionItem:
    """An action agreed in the review, owned by someone of either side, due on ``due_on``. The
    owner is told; a held review's summary is rendered again with it."""
    review_require(actor, review, R.MANAGE)
    review = _lock(review)
    if review.status == ReviewStatus.CANCELLED:
        raise InvalidTransition(gettext("A cancelled review takes no action items."))
    if review.status == ReviewStatus.DUE:
        # Not shown to the partner yet: its people could not open what they were given.
        raise InvalidTransition(gettext("Action items are agreed in a review: schedule it or mark it held first."))
    title = (title or "").strip()
    if not title:
        raise PolicyViolation(gettext("Say what is to be done."))
    assert_same_tenant(actor, owner)
    if not owner_allowed(review, owner):
        raise PolicyViolation(
            gettext("An action item is owned by an active person of %(partner)s or of the vendor's staff.")
            % {"partner": review.partner}
        )
    item = ActionItem.objects.create(
        review=review, partner_id=review.partner_id, title=title[:200], owner=owner, due_on=due_on
    )
    event = event_record(
        actor=actor,
        target=review,
        verb=events.ACTION_ASSIGNED,
        message=gettext_noop("Action item “%(action)s” for %(person)s, due on %(date)s."),
        params={"action": item.title, "person": _person(owner), "date": texts.day(due_on)},
        data={"action_id": item.pk, "owner_id": owner.pk, "due_on": due_on.isoformat()},
    )
    if owner.pk != actor.pk:
        notify_many(
            messages=[
                Message(
                    recipients=[owner],
                    kind=notifications.ACTION_ASSIGNED,
                    title=gettext_noop("An action item from the review with %(partner)s is yours"),
                    body=gettext_noop("“%(action)s”, due on %(date)s."),
                    params={"partner": review.partner.display_name, "action": item.title, "date": texts.day(due_on)},
                    url=_review_url_for(owner, review.pk),
                    event=event,
                )
            ]
        )
    if review.status == ReviewStatus.HELD:
        outbox_enqueue(task_name=REVIEW_SUMMARY_TASK, review_id=review.pk, announce=False)
    return item


@transaction.atomic
def action_complete(*, actor, item: ActionItem, note: str = "") -> ActionItem:
    """Mark an action item done: its owner, the company's admin (the company's items) or a
    channel manager. Two people at once: the row is locked, one completes it and the other is told
    who did. The other side hears of it (the organizer, else the account manager; or the partner's
    owner or admins)."""
    assert_same_tenant(actor, item)
    item = (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("review__partner", "review__organizer__user", "owner__user", "completed_by__user")
        .get(pk=item.pk)
    )
    if not action_may_complete(actor, item):
        review_require(actor, item, R.VIEW)  # unseen: a 404
        raise NotAllowed(
            str(REVIEW_RULES[R.COMPLETE].staff_refusal if actor.is_staff_member else REVIEW_RULES[R.COMPLETE].refusal)
        )
    if item.status == ActionStatus.DONE:
        raise InvalidTransition(
            gettext("“%(action)s” was already completed by %(person)s.")
            % {"action": item.title, "person": _person(item.completed_by)}
        )
    item.status, item.completed_at, item.completed_by = ActionStatus.DONE, timezone.now(), actor
    item.note = (note or "").strip()[:300]
    item.save(update_fields=["status", "completed_at", "completed_by", "note"])
    review = item.review
    event = event_record(
        actor=actor,
        target=review,
        verb=events.ACTION_DONE,
        message=gettext_noop("Action item “%(action)s” done."),
        params={"action": item.title},
        note=item.note,
        data={"action_id": item.pk, "owner_id": item.owner_id},
    )
    if actor.is_partner_user:
        others = [review.organizer or review.partner.account_manager]
    elif item.owner.is_partner_user:
        others = [item.owner]
    else:
        others = list(partner_admins_by_partner(partner_ids=[item.partner_id]).get(item.partner_id, []))
    staff, partner_side = _split([m for m in others if m is not None and m.pk != actor.pk and m.is_active])
    _both_sides(
        review,
        kind=notifications.ACTION_DONE,
        title=gettext_noop("%(partner)s: action item done"),
        body=gettext_noop("“%(action)s” was completed by %(person)s."),
        params={"partner": review.partner.display_name, "action": item.title, "person": _person(actor)},
        note=item.note,
        event=event,
        staff=staff,
        partner_side=partner_side,
    )
    return item


# --- the PDF summary (the worker) ---------------------------------------------------------------------------


@transaction.atomic
def review_summary_store(*, review_id: int, announce: bool = True) -> bool:
    """Render a held review's PDF summary and keep it (the task ``scorecards.review_summary``);
    with ``announce`` (the first rendering), both sides are told it is ready. False when the review
    is not held (cancelled meanwhile, or gone)."""
    from django.core.files.base import ContentFile

    from prm.web.files import private_upload_path

    from ..pdf import render_review_summary_pdf

    review = (
        RelationshipReview.objects.select_for_update(of=("self",))
        .select_related("partner__account_manager__user", "organizer__user", "held_by__user")
        .filter(pk=review_id)
        .first()
    )
    if review is None or review.status != ReviewStatus.HELD:
        return False
    data = render_review_summary_pdf(review)
    old = review.summary_pdf.name if review.summary_pdf else ""
    # The field has no upload_to: the private path is given here (outside the static tree, a
    # random name), as ``private_upload_path`` gives every other document.
    review.summary_pdf.save(private_upload_path(review, "summary.pdf"), ContentFile(data), save=False)
    review.save(update_fields=["summary_pdf", "updated_at"])
    if old:
        storage = review.summary_pdf.storage
        transaction.on_commit(lambda: storage.delete(old))
    if announce:
        staff, partner_side = _split([*review_attendees(review), review.organizer, review.held_by])
        _both_sides(
            review,
            kind=notifications.REVIEW_SUMMARY,
            title=gettext_noop("The summary of the review with %(partner)s is ready"),
            body=gettext_noop("%(title)s: notes, ratings and action items, as a PDF on the review's page."),
            params={"partner": review.partner.display_name, "title": review.title},
            event=None,
            staff=staff,
            partner_side=partner_side,
        )
    return True


# --- the cadence sweep ---------------------------------------------------------------------------------------

# One statement: for each active or onboarding partner enrolled in a tier with a review cadence
# (the shortest of its programs' tiers), the day its last review was held (or a cancelled one was
# due: cancelling skips a cycle); a partner with no open review whose cycle has come round gets a
# due review, due a cycle after that day (today for a partner never reviewed). The partial unique
# index keeps a partner's open reviews to one, also against a manager creating one at this moment.
_SWEEP_SQL = """
WITH cadence AS (
    SELECT e.partner_id, min(t.review_every_months) AS months
    FROM programs_enrollment e
    JOIN programs_tier t ON t.id = e.tier_id AND t.tenant_id = e.tenant_id
    JOIN partners_partner p ON p.id = e.partner_id AND p.tenant_id = e.tenant_id
    WHERE e.tenant_id = %(tenant)s AND t.review_every_months > 0 AND p.status IN ('active', 'onboarding')
    GROUP BY e.partner_id
), last AS (
    SELECT r.partner_id, max(
        CASE WHEN r.status = 'held' THEN least(
            (coalesce(r.starts_at, r.held_at) AT TIME ZONE %(zone)s)::date, (r.held_at AT TIME ZONE %(zone)s)::date
        ) ELSE r.due_on END
    ) AS day
    FROM scorecards_relationshipreview r
    WHERE r.tenant_id = %(tenant)s AND r.status IN ('held', 'cancelled')
    GROUP BY r.partner_id
), due AS (
    SELECT c.partner_id,
        CASE WHEN l.day IS NULL THEN %(today)s::date
            ELSE (l.day + make_interval(months => c.months))::date END AS due_on
    FROM cadence c LEFT JOIN last l ON l.partner_id = c.partner_id
    WHERE (l.day IS NULL OR (l.day + make_interval(months => c.months))::date <= %(today)s::date)
        AND NOT EXISTS (
            SELECT 1 FROM scorecards_relationshipreview o
            WHERE o.tenant_id = %(tenant)s AND o.partner_id = c.partner_id AND o.status IN ('due', 'scheduled')
        )
)
INSERT INTO scorecards_relationshipreview (
    tenant_id, partner_id, title, status, due_on, starts_at, duration_minutes, location, organizer_id,
    agenda, notes, held_at, held_by_id, sequence, summary_pdf, created_at, updated_at
)
SELECT %(tenant)s, d.partner_id,
    %(label)s || ' Q' || extract(quarter FROM d.due_on)::int || ' ' || extract(year FROM d.due_on)::int,
    'due', d.due_on, NULL, 60, '', NULL, '{}'::jsonb, '', NULL, NULL, 0, '', %(now)s, %(now)s
FROM due d
ORDER BY d.partner_id
ON CONFLICT (tenant_id, partner_id) WHERE status IN ('due', 'scheduled') DO NOTHING
RETURNING id, partner_id, due_on
"""


@transaction.atomic
def reviews_due_sweep(*, today: date | None = None) -> int:
    """Open the reviews that fell due by the tiers' cadence (see ``_SWEEP_SQL``) and record a
    REVIEW_DUE event for each, in bulk. Returns how many were opened; a second run the same day
    opens none."""
    tenant = Tenant.objects.only("time_zone", "default_language").get(pk=current_tenant_id())
    today = today or tenant_today()
    with translation.override(tenant.default_language or "en"):
        label = gettext("Relationship review")
    params = {
        "tenant": tenant.pk,
        "zone": tenant.time_zone,
        "today": today,
        "label": label,
        "now": timezone.now(),
    }
    with connection.cursor() as cursor:
        cursor.execute(_SWEEP_SQL, params)
        opened = cursor.fetchall()
    if not opened:
        return 0
    target_type = ContentType.objects.get_for_model(RelationshipReview)
    event_record_many(
        events=[
            system_event(
                target_type=target_type,
                object_id=review_id,
                partner_id=partner_id,
                verb=events.REVIEW_DUE,
                to_state=ReviewStatus.DUE,
                message=gettext_noop("A relationship review is due on %(date)s (the tier's cadence)."),
                params={"date": texts.day(due_on)},
                data={"due_on": due_on.isoformat()},
                internal=True,  # the vendor's to-do until it is scheduled
            )
            for review_id, partner_id, due_on in opened
        ]
    )
    return len(opened)
