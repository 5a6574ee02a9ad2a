"""Joint business plans, the services and the progress selectors: both sides sign the same version
and it locks; a change clears the signatures; a signature of a plan changed since its page was
read is refused; an agreed plan changes by a new version that supersedes it when agreed; one open
revision at a time (also when two start at once); progress from the scorecards' metrics and by
hand; ``plans_behind`` for the at-risk rule."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.models import Event
from prm.notifications.models import Notification
from prm.tenancy.scope import tenant_scope
from prm.tenancy.time import tenant_today
from scorecards import events, notifications
from scorecards.models import BusinessPlan, ObjectiveKind, PlanObjective, PlanStatus
from scorecards.selectors.plans import (
    BEHIND,
    MET,
    NOT_MEASURED,
    NOT_RECORDED,
    NOT_STARTED,
    ON_TRACK,
    plan_get_for_actor,
    plan_list_for_actor,
    plan_progress,
    plans_behind,
    plans_waiting_for_actor,
)
from scorecards.services.plans import (
    plan_create,
    plan_fingerprint,
    plan_objective_add,
    plan_objective_remove,
    plan_objective_update,
    plan_progress_record,
    plan_revise,
    plan_sign,
    plan_update,
    plan_withdraw,
)
from tests.concurrency import race
from tests.factories import DealFactory, PartnerMembershipFactory
from tests.learning.factories import CertificateFactory

pytestmark = pytest.mark.django_db

D = Decimal


def _token(plan: BusinessPlan) -> str:
    plan = BusinessPlan.objects.get(pk=plan.pk)
    return plan_fingerprint(plan, list(PlanObjective.objects.filter(plan=plan)))


def _fresh(plan: BusinessPlan) -> BusinessPlan:
    return BusinessPlan.objects.get(pk=plan.pk)


def _draft(side, *, actor=None, starts_on=None, ends_on=None, objectives=None) -> BusinessPlan:
    today = tenant_today()
    plan = plan_create(
        actor=actor or side.manager,
        partner=side.partner,
        title="Growth plan",
        starts_on=starts_on or today - timedelta(days=30),
        ends_on=ends_on or today + timedelta(days=60),
        summary="Grow together.",
    )
    for kind, description, target in objectives or [(ObjectiveKind.REVENUE, "Revenue", "100000")]:
        plan_objective_add(actor=actor or side.manager, plan=plan, kind=kind, description=description, target=D(target))
    return _fresh(plan)


def _agreed(side, **kwargs) -> BusinessPlan:
    plan = _draft(side, **kwargs)
    plan_sign(actor=side.partner_admin, plan=plan, token=_token(plan))
    return plan_sign(actor=side.manager, plan=_fresh(plan), token=_token(plan))


def _notified(member, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=member, kind=kind))


def _verbs(plan) -> list[str]:
    return list(
        Event.objects.filter(object_id=plan.pk, verb__startswith="business_plan.").values_list("verb", flat=True)
    )


# --- signing ------------------------------------------------------------------------------------------


def test_both_sides_sign_the_same_version_and_the_plan_locks(acme):
    with tenant_scope(acme.tenant):
        # given a draft the vendor's account manager wrote
        plan = _draft(acme)
        assert plan.status == PlanStatus.DRAFT and plan.version == 1

        # when the partner's admin signs it
        plan = plan_sign(actor=acme.partner_admin, plan=plan, token=_token(plan))
        # then it is signed for the partner, and the account manager is asked to sign
        assert plan.partner_signed_by == acme.partner_admin and plan.partner_signed_at is not None
        assert plan.status == PlanStatus.DRAFT and plan.locked_at is None
        assert len(_notified(acme.manager, notifications.PLAN_TO_SIGN)) == 1
        assert _notified(acme.partner_admin, notifications.PLAN_TO_SIGN) == []
        # ... and signing again changes nothing
        assert plan_sign(actor=acme.partner_admin, plan=plan, token=_token(plan)).partner_signed_at == (
            plan.partner_signed_at
        )

        # when the account manager signs too
        plan = plan_sign(actor=acme.manager, plan=_fresh(plan), token=_token(plan))
        # then the plan is agreed and locked, and both sides hear of it
        assert plan.status == PlanStatus.AGREED and plan.locked_at is not None
        assert plan.vendor_signed_by == acme.manager
        assert len(_notified(acme.manager, notifications.PLAN_AGREED)) == 1
        assert len(_notified(acme.partner_admin, notifications.PLAN_AGREED)) == 1
        assert _verbs(plan).count(events.PLAN_SIGNED) == 2 and events.PLAN_AGREED in _verbs(plan)
        with pytest.raises(InvalidTransition, match="already agreed"):
            plan_sign(actor=acme.admin, plan=plan, token=_token(plan))


def test_the_vendor_signing_first_asks_the_partners_admins(acme):
    with tenant_scope(acme.tenant):
        second_admin = PartnerMembershipFactory(partner=acme.partner, role="partner_admin")
        plan = _draft(acme, actor=acme.partner_admin)
        plan_sign(actor=acme.admin, plan=plan, token=_token(plan))
        assert len(_notified(acme.partner_admin, notifications.PLAN_TO_SIGN)) == 1
        assert len(_notified(second_admin, notifications.PLAN_TO_SIGN)) == 1
        assert _notified(acme.sales_rep, notifications.PLAN_TO_SIGN) == []
        # the partner sees it waiting for its signature, the vendor does not
        rows, count = plans_waiting_for_actor(actor=acme.partner_admin, limit=5)
        assert count == 1 and rows[0]["id"] == plan.pk
        assert plans_waiting_for_actor(actor=acme.manager, limit=5)[1] == 0


def test_a_plan_without_objectives_is_not_signed(acme):
    with tenant_scope(acme.tenant):
        plan = plan_create(
            actor=acme.manager,
            partner=acme.partner,
            title="Empty",
            starts_on=date(2030, 1, 1),
            ends_on=date(2030, 3, 31),
        )
        with pytest.raises(PolicyViolation, match="at least one objective"):
            plan_sign(actor=acme.manager, plan=plan, token=_token(plan))


def test_a_change_clears_both_signatures_and_says_so(acme):
    with tenant_scope(acme.tenant):
        # given a draft the partner signed
        plan = _draft(acme)
        plan_sign(actor=acme.partner_admin, plan=plan, token=_token(plan))
        # when the vendor adds an objective
        change = plan_objective_add(
            actor=acme.manager, plan=_fresh(plan), kind=ObjectiveKind.REGISTRATIONS, description="Deals", target=D(5)
        )
        # then the signatures are gone, the change says so, and the partner is asked to sign again
        assert change.signatures_cleared
        plan = _fresh(plan)
        assert plan.partner_signed_at is None and plan.vendor_signed_at is None
        asked = _notified(acme.partner_admin, notifications.PLAN_TO_SIGN)
        assert len(asked) == 1 and "changed" in asked[0].title_message
        changed = Event.objects.filter(object_id=plan.pk, verb=events.PLAN_CHANGED).latest("id")
        assert changed.data["signatures_cleared"] == ["partner"]
        # ... an edit that changes nothing clears nothing
        plan_sign(actor=acme.partner_admin, plan=plan, token=_token(plan))
        same = plan_update(
            actor=acme.manager,
            plan=_fresh(plan),
            title=plan.title,
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
            summary=plan.summary,
        )
        assert not same.signatures_cleared and _fresh(plan).partner_signed_at is not None
        # ... and every kind of edit does
        objective = PlanObjective.objects.filter(plan=plan).first()
        change = plan_objective_update(
            actor=acme.partner_admin, objective=objective, kind=objective.kind, description="Revenue", target=D(1)
        )
        assert change.signatures_cleared and _fresh(plan).partner_signed_at is None


def test_a_signature_of_a_plan_changed_since_its_page_was_read_is_refused(acme):
    with tenant_scope(acme.tenant):
        # given the partner's admin reading the draft (its page carries the fingerprint)
        plan = _draft(acme)
        read = _token(plan)
        # when the vendor changes a target meanwhile
        objective = PlanObjective.objects.get(plan=plan)
        plan_objective_update(
            actor=acme.manager, objective=objective, kind=objective.kind, description="Revenue", target=D(999999)
        )
        # then the admin's signature of what it read is refused, and nothing is signed
        with pytest.raises(InvalidTransition, match="changed after you opened it"):
            plan_sign(actor=acme.partner_admin, plan=plan, token=read)
        assert _fresh(plan).partner_signed_at is None
        # ... a signature of the current version goes through
        assert plan_sign(actor=acme.partner_admin, plan=plan, token=_token(plan)).partner_signed_at is not None


def test_a_progress_record_does_not_change_what_was_signed(acme):
    with tenant_scope(acme.tenant):
        plan = _draft(acme, objectives=[(ObjectiveKind.CUSTOM, "References", "4")])
        read = _token(plan)
        plan_progress_record(actor=acme.partner_admin, objective=PlanObjective.objects.get(plan=plan), value=D(1))
        assert plan_sign(actor=acme.manager, plan=plan, token=read).vendor_signed_at is not None


@pytest.mark.django_db(transaction=True)
def test_an_edit_and_a_signature_at_once_one_wins_and_the_other_is_told(acme):
    with tenant_scope(acme.tenant):
        plan = _draft(acme)
        read = _token(plan)
    outcomes = race(
        {
            "sign": lambda: plan_sign(actor=acme.partner_admin, plan=plan, token=read),
            "edit": lambda: plan_objective_add(
                actor=acme.manager, plan=plan, kind=ObjectiveKind.REGISTRATIONS, description="Deals", target=D(3)
            ),
        },
        tenant=acme.tenant,
    )
    # the edit always goes through; the signature either came first (and the edit cleared it,
    # saying so) or came second and was refused as stale
    assert outcomes["edit"] == "done"
    sign = outcomes["sign"]
    assert sign == "done" or (isinstance(sign, InvalidTransition) and sign.code == "plan_stale")
    with tenant_scope(acme.tenant):
        plan = _fresh(plan)
        assert plan.partner_signed_at is None and plan.status == PlanStatus.DRAFT
        assert PlanObjective.objects.filter(plan=plan).count() == 2


# --- locked, versions, withdrawn ----------------------------------------------------------------------


def test_an_agreed_plan_is_locked(acme):
    with tenant_scope(acme.tenant):
        plan = _agreed(acme)
        objective = PlanObjective.objects.get(plan=plan)
        for attempt in (
            lambda: plan_update(
                actor=acme.manager, plan=plan, title="New", starts_on=plan.starts_on, ends_on=plan.ends_on
            ),
            lambda: plan_objective_add(
                actor=acme.partner_admin, plan=plan, kind=ObjectiveKind.MDF, description="x", target=D(1)
            ),
            lambda: plan_objective_update(
                actor=acme.manager, objective=objective, kind=objective.kind, description="x", target=D(1)
            ),
            lambda: plan_objective_remove(actor=acme.manager, objective=objective),
            lambda: plan_withdraw(actor=acme.manager, plan=plan),
        ):
            with pytest.raises(InvalidTransition, match="agreed and locked: start a new version"):
                attempt()
        assert PlanObjective.objects.get(pk=objective.pk).target == D("100000.00")


def test_a_new_version_stays_a_draft_until_agreed_then_supersedes_the_agreed_one(acme):
    with tenant_scope(acme.tenant):
        # given an agreed plan with two objectives, one with progress recorded
        plan = _agreed(
            acme,
            objectives=[(ObjectiveKind.REVENUE, "Revenue", "100000"), (ObjectiveKind.CUSTOM, "References", "4")],
        )
        plan_progress_record(
            actor=acme.manager, objective=PlanObjective.objects.get(plan=plan, kind=ObjectiveKind.CUSTOM), value=D(2)
        )
        # when the partner starts a new version
        revision = plan_revise(actor=acme.partner_admin, plan=plan)
        # then it is a draft of version 2 with the objectives copied; the agreed one stays in force
        assert revision.status == PlanStatus.DRAFT and revision.version == 2 and revision.supersedes_id == plan.pk
        copied = list(PlanObjective.objects.filter(plan=revision).order_by("position"))
        assert [(o.kind, o.description, o.target) for o in copied] == [
            (ObjectiveKind.REVENUE, "Revenue", D("100000.00")),
            (ObjectiveKind.CUSTOM, "References", D("4.00")),
        ]
        assert copied[1].manual_progress == D("2.00")
        assert revision.partner_signed_at is None and revision.vendor_signed_at is None
        assert _fresh(plan).status == PlanStatus.AGREED
        # ... a second new version is refused while this one is open
        with pytest.raises(PolicyViolation, match="Version 2 of this plan is already being drafted"):
            plan_revise(actor=acme.manager, plan=plan)
        # when the target changes and both sign the new version
        plan_objective_update(
            actor=acme.manager, objective=copied[0], kind=ObjectiveKind.REVENUE, description="Revenue", target=D(150000)
        )
        plan_sign(actor=acme.manager, plan=revision, token=_token(revision))
        revision = plan_sign(actor=acme.partner_admin, plan=_fresh(revision), token=_token(revision))
        # then the new version is agreed and the old one superseded
        assert revision.status == PlanStatus.AGREED
        assert _fresh(plan).status == PlanStatus.SUPERSEDED
        superseded = Event.objects.filter(object_id=plan.pk, verb=events.PLAN_CHANGED).latest("id")
        assert superseded.to_state == PlanStatus.SUPERSEDED
        # ... and only the agreed version is revised from now on
        with pytest.raises(InvalidTransition, match="Only an agreed plan"):
            plan_revise(actor=acme.manager, plan=plan)
        assert plan_revise(actor=acme.manager, plan=revision).version == 3


def test_a_withdrawn_new_version_leaves_the_agreed_one_in_force_and_another_may_start(acme):
    with tenant_scope(acme.tenant):
        plan = _agreed(acme)
        revision = plan_revise(actor=acme.manager, plan=plan)
        assert plan_withdraw(actor=acme.partner_admin, plan=revision).status == PlanStatus.WITHDRAWN
        assert _fresh(plan).status == PlanStatus.AGREED
        with pytest.raises(InvalidTransition, match="withdrawn"):
            plan_sign(actor=acme.manager, plan=revision, token=_token(revision))
        assert plan_revise(actor=acme.manager, plan=plan).version == 2


@pytest.mark.django_db(transaction=True)
def test_two_new_versions_started_at_once_make_one(acme):
    with tenant_scope(acme.tenant):
        plan = _agreed(acme)
    outcomes = race(
        {
            "vendor": lambda: plan_revise(actor=acme.manager, plan=plan),
            "partner": lambda: plan_revise(actor=acme.partner_admin, plan=plan),
        },
        tenant=acme.tenant,
    )
    assert sorted(map(str, outcomes.values())).count("done") == 1
    loser = next(outcome for outcome in outcomes.values() if outcome != "done")
    assert isinstance(loser, PolicyViolation) and "already being drafted" in str(loser)
    with tenant_scope(acme.tenant):
        assert BusinessPlan.objects.filter(supersedes=plan, status=PlanStatus.DRAFT).count() == 1


def test_the_index_refuses_a_second_open_revision_the_service_did_not_see(acme, monkeypatch):
    # given an open revision, and a service that (as in a race) looks before it was committed
    with tenant_scope(acme.tenant):
        plan = _agreed(acme)
        plan_revise(actor=acme.manager, plan=plan)
        monkeypatch.setattr("scorecards.services.plans.open_revision", lambda plan: None)
        # when a second one is started, the database's index refuses it, and the service says why
        with pytest.raises(PolicyViolation, match="already being drafted"):
            plan_revise(actor=acme.partner_admin, plan=plan)
        assert BusinessPlan.objects.filter(supersedes=plan).count() == 1


# --- who ----------------------------------------------------------------------------------------------


def test_who_may_draft_sign_and_see(acme, globex):
    with tenant_scope(acme.tenant):
        plan = _draft(acme)
        other_admin = acme.partner_admins[1]
        # another partner's admin sees nothing of it, drafts nothing for this partner
        with pytest.raises(Http404):
            plan_get_for_actor(actor=other_admin, plan_id=plan.pk)
        with pytest.raises(NotAllowed):
            plan_create(
                actor=other_admin, partner=acme.partner, title="x", starts_on=date(2030, 1, 1), ends_on=date(2030, 1, 2)
            )
        with pytest.raises(NotAllowed):
            plan_sign(actor=other_admin, plan=plan, token=_token(plan))
        assert list(plan_list_for_actor(actor=other_admin)[0]) == []
        # a sales rep reads its company's plans but neither drafts nor signs
        assert plan_get_for_actor(actor=acme.sales_rep, plan_id=plan.pk) == plan
        with pytest.raises(NotAllowed, match="company's admins"):
            plan_sign(actor=acme.sales_rep, plan=plan, token=_token(plan))
        with pytest.raises(NotAllowed):
            plan_objective_add(actor=acme.sales_rep, plan=plan, kind=ObjectiveKind.MDF, description="x", target=D(1))
        # marketing reads every plan, but drafts and signs for the vendor only as an admin or channel manager does
        assert plan_get_for_actor(actor=acme.marketing, plan_id=plan.pk) == plan
        with pytest.raises(NotAllowed, match="vendor admins and channel managers"):
            plan_sign(actor=acme.marketing, plan=plan, token=_token(plan))
        with pytest.raises(NotAllowed):
            plan_revise(actor=acme.marketing, plan=plan)
        # the plan's dates are in order
        with pytest.raises(PolicyViolation, match="ends on or after"):
            plan_update(actor=acme.manager, plan=plan, title="x", starts_on=date(2030, 2, 1), ends_on=date(2030, 1, 1))
    with tenant_scope(globex.tenant), pytest.raises(Http404):  # another tenant's: never found
        plan_get_for_actor(actor=globex.admin, plan_id=plan.pk)


# --- progress -----------------------------------------------------------------------------------------


def _second_partner(side):
    """The side as seen from its second partner (``side.partner`` and its admin are partner 2's)."""
    return dataclasses.replace(side, partners=side.partners[1:], partner_admins=side.partner_admins[1:])


def _won(side, amount: str, on: date, partner=None):
    return DealFactory(
        tenant=side.tenant,
        partner=partner or side.partner,
        status="won",
        won_amount=D(amount),
        won_on=on,
        currency=side.tenant.default_currency,
    )


def test_progress_is_measured_from_the_scorecards_metrics_over_the_period(acme, settings):
    with tenant_scope(acme.tenant):
        today = tenant_today()
        # given a plan of 100 days, 50 gone by (today the 50th)
        starts_on = today - timedelta(days=49)
        plan = _draft(
            acme,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=99),
            objectives=[
                (ObjectiveKind.REVENUE, "Revenue", "10000"),
                (ObjectiveKind.REGISTRATIONS, "Registrations", "4"),
                (ObjectiveKind.CERTIFICATIONS, "Certified people", "2"),
                (ObjectiveKind.CUSTOM, "References", "4"),
                (ObjectiveKind.CUSTOM, "Webinars", "2"),
            ],
        )
        # ... revenue won in the period (6,000; one win before it and one of another partner do not count)
        _won(acme, "6000", today - timedelta(days=3))
        _won(acme, "9000", starts_on - timedelta(days=1))
        _won(acme, "9000", today, partner=acme.partners[1])
        # ... one registration approved in the period
        DealFactory(
            tenant=acme.tenant,
            partner=acme.partner,
            status="approved",
            decided_at=timezone.now() - timedelta(days=2),
            protected_until=today + timedelta(days=80),
        )
        # ... two people certified (of two certifications), one of them twice
        CertificateFactory(tenant=acme.tenant, holder=acme.partner_admin, issued_on=today - timedelta(days=400))
        CertificateFactory(tenant=acme.tenant, holder=acme.partner_admin, issued_on=today - timedelta(days=10))
        CertificateFactory(tenant=acme.tenant, holder=acme.sales_rep, issued_on=today - timedelta(days=10))
        # ... and progress recorded by hand on one custom objective
        references = PlanObjective.objects.get(plan=plan, description="References")
        plan_progress_record(actor=acme.partner_admin, objective=references, value=D(1))

        progress = plan_progress(plan, today=today)

    assert progress.as_of == today and progress.elapsed_percent == 50
    shown = {o.description: o for o in progress.objectives}
    revenue = shown["Revenue"]
    assert (revenue.value, revenue.expected, revenue.percent, revenue.status) == (D(6000), D(5000), 60, ON_TRACK)
    assert "6,000" in revenue.value_text
    registrations = shown["Registrations"]
    assert (registrations.value, registrations.percent, registrations.status) == (D(1), 25, BEHIND)
    assert (shown["Certified people"].value, shown["Certified people"].status) == (D(2), MET)
    assert (shown["References"].value, shown["References"].status) == (D(1), BEHIND)
    assert (shown["Webinars"].value, shown["Webinars"].status) == (None, NOT_RECORDED)
    assert progress.behind == 2


