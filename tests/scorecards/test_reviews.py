"""Relationship reviews: the cadence sweep (once per cycle, one open review per partner), scheduling
with its calendar invitation (parsed back), cancelling, the agenda, holding with ratings, the PDF
summary from the worker, action items and their completion (one wins a race), who may do what."""

from __future__ import annotations

import io
from datetime import UTC, date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from icalendar import Calendar
from pypdf import PdfReader

from partners.models import Partner, PartnerStatus
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.models import Event, OutboxMessage
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import add_months, tenant_today
from scorecards import events, notifications
from scorecards.ics import review_invitation, review_uid
from scorecards.models import (
    ActionItem,
    ActionStatus,
    RelationshipReview,
    ReviewRating,
    ReviewStatus,
    Scorecard,
    ScorecardSnapshot,
)
from scorecards.selectors.reviews import action_get_for_actor, agenda_shown, review_get_for_actor
from scorecards.services.reviews import (
    REVIEW_SUMMARY_TASK,
    Rating,
    action_add,
    action_complete,
    review_agenda_build,
    review_attendees,
    review_cancel,
    review_create,
    review_hold,
    review_rate,
    review_schedule,
    review_summary_store,
    reviews_due_sweep,
)
from tests.concurrency import race

from ..factories import DealFactory, EnrollmentFactory, ProgramFactory, TierFactory, refresh

pytestmark = pytest.mark.django_db


def as_partner(member):
    return tenant_scope(member.tenant_id, partner=member.partner_id)


def cadence(side, months: int = 3, *, partner=None):
    """``partner`` (acme partner 1) enrolled in a program whose tier asks for a review every
    ``months``."""
    program = ProgramFactory(tenant=side.tenant)
    tier = TierFactory(program=program, review_every_months=months)
    return EnrollmentFactory(tenant=side.tenant, partner=partner or side.partner, tier=tier)


