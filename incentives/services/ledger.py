"""Posting to the ledger: the one way an amount is written (``ledger_post``), its correction
(``ledger_reverse``), a person's adjustment (``ledger_adjust``) and the exchange rates
(``exchange_rate_set``, ``rate_on``). See ``incentives.models`` for the rules the database holds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from partners.models import Partner
from prm.accounts.models import Membership
from prm.errors import InvalidTransition, PolicyViolation, assert_same_tenant
from prm.events import texts
from prm.events.services import event_record
from prm.tenancy.bulk import bulk_insert

from .. import events
from ..models import (
    MDF_ACCOUNTS,
    PAYEE_ACCOUNTS,
    Account,
    ExchangeRate,
    LedgerEntry,
    LedgerTransaction,
    TransactionKind,
)
from ..permissions import finance_require
from ..selectors.ledger import reporting_currency

CENT = Decimal("0.01")


class MissingExchangeRate(PolicyViolation):
    """An amount in a currency with no rate entered on or before the day it was earned."""

    code = "missing_exchange_rate"


@dataclass(frozen=True)
class Line:
    """One line to post: a signed amount (debit positive, credit negative) on an account; ``member``
    for a rep's own earnings (payee accounts only)."""

    account: str
    amount: Decimal
    currency: str
    member: Membership | None = None
    budget_id: int | None = None  # an MDF account's budget


def rate_on(*, currency: str, on: date, reporting: str | None = None) -> Decimal:
    """The rate of ``currency`` in force on ``on`` (the latest entered on or before it): units of
    the reporting currency per unit. 1 for the reporting currency itself."""
    reporting = reporting or reporting_currency()
    if currency == reporting:
        return Decimal(1)
    in_force = ExchangeRate.objects.filter(currency=currency, on__lte=on).order_by("-on")
    rate = in_force.values_list("rate", flat=True).first()
    if rate is None:
        raise MissingExchangeRate(
            gettext(
                "There is no exchange rate for %(currency)s on or before %(day)s: finance enters it "
                "(Exchange rates, in the admin) before amounts in %(currency)s can be posted."
            )
            % {"currency": currency, "day": on.isoformat()}
        )
    return rate


def _check(lines: list[Line]) -> None:
    """What the database's trigger would refuse, refused first with a reason (a programming error:
    services build the lines)."""
    if len(lines) < 2:
        raise ValueError("a posting needs at least two lines")
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.account not in Account.values:
            raise ValueError(f"unknown account {line.account!r}")
        if line.amount != line.amount.quantize(CENT):
            raise ValueError(f"{line.amount} has more than two decimals")
        if line.member is not None and line.account not in PAYEE_ACCOUNTS:
            raise ValueError("only a payee account is kept per member")
        if (line.budget_id is not None) != (line.account in MDF_ACCOUNTS):
            raise ValueError("a line on an MDF account names its budget, and only such a line")
        totals[line.currency] += line.amount
    unbalanced = {currency: total for currency, total in totals.items() if total}
    if unbalanced:
        raise ValueError(f"the lines do not balance: {unbalanced}")


@transaction.atomic
def ledger_post(
    *,
    kind: str,
    partner: Partner | None,
    earned_on: date,
    lines: Iterable[Line],
    actor: Membership | None = None,
    memo: str = "",
    source: str = "",
    reverses: LedgerTransaction | None = None,
    rates: dict[str, Decimal] | None = None,
) -> LedgerTransaction:
    """Write one posting: its header and its lines, in one statement (the database refuses an
    unbalanced one). Each line's amount is converted to the reporting currency at the rate in force
    on ``earned_on`` (``rates``: the original's, for a reversal). The caller checks who may post:
    services of SPIFFs, rebates, MDF and payouts post what their rules compute."""
    lines = list(lines)
    _check(lines)
    assert_same_tenant(partner, actor, *(line.member for line in lines))
    if partner is not None and any(line.member and line.member.partner_id != partner.pk for line in lines):
        raise ValueError("a member's line must be for the posting's partner")
    reporting = reporting_currency()
    rates = dict(rates or {})
    for currency in {line.currency for line in lines} - set(rates):
        rates[currency] = rate_on(currency=currency, on=earned_on, reporting=reporting)
    posting = LedgerTransaction.objects.create(
        kind=kind,
        partner=partner,
        earned_on=earned_on,
        memo=memo[:300],
        source=source,
        reverses=reverses,
        posted_by=actor,
    )
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                transaction=posting,
                account=line.account,
                partner=partner,
                member=line.member,
                budget_id=line.budget_id,
                amount=line.amount,
                currency=line.currency,
                rate=rates[line.currency],
                reporting_amount=(line.amount * rates[line.currency]).quantize(CENT, ROUND_HALF_EVEN),
            )
            for line in lines
        ]
    )
    return posting


def _require_finance(actor: Membership | None) -> None:
    finance_require(actor, gettext("Only the vendor's finance team may change the incentive ledger."))


def ledger_reverse(*, actor: Membership, posting: LedgerTransaction, reason: str) -> LedgerTransaction:
    """Cancel ``posting`` with its mirror image (every line negated, at the original's rates and
    earned date, so that it cancels exactly); the original stays. Once only: a second reversal,
    even at the same instant by someone else, is refused (a unique index decides, as the ledger
    cannot be locked for update by the application). Finance's; services reverse their own
    postings through ``reverse_posting``."""
    _require_finance(actor)
    return reverse_posting(posting=posting, reason=reason, actor=actor)