def test_before_the_period_nothing_is_measured_and_mdf_waits_for_its_metric(acme):
    with tenant_scope(acme.tenant):
        today = tenant_today()
        plan = _draft(
            acme,
            starts_on=today + timedelta(days=10),
            ends_on=today + timedelta(days=100),
            objectives=[(ObjectiveKind.REVENUE, "Revenue", "10000"), (ObjectiveKind.MDF, "Activities", "3")],
        )
        later = _draft(acme, starts_on=today - timedelta(days=10), objectives=[(ObjectiveKind.MDF, "Activities", "3")])
        before = plan_progress(plan, today=today)
        running = plan_progress(later, today=today)
    assert before.as_of is None and {o.status for o in before.objectives} == {NOT_STARTED}
    from programs.selectors.metrics import metric_get

    mdf = metric_get("incentives.mdf_activities")
    if mdf is None or not mdf.available:
        assert running.objectives[0].status == NOT_MEASURED and running.objectives[0].value is None
    else:
        assert running.objectives[0].status in (BEHIND, ON_TRACK, MET)


def test_a_zero_target_is_met_and_a_finished_plan_is_measured_to_its_last_day(acme):
    with tenant_scope(acme.tenant):
        today = tenant_today()
        plan = _draft(
            acme,
            starts_on=today - timedelta(days=40),
            ends_on=today - timedelta(days=11),
            objectives=[(ObjectiveKind.REVENUE, "Revenue", "5000"), (ObjectiveKind.REGISTRATIONS, "None", "0")],
        )
        _won(acme, "4000", today - timedelta(days=20))
        _won(acme, "4000", today - timedelta(days=5))  # after the plan ended
        progress = plan_progress(plan, today=today)
    assert progress.as_of == today - timedelta(days=11) and progress.elapsed_percent == 100
    revenue, none = progress.objectives
    assert (revenue.value, revenue.status, revenue.expected) == (D(4000), BEHIND, D(5000))
    assert (none.percent, none.status) == (100, MET)