def soon(days: int = 7, hour: int = 10):
    return (timezone.now() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def scheduled(side, **kwargs):
    with tenant_scope(side.tenant):
        return review_create(
            actor=side.manager,
            partner=side.partner,
            title=kwargs.pop("title", "Q3 review"),
            starts_at=kwargs.pop("starts_at", soon()),
            duration_minutes=kwargs.pop("duration_minutes", 90),
            location=kwargs.pop("location", "https://meet.example/qbr"),
        )


def reviews_of(partner):
    with platform_scope():
        return list(RelationshipReview.objects.filter(partner=partner).order_by("pk"))


def events_of(review, verb):
    with platform_scope():
        return list(Event.objects.filter(object_id=review.pk, verb=verb, content_type__model="relationshipreview"))


def held_review(side, *, days_ago: int, status=ReviewStatus.HELD):
    """A review of acme partner 1 held (or cancelled) ``days_ago`` days ago."""
    with platform_scope():
        when = timezone.now() - timedelta(days=days_ago)
        return RelationshipReview.objects.create(
            tenant=side.tenant,
            partner=side.partner,
            title="Earlier review",
            status=status,
            due_on=when.date(),
            starts_at=when if status == ReviewStatus.HELD else None,
            held_at=when if status == ReviewStatus.HELD else None,
        )


# --- the cadence sweep --------------------------------------------------------------------------------


def test_the_sweep_opens_a_due_review_for_a_partner_never_reviewed_and_a_second_run_opens_none(acme):
    # given acme partner 1 in a tier reviewed every 3 months, partner 2 in a tier without reviews
    cadence(acme, 3)
    cadence(acme, 0, partner=acme.partners[1])
    # when the nightly sweep runs twice
    with tenant_scope(acme.tenant):
        today = tenant_today()
        first = reviews_due_sweep()
        second = reviews_due_sweep()
    # then partner 1 has one due review, due today, with its event; partner 2 none
    assert (first, second) == (1, 0)
    [review] = reviews_of(acme.partner)
    assert (review.status, review.due_on) == (ReviewStatus.DUE, today)
    assert review.title.startswith("Relationship review Q")
    assert reviews_of(acme.partners[1]) == []
    [event] = events_of(review, events.REVIEW_DUE)
    assert event.partner_id == acme.partner.pk and event.actor_id is None


def _zone(side):
    import zoneinfo

    return zoneinfo.ZoneInfo(side.tenant.time_zone)


def test_the_sweep_counts_the_cycle_from_the_last_review_held(acme):
    # given a partner reviewed every 3 months, last held 40 days ago
    cadence(acme, 3)
    held = held_review(acme, days_ago=40)
    due_day = add_months(timezone.localtime(held.held_at, _zone(acme)).date(), 3)
    with tenant_scope(acme.tenant):
        # then nothing is due before the held day plus 3 months
        assert reviews_due_sweep() == 0
        assert reviews_due_sweep(today=due_day - timedelta(days=1)) == 0
        # when the day comes, it is
        assert reviews_due_sweep(today=due_day) == 1
    review = reviews_of(acme.partner)[-1]
    assert (review.status, review.due_on) == (ReviewStatus.DUE, due_day)


def test_the_sweep_takes_the_shortest_cadence_and_skips_inactive_partners_and_open_reviews(acme, globex):
    # given partner 1 in two programs (every 6 and every 2 months), last held 70 days ago
    cadence(acme, 6)
    cadence(acme, 2)
    held_review(acme, days_ago=70)
    # ...partner 2 suspended, in a tier with reviews; globex's partner with an open review already
    with platform_scope():
        Partner.objects.filter(pk=acme.partners[1].pk).update(status=PartnerStatus.SUSPENDED)
    cadence(acme, 1, partner=acme.partners[1])
    cadence(globex, 1)
    with tenant_scope(globex.tenant):
        review_create(actor=globex.manager, partner=globex.partner)
    # when each tenant sweeps
    with tenant_scope(acme.tenant):
        opened = reviews_due_sweep()
    with tenant_scope(globex.tenant):
        opened_globex = reviews_due_sweep()
    # then partner 1 is due (2 months passed), partner 2 not; globex keeps its one open review
    assert (opened, opened_globex) == (1, 0)
    assert [r.status for r in reviews_of(acme.partner)] == [ReviewStatus.HELD, ReviewStatus.DUE]
    assert reviews_of(acme.partners[1]) == []
    assert len(reviews_of(globex.partner)) == 1


def test_a_cancelled_review_skips_its_cycle(acme):
    # given a partner reviewed every 3 months whose review due today was cancelled
    cadence(acme, 3)
    with tenant_scope(acme.tenant):
        reviews_due_sweep()
        [review] = reviews_of(acme.partner)
        review_cancel(actor=acme.manager, review=review, reason="Met at the fair instead")
        # when the sweep runs again
        again = reviews_due_sweep()
        later = reviews_due_sweep(today=add_months(review.due_on, 3))
    # then the next review is due a cycle after the cancelled one's due date
    assert (again, later) == (0, 1)
    assert reviews_of(acme.partner)[-1].due_on == add_months(review.due_on, 3)


def test_a_partner_has_one_open_review(acme):
    # given an open review of acme partner 1
    with tenant_scope(acme.tenant):
        first = review_create(actor=acme.manager, partner=acme.partner)
        # when a manager opens another one
        with pytest.raises(PolicyViolation, match="already has an open review"):
            review_create(actor=acme.admin, partner=acme.partner)
        # then the database refuses a second one written by any other way too
        with pytest.raises(IntegrityError), transaction.atomic():
            RelationshipReview.objects.create(partner=acme.partner, title="Sneaky", due_on=first.due_on)
        # and once the first is held, a new one may be opened
        review_hold(actor=acme.manager, review=first)
        assert review_create(actor=acme.manager, partner=acme.partner).status == ReviewStatus.DUE


# --- scheduling and the invitation -------------------------------------------------------------------------


def _parse(data: bytes):
    calendar = Calendar.from_ical(data)
    [event] = [component for component in calendar.walk("VEVENT")]
    return calendar, event


def invitation(review, side):
    with tenant_scope(side.tenant):
        review = RelationshipReview.objects.select_related("partner__account_manager__user", "organizer__user").get(
            pk=review.pk
        )
        return review_invitation(review=review, attendees=review_attendees(review), url="https://x.example/r")


def test_scheduling_sends_an_invitation_whose_calendar_file_reads_back(acme):
    # given a channel manager scheduling a review with acme partner 1 for next week
    starts = soon(days=7, hour=9)
    review = scheduled(acme, starts_at=starts, duration_minutes=90)
    # then it is scheduled, organised by the manager, at sequence 0
    assert (review.status, review.organizer_id, review.sequence) == (ReviewStatus.SCHEDULED, acme.manager.pk, 0)
    # and the invitation is an RFC 5545 request the calendar library reads back
    calendar, event = _parse(invitation(review, acme))
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == review_uid(review)
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == starts.astimezone(UTC)
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=90)
    assert str(event["ORGANIZER"]) == f"mailto:{acme.manager.user.email}"
    attendees = {str(a) for a in (event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]])}
    assert f"mailto:{acme.partner_admin.user.email}" in attendees
    assert "Acme Partner 1" in str(event["SUMMARY"]) and str(event["LOCATION"]) == "https://meet.example/qbr"
    # and the partner's admin (portal link) and the manager (office link) are told
    with platform_scope():
        sent = {n.recipient_id: n.url for n in Notification.objects.filter(kind=notifications.REVIEW_SCHEDULED)}
    assert sent[acme.partner_admin.pk] == f"/portal/reviews/{review.pk}/"
    assert sent[acme.manager.pk] == f"/office/reviews/{review.pk}/"
    assert acme.sales_rep.pk not in sent
    assert len(events_of(review, events.REVIEW_SCHEDULED)) == 1