def reverse_posting(*, posting: LedgerTransaction, reason: str, actor: Membership | None = None) -> LedgerTransaction:
    reason = (reason or "").strip()
    if not reason:
        raise PolicyViolation(gettext("Say why the posting is reversed."))
    if posting.kind == TransactionKind.REVERSAL:
        raise InvalidTransition(gettext("A reversal is not reversed: post the amount again instead."))
    try:
        with transaction.atomic():
            originals = list(posting.entries.order_by("id"))
            reversal = ledger_post(
                kind=TransactionKind.REVERSAL,
                partner=posting.partner,
                earned_on=posting.earned_on,
                lines=[Line(e.account, -e.amount, e.currency, e.member, e.budget_id) for e in originals],
                actor=actor,
                memo=reason,
                source=posting.source,
                reverses=posting,
                rates={e.currency: e.rate for e in originals},
            )
            event_record(
                actor=actor,
                target=posting,
                verb=events.REVERSED,
                message=gettext_noop("Reversed: %(reason)s"),
                params={"reason": reason},
                data={"reversal_id": reversal.pk},
                internal=True,
            )
    except IntegrityError as error:
        if "ledger_reversed_once" not in str(error):
            raise
        raise InvalidTransition(gettext("This posting has already been reversed.")) from None
    return reversal


@transaction.atomic
def ledger_adjust(
    *,
    actor: Membership,
    partner: Partner,
    amount: Decimal,
    currency: str,
    earned_on: date,
    reason: str,
    member: Membership | None = None,
    account: str = Account.APPROVED,
) -> LedgerTransaction:
    """Finance's correction by hand: ``amount`` (positive: owed to the payee; negative: taken back)
    on a payee account, against the incentive expense."""
    _require_finance(actor)
    reason = (reason or "").strip()
    if not reason:
        raise PolicyViolation(gettext("Say why the amount is adjusted."))
    if account not in PAYEE_ACCOUNTS:
        raise ValueError(f"{account!r} is not a payee account")
    amount = Decimal(amount)
    if not amount or amount != amount.quantize(CENT):
        raise PolicyViolation(gettext("Enter an amount other than zero, with at most two decimals."))
    posting = ledger_post(
        kind=TransactionKind.ADJUSTMENT,
        partner=partner,
        earned_on=earned_on,
        lines=[Line(Account.EXPENSE, amount, currency), Line(account, -amount, currency, member)],
        actor=actor,
        memo=reason,
    )
    event_record(
        actor=actor,
        target=partner,
        verb=events.ADJUSTED,
        message=gettext_noop("Incentive adjustment of %(amount)s: %(reason)s"),
        params={"amount": texts.money(amount, currency), "reason": reason},
        data={"posting_id": posting.pk, "amount": str(amount), "currency": currency},
        internal=True,
    )
    return posting


@transaction.atomic
def exchange_rate_set(*, actor: Membership, currency: str, on: date, rate: Decimal) -> ExchangeRate:
    """Enter (or correct) the rate of ``currency`` from ``on``. Postings already made keep the
    rate they were converted at: a correction applies to what is posted after it."""
    _require_finance(actor)
    currency = (currency or "").strip().upper()
    rate = Decimal(rate)
    if rate <= 0:
        raise PolicyViolation(gettext("An exchange rate is more than zero."))
    if currency == reporting_currency():
        raise PolicyViolation(gettext("The reporting currency needs no rate: it is always 1."))
    entry, created = ExchangeRate.objects.update_or_create(
        currency=currency, on=on, defaults={"rate": rate, "entered_by": actor}
    )
    event_record(
        actor=actor,
        target=entry,
        verb=events.RATE_SET,
        message=gettext_noop("%(currency)s from %(day)s: %(rate)s"),
        params={"currency": currency, "day": on.isoformat(), "rate": str(rate)},
        data={"created": created},
        internal=True,
    )
    return entry


@dataclass
class Posting:
    """One posting for ``ledger_post_many``."""

    kind: str
    partner_id: int | None
    earned_on: date
    lines: list[Line]
    memo: str = ""
    source: str = ""


@transaction.atomic
def ledger_post_many(*, postings: list[Posting], actor: Membership | None = None) -> list[LedgerTransaction]:
    """Many postings at once (a rebate run's thousands): their headers in one statement and all
    their lines in one more (so the balance trigger checks them once); each converted at the rate
    of its own earned date. The caller checks who may post."""
    if not postings:
        return []
    reporting = reporting_currency()
    rates: dict[tuple[str, date], Decimal] = {}
    for posting in postings:
        _check(posting.lines)
        for line in posting.lines:
            key = (line.currency, posting.earned_on)
            if key not in rates:
                rates[key] = rate_on(currency=line.currency, on=posting.earned_on, reporting=reporting)
    headers = bulk_insert(
        LedgerTransaction,
        [
            LedgerTransaction(
                kind=p.kind,
                partner_id=p.partner_id,
                earned_on=p.earned_on,
                memo=p.memo[:300],
                source=p.source,
                posted_by=actor,
                posted_at=timezone.now(),
            )
            for p in postings
        ],
    )
    bulk_insert(
        LedgerEntry,
        [
            LedgerEntry(
                transaction_id=header.pk,
                account=line.account,
                partner_id=posting.partner_id,
                member=line.member,
                budget_id=line.budget_id,
                amount=line.amount,
                currency=line.currency,
                rate=rates[(line.currency, posting.earned_on)],
                reporting_amount=(line.amount * rates[(line.currency, posting.earned_on)]).quantize(
                    CENT, ROUND_HALF_EVEN
                ),
            )
            for posting, header in zip(postings, headers, strict=True)
            for line in posting.lines
        ],
    )
    return headers
