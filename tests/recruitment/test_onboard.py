"""Onboarding: a checklist whose automatic items complete from what the partner really does (the
other apps' own services, then the outbox task), staff's manual ticks, activation with its
notifications, the stall nudge once per stall, and the onboarding board."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from learning.models import Lesson
from learning.services.learner import enrollment_enroll, lesson_complete
from partners.models import Partner, PartnerStatus
from partners.services import partner_update
from prm.accounts.roles import Role
from prm.accounts.services import invitation_create
from prm.errors import InvalidTransition, PolicyViolation
from prm.events.models import Event, OutboxMessage
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope
from recruitment import events, notifications
from recruitment.models import Onboarding, OnboardingStatus, OnboardingTask, TaskKind
from recruitment.services.onboard import (
    ONBOARDING_REFRESH,
    agreement_accept,
    onboarding_start,
    onboarding_sweep,
    onboarding_tick,
)
from tests.conftest import body, make_client
from tests.deals.deal_setup import make_catalogue, submitted
from tests.learning.factories import learning_course
from tests.query_budget import assert_pinned, cost

from ..factories import EnrollmentFactory, PartnerFactory, TierFactory
from .factories import AgreementVersionFactory, OnboardingTemplateFactory, OnboardingTemplateItemFactory

pytestmark = pytest.mark.django_db

PROFILE = {
    "website": "https://p1.example",
    "phone": "+49 30 1234",
    "address_line": "Hauptstr. 1",
    "city": "Berlin",
    "postal_code": "10115",
    "description": "We sell and install.",
    "industries": ["Manufacturing"],
}


def as_partner(member):
    return tenant_scope(member.tenant_id, partner=member.partner_id)


def onboarding_side(side, *, items=("profile", "agreement", "colleagues", "course", "first_deal", "manual")):
    """Acme partner 1 in status onboarding, enrolled in Resell (with an agreement, version 1), with
    a checklist of the given kinds; returns what the tests name."""
    with platform_scope():
        Partner.objects.filter(pk=side.partner.pk).update(status=PartnerStatus.ONBOARDING)
    side.partner.status = PartnerStatus.ONBOARDING
    catalogue = make_catalogue(side)
    course = learning_course(side.tenant, title="Partner basics", lessons=2, questions=0)
    template = OnboardingTemplateFactory(tenant=side.tenant, partner_type=side.partner_type, name="Resellers")
    titles = {
        TaskKind.PROFILE_COMPLETED: "Complete your profile",
        TaskKind.AGREEMENT_ACCEPTED: "Accept the agreement",
        TaskKind.COLLEAGUES_INVITED: "Invite two colleagues",
        TaskKind.COURSE_PASSED: "Pass Partner basics",
        TaskKind.FIRST_DEAL: "Register a first deal",
        TaskKind.MANUAL: "Kick-off call held",
    }
    for position, kind in enumerate(items):
        OnboardingTemplateItemFactory(
            tenant=side.tenant,
            template=template,
            kind=kind,
            title=titles[kind],
            course=course if kind == TaskKind.COURSE_PASSED else None,
            min_count=2 if kind == TaskKind.COLLEAGUES_INVITED else 1,
            position=position,
        )
    version = AgreementVersionFactory(
        tenant=side.tenant, agreement__program=catalogue.program, agreement__title="Resell terms", number=1
    )
    with tenant_scope(side.tenant):
        onboarding = onboarding_start(actor=side.manager, partner=side.partner)
    return SimpleNamespace(catalogue=catalogue, course=course, version=version, onboarding=onboarding, titles=titles)


def refresh(deliver) -> int:
    """Deliver the pending refresh messages, as the worker would after commit."""
    with platform_scope():
        pending = list(OutboxMessage.objects.filter(task_name=ONBOARDING_REFRESH, delivered_at__isnull=True))
    for message in pending:
        deliver(message)
    return len(pending)


def done_items(member) -> set[str]:
    page = body(make_client(member).get(reverse("portal:recruitment_onboarding")))
    return set(re.findall(r"Done:</span>\s*<strong>([^<]+)</strong>", page))


def onboarding_of(partner) -> Onboarding:
    with platform_scope():
        return Onboarding.objects.get(partner=partner)


def test_each_automatic_item_completes_from_the_real_action_and_the_last_item_activates_the_partner(acme, deliver):
    # given acme partner 1 onboarding with every kind of item, none done
    s = onboarding_side(acme)
    assert done_items(acme.partner_admin) == set()

    # when the partner admin completes the company profile
    with as_partner(acme.partner_admin):
        partner_update(actor=acme.partner_admin, partner=acme.partner, changes=PROFILE)
    assert refresh(deliver) == 1
    # then the portal shows the profile item done
    assert done_items(acme.partner_admin) == {s.titles["profile"]}

    # when they accept the agreement, invite a colleague (two people besides the admin then),
    # a colleague passes the course and registers a deal
    with as_partner(acme.partner_admin):
        agreement_accept(actor=acme.partner_admin, version=s.version, ip_address="198.51.100.7", user_agent="t")
        invitation_create(actor=acme.partner_admin, email="new@p1.acme.example", role=Role.SALES, partner=acme.partner)
    with as_partner(acme.sales_rep):
        enrollment = enrollment_enroll(actor=acme.sales_rep, course=s.course)
        for lesson in Lesson.objects.filter(version_id=enrollment.version_id).order_by("position"):
            enrollment = lesson_complete(actor=acme.sales_rep, enrollment=enrollment, lesson=lesson)
    submitted(acme.sales_rep, s.catalogue)
    refresh(deliver)

    # then every automatic item is done, the partner still onboarding (the manual item is open)
    automatic = {s.titles[k] for k in ("profile", "agreement", "colleagues", "course", "first_deal")}
    assert done_items(acme.partner_admin) == automatic
    onboarding = onboarding_of(acme.partner)
    assert (onboarding.tasks_done, onboarding.tasks_total, onboarding.status) == (5, 6, OnboardingStatus.IN_PROGRESS)
    with platform_scope():
        assert Event.objects.filter(verb=events.ONBOARDING_TASK_DONE, partner=acme.partner).count() == 5

    # when the channel manager ticks the kick-off call in the partner's record
    with platform_scope():
        task = OnboardingTask.objects.get(onboarding=onboarding, kind=TaskKind.MANUAL)
    response = make_client(acme.manager).post(
        reverse("office:recruitment_onboarding_tick", args=[acme.partner.pk, task.pk]), {"done": "1"}
    )
    assert response.status_code == 302

    # then the onboarding completes, the partner is active, and its admin and its account manager hear it
    with platform_scope():
        partner = Partner.objects.get(pk=acme.partner.pk)
        onboarding = Onboarding.objects.get(pk=onboarding.pk)
        completed = Notification.objects.filter(kind=notifications.ONBOARDING_COMPLETED)
        assert {n.recipient_id for n in completed} == {acme.partner_admin.pk, acme.manager.pk}
        assert Event.objects.filter(verb=events.ONBOARDING_COMPLETED, partner=acme.partner).count() == 1
    assert (partner.status, onboarding.status) == (PartnerStatus.ACTIVE, OnboardingStatus.COMPLETED)
    assert "Onboarding completed on" in body(make_client(acme.sales_rep).get(reverse("portal:recruitment_onboarding")))


def test_the_system_activates_the_partner_when_an_event_completes_the_last_item(acme, deliver):
    # given a checklist of a profile item only
    onboarding_side(acme, items=("profile",))
    # when the admin completes the profile and the worker decides the item
    with as_partner(acme.partner_admin):
        partner_update(actor=acme.partner_admin, partner=acme.partner, changes=PROFILE)
    refresh(deliver)
    # then the partner is active (moved by its account manager, on the system's behalf)
    with platform_scope():
        assert Partner.objects.get(pk=acme.partner.pk).status == PartnerStatus.ACTIVE
        assert Notification.objects.filter(kind=notifications.ONBOARDING_COMPLETED, recipient=acme.manager).exists()
    # and a second delivery of the same refresh changes nothing
    assert refresh(deliver) == 0


def test_the_portal_names_the_missing_profile_fields(acme):
    # given a checklist with the profile item and a profile with only a website
    onboarding_side(acme, items=("profile",))
    with platform_scope():
        Partner.objects.filter(pk=acme.partner.pk).update(website="https://p1.example", phone="", city="")
    # then the portal lists what is missing, with a link to edit the profile
    page = body(make_client(acme.sales_rep).get(reverse("portal:recruitment_onboarding")))
    assert "Still missing:" in page and "city" in page and reverse("portal:company_edit") in page
    assert 'role="progressbar"' in page and 'aria-valuenow="0"' in page


def test_events_of_other_partners_or_verbs_enqueue_nothing(acme):
    # given partner 1 onboarding, partner 2 active
    onboarding_side(acme, items=("profile",))
    # when partner 2 changes its profile
    with as_partner(acme.partner_admins[1]):
        partner_update(actor=acme.partner_admins[1], partner=acme.partners[1], changes={"city": "Bonn"})
    # then no refresh is enqueued (partner 2 has no onboarding in progress)
    with platform_scope():
        assert not OutboxMessage.objects.filter(task_name=ONBOARDING_REFRESH).exists()


def test_a_manual_tick_twice_tells_the_second_and_an_automatic_item_cannot_be_ticked(acme):
    s = onboarding_side(acme, items=("profile", "manual"))
    with platform_scope():
        manual = OnboardingTask.objects.get(onboarding=s.onboarding, kind=TaskKind.MANUAL)
        automatic = OnboardingTask.objects.get(onboarding=s.onboarding, kind=TaskKind.PROFILE_COMPLETED)
    with tenant_scope(acme.tenant):
        onboarding_tick(actor=acme.manager, task=manual)
        with pytest.raises(InvalidTransition):
            onboarding_tick(actor=acme.admin, task=manual)
        with pytest.raises(PolicyViolation):
            onboarding_tick(actor=acme.manager, task=automatic)
        # unticking reopens it, with an event
        onboarding_tick(actor=acme.manager, task=manual, done=False)
        assert Event.objects.filter(verb=events.ONBOARDING_TASK_REOPENED).count() == 1
    assert onboarding_of(acme.partner).tasks_done == 0


def test_a_stalled_onboarding_is_nudged_once_per_stall(acme):
    # given an onboarding without progress for ten days (stall after seven)
    s = onboarding_side(acme, items=("manual", "profile"))
    with platform_scope():
        Onboarding.objects.filter(pk=s.onboarding.pk).update(last_progress_at=timezone.now() - timedelta(days=10))

    def sweep():
        with tenant_scope(acme.tenant):
            return onboarding_sweep().nudged

    # when the daily sweep runs twice
    # then the partner admin is nudged once (a notification, an e-mail waiting in the outbox)
    assert (sweep(), sweep()) == (1, 0)
    with platform_scope():
        stalled = Notification.objects.filter(kind=notifications.ONBOARDING_STALLED)
        assert [n.recipient_id for n in stalled] == [acme.partner_admin.pk]
        assert stalled[0].email_requested
    # when progress is made, then it stalls again
    with tenant_scope(acme.tenant):
        task = OnboardingTask.objects.get(onboarding=s.onboarding, kind=TaskKind.MANUAL)
        onboarding_tick(actor=acme.manager, task=task)
    assert sweep() == 0
    with platform_scope():
        Onboarding.objects.filter(pk=s.onboarding.pk).update(last_progress_at=timezone.now() - timedelta(days=8))
    # then it is nudged again, once
    assert (sweep(), sweep()) == (1, 0)
    with platform_scope():
        assert Event.objects.filter(verb=events.ONBOARDING_NUDGED).count() == 2


def test_staff_start_onboarding_for_a_partner_created_by_hand(acme):
    # given a partner in status onboarding without a checklist, and a template for its type
    OnboardingTemplateItemFactory(tenant=acme.tenant, template__partner_type=acme.partner_type, title="Kick-off call")
    with platform_scope():
        Partner.objects.filter(pk=acme.partner.pk).update(status=PartnerStatus.ONBOARDING)
    client = make_client(acme.manager)
    tab = reverse("office:partner_onboarding", args=[acme.partner.pk])
    assert "Start onboarding" in body(client.get(tab))
    # when the manager starts it from the record tab
    response = client.post(reverse("office:recruitment_onboarding_start", args=[acme.partner.pk]))
    # then the checklist is there, once (a second click changes nothing)
    assert response.status_code == 302
    client.post(reverse("office:recruitment_onboarding_start", args=[acme.partner.pk]))
    with platform_scope():
        assert OnboardingTask.objects.filter(partner=acme.partner).count() == 1
    assert "Kick-off call" in body(client.get(tab))


def test_an_active_partner_cannot_be_started_by_hand(acme):
    with tenant_scope(acme.tenant), pytest.raises(PolicyViolation):
        onboarding_start(actor=acme.manager, partner=acme.partner)


def test_another_partners_onboarding_is_not_shown_to_a_partner_user(acme):
    onboarding_side(acme, items=("manual",))
    page = body(make_client(acme.partner_admins[1]).get(reverse("portal:recruitment_onboarding")))
    assert "Kick-off call held" not in page and "no onboarding checklist" in page


def test_the_portal_home_offers_finish_onboarding_while_onboarding(acme):
    onboarding_side(acme, items=("manual",))
    assert "Finish onboarding" in body(make_client(acme.sales_rep).get(reverse("portal:home")))
    assert "Finish onboarding" not in body(make_client(acme.sales[1]).get(reverse("portal:home")))


# --- the board ---------------------------------------------------------------------------------------------


def _onboarding_partners(side, count: int, *, stalled: int = 0, tier=None):
    for n in range(count):
        partner = PartnerFactory(
            tenant=side.tenant,
            partner_type=side.partner_type,
            status=PartnerStatus.ONBOARDING,
            display_name=f"Newcomer {n}",
            account_manager=side.manager,
        )
        if tier is not None:
            EnrollmentFactory(tenant=side.tenant, partner=partner, tier=tier)
        with tenant_scope(side.tenant):
            onboarding = onboarding_start(actor=side.manager, partner=partner)
        if n < stalled:
            with platform_scope():
                Onboarding.objects.filter(pk=onboarding.pk).update(
                    last_progress_at=timezone.now() - timedelta(days=30), started_at=timezone.now() - timedelta(days=40)
                )


def test_the_board_lists_onboarding_partners_marks_the_stalled_and_filters(acme):
    OnboardingTemplateItemFactory(tenant=acme.tenant, template__partner_type=acme.partner_type, title="Kick-off call")
    _onboarding_partners(acme, 3, stalled=1)
    client = make_client(acme.admin)
    page = body(client.get(reverse("office:recruitment_onboarding_board")))
    assert page.count('class="onboarding-row') == 3 and page.count("table-warning") == 1
    stalled = body(client.get(reverse("office:recruitment_onboarding_board") + "?show=stalled"))
    assert stalled.count('class="onboarding-row') == 1 and "Newcomer 0" in stalled
    # the admin manages none of them: "mine" is empty; the account manager's holds all three
    assert body(client.get(reverse("office:recruitment_onboarding_board") + "?show=mine")).count("onboarding-row") == 0
    mine = body(make_client(acme.manager).get(reverse("office:recruitment_onboarding_board") + "?show=mine"))
    assert mine.count('class="onboarding-row') == 3


BOARD_QUERIES = 10


def test_the_board_costs_the_same_for_few_and_many_partners(world, no_queries_from_templates):
    # given a board of 2 onboarding partners and one of 20 (each side one tenant), an overdue agreement in each
    few, many = world.acme, world.globex
    for side, count in ((few, 2), (many, 20)):
        OnboardingTemplateItemFactory(tenant=side.tenant, template__partner_type=side.partner_type, title="Call")
        tier = TierFactory(tenant=side.tenant)
        AgreementVersionFactory(
            tenant=side.tenant, agreement__program=tier.program, accept_by=timezone.localdate() - timedelta(days=1)
        )
        _onboarding_partners(side, count, stalled=1, tier=tier)
    path = reverse("office:recruitment_onboarding_board")
    # then both cost the pinned number: the request's own (user, its scope, second factor), the
    # count and the page, the tenant's zone (today), the overdue agreements (the
    # current versions of the active agreements, enrolments, acceptances)
    few_cost, many_cost = cost(few.admin, path), cost(many.admin, path)
    assert_pinned(few_cost, many_cost, BOARD_QUERIES, "the onboarding board")
    assert many_cost.html.count("Partner agreement v") == 20