def test_moving_a_review_raises_the_sequence_and_keeps_the_uid_and_cancelling_sends_a_cancel(acme):
    # given a scheduled review
    review = scheduled(acme)
    uid = review_uid(review)
    with tenant_scope(acme.tenant):
        # when it is moved to the same time and place: nothing changes
        same = review_schedule(
            actor=acme.manager,
            review=review,
            starts_at=review.starts_at,
            duration_minutes=review.duration_minutes,
            location=review.location,
        )
        assert same.sequence == 0
        # when it is moved a day later by the admin
        moved = review_schedule(
            actor=acme.admin, review=review, starts_at=review.starts_at + timedelta(days=1), duration_minutes=60
        )
    # then the update has the next sequence, the same UID, the admin as organizer
    _calendar, event = _parse(invitation(moved, acme))
    assert (int(event["SEQUENCE"]), str(event["UID"])) == (1, uid)
    assert str(event["ORGANIZER"]) == f"mailto:{acme.admin.user.email}"
    # when it is cancelled
    with tenant_scope(acme.tenant):
        cancelled = review_cancel(actor=acme.manager, review=moved, reason="Partner asked")
        with pytest.raises(InvalidTransition):
            review_cancel(actor=acme.manager, review=moved)
    # then the calendar file cancels the meeting with the next sequence
    calendar, event = _parse(invitation(cancelled, acme))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert (str(event["STATUS"]), int(event["SEQUENCE"]), str(event["UID"])) == ("CANCELLED", 2, uid)
    [cancel_event] = events_of(review, events.REVIEW_CANCELLED)
    assert cancel_event.note == "Partner asked"


def test_only_channel_managers_schedule_and_a_past_time_or_closed_review_is_refused(acme):
    with tenant_scope(acme.tenant):
        review = review_create(actor=acme.manager, partner=acme.partner)
        with pytest.raises(NotAllowed):
            review_schedule(actor=acme.marketing, review=review, starts_at=soon(), duration_minutes=60)
        with pytest.raises(PolicyViolation):
            review_schedule(actor=acme.manager, review=review, starts_at=soon(), duration_minutes=5)
        review_hold(actor=acme.manager, review=review)
        with pytest.raises(InvalidTransition):
            review_schedule(actor=acme.manager, review=review, starts_at=soon(), duration_minutes=60)
    with as_partner(acme.partner_admin), pytest.raises(NotAllowed):
        review_create(actor=acme.partner_admin, partner=acme.partner)


