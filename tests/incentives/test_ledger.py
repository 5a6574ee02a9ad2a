"""The incentive ledger: append-only and double-entry in the database, balances derived from the
lines, amounts converted at the rate of the day they were earned, corrections by reversal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from incentives.models import Account, ExchangeRate, LedgerEntry, LedgerTransaction, TransactionKind
from incentives.selectors import balances
from incentives.services import (
    Line,
    MissingExchangeRate,
    exchange_rate_set,
    ledger_adjust,
    ledger_post,
    ledger_reverse,
)
from prm.accounts.roles import Role
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.models import Event
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.concurrency import race
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

D = Decimal


def _accrue(partner, amount, currency="USD", *, member=None, on=date(2026, 3, 31)):
    return ledger_post(
        kind=TransactionKind.ACCRUAL,
        partner=partner,
        earned_on=on,
        lines=[Line(Account.EXPENSE, D(amount), currency), Line(Account.PENDING, -D(amount), currency, member)],
        memo="SPIFF",
    )


def _by_account(rows):
    return {(row.account, row.currency): row.amount for row in rows}


def test_a_balance_is_the_sum_of_the_lines_and_a_rep_sees_only_their_own(acme):
    with tenant_scope(acme.tenant):
        rep = acme.sales_rep
        _accrue(acme.partner, "100.00")
        _accrue(acme.partner, "250.50", member=rep)
        _accrue(acme.partner, "49.50", member=rep)
        _accrue(acme.partners[1], "999.00")
        # the company's total (finance's view), the company's own lines, and the rep's
        assert _by_account(balances(partner_id=acme.partner.pk)) == {
            ("expense", "USD"): D("400.00"),
            ("pending", "USD"): D("400.00"),
        }
        assert _by_account(balances(partner_id=acme.partner.pk, member_id=None))[("pending", "USD")] == D("100.00")
        assert _by_account(balances(partner_id=acme.partner.pk, member_id=rep.pk))[("pending", "USD")] == D("300.00")


def test_an_amount_is_converted_at_the_rate_of_the_day_it_was_earned_not_todays(acme):
    with tenant_scope(acme.tenant):
        exchange_rate_set(actor=acme.admin, currency="EUR", on=date(2026, 1, 1), rate=D("1.10"))
        exchange_rate_set(actor=acme.admin, currency="eur", on=date(2026, 4, 1), rate=D("1.20"))
        march = _accrue(acme.partner, "1000.00", "EUR", on=date(2026, 3, 31))
        april = _accrue(acme.partner, "1000.00", "EUR", on=date(2026, 4, 1))
        assert {e.rate for e in march.entries.all()} == {D("1.10")}
        assert sorted(e.reporting_amount for e in march.entries.all()) == [D("-1100.00"), D("1100.00")]
        assert sorted(e.reporting_amount for e in april.entries.all()) == [D("-1200.00"), D("1200.00")]
        totals = {(b.account, b.currency): b.reporting_amount for b in balances(partner_id=acme.partner.pk)}
        assert totals[("pending", "EUR")] == D("2300.00")
        # a rate corrected later changes nothing already posted
        exchange_rate_set(actor=acme.admin, currency="EUR", on=date(2026, 1, 1), rate=D("1.05"))
        assert {e.rate for e in march.entries.all()} == {D("1.10")}


def test_an_amount_in_a_currency_without_a_rate_that_day_is_refused_and_nothing_is_written(acme):
    with tenant_scope(acme.tenant):
        exchange_rate_set(actor=acme.admin, currency="GBP", on=date(2026, 6, 1), rate=D("1.27"))
        before = LedgerTransaction.objects.count()
        with pytest.raises(MissingExchangeRate, match="GBP on or before 2026-05-31"):
            _accrue(acme.partner, "10.00", "GBP", on=date(2026, 5, 31))
        assert LedgerTransaction.objects.count() == before


def test_the_database_refuses_lines_that_do_not_balance(acme):
    with tenant_scope(acme.tenant):
        posting = _accrue(acme.partner, "10.00")
        # one more line on its own, or a pair that does not add up, written around the service
        for amounts in (["5.00"], ["5.00", "-4.99"]):
            with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
                LedgerEntry.objects.bulk_create(
                    [
                        LedgerEntry(
                            transaction=posting,
                            account=Account.PENDING,
                            partner=acme.partner,
                            amount=D(amount),
                            currency="USD",
                            rate=1,
                            reporting_amount=D(amount),
                        )
                        for amount in amounts
                    ]
                )
        # the service refuses before the database has to
        with pytest.raises(ValueError, match="do not balance"):
            ledger_post(
                kind=TransactionKind.ADJUSTMENT,
                partner=acme.partner,
                earned_on=date(2026, 1, 1),
                lines=[Line(Account.EXPENSE, D("1.00"), "USD"), Line(Account.PENDING, D("-1.00"), "EUR")],
            )
        assert posting.entries.count() == 2


def test_the_ledger_cannot_be_updated_or_deleted_by_the_applications_database_role(acme):
    with tenant_scope(acme.tenant):
        posting = _accrue(acme.partner, "10.00")
        entry = posting.entries.first()
    statements = [
        ("UPDATE incentives_ledgerentry SET amount = 0 WHERE id = %s", entry.pk),
        ("DELETE FROM incentives_ledgerentry WHERE id = %s", entry.pk),
        ("UPDATE incentives_ledgertransaction SET memo = 'rewritten' WHERE id = %s", posting.pk),
        ("DELETE FROM incentives_ledgertransaction WHERE id = %s", posting.pk),
    ]
    for statement, pk in statements:
        # neither the app's role in a tenant's transaction nor the platform's escape hatch
        refused = pytest.raises(DatabaseError, match="permission denied")
        with refused, transaction.atomic(), tenant_scope(acme.tenant), connection.cursor() as cursor:
            cursor.execute(statement, [pk])
        with pytest.raises(DatabaseError, match="permission denied"), platform_scope(), connection.cursor() as cursor:
            cursor.execute(statement, [pk])
    with tenant_scope(acme.tenant):
        assert LedgerEntry.objects.get(pk=entry.pk).amount == D("10.00")
        assert LedgerTransaction.objects.get(pk=posting.pk).memo == "SPIFF"


def test_a_reversal_cancels_a_posting_exactly_at_its_rates_and_only_once(acme):
    with tenant_scope(acme.tenant):
        exchange_rate_set(actor=acme.admin, currency="EUR", on=date(2026, 1, 1), rate=D("1.10"))
        posting = _accrue(acme.partner, "500.00", "EUR", member=acme.sales_rep, on=date(2026, 2, 1))
        # a new rate since does not make the reversal leave a remainder in the reporting currency
        exchange_rate_set(actor=acme.admin, currency="EUR", on=date(2026, 3, 1), rate=D("1.30"))
        reversal = ledger_reverse(actor=acme.admin, posting=posting, reason="Deal was entered twice")
        assert reversal.kind == TransactionKind.REVERSAL and reversal.reverses_id == posting.pk
        assert reversal.earned_on == posting.earned_on
        assert all(b.amount == 0 and b.reporting_amount == 0 for b in balances(partner_id=acme.partner.pk))
        assert LedgerTransaction.objects.filter(pk=posting.pk).exists()  # the original stays
        event = Event.objects.get(verb="ledger.reversed", object_id=posting.pk)
        assert event.actor_id == acme.admin.pk and event.data["reversal_id"] == reversal.pk
        with pytest.raises(InvalidTransition, match="already been reversed"):
            ledger_reverse(actor=acme.admin, posting=posting, reason="again")
        with pytest.raises(InvalidTransition):
            ledger_reverse(actor=acme.admin, posting=reversal, reason="undo the undo")
        with pytest.raises(PolicyViolation, match="why"):
            ledger_reverse(actor=acme.admin, posting=_accrue(acme.partner, "1.00"), reason="  ")


def test_only_finance_and_admins_change_the_ledger(acme):
    with tenant_scope(acme.tenant):
        finance = MembershipFactory(tenant=acme.tenant, role=Role.FINANCE)
        posting = _accrue(acme.partner, "10.00")
        for outsider in (acme.manager, acme.marketing, acme.partner_admin):
            with pytest.raises(NotAllowed):
                ledger_reverse(actor=outsider, posting=posting, reason="mine")
            with pytest.raises(NotAllowed):
                ledger_adjust(
                    actor=outsider,
                    partner=acme.partner,
                    amount=D("5"),
                    currency="USD",
                    earned_on=date.today(),
                    reason="x",
                )
            with pytest.raises(NotAllowed):
                exchange_rate_set(actor=outsider, currency="EUR", on=date.today(), rate=D("1"))
        adjustment = ledger_adjust(
            actor=finance,
            partner=acme.partner,
            amount=D("-25.00"),
            currency="USD",
            earned_on=date(2026, 5, 1),
            reason="Claim found invalid",
        )
        assert _by_account(balances(partner_id=acme.partner.pk))[("approved", "USD")] == D("-25.00")
        assert Event.objects.get(verb="ledger.adjusted", object_id=acme.partner.pk).data["posting_id"] == adjustment.pk


def test_the_reporting_currency_needs_no_rate_and_rates_are_positive(acme):
    with tenant_scope(acme.tenant):
        with pytest.raises(PolicyViolation, match="always 1"):
            exchange_rate_set(actor=acme.admin, currency="USD", on=date(2026, 1, 1), rate=D("1"))
        with pytest.raises(PolicyViolation, match="more than zero"):
            exchange_rate_set(actor=acme.admin, currency="EUR", on=date(2026, 1, 1), rate=D("0"))
        assert not ExchangeRate.objects.exists()


def test_a_partner_user_reads_only_their_own_partners_postings(acme):
    with tenant_scope(acme.tenant):
        _accrue(acme.partner, "10.00")
        _accrue(acme.partners[1], "20.00")
    # row-level security narrows a partner user's transaction to its partner's lines
    with tenant_scope(acme.tenant, partner=acme.partner):
        assert set(LedgerEntry.objects.values_list("partner_id", flat=True)) == {acme.partner.pk}
        assert set(LedgerTransaction.objects.values_list("partner_id", flat=True)) == {acme.partner.pk}


@pytest.mark.django_db(transaction=True)
def test_two_finance_users_reversing_the_same_posting_at_once_make_one_reversal(acme):
    with tenant_scope(acme.tenant):
        posting = _accrue(acme.partner, "75.00")
        other = MembershipFactory(tenant=acme.tenant, role=Role.FINANCE)
    outcomes = race(
        {
            "admin": lambda: ledger_reverse(actor=acme.admin, posting=posting, reason="duplicate"),
            "finance": lambda: ledger_reverse(actor=other, posting=posting, reason="duplicate"),
        },
        tenant=acme.tenant,
    )
    assert sorted(map(str, outcomes.values())).count("done") == 1
    loser = next(outcome for outcome in outcomes.values() if outcome != "done")
    assert isinstance(loser, InvalidTransition) and "already been reversed" in str(loser)
    with tenant_scope(acme.tenant):
        assert LedgerTransaction.objects.filter(reverses=posting).count() == 1
        assert all(b.amount == 0 for b in balances(partner_id=acme.partner.pk))