def test_plans_behind_counts_agreed_plans_past_half_their_period_below_pace(acme):
    with tenant_scope(acme.tenant):
        today = tenant_today()
        half_gone = {"starts_on": today - timedelta(days=59), "ends_on": today + timedelta(days=40)}  # 60 of 100
        # behind: 1,000 of 10,000 when 6,000 was expected
        _agreed(acme, objectives=[(ObjectiveKind.REVENUE, "Revenue", "10000")], **half_gone)
        _won(acme, "1000", today)
        # on pace: a custom objective at 70 of 100
        paced = _agreed(acme, objectives=[(ObjectiveKind.CUSTOM, "References", "100")], **half_gone)
        plan_progress_record(actor=acme.manager, objective=PlanObjective.objects.get(plan=paced), value=D(70))
        # not counted: a draft behind, and an agreed plan behind less than half way through
        _draft(acme, objectives=[(ObjectiveKind.REVENUE, "Revenue", "10000")], **half_gone)
        _agreed(
            acme,
            objectives=[(ObjectiveKind.REVENUE, "Revenue", "10000")],
            starts_on=today - timedelta(days=10),
            ends_on=today + timedelta(days=89),
        )
        # another partner: behind on registrations (none of 10) in a plan that ended a week ago
        other = _second_partner(acme)
        _agreed(
            other,
            objectives=[(ObjectiveKind.REGISTRATIONS, "Registrations", "10")],
            starts_on=today - timedelta(days=90),
            ends_on=today - timedelta(days=7),
        )
        # ... and a plan that ended long ago is forgotten
        _agreed(
            other,
            objectives=[(ObjectiveKind.REGISTRATIONS, "Registrations", "10")],
            starts_on=today - timedelta(days=300),
            ends_on=today - timedelta(days=200),
        )
        counts = plans_behind(partner_ids=[p.pk for p in acme.partners], as_of=today)
        assert counts == {acme.partner.pk: 1, acme.partners[1].pk: 1}
        assert plans_behind(partner_ids=[acme.partner.pk], as_of=today) == {acme.partner.pk: 1}
        assert plans_behind(partner_ids=None, as_of=today) == counts
        # ... the day the revenue catches up, the first is on pace again
        _won(acme, "5000", today)
        assert plans_behind(partner_ids=[acme.partner.pk], as_of=today) == {}