# --- the agenda --------------------------------------------------------------------------------------------


def _snapshot(side, **fields):
    enrollment = cadence(side, 3)
    with tenant_scope(side.tenant):
        scorecard = Scorecard.objects.create(program=enrollment.program, name="Reseller scorecard")
        today = tenant_today()
        return ScorecardSnapshot.objects.create(
            scorecard=scorecard,
            partner=side.partner,
            period=today.replace(day=1),
            as_of=today,
            score=Decimal("61.5"),
            previous_score=Decimal("70"),
            percentile=Decimal("40"),
            computed_at=timezone.now(),
            at_risk=True,
            risks=[{"code": "score_drop", "value": 8.5}, {"code": "no_registrations", "days": 50}],
            results=[
                _kpi("Revenue", 0.9, 30, "USD"),
                _kpi("Win rate", 0.2, 20, "percent"),
                _kpi("Certified people", 0.5, 20, "people"),
                _kpi("Hidden KPI", 0.0, 10, "", visible=False),
                _kpi("Engagement", 0.4, 10, "percent"),
                _kpi("Lead response", 1.0, 10, "h"),
            ],
            **fields,
        )


def _kpi(label, attainment, max_points, unit, *, visible=True):
    return {
        "kpi": 1,
        "metric": "deals.trailing_revenue",
        "param": "",
        "label": label,
        "unit": unit,
        "growth": False,
        "lower_is_better": False,
        "visible": visible,
        "value": 100 * attainment,
        "measured": True,
        "target": 100,
        "points": max_points * attainment,
        "max_points": max_points,
        "attainment": attainment,
        "previous": None,
        "last_year": None,
    }


def test_the_agenda_reads_the_scorecard_earlier_actions_and_open_issues(acme):
    # given a snapshot (score down 8.5, three weak visible KPIs, one hidden), an open action item of
    # an earlier review (overdue), and a deal registration waiting for the partner's information
    _snapshot(acme)
    with tenant_scope(acme.tenant):
        earlier = review_hold(actor=acme.manager, review=review_create(actor=acme.manager, partner=acme.partner))
        action_add(
            actor=acme.manager,
            review=earlier,
            title="Send the forecast",
            owner=acme.partner_admin,
            due_on=tenant_today() - timedelta(days=3),
        )
    DealFactory(tenant=acme.tenant, partner=acme.partner, status="info_requested")
    # when the next review is scheduled
    review = scheduled(acme)
    agenda = review.agenda
    # then the agenda has the score, its trend and the three weakest visible KPIs, weakest first
    [part] = agenda["scorecards"]
    assert (part["score"], part["previous_score"], part["trend"]) == (61.5, 70.0, -8.5)
    assert [row["label"] for row in part["weakest"]] == ["Win rate", "Engagement", "Certified people"]
    # ...the open action item of the earlier review, overdue
    assert [(a["title"], a["overdue"]) for a in agenda["actions"]] == [("Send the forecast", True)]
    # ...and the issues: the overdue item, the deal waiting; never the scorecard's at-risk
    # reasons, which are the vendor's reading (the partner reads the agenda, its .ics and PDF too)
    assert [issue["code"] for issue in agenda["issues"]] == ["actions_overdue", "deals_info_requested"]
    assert (part["at_risk"], part["risks"]) == (False, [])
    # and the pages put it in words
    with tenant_scope(acme.tenant):
        shown = agenda_shown(agenda)
    assert shown["scorecards"][0]["trend_text"] == "-8.5"
    assert shown["scorecards"][0]["weakest"][0]["value_text"] == "20%"
    assert "No deal registered for 50 days." not in shown["issues"]
    assert "1 deal registration waits for the partner's information." in shown["issues"]


def test_the_agenda_of_a_partner_without_scorecards_or_plans_is_empty_but_valid(acme):
    with tenant_scope(acme.tenant):
        agenda = review_agenda_build(partner_id=acme.partner.pk)
    assert (agenda["scorecards"], agenda["plans"], agenda["actions"], agenda["issues"]) == ([], [], [], [])


# --- holding, rating, the summary ---------------------------------------------------------------------------


