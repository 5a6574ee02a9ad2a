"""Announcements reach their audience only, show from their publication to their expiry, are read
once per person, and go out by e-mail once: singly to those who want each one, in a daily or
weekly digest of what they have not read to the others, and not at all when there is nothing new."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.http import Http404
from django.utils import timezone

from marketing import notifications
from marketing.demo_parts import announcements as demo
from marketing.models import Announcement, AnnouncementPreference, AnnouncementReceipt, DigestFrequency
from marketing.selectors.announcements import (
    CURRENT,
    EXPIRED,
    SCHEDULED,
    announcement_card_for_actor,
    announcement_get_for_actor,
    announcement_get_for_office,
    announcement_list_for_actor,
    state_of,
)
from marketing.selectors.audience import audience_members
from marketing.services.announcements import (
    announcement_create,
    announcement_digests,
    announcement_pin,
    announcement_preference_set,
    announcement_read,
    announcement_update,
    announcement_withdraw,
    announcements_deliver,
    announcements_mark_all_read,
)
from marketing.services.audience import AudienceChoice
from prm.accounts.models import Membership
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.models import Event
from prm.notifications.models import Notification, NotificationPreference
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.web.demo_kit import Demo

from ..concurrency import race
from ..factories import EnrollmentFactory, ProgramFactory, TierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiers(acme):
    """Acme partner 1 is Gold, partner 2 Silver (one program)."""
    with tenant_scope(acme.tenant):
        gold = TierFactory(tenant=acme.tenant, name="Gold", rank=3)
        silver = TierFactory(program=gold.program, name="Silver", rank=2)
        EnrollmentFactory(partner=acme.partners[0], tier=gold)
        EnrollmentFactory(partner=acme.partners[1], tier=silver)
    return gold, silver


def _publish(side, title="News", *, body="The text.", **kwargs) -> Announcement:
    with tenant_scope(side.tenant):
        return announcement_create(actor=side.marketing, title=title, body=body, **kwargs)


def _titles(member, now=None) -> list[str]:
    with tenant_scope(member.tenant):
        rows, _count = announcement_list_for_actor(actor=member, now=now)
        return [row["title"] for row in rows]


def _visible(member, announcement) -> bool:
    with tenant_scope(member.tenant):
        try:
            announcement_get_for_actor(actor=member, announcement_id=announcement.pk)
        except Http404:
            return False
        return True


def _notes(member, kind=notifications.ANNOUNCEMENT) -> list[Notification]:
    with platform_scope():
        return list(Notification.objects.filter(recipient_id=member.pk, kind=kind).order_by("pk"))


def _people(side) -> list[Membership]:
    return [*side.partner_admins, *side.sales]


# --- who sees what, when ----------------------------------------------------------------------------


def test_a_gold_only_announcement_reaches_gold_partners_not_silver(acme, globex, tiers):
    gold, _silver = tiers
    # given an announcement for Gold partners only
    news = _publish(acme, "Gold early access", audience=AudienceChoice(tier_ids=(gold.pk,)))
    # then Gold partner 1's people see it, Silver partner 2's do not (a 404 by URL too), nor globex
    assert _titles(acme.partner_admin) == ["Gold early access"] == _titles(acme.sales_rep)
    assert _titles(acme.partner_admins[1]) == []
    assert _visible(acme.sales_rep, news) and not _visible(acme.sales[1], news)
    assert not _visible(globex.partner_admin, news)
    # and its audience, from the partner side, is partner 1's people
    with tenant_scope(acme.tenant):
        assert set(audience_members(news)) == {acme.partner_admin, acme.sales_rep}
        assert announcement_get_for_office(actor=acme.manager, announcement_id=news.pk).audience_size == 2


def test_a_scheduled_announcement_shows_from_its_time(acme):
    now = timezone.now()
    later = _publish(acme, "Webinar", publish_at=now + timedelta(hours=2))
    # before its time: not listed, a 404 by URL, and not e-mailed
    assert _titles(acme.sales_rep) == []
    assert not _visible(acme.sales_rep, later)
    # once its time has come: listed
    assert _titles(acme.sales_rep, now=now + timedelta(hours=3)) == ["Webinar"]


def test_an_expired_announcement_is_hidden_and_withdrawing_expires_it_now(acme):
    now = timezone.now()
    _publish(acme, "Until tonight", expires_at=now + timedelta(hours=1))
    news = _publish(acme, "Current")
    assert _titles(acme.sales_rep, now=now + timedelta(hours=2)) == ["Current"]
    # when marketing withdraws the current one
    with tenant_scope(acme.tenant):
        announcement_withdraw(actor=acme.marketing, announcement=news)
        # then it is gone at once (a 404 by URL), and a second withdrawal is refused
        assert "Current" not in _titles(acme.sales_rep)
        with pytest.raises(InvalidTransition):
            announcement_withdraw(actor=acme.marketing, announcement=news)
    assert not _visible(acme.sales_rep, news)


def test_withdrawing_a_scheduled_announcement_makes_it_a_draft_again(acme):
    later = _publish(acme, "Next week", publish_at=timezone.now() + timedelta(days=7))
    with tenant_scope(acme.tenant):
        withdrawn = announcement_withdraw(actor=acme.marketing, announcement=later)
        assert withdrawn.is_draft and withdrawn.expires_at is None


def test_drafts_are_not_shown_and_publishing_one_makes_it_new(acme):
    draft = _publish(acme, "Draft", is_draft=True, publish_at=timezone.now() - timedelta(days=3))
    assert _titles(acme.sales_rep) == []
    with tenant_scope(acme.tenant):
        published = announcement_update(
            actor=acme.marketing,
            announcement=draft,
            title="Draft",
            body="The text.",
            publish_at=None,
            expires_at=None,
            pinned=False,
            send_email=False,
            is_draft=False,
            audience=AudienceChoice(),
        )
        verbs = list(Event.objects.filter(object_id=draft.pk).order_by("pk").values_list("verb", flat=True))
    assert published.publish_at > timezone.now() - timedelta(minutes=1)
    assert verbs == ["announcement.drafted", "announcement.published"]
    assert _titles(acme.sales_rep) == ["Draft"]


def test_the_portal_lists_unread_first_then_pinned_then_the_newest(acme):
    now = timezone.now()
    pinned_read = _publish(acme, "Pinned, read", pinned=True, publish_at=now - timedelta(days=3))
    _publish(acme, "Pinned, unread", pinned=True, publish_at=now - timedelta(days=2))
    _publish(acme, "Old, unread", publish_at=now - timedelta(days=5))
    _publish(acme, "New, unread", publish_at=now - timedelta(days=1))
    with tenant_scope(acme.tenant):
        announcement_read(actor=acme.sales_rep, announcement=pinned_read)
        rows, _count = announcement_list_for_actor(actor=acme.sales_rep)
        rows = list(rows)
        card, unread = announcement_card_for_actor(actor=acme.sales_rep)
    assert [row["title"] for row in rows] == ["Pinned, unread", "New, unread", "Old, unread", "Pinned, read"]
    assert [row["is_read"] for row in rows] == [False, False, False, True]
    # the home card: the first three, and the unread count of all
    assert [row["title"] for row in card] == ["Pinned, unread", "New, unread", "Old, unread"] and unread == 3


# --- the vendor's writes -----------------------------------------------------------------------------


def test_only_admins_and_marketing_publish(acme):
    with tenant_scope(acme.tenant):
        for member in (acme.manager, acme.partner_admin):
            with pytest.raises(NotAllowed):
                announcement_create(actor=member, title="No", body="No")
        news = announcement_create(actor=acme.admin, title="Yes", body="Yes")
        with pytest.raises(NotAllowed):
            announcement_pin(actor=acme.manager, announcement=news)


def test_the_schedule_is_checked(acme):
    now = timezone.now()
    with tenant_scope(acme.tenant):
        with pytest.raises(PolicyViolation, match="expires after"):
            announcement_create(
                actor=acme.admin,
                title="T",
                body="B",
                publish_at=now + timedelta(days=2),
                expires_at=now + timedelta(days=1),
            )
        with pytest.raises(PolicyViolation, match="expiry has passed"):
            announcement_create(
                actor=acme.admin,
                title="T",
                body="B",
                publish_at=now - timedelta(days=2),
                expires_at=now - timedelta(days=1),
            )
        with pytest.raises(PolicyViolation, match="title"):
            announcement_create(actor=acme.admin, title="  ", body="B")
        assert not Announcement.objects.exists()


def test_pinning_records_an_event_and_a_second_click_changes_nothing(acme):
    news = _publish(acme)
    with tenant_scope(acme.tenant):
        assert announcement_pin(actor=acme.marketing, announcement=news).pinned
        announcement_pin(actor=acme.marketing, announcement=news)
        assert not announcement_pin(actor=acme.marketing, announcement=news, pinned=False).pinned
        changes = Event.objects.filter(object_id=news.pk, verb="announcement.changed").values_list("data", flat=True)
        assert [c["pinned"]["to"] for c in changes.order_by("pk")] == [True, False]


# --- reading ------------------------------------------------------------------------------------------


def test_a_read_receipt_is_recorded_once(acme):
    news = _publish(acme)
    with tenant_scope(acme.tenant):
        assert announcement_read(actor=acme.sales_rep, announcement=news) is True
        assert announcement_read(actor=acme.sales_rep, announcement=news) is False
        assert AnnouncementReceipt.objects.filter(announcement=news).count() == 1
        assert announcement_get_for_actor(actor=acme.sales_rep, announcement_id=news.pk).is_read
        assert not announcement_get_for_actor(actor=acme.partner_admin, announcement_id=news.pk).is_read
        assert announcement_get_for_office(actor=acme.manager, announcement_id=news.pk).read_count == 1


def test_a_receipt_of_an_announcement_not_for_the_reader_is_refused(acme, tiers):
    gold, _silver = tiers
    news = _publish(acme, audience=AudienceChoice(tier_ids=(gold.pk,)))
    with tenant_scope(acme.tenant), pytest.raises(NotAllowed):
        announcement_read(actor=acme.sales[1], announcement=news)


@pytest.mark.django_db(transaction=True)
def test_two_reads_at_once_record_one_receipt(acme):
    news = _publish(acme)
    outcomes = race(
        {name: (lambda: announcement_read(actor=acme.sales_rep, announcement=news)) for name in ("one", "two")},
        tenant=acme.tenant,
    )
    assert outcomes == {"one": "done", "two": "done"}
    with tenant_scope(acme.tenant):
        assert AnnouncementReceipt.objects.filter(announcement=news).count() == 1


def test_mark_all_read(acme):
    for title in ("One", "Two"):
        _publish(acme, title)
    with tenant_scope(acme.tenant):
        assert announcements_mark_all_read(actor=acme.sales_rep) == 2
        assert announcements_mark_all_read(actor=acme.sales_rep) == 0
        assert announcement_card_for_actor(actor=acme.sales_rep)[1] == 0
        assert announcement_card_for_actor(actor=acme.partner_admin)[1] == 2


# --- e-mail: one each ---------------------------------------------------------------------------------


def _deliver(side, capture, now=None) -> int:
    with capture(execute=True), tenant_scope(side.tenant):
        return announcements_deliver(now=now)


def test_delivery_e_mails_the_audience_once_and_respects_the_preferences(
    acme, tiers, django_capture_on_commit_callbacks
):
    gold, _silver = tiers
    # given partner 1's sales rep on a daily digest, its admin on no preference (one e-mail each),
    # and a Gold-only announcement sent by e-mail
    with tenant_scope(acme.tenant):
        announcement_preference_set(actor=acme.sales_rep, frequency=DigestFrequency.DAILY)
    _publish(
        acme,
        "Gold early access",
        body="Demo units six weeks early.",
        send_email=True,
        audience=AudienceChoice(tier_ids=(gold.pk,)),
    )
    _publish(acme, "Portal only")  # not e-mailed
    # when the delivery runs
    assert _deliver(acme, django_capture_on_commit_callbacks) == 1
    # then the admin has one notification and one e-mail with the text; the digest person, the
    # Silver partner and the staff none
    [note] = _notes(acme.partner_admin)
    assert note.title == "Announcement: Gold early access"
    assert [m.to for m in mail.outbox] == [[acme.partner_admin.user.email]]
    assert "Demo units six weeks early." in mail.outbox[0].body
    for member in (acme.sales_rep, acme.partner_admins[1], acme.sales[1], acme.marketing):
        assert _notes(member) == []
    # and a second run sends nothing again
    assert _deliver(acme, django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 1


def test_delivery_skips_people_who_read_it_or_want_no_e_mail_of_the_kind(acme, django_capture_on_commit_callbacks):
    news = _publish(acme, send_email=True)
    with tenant_scope(acme.tenant):
        announcement_read(actor=acme.partner_admin, announcement=news)
        announcement_preference_set(actor=acme.sales[1], frequency=DigestFrequency.NONE)
    with platform_scope():
        NotificationPreference.objects.create(
            tenant=acme.tenant,
            membership=acme.sales_rep,
            kind=notifications.ANNOUNCEMENT,
            in_portal=True,
            by_email=False,
        )
    assert _deliver(acme, django_capture_on_commit_callbacks) == 2
    # partner 2's admin by e-mail; partner 1's sales rep in the portal only (its notification settings)
    assert [m.to for m in mail.outbox] == [[acme.partner_admins[1].user.email]]
    assert len(_notes(acme.sales_rep)) == 1 and _notes(acme.partner_admin) == [] and _notes(acme.sales[1]) == []


def test_a_scheduled_announcement_is_delivered_when_its_time_comes(acme, django_capture_on_commit_callbacks):
    now = timezone.now()
    news = _publish(acme, send_email=True, publish_at=now + timedelta(hours=1))
    assert _deliver(acme, django_capture_on_commit_callbacks, now=now) == 0
    assert _deliver(acme, django_capture_on_commit_callbacks, now=now + timedelta(hours=2)) == 4
    with tenant_scope(acme.tenant):
        assert Announcement.objects.get(pk=news.pk).delivered_at == now + timedelta(hours=2)


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_send_each_announcement_once(acme):
    for title in ("One", "Two", "Three"):
        _publish(acme, title, send_email=True)
    outcomes = race({name: announcements_deliver for name in ("first", "second")}, tenant=acme.tenant)
    assert set(outcomes.values()) == {"done"}
    with platform_scope():
        assert Notification.objects.filter(kind=notifications.ANNOUNCEMENT).count() == 3 * 4


def test_the_beat_runs_delivery_and_digests_per_tenant(acme):
    from prm.celery import app

    assert {"marketing.announcements_deliver_all", "marketing.announcement_digests_all"} <= set(app.tasks)
    _publish(acme, send_email=True)
    run = app.tasks["marketing.announcements_deliver"].apply(kwargs={"tenant_id": acme.tenant.pk}, throw=True)
    assert run.get() == 4
    assert (
        app.tasks["marketing.announcement_digests"].apply(kwargs={"tenant_id": acme.tenant.pk}, throw=True).get() == 0
    )


# --- digests -----------------------------------------------------------------------------------------


def _digests(side, now) -> int:
    with tenant_scope(side.tenant):
        return announcement_digests(now=now)


def _next(weekday: int, after: datetime) -> datetime:
    """The first ``weekday`` (0: Monday) at 06:40 UTC more than a day after ``after``."""
    day = (after + timedelta(days=1)).date()
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 6, 40, tzinfo=UTC)


def test_a_daily_digest_lists_only_the_unread_new_ones_and_nothing_is_sent_when_empty(
    acme, django_capture_on_commit_callbacks
):
    now = timezone.now()
    with tenant_scope(acme.tenant):
        announcement_preference_set(actor=acme.sales_rep, frequency=DigestFrequency.DAILY)
    read = _publish(acme, "Already read", send_email=True)
    _publish(acme, "Price list", send_email=True)
    _publish(acme, "Portal only")
    _deliver(acme, django_capture_on_commit_callbacks, now=now + timedelta(minutes=5))
    with tenant_scope(acme.tenant):
        announcement_read(actor=acme.sales_rep, announcement=read)
    assert _notes(acme.sales_rep) == []  # no single e-mails for a digest person
    # when the digests run the next morning
    morning = now + timedelta(days=1)
    assert _digests(acme, morning) == 1
    # then one digest lists the unread e-mailed announcement only
    [digest] = _notes(acme.sales_rep, notifications.ANNOUNCEMENT_DIGEST)
    assert digest.title == "1 new announcement for you"
    assert "Price list" in digest.body and "Already read" not in digest.body and "Portal only" not in digest.body
    # and nobody else (they had theirs singly); a second run the same morning sends nothing
    with platform_scope():
        assert Notification.objects.filter(kind=notifications.ANNOUNCEMENT_DIGEST).count() == 1
    assert _digests(acme, morning + timedelta(minutes=5)) == 0
    # the next day, with nothing new, nothing is sent, and the day is still counted
    assert _digests(acme, morning + timedelta(days=1)) == 0
    with tenant_scope(acme.tenant):
        assert AnnouncementPreference.objects.get(membership=acme.sales_rep).last_digest_at == morning + timedelta(
            days=1
        )


def test_a_weekly_digest_goes_out_on_mondays(acme, django_capture_on_commit_callbacks):
    now = timezone.now()
    with tenant_scope(acme.tenant):
        announcement_preference_set(actor=acme.partner_admin, frequency=DigestFrequency.WEEKLY)
    _publish(acme, "Summit", send_email=True)
    _deliver(acme, django_capture_on_commit_callbacks, now=now + timedelta(minutes=5))
    tuesday, monday = _next(1, now), _next(0, now)
    # not on another day of the week
    if tuesday < monday:
        assert _digests(acme, tuesday) == 0
    # on Monday: the digest
    assert _digests(acme, monday) == 1
    [digest] = _notes(acme.partner_admin, notifications.ANNOUNCEMENT_DIGEST)
    assert "Summit" in digest.body
    # once only
    assert _digests(acme, monday + timedelta(hours=1)) == 0


def test_choosing_a_digest_starts_it_from_now(acme):
    with tenant_scope(acme.tenant):
        first = announcement_preference_set(actor=acme.sales_rep, frequency=DigestFrequency.WEEKLY)
        assert first.last_digest_at is not None
        again = announcement_preference_set(actor=acme.sales_rep, frequency=DigestFrequency.WEEKLY)
        assert again.last_digest_at == first.last_digest_at
        with pytest.raises(PolicyViolation):
            announcement_preference_set(actor=acme.sales_rep, frequency="hourly")


# --- the demo ------------------------------------------------------------------------------------------


def test_the_demo_loads_its_announcements_once(acme):
    with tenant_scope(acme.tenant):
        gold = TierFactory(program=ProgramFactory(tenant=acme.tenant, slug="resell"), name="Gold")
        EnrollmentFactory(partner=acme.partners[0], tier=gold)
        loaded = Demo(tenant=acme.tenant, seed=0, staff={"admin": acme.admin, "marketing": acme.marketing})
        demo.load(loaded)
        demo.load(loaded)
        states = sorted(state_of(a) for a in Announcement.objects.all())
        assert states == sorted([CURRENT, CURRENT, EXPIRED, SCHEDULED])
        assert Announcement.objects.filter(audience_tier_ids=[gold.pk]).count() == 1
        assert Announcement.objects.filter(pinned=True, delivered_at__isnull=False).count() == 1
    assert len(_titles(acme.sales_rep)) == 2 and len(_titles(acme.sales[1])) == 1