def test_plans_behind_costs_the_same_for_many_partners(acme, django_assert_max_num_queries):
    with tenant_scope(acme.tenant):
        today = tenant_today()
        period = {"starts_on": today - timedelta(days=59), "ends_on": today + timedelta(days=40)}
        for side in (acme, _second_partner(acme)):
            _agreed(
                side,
                objectives=[
                    (ObjectiveKind.REVENUE, "Revenue", "10000"),
                    (ObjectiveKind.REGISTRATIONS, "Registrations", "3"),
                    (ObjectiveKind.CUSTOM, "References", "3"),
                ],
                **period,
            )
        # plans, objectives, then one measurement per metric kind and period
        with django_assert_max_num_queries(4):
            counts = plans_behind(partner_ids=[p.pk for p in acme.partners], as_of=today)
    assert counts == {p.pk: 1 for p in acme.partners}


def test_progress_by_hand_is_for_custom_objectives_and_open_plans(acme):
    with tenant_scope(acme.tenant):
        plan = _agreed(
            acme, objectives=[(ObjectiveKind.REVENUE, "Revenue", "1000"), (ObjectiveKind.CUSTOM, "References", "4")]
        )
        revenue = PlanObjective.objects.get(plan=plan, kind=ObjectiveKind.REVENUE)
        custom = PlanObjective.objects.get(plan=plan, kind=ObjectiveKind.CUSTOM)
        with pytest.raises(PolicyViolation, match="measured automatically"):
            plan_progress_record(actor=acme.manager, objective=revenue, value=D(1))
        with pytest.raises(NotAllowed):
            plan_progress_record(actor=acme.sales_rep, objective=custom, value=D(1))
        # either side records progress on the agreed plan (it stays agreed and signed)
        plan_progress_record(actor=acme.partner_admin, objective=custom, value=D(3))
        plan_progress_record(actor=acme.manager, objective=custom, value=D(4))
        plan = _fresh(plan)
        assert plan.status == PlanStatus.AGREED and plan.partner_signed_at and plan.vendor_signed_at
        assert PlanObjective.objects.get(pk=custom.pk).manual_progress == D("4.00")
        # a superseded or withdrawn plan's progress is no longer recorded
        revision = plan_revise(actor=acme.manager, plan=plan)
        plan_withdraw(actor=acme.manager, plan=revision)
        copy = PlanObjective.objects.get(plan=revision, kind=ObjectiveKind.CUSTOM)
        with pytest.raises(InvalidTransition, match="no longer recorded"):
            plan_progress_record(actor=acme.manager, objective=copy, value=D(1))