def test_holding_records_notes_and_ratings_on_the_review_day_and_the_worker_writes_the_pdf(acme, deliver):
    # given a review scheduled for next week, held early today
    review = scheduled(acme)
    with tenant_scope(acme.tenant):
        today = tenant_today()
        held = review_hold(
            actor=acme.manager,
            review=review,
            notes="Pipeline is strong; certifications lag.",
            ratings={"quality": Rating(4, "Solid installs"), "collaboration": Rating(5), "delivery": None},
        )
    # then it is held with its notes and two ratings counted today (the earlier of the two days)
    assert (held.status, held.held_by_id) == (ReviewStatus.HELD, acme.manager.pk)
    with platform_scope():
        ratings = {r.criterion: (r.rating, r.comment, r.rated_on, r.rated_by_id) for r in ReviewRating.objects.all()}
    assert ratings == {
        "quality": (4, "Solid installs", today, acme.manager.pk),
        "collaboration": (5, "", today, acme.manager.pk),
    }
    assert len(events_of(review, events.REVIEW_HELD)) == 1
    [rated] = events_of(review, events.REVIEW_RATED)
    assert rated.data == {"ratings": {"collaboration": 5, "quality": 4}}
    # when the worker renders the summary (the outbox message)
    with platform_scope():
        message = OutboxMessage.objects.get(task_name=REVIEW_SUMMARY_TASK)
    assert deliver(message) is True
    # then the PDF is kept privately and reads the partner, the notes and the ratings
    review = refresh(review)
    assert review.summary_pdf.name.startswith("private/relationshipreview/")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(review.summary_pdf.read())).pages)
    assert "Acme Partner 1" in text and "certifications lag" in text and "Solid installs" in text
    # and both sides are told the summary is ready
    with platform_scope():
        told = set(
            Notification.objects.filter(kind=notifications.REVIEW_SUMMARY).values_list("recipient_id", flat=True)
        )
    assert {acme.partner_admin.pk, acme.manager.pk} <= told
    # and a second delivery of the same message does nothing
    assert deliver(message) is None


def test_held_twice_is_refused_and_a_cancelled_review_cannot_be_held(acme):
    review = scheduled(acme)
    with tenant_scope(acme.tenant):
        review_hold(actor=acme.manager, review=review)
        with pytest.raises(InvalidTransition, match="already marked held"):
            review_hold(actor=acme.admin, review=review)
        with pytest.raises(InvalidTransition):
            review_cancel(actor=acme.manager, review=review)
        other = review_create(actor=acme.manager, partner=acme.partner)
        review_cancel(actor=acme.manager, review=other)
        with pytest.raises(InvalidTransition):
            review_hold(actor=acme.manager, review=other)
        with pytest.raises(PolicyViolation):
            review_hold(
                actor=acme.manager,
                review=review_create(actor=acme.manager, partner=acme.partner),
                ratings={"quality": 9},
            )


def test_staff_correct_the_ratings_afterwards_and_the_summary_is_written_again_quietly(acme, deliver):
    review = scheduled(acme)
    with tenant_scope(acme.tenant):
        review_hold(actor=acme.manager, review=review, notes="First", ratings={"quality": 2, "delivery": 3})
        # when the admin corrects: quality 4, delivery removed, satisfaction added, notes changed
        review_rate(
            actor=acme.admin,
            review=review,
            notes="Corrected",
            ratings={"quality": Rating(4, "after all"), "satisfaction": Rating(5)},
        )
        # and the same again changes nothing
        review_rate(
            actor=acme.admin,
            review=review,
            notes="Corrected",
            ratings={"quality": Rating(4, "after all"), "satisfaction": Rating(5)},
        )
        with pytest.raises(NotAllowed):
            review_rate(actor=acme.marketing, review=review, notes="x")
    with platform_scope():
        ratings = dict(ReviewRating.objects.filter(review=review).values_list("criterion", "rating"))
        messages = list(OutboxMessage.objects.filter(task_name=REVIEW_SUMMARY_TASK).order_by("pk"))
    assert ratings == {"quality": 4, "satisfaction": 5}
    assert refresh(review).notes == "Corrected"
    assert len(events_of(review, events.REVIEW_RATED)) == 2
    assert [m.kwargs["announce"] for m in messages] == [True, False]
    # the correction's rendering tells nobody
    deliver(messages[1])
    with platform_scope():
        assert not Notification.objects.filter(kind=notifications.REVIEW_SUMMARY).exists()


