"""The payout schedule: where a vendor pays monthly or quarterly, a worker prepares the draft run of
the period that ended (once), finance is asked to approve it, and one finance user's approval is
enough because no person prepared it. By hand, nothing happens at night. Finance finds the runs in
the back office's menu, with the schedule said on the page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from incentives.models import IncentiveSettings, Payout, PayoutRun, PayoutSchedule, RunStatus
from incentives.services import payout_run_approve, payout_run_discard, payout_run_mark_paid, payout_run_prepare
from incentives.services.payouts import payout_run_scheduled, period_last_ended
from prm.accounts.roles import Role
from prm.notifications.models import Notification
from prm.tenancy.scope import tenant_scope
from tests.conftest import body, make_client
from tests.factories import MembershipFactory

from .test_payouts import _approved_claim
from .test_spiffs import _campaign

pytestmark = pytest.mark.django_db


def _schedule(side, schedule):
    IncentiveSettings.objects.update_or_create(tenant_id=side.tenant.pk, defaults={"payout_schedule": schedule})


@pytest.mark.parametrize(
    ("schedule", "today", "ended"),
    [
        (PayoutSchedule.MONTHLY, date(2026, 7, 1), date(2026, 6, 30)),
        (PayoutSchedule.MONTHLY, date(2026, 3, 15), date(2026, 2, 28)),
        (PayoutSchedule.MONTHLY, date(2027, 1, 1), date(2026, 12, 31)),
        (PayoutSchedule.QUARTERLY, date(2026, 7, 1), date(2026, 6, 30)),
        (PayoutSchedule.QUARTERLY, date(2026, 9, 30), date(2026, 6, 30)),
        (PayoutSchedule.QUARTERLY, date(2026, 2, 1), date(2025, 12, 31)),
        (PayoutSchedule.BY_HAND, date(2026, 7, 1), None),
    ],
)
def test_the_period_that_ended_last(schedule, today, ended):
    assert period_last_ended(schedule=schedule, today=today) == ended


def test_a_monthly_schedule_prepares_each_months_run_once_and_one_finance_user_approves_it(acme):
    with tenant_scope(acme.tenant):
        finance = MembershipFactory(tenant=acme.tenant, role=Role.FINANCE)
        _campaign(acme, ends_on=date(2026, 12, 31))
        claim = _approved_claim(acme, won_on=date(2026, 5, 1), finance=finance)
        # by hand (the default): the night does nothing
        assert payout_run_scheduled(today=date(2026, 7, 1)) is None
        _schedule(acme, PayoutSchedule.MONTHLY)
        run = payout_run_scheduled(today=date(2026, 7, 1))
        assert (run.period_end, run.status, run.prepared_by) == (date(2026, 6, 30), RunStatus.DRAFT, None)
        assert list(Payout.objects.filter(run=run).values_list("member_id", "amount")) == [
            (claim.member_id, Decimal("500.00"))
        ]
        # finance is asked to approve it, once; the next night (or a second beat) prepares nothing more
        [told] = Notification.objects.filter(recipient=finance, kind="payout.run_ready")
        assert told.url == reverse("office:payout_run", args=[run.pk])
        assert payout_run_scheduled(today=date(2026, 7, 2)) is None
        assert PayoutRun.objects.count() == 1
        # no person prepared it: the finance user who was told approves it alone
        payout_run_approve(actor=finance, run=run)
        payout_run_mark_paid(actor=finance, run=run, reference="BATCH-7")
        # the rest of July: June has its run
        assert payout_run_scheduled(today=date(2026, 7, 20)) is None
        _approved_claim(acme, won_on=date(2026, 6, 1), finance=finance)
        august = payout_run_scheduled(today=date(2026, 8, 1))
        assert august.period_end == date(2026, 7, 31)
        assert Payout.objects.get(run=august).amount == Decimal("500.00")


def test_an_open_run_holds_the_schedule_back_until_it_is_paid_and_a_discarded_period_stays_discarded(acme):
    with tenant_scope(acme.tenant):
        preparer, approver = (MembershipFactory(tenant=acme.tenant, role=Role.FINANCE) for _ in range(2))
        _schedule(acme, PayoutSchedule.QUARTERLY)
        by_hand = payout_run_prepare(actor=preparer, period_end=date(2026, 6, 15))
        assert payout_run_scheduled(today=date(2026, 7, 1)) is None  # the draft of 15 June is open
        payout_run_approve(actor=approver, run=by_hand)
        assert payout_run_scheduled(today=date(2026, 7, 2)) is None  # approved, not paid yet
        payout_run_mark_paid(actor=approver, run=by_hand, reference="BATCH-1")
        caught_up = payout_run_scheduled(today=date(2026, 7, 3))
        assert caught_up.period_end == date(2026, 6, 30)
        payout_run_discard(actor=approver, run=caught_up)
        # finance discarded the quarter's run: the nights that follow leave it so
        assert payout_run_scheduled(today=date(2026, 7, 4)) is None
        assert payout_run_scheduled(today=date(2026, 10, 1)).period_end == date(2026, 9, 30)


def test_the_nightly_task_runs_the_schedule_for_its_tenant(acme, globex):
    from incentives.tasks import payout_run_scheduled_task

    with tenant_scope(acme.tenant):
        _schedule(acme, PayoutSchedule.MONTHLY)
    # through Celery's task (eager in the suite), in each tenant's own scope
    assert payout_run_scheduled_task.apply(kwargs={"tenant_id": acme.tenant.pk}).get() == 1
    assert payout_run_scheduled_task.apply(kwargs={"tenant_id": acme.tenant.pk}).get() == 0
    assert payout_run_scheduled_task.apply(kwargs={"tenant_id": globex.tenant.pk}).get() == 0  # by hand
    with tenant_scope(globex.tenant):
        assert not PayoutRun.objects.exists()


def test_finance_finds_the_runs_in_the_menu_with_the_schedule_and_who_prepared_each(acme):
    with tenant_scope(acme.tenant):
        _schedule(acme, PayoutSchedule.QUARTERLY)
        run = payout_run_scheduled(today=date(2026, 7, 1))
    finance = make_client(acme.admin)
    home = body(finance.get(reverse("office:dashboard")))
    assert f'href="{reverse("office:payout_runs")}"' in home
    page = body(finance.get(reverse("office:payout_runs")))
    assert "Payout schedule: Quarterly." in page
    assert f'<tr id="run-{run.pk}"' in page and "the payout schedule" in page
    assert "Prepared by the payout schedule." in body(finance.get(reverse("office:payout_run", args=[run.pk])))
    # a partner's people see no runs
    assert make_client(acme.partner_admin).get(reverse("office:payout_runs")).status_code in (403, 404)