# --- the demo -----------------------------------------------------------------------------------------


def test_the_demo_loads_an_agreed_plan_and_one_waiting_for_the_partner_once(acme):
    from partners.models import Partner
    from prm.web.demo_kit import Demo
    from scorecards.demo_parts import plans as demo

    with tenant_scope(acme.tenant):
        Partner.objects.filter(pk=acme.partner.pk).update(display_name="Northwind")
        loaded = Demo(tenant=acme.tenant, seed=1, staff={"admin": acme.admin, "cam": acme.manager})
        demo.load(loaded)
        demo.load(loaded)
        agreed, waiting = BusinessPlan.objects.filter(partner=acme.partner).order_by("starts_on")
        assert agreed.status == PlanStatus.AGREED and agreed.locked_at is not None
        assert waiting.status == PlanStatus.DRAFT and waiting.vendor_signed_by == acme.manager
        assert waiting.partner_signed_at is None
        assert plans_waiting_for_actor(actor=acme.partner_admin, limit=3)[1] == 1
        custom = PlanObjective.objects.get(plan=agreed, kind=ObjectiveKind.CUSTOM)
        assert custom.manual_progress == D(1)
        assert len(loaded.notes) == 1


def test_no_plan_is_drafted_with_a_terminated_partner(acme):
    from partners.models import Partner, PartnerStatus

    with tenant_scope(acme.tenant):
        Partner.objects.filter(pk=acme.partner.pk).update(status=PartnerStatus.TERMINATED)
        partner = Partner.objects.get(pk=acme.partner.pk)
        with pytest.raises(PolicyViolation, match="is terminated"):
            plan_create(
                actor=acme.manager, partner=partner, title="x", starts_on=date(2030, 1, 1), ends_on=date(2030, 1, 2)
            )