def test_a_rendering_for_a_review_no_longer_held_does_nothing(acme):
    with tenant_scope(acme.tenant):
        review = review_create(actor=acme.manager, partner=acme.partner)
        assert review_summary_store(review_id=review.pk) is False
        assert review_summary_store(review_id=10**9) is False


# --- action items ----------------------------------------------------------------------------------------------


def test_an_action_item_is_given_to_someone_of_either_side_and_its_owner_is_told(acme):
    review = scheduled(acme)
    due_on = date.today() + timedelta(days=14)
    with tenant_scope(acme.tenant):
        item = action_add(
            actor=acme.manager, review=review, title="Certify two more", owner=acme.sales_rep, due_on=due_on
        )
        mine = action_add(
            actor=acme.manager, review=review, title="Send the MDF plan", owner=acme.marketing, due_on=due_on
        )
        # someone of another partner may not own one
        with pytest.raises(PolicyViolation):
            action_add(actor=acme.manager, review=review, title="x", owner=acme.partner_admins[1], due_on=due_on)
        with pytest.raises(NotAllowed):
            action_add(actor=acme.marketing, review=review, title="x", owner=acme.sales_rep, due_on=due_on)
        # a review not scheduled yet takes none (its partner does not see it yet)
        review_cancel(actor=acme.manager, review=review)
        due = review_create(actor=acme.manager, partner=acme.partner)
        with pytest.raises(InvalidTransition):
            action_add(actor=acme.manager, review=due, title="x", owner=acme.sales_rep, due_on=due_on)
    assert (item.partner_id, item.status) == (acme.partner.pk, ActionStatus.OPEN)
    with platform_scope():
        told = {n.recipient_id: n.url for n in Notification.objects.filter(kind=notifications.ACTION_ASSIGNED)}
    assert told == {
        acme.sales_rep.pk: f"/portal/reviews/{review.pk}/",
        acme.marketing.pk: f"/office/reviews/{review.pk}/",
    }
    assert mine.owner_id == acme.marketing.pk
    assert len(events_of(review, events.ACTION_ASSIGNED)) == 2


def test_the_owner_or_the_company_admin_completes_an_item_and_the_organizer_hears(acme):
    review = scheduled(acme)
    due_on = date.today() + timedelta(days=14)
    with tenant_scope(acme.tenant):
        first = action_add(actor=acme.manager, review=review, title="One", owner=acme.partner_admin, due_on=due_on)
        second = action_add(actor=acme.manager, review=review, title="Two", owner=acme.partner_admin, due_on=due_on)
        vendor = action_add(actor=acme.manager, review=review, title="Three", owner=acme.marketing, due_on=due_on)
    # a sales rep who does not own it may not
    with as_partner(acme.sales_rep), pytest.raises(NotAllowed):
        action_complete(actor=acme.sales_rep, item=first)
    # nor the partner's admin the vendor's own item
    with as_partner(acme.partner_admin), pytest.raises(NotAllowed):
        action_complete(actor=acme.partner_admin, item=vendor)
    # the other partner's admin does not even see it
    with as_partner(acme.partner_admins[1]), pytest.raises(Http404):
        action_get_for_actor(actor=acme.partner_admins[1], action_id=first.pk)
    # the owner completes one
    with as_partner(acme.partner_admin):
        done = action_complete(actor=acme.partner_admin, item=first, note="Sent on Monday")
    assert (done.status, done.completed_by_id, done.note) == (
        ActionStatus.DONE,
        acme.partner_admin.pk,
        "Sent on Monday",
    )
    # staff: the marketing owner its own, a manager any of the partner's
    with tenant_scope(acme.tenant):
        action_complete(actor=acme.marketing, item=vendor)
        with pytest.raises(NotAllowed):
            action_complete(actor=acme.marketing, item=second)
        action_complete(actor=acme.manager, item=second)
        with pytest.raises(InvalidTransition, match="already completed by"):
            action_complete(actor=acme.admin, item=second)
    # the organizer heard of the partner's completion; the partner's owner of the manager's
    with platform_scope():
        told = list(Notification.objects.filter(kind=notifications.ACTION_DONE).values_list("recipient_id", "url"))
    assert (acme.manager.pk, f"/office/reviews/{review.pk}/") in told
    assert (acme.partner_admin.pk, f"/portal/reviews/{review.pk}/") in told
    assert len(events_of(review, events.ACTION_DONE)) == 3


@pytest.mark.django_db(transaction=True)
def test_two_people_completing_one_item_at_once_one_wins_the_other_is_told(acme):
    review = scheduled(acme)
    with tenant_scope(acme.tenant):
        item = action_add(actor=acme.manager, review=review, title="Race", owner=acme.sales_rep, due_on=date.today())
    outcomes = race(
        {
            "owner": lambda: action_complete(actor=acme.sales_rep, item=item),
            "manager": lambda: action_complete(actor=acme.manager, item=item),
        },
        tenant=acme.tenant,
    )
    assert sorted(map(str, outcomes.values())).count("done") == 1
    loser = next(outcome for outcome in outcomes.values() if outcome != "done")
    assert isinstance(loser, InvalidTransition) and "already completed by" in str(loser)
    with platform_scope():
        assert ActionItem.objects.get(pk=item.pk).status == ActionStatus.DONE
        assert Event.objects.filter(verb=events.ACTION_DONE).count() == 1


# --- who sees what --------------------------------------------------------------------------------------------


def test_the_partner_sees_its_scheduled_and_held_reviews_only_and_never_another_partners(acme):
    with tenant_scope(acme.tenant):
        due = review_create(actor=acme.manager, partner=acme.partner)
    with as_partner(acme.partner_admin), pytest.raises(Http404):
        review_get_for_actor(actor=acme.partner_admin, review_id=due.pk)
    with tenant_scope(acme.tenant):
        review_cancel(actor=acme.manager, review=due)
    review = scheduled(acme)
    with as_partner(acme.sales_rep):
        assert review_get_for_actor(actor=acme.sales_rep, review_id=review.pk).pk == review.pk
    with as_partner(acme.partner_admins[1]), pytest.raises(Http404):
        review_get_for_actor(actor=acme.partner_admins[1], review_id=review.pk)
    with tenant_scope(acme.tenant):
        assert review_get_for_actor(actor=acme.marketing, review_id=due.pk).status == ReviewStatus.CANCELLED


def test_the_agenda_shows_the_agreed_plans_progress(acme):
    # given an agreed business plan with a revenue objective and a custom one recorded by hand
    from scorecards.models import ObjectiveKind, PlanObjective
    from scorecards.services.plans import plan_progress_record

    from .isolation_plans import draft, sign_both

    with tenant_scope(acme.tenant):
        plan = draft(
            acme,
            "Growth plan",
            objectives=((ObjectiveKind.REVENUE, "Revenue", "1000"), (ObjectiveKind.CUSTOM, "References", "4")),
        )
        plan = sign_both(acme, plan)
        references = PlanObjective.objects.get(plan=plan, kind=ObjectiveKind.CUSTOM)
        plan_progress_record(actor=acme.manager, objective=references, value=Decimal(1))
        draft(acme, "Draft only")
    # when a review is scheduled
    review = scheduled(acme)
    # then its agenda has the agreed plan (not the draft) with each objective's progress
    [part] = review.agenda["plans"]
    assert part["title"] == "Growth plan"
    by_kind = {row["kind"]: row for row in part["objectives"]}
    assert (by_kind["custom"]["progress"], by_kind["custom"]["percent"]) == (1.0, 25)
    assert by_kind["revenue"]["status"] in ("behind", "on_track", "met", "not_measured")
    with tenant_scope(acme.tenant):
        shown = agenda_shown(review.agenda)
    assert shown["plans"][0]["objectives"][1]["status_label"]
