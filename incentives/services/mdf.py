"""Market development funds: a budget (``mdf_budget_create``: funded on the ledger) is allocated to
partners (``mdf_allocate`` by hand, ``mdf_allocate_by_tier`` for every eligible partner at once);
a partner asks for part of its allocation for an activity (``mdf_request_submit``); the vendor
pre-approves all or part of it (``mdf_request_decide``: the amount is committed); the partner
claims it with its proof of performance before the claim is due (``mdf_claim_submit``, with
``mdf_extension_request`` for more time); the vendor approves all or part of the claim
(``mdf_claim_decide``: the reimbursement is owed to the partner and the next payout run pays it).
Finance claws back a reimbursement found invalid later (``mdf_claim_clawback``: a debit the next
payout run nets).
Each money step is one posting on the budget's ledger accounts (see ``incentives.models``), and the
database refuses one that would overdraw the budget or an allocation (migration 0008).

**Locks.** Every step that moves a partner's allocation locks the allocation row first, then the
request: pre-approvals on one allocation take turns, and the friendly check ("you have X left")
reads a balance no one else is changing. Allocations lock the budget. The database's guard is
the backstop when code forgets.

**Expiry** (``mdf_expire``, nightly): a pre-approved activity not claimed by its due date (and no
extension waiting) expires and its commitment returns to the allocation; when a budget's period
has ended, what is left unallocated or allocated and uncommitted expires. Amounts released after
that (an activity cancelled or expiring later, the unclaimed part of a reimbursement) expire too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from deals.models import Deal, ExtensionStatus
from leads.models import Lead
from partners.models import Partner
from prm.accounts.models import Membership, MembershipKind
from prm.accounts.roles import Role
from prm.accounts.selectors import partner_admins_by_partner, vendor_admin_list
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation, assert_same_tenant
from prm.events import texts
from prm.events.services import event_record
from prm.l10n import money as shown_money
from prm.notifications.services import Message, notify, notify_many
from prm.tenancy.scope import current_tenant_id, step_out_to_tenant
from prm.tenancy.time import tenant_today
from prm.web.files import document_kind

from .. import events, notifications
from ..models import (
    Account,
    AllocationBasis,
    LedgerEntry,
    LedgerTransaction,
    MdfActivityType,
    MdfAllocation,
    MdfBudget,
    MdfExtension,
    MdfLink,
    MdfProof,
    MdfRequest,
    MdfStatus,
    ProofKind,
)
from ..models import TransactionKind as Kind
from ..permissions import MDF_MANAGE, MDF_REQUEST, finance_require
from ..selectors.ledger import deal_rate_sql
from ..selectors.mdf import clawback_of
from .ledger import CENT, Line, Posting, ledger_post, ledger_post_many, rate_on, reporting_currency, reverse_posting

OVERDRAWN = "mdf_not_overdrawn"
# A request for more time is answered like a deal's (deals.models.ExtensionStatus), or withdrawn
# when the claim comes in first.
EXTENSION_WITHDRAWN = "withdrawn"


# --- who ------------------------------------------------------------------------------------------


def _require_manager(actor: Membership | None, refusal: str | None = None) -> None:
    if actor is None or actor.partner_id is not None or not actor.can(MDF_MANAGE):
        raise NotAllowed(refusal or gettext("Only the vendor's channel marketing and finance teams manage MDF."))


def _require_requester(actor: Membership, request_or_allocation) -> None:
    assert_same_tenant(actor, request_or_allocation)
    if actor.partner_id != request_or_allocation.partner_id or not actor.can(MDF_REQUEST):
        raise NotAllowed(gettext("Only the partner's admins and marketing people ask for and claim funds."))


def mdf_team() -> list[Membership]:
    """Who hears of a request or a claim waiting: channel marketing, or the vendor admins where
    there is none. Read as the tenant (a partner user's action asks it)."""
    with step_out_to_tenant():
        team = Membership.objects.filter(kind=MembershipKind.STAFF, role=Role.MARKETING, is_active=True)
        return list(team.select_related("user").order_by("pk")) or vendor_admin_list()


def _tell_team(request: MdfRequest, event, *, title: str, params: dict) -> None:
    with step_out_to_tenant():
        notify(
            recipients=mdf_team(),
            kind=notifications.MDF_WAITING,
            title=title,
            body=gettext_noop("%(partner)s: %(title)s."),
            params={**params, "partner": request.partner.display_name, "title": request.title},
            url=reverse("office:mdf_request", args=[request.pk]),
            event=event,
        )


def _tell_partner(request: MdfRequest, event, *, title: str, params: dict | None = None, note: str = "") -> None:
    admins = partner_admins_by_partner(partner_ids=[request.partner_id]).get(request.partner_id, [])
    recipients = {m.pk: m for m in [*admins, request.submitted_by]}
    notify(
        recipients=list(recipients.values()),
        kind=notifications.MDF_DECIDED,
        title=title,
        body=gettext_noop("%(title)s."),
        params={**(params or {}), "title": request.title},
        url=reverse("portal:mdf_request", args=[request.pk]),
        event=event,
        note=note,
    )


# --- balances -------------------------------------------------------------------------------------


def budget_left(budget_id: int) -> Decimal:
    """What the budget has not allocated yet (its unallocated account)."""
    total = LedgerEntry.objects.filter(budget_id=budget_id, account=Account.MDF_UNALLOCATED).aggregate(s=Sum("amount"))
    return total["s"] or Decimal(0)


def allocation_left(allocation: MdfAllocation) -> Decimal:
    """What the partner may still ask for from its allocation (allocated, not committed)."""
    lines = LedgerEntry.objects.filter(
        budget_id=allocation.budget_id, partner_id=allocation.partner_id, account=Account.MDF_ALLOCATED
    )
    return lines.aggregate(s=Sum("amount"))["s"] or Decimal(0)


def _overdrawn(error: IntegrityError) -> bool:
    """Whether the database's MDF guard (migration 0008) refused the statement."""
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == OVERDRAWN


def _posting(**kwargs):
    """``ledger_post``, with the database's guard refusal turned into the partner's words."""
    try:
        with transaction.atomic():
            return ledger_post(**kwargs)
    except IntegrityError as error:
        if not _overdrawn(error):
            raise
        raise PolicyViolation(
            gettext("That is more than is left: someone else used these funds at the same moment. Reload and retry."),
            code="mdf_overdrawn",
        ) from None


def _money(amount, currency) -> dict:
    """An amount kept in an event's or a notification's parameters (rendered in each reader's
    language); a sentence said at once (a refusal) uses ``shown_money``."""
    return texts.money(amount, currency)


def _cents(value) -> Decimal:
    try:
        amount = Decimal(value)
    except (TypeError, ArithmeticError):
        raise PolicyViolation(gettext("Enter an amount.")) from None
    if amount != amount.quantize(CENT):
        raise PolicyViolation(gettext("Enter an amount with at most two decimals."))
    return amount


# --- budgets and allocations ----------------------------------------------------------------------


@transaction.atomic
def mdf_budget_create(
    *,
    actor: Membership,
    name: str,
    starts_on: date,
    ends_on: date,
    amount: Decimal,
    currency: str,
    program=None,
    region=None,
) -> MdfBudget:
    """A budget for a period, funded on the ledger (its unallocated account holds ``amount``)."""
    _require_manager(actor)
    assert_same_tenant(actor, program, region)
    amount = _cents(amount)
    if amount <= 0:
        raise PolicyViolation(gettext("A budget is more than zero."))
    if ends_on < starts_on:
        raise PolicyViolation(gettext("The period ends on or after the day it starts."))
    currency = (currency or "").strip().upper()
    budget = MdfBudget.objects.create(
        name=name.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        amount=amount,
        currency=currency,
        program=program,
        region=region,
    )
    budget.funding = ledger_post(
        kind=Kind.MDF_FUNDING,
        partner=None,
        earned_on=starts_on,
        lines=[
            Line(Account.MDF_UNALLOCATED, amount, currency, budget_id=budget.pk),
            Line(Account.MDF_FUND, -amount, currency, budget_id=budget.pk),
        ],
        actor=actor,
        memo=budget.name,
        source=f"incentives.mdfbudget:{budget.pk}",
    )
    budget.save(update_fields=["funding"])
    event_record(
        actor=actor,
        target=budget,
        verb=events.MDF_BUDGET_FUNDED,
        message=gettext_noop("Funded with %(amount)s for %(start)s to %(end)s"),
        params={"amount": _money(amount, currency), "start": starts_on.isoformat(), "end": ends_on.isoformat()},
        internal=True,
    )
    return budget


def _lock_budget(budget: MdfBudget) -> MdfBudget:
    budget = MdfBudget.objects.select_for_update().get(pk=budget.pk)
    if budget.ends_on < tenant_today():
        raise InvalidTransition(
            gettext("The period of %(budget)s has ended: its funds expired.") % {"budget": budget.name}
        )
    return budget


def _allocation_posting(budget: MdfBudget, partner_id: int, delta: Decimal) -> Posting:
    return Posting(
        kind=Kind.MDF_ALLOCATION,
        partner_id=partner_id,
        earned_on=budget.starts_on,
        lines=[
            Line(Account.MDF_UNALLOCATED, -delta, budget.currency, budget_id=budget.pk),
            Line(Account.MDF_ALLOCATED, delta, budget.currency, budget_id=budget.pk),
        ],
        memo=budget.name,
        source=f"incentives.mdfbudget:{budget.pk}",
    )


@transaction.atomic
def mdf_allocate(*, actor: Membership, budget: MdfBudget, partner: Partner, amount: Decimal) -> MdfAllocation:
    """Set a partner's allocation of ``budget`` to ``amount`` by hand: the difference is posted
    (more: from what the budget has left; less: back to it, from what the partner has not
    committed)."""
    _require_manager(actor)
    assert_same_tenant(actor, budget, partner)
    amount = _cents(amount)
    if amount < 0:
        raise PolicyViolation(gettext("An allocation is zero or more."))
    budget = _lock_budget(budget)
    allocation = MdfAllocation.objects.select_for_update().filter(budget=budget, partner=partner).first()
    current = allocation.amount if allocation else Decimal(0)
    delta = amount - current
    if delta > 0 and delta > budget_left(budget.pk):
        raise PolicyViolation(
            gettext("%(budget)s has %(left)s left to allocate.")
            % {"budget": budget.name, "left": shown_money(budget_left(budget.pk), budget.currency)},
            code="mdf_budget_exceeded",
        )
    if allocation is not None and delta < 0 and -delta > allocation_left(allocation):
        raise PolicyViolation(
            gettext("The partner has committed part of it: the allocation can go down to %(least)s.")
            % {"least": shown_money(current - allocation_left(allocation), budget.currency)},
            code="mdf_allocation_committed",
        )
    if allocation is None:
        allocation = MdfAllocation.objects.create(budget=budget, partner=partner, amount=amount)
    elif not delta:
        return allocation
    if delta:
        posting = _allocation_posting(budget, partner.pk, delta)
        _posting(
            kind=posting.kind,
            partner=partner,
            earned_on=posting.earned_on,
            lines=posting.lines,
            actor=actor,
            memo=posting.memo,
            source=posting.source,
        )
    allocation.amount, allocation.basis = amount, AllocationBasis.MANUAL
    allocation.save(update_fields=["amount", "basis", "allocated_at"])
    event = event_record(
        actor=actor,
        target=partner,
        verb=events.MDF_ALLOCATED,
        message=gettext_noop("MDF allocation in %(budget)s: %(amount)s"),
        params={"budget": budget.name, "amount": _money(amount, budget.currency)},
        data={"budget_id": budget.pk, "amount": str(amount), "currency": budget.currency},
    )
    _tell_allocated({partner.pk: amount}, budget, event=event)
    return allocation


def _tell_allocated(amounts: dict[int, Decimal], budget: MdfBudget, *, event=None) -> None:
    admins = partner_admins_by_partner(partner_ids=set(amounts))
    notify_many(
        messages=[
            Message(
                recipients=admins.get(partner_id, []),
                kind=notifications.MDF_ALLOCATED,
                title=gettext_noop("You have %(amount)s of market development funds"),
                body=gettext_noop("%(budget)s, until %(end)s: ask for them on your Funds page."),
                params={"amount": _money(amount, budget.currency), "budget": budget.name, "end": budget.ends_on},
                url=reverse("portal:mdf"),
                event=event,
            )
            for partner_id, amount in amounts.items()
            if amount > 0
        ]
    )


_TIER_SQL = f"""
WITH eligible AS (
    SELECT e.partner_id, max(t.mdf_allocation_percent) AS percent
    FROM programs_enrollment e
    JOIN programs_tier t ON t.id = e.tier_id AND t.tenant_id = e.tenant_id
    JOIN partners_partner p ON p.id = e.partner_id AND p.tenant_id = e.tenant_id
    WHERE e.tenant_id = %(tenant)s AND t.mdf_eligible AND t.mdf_allocation_percent > 0 AND p.status = 'active'
        AND (%(program)s::bigint IS NULL OR e.program_id = %(program)s)
        AND (%(region_code)s::text IS NULL OR %(region_code)s = ANY(p.regions_served)
             OR p.country = ANY(%(region_countries)s::text[]))
        AND (%(tag)s::varchar = '' OR %(tag)s::varchar = ANY(p.tags))
        AND NOT EXISTS (SELECT 1 FROM incentives_mdfallocation a
                        WHERE a.tenant_id = e.tenant_id AND a.budget_id = %(budget)s AND a.partner_id = e.partner_id)
    GROUP BY e.partner_id
)
SELECT el.partner_id, el.percent, coalesce(sum(d.won_amount * {deal_rate_sql()}), 0) AS revenue
FROM eligible el
JOIN deals_deal d ON d.tenant_id = %(tenant)s AND d.partner_id = el.partner_id AND d.status = 'won'
    AND d.won_on BETWEEN %(from)s AND %(to)s
    AND (%(program)s::bigint IS NULL OR d.program_id = %(program)s)
GROUP BY el.partner_id, el.percent
ORDER BY el.partner_id
"""  # noqa: S608 (the only interpolation: deal_rate_sql(), written here)


@dataclass
class TierAllocation:
    partners: int = 0
    total: Decimal = Decimal(0)
    scaled: bool = False  # the figures asked for more than the budget had: all were scaled down


@transaction.atomic
def mdf_allocate_by_tier(*, actor: Membership, budget: MdfBudget, tag: str = "") -> TierAllocation:
    """Allocate to every eligible partner without an allocation yet: its tier's MDF allocation
    percent of its revenue from won deals in the period of the same length before the budget's
    (the tier's "MDF accrual"), in one statement and two postings statements. When the figures add
    up to more than the budget has left, every one is scaled down by the same factor. Partners
    allocated by hand keep theirs. ``tag``: only the partners carrying it (e.g. those marked for
    investment, ``partners.models.INVEST_TAG``); the others can be allocated by tier later."""
    _require_manager(actor)
    budget = _lock_budget(budget)
    length = budget.ends_on - budget.starts_on
    reporting = reporting_currency()
    region = budget.region
    with connection.cursor() as cursor:
        cursor.execute(
            _TIER_SQL,
            {
                "tenant": current_tenant_id(),
                "budget": budget.pk,
                "program": budget.program_id,
                "region_code": region.code if region else None,
                "region_countries": list(region.countries) if region else [],
                "tag": tag,
                "reporting": reporting,
                "from": budget.starts_on - length - timedelta(days=1),
                "to": budget.starts_on - timedelta(days=1),
            },
        )
        rows = cursor.fetchall()
    to_budget = Decimal(1) / rate_on(currency=budget.currency, on=budget.starts_on, reporting=reporting)
    wanted = {
        partner_id: (revenue * percent / 100 * to_budget).quantize(CENT, ROUND_DOWN)
        for partner_id, percent, revenue in rows
    }
    wanted = {partner_id: amount for partner_id, amount in wanted.items() if amount > 0}
    result = TierAllocation()
    total, left = sum(wanted.values(), Decimal(0)), budget_left(budget.pk)
    if total > left:
        factor = left / total
        wanted = {p: (a * factor).quantize(CENT, ROUND_DOWN) for p, a in wanted.items()}
        wanted = {p: a for p, a in wanted.items() if a > 0}
        result.scaled = True
    if not wanted:
        return result
    ledger_post_many(postings=[_allocation_posting(budget, p, a) for p, a in wanted.items()], actor=actor)
    MdfAllocation.objects.bulk_create(
        [MdfAllocation(budget=budget, partner_id=p, amount=a, basis=AllocationBasis.TIER) for p, a in wanted.items()],
        batch_size=2000,
    )
    result.partners, result.total = len(wanted), sum(wanted.values(), Decimal(0))
    event = event_record(
        actor=actor,
        target=budget,
        verb=events.MDF_ALLOCATED,
        message=gettext_noop("Allocated by tier to partners tagged %(tag)s: %(amount)s to %(count)s partners")
        if tag
        else gettext_noop("Allocated by tier: %(amount)s to %(count)s partners"),
        params={"amount": _money(result.total, budget.currency), "count": result.partners, "tag": tag},
        data={"scaled": result.scaled, "tag": tag},
        internal=True,
    )
    _tell_allocated(wanted, budget, event=event)
    return result


# --- requests -------------------------------------------------------------------------------------


def _lock_request(request: MdfRequest) -> tuple[MdfAllocation, MdfRequest]:
    """The allocation first, then the request: the order every step takes (no deadlock)."""
    allocation = MdfAllocation.objects.select_for_update().get(pk=request.allocation_id)
    request = (
        MdfRequest.objects.select_for_update(of=("self",))
        .select_related("budget", "partner", "activity_type", "submitted_by__user", "commitment")
        .get(pk=request.pk)
    )
    return allocation, request


def _decided_amount(amount, *, ceiling: Decimal, reason: str, out_of_range: str, needs_reason: str) -> Decimal:
    """A decision's amount: all of ``ceiling`` when none is given; else more than zero and at most
    ``ceiling``, and a part only with a reason (the partner reads it)."""
    amount = ceiling if amount in (None, "") else _cents(amount)
    if not 0 < amount <= ceiling:
        raise PolicyViolation(out_of_range)
    if amount < ceiling and not reason:
        raise PolicyViolation(needs_reason)
    return amount


def _refuse_unless(request: MdfRequest, *statuses: str) -> None:
    if request.status not in statuses:
        raise InvalidTransition(
            gettext("This request is %(status)s now (someone else acted on it): nothing was changed.")
            % {"status": request.get_status_display().lower()}
        )


@transaction.atomic
def mdf_request_submit(
    *,
    actor: Membership,
    allocation: MdfAllocation,
    activity_type: MdfActivityType,
    title: str,
    description: str,
    starts_on: date,
    ends_on: date,
    cost: Decimal,
    expected_leads: int = 0,
    expected_pipeline: Decimal = Decimal(0),
) -> MdfRequest:
    """The partner's plan: the vendor co-funds the activity type's share of ``cost``, up to what is
    left of the allocation; the vendor's marketing team is told."""
    _require_requester(actor, allocation)
    assert_same_tenant(actor, activity_type)
    if not activity_type.is_active:
        raise PolicyViolation(gettext("This activity type is no longer offered."))
    if not title.strip() or not description.strip():
        raise PolicyViolation(gettext("Give the activity a title and describe the plan."))
    cost = _cents(cost)
    if cost <= 0:
        raise PolicyViolation(gettext("Enter what the activity costs."))
    if ends_on < starts_on:
        raise PolicyViolation(gettext("The activity ends on or after the day it starts."))
    allocation = MdfAllocation.objects.select_for_update().select_related("budget").get(pk=allocation.pk)
    budget = allocation.budget
    if budget.ends_on < tenant_today():
        raise InvalidTransition(
            gettext("The period of %(budget)s has ended: its funds expired.") % {"budget": budget.name}
        )
    if not budget.starts_on <= starts_on <= ends_on <= budget.ends_on:
        # Within the period: a commitment that outlived its budget would never expire.
        raise PolicyViolation(
            gettext("The activity takes place within the fund's period, %(start)s to %(end)s.")
            % {"start": budget.starts_on.isoformat(), "end": budget.ends_on.isoformat()}
        )
    share = activity_type.vendor_share_percent
    requested = (cost * share / 100).quantize(CENT, ROUND_HALF_EVEN)
    left = allocation_left(allocation)
    if requested > left:
        raise PolicyViolation(
            gettext(
                "The vendor's share (%(share)s%% of the cost) would be %(requested)s, more than the %(left)s left "
                "in your allocation: lower the cost or plan a smaller activity."
            )
            % {
                "share": format(share.normalize(), "f"),
                "requested": shown_money(requested, budget.currency),
                "left": shown_money(left, budget.currency),
            },
            code="mdf_allocation_exceeded",
        )
    request = MdfRequest.objects.create(
        budget=budget,
        allocation=allocation,
        partner_id=allocation.partner_id,
        activity_type=activity_type,
        title=title.strip()[:160],
        description=description.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        expected_leads=int(expected_leads or 0),
        expected_pipeline=_cents(expected_pipeline or 0),
        cost=cost,
        currency=budget.currency,
        vendor_share_percent=share,
        requested_amount=requested,
        submitted_by=actor,
    )
    event = event_record(
        actor=actor,
        target=request,
        verb=events.MDF_REQUESTED,
        to_state=request.status,
        message=gettext_noop("%(amount)s requested for %(title)s"),
        params={"amount": _money(requested, budget.currency), "title": request.title},
        data={"amount": str(requested), "currency": budget.currency},
    )
    _tell_team(
        request,
        event,
        title=gettext_noop("An MDF request of %(amount)s is waiting"),
        params={"amount": _money(requested, budget.currency)},
    )
    return request


@transaction.atomic
def mdf_request_decide(
    *, actor: Membership, request: MdfRequest, approve: bool, amount: Decimal | None = None, reason: str = ""
) -> MdfRequest:
    """Pre-approve all of the request or part of it (a part needs a reason), committing that
    amount from the allocation; or reject it, saying why. The claim is then due ``claim_days``
    after the activity ends."""
    _require_manager(actor)
    assert_same_tenant(actor, request)
    reason = (reason or "").strip()
    allocation, request = _lock_request(request)
    _refuse_unless(request, MdfStatus.SUBMITTED)
    before, currency = request.status, request.currency
    if approve and request.budget.ends_on < tenant_today():
        raise InvalidTransition(
            gettext("The period of %(budget)s has ended: its funds expired, and this request can only be rejected.")
            % {"budget": request.budget.name}
        )
    if approve:
        amount = _decided_amount(
            amount,
            ceiling=request.requested_amount,
            reason=reason,
            out_of_range=gettext("Pre-approve more than zero and at most the %(requested)s asked for.")
            % {"requested": shown_money(request.requested_amount, currency)},
            needs_reason=gettext("Say why only part is pre-approved: the partner reads it."),
        )
        left = allocation_left(allocation)
        if amount > left:
            raise PolicyViolation(
                gettext(
                    "The partner's allocation has %(left)s left: pre-approve at most that, or raise the allocation."
                )
                % {"left": shown_money(left, currency)},
                code="mdf_allocation_exceeded",
            )
        request.commitment = _posting(
            kind=Kind.MDF_COMMITMENT,
            partner=request.partner,
            earned_on=request.starts_on,
            lines=[
                Line(Account.MDF_ALLOCATED, -amount, currency, budget_id=request.budget_id),
                Line(Account.MDF_COMMITTED, amount, currency, budget_id=request.budget_id),
            ],
            actor=actor,
            memo=request.title,
            source=f"incentives.mdfrequest:{request.pk}",
        )
        request.status, request.approved_amount = MdfStatus.PRE_APPROVED, amount
        request.claim_due = request.ends_on + timedelta(days=request.activity_type.claim_days)
        message = gettext_noop("Pre-approved: %(amount)s")
        title = gettext_noop("Your MDF request is pre-approved: %(amount)s")
    else:
        if not reason:
            raise PolicyViolation(gettext("Say why the request is rejected: the partner reads it."))
        request.status, amount = MdfStatus.REJECTED, None
        message = gettext_noop("Rejected")
        title = gettext_noop("Your MDF request is rejected")
    request.decided_by, request.decided_at, request.decision_reason = actor, timezone.now(), reason
    request.save(
        update_fields=[
            "status",
            "approved_amount",
            "claim_due",
            "commitment",
            "decided_by",
            "decided_at",
            "decision_reason",
        ]
    )
    params = {"amount": _money(amount, currency) if amount is not None else ""}
    event = event_record(
        actor=actor,
        target=request,
        verb=events.MDF_PRE_APPROVED if approve else events.MDF_REJECTED,
        from_state=before,
        to_state=request.status,
        message=message,
        params=params,
        note=reason,
    )
    _tell_partner(request, event, title=title, params=params, note=reason)
    return request


def _release(request: MdfRequest, *, reason: str, actor: Membership | None) -> None:
    """The commitment goes back to the allocation (a reversal of the pre-approval)."""
    if request.commitment_id is not None:
        reverse_posting(posting=request.commitment, reason=reason, actor=actor)


@transaction.atomic
def mdf_request_cancel(*, actor: Membership, request: MdfRequest, reason: str = "") -> MdfRequest:
    """The partner calls the activity off (before it is claimed): what was pre-approved returns to
    its allocation."""
    _require_requester(actor, request)
    _allocation, request = _lock_request(request)
    _refuse_unless(request, MdfStatus.SUBMITTED, MdfStatus.PRE_APPROVED)
    before = request.status
    _release(request, reason=(reason or "").strip() or gettext("Cancelled by the partner."), actor=actor)
    request.status = MdfStatus.CANCELLED
    request.save(update_fields=["status"])
    event_record(
        actor=actor, target=request, verb=events.MDF_CANCELLED, from_state=before, to_state=request.status, note=reason
    )
    return request


# --- claims ---------------------------------------------------------------------------------------


def missing_proof(request: MdfRequest, *, adding: set[str] = frozenset()) -> list[str]:
    """The proof kinds the activity type requires that the request does not carry yet."""
    have = set(MdfProof.objects.filter(request_id=request.pk).values_list("kind", flat=True)) | set(adding)
    return [kind for kind in request.activity_type.proof_required if kind not in have]


@transaction.atomic
def mdf_claim_submit(
    *,
    actor: Membership,
    request: MdfRequest,
    actual_cost: Decimal,
    proofs: dict[str, object],
    note: str = "",
) -> MdfRequest:
    """Claim a pre-approved activity before the claim is due, with its proof of performance (each
    document the activity type's checklist asks for; proofs given with an earlier claim count):
    the vendor's share of what it really cost, at most what was pre-approved."""
    _require_requester(actor, request)
    _allocation, request = _lock_request(request)
    _refuse_unless(request, MdfStatus.PRE_APPROVED)
    if request.claim_due and tenant_today() > request.claim_due:
        raise PolicyViolation(
            gettext("The claim was due on %(day)s: ask for more time first.") % {"day": request.claim_due.isoformat()},
            code="mdf_claim_overdue",
        )
    actual_cost = _cents(actual_cost)
    if actual_cost <= 0:
        raise PolicyViolation(gettext("Enter what the activity really cost."))
    proofs = {kind: document for kind, document in proofs.items() if document}
    unknown = set(proofs) - set(ProofKind.values)
    if unknown:
        raise ValueError(f"unknown proof kinds {unknown}")
    missing = missing_proof(request, adding=set(proofs))
    if missing:
        raise PolicyViolation(
            gettext("The claim needs its proof of performance: %(missing)s.")
            % {"missing": ", ".join(str(ProofKind(kind).label) for kind in missing)},
            code="mdf_proof_missing",
        )
    for document in proofs.values():
        document_kind(document)
    MdfProof.objects.bulk_create(
        [
            MdfProof(
                request=request,
                partner_id=request.partner_id,
                kind=kind,
                document=document,
                document_name=(getattr(document, "name", "") or "")[:200],
                uploaded_by=actor,
            )
            for kind, document in sorted(proofs.items())
        ]
    )
    claimed = min(
        (actual_cost * request.vendor_share_percent / 100).quantize(CENT, ROUND_HALF_EVEN), request.approved_amount
    )
    before = request.status
    request.status, request.actual_cost, request.claimed_amount = MdfStatus.CLAIMED, actual_cost, claimed
    request.claim_note, request.claimed_by, request.claimed_at = (note or "").strip(), actor, timezone.now()
    request.save(update_fields=["status", "actual_cost", "claimed_amount", "claim_note", "claimed_by", "claimed_at"])
    # A request for more time still waiting is moot once the claim is in.
    MdfExtension.objects.filter(request=request, status=ExtensionStatus.PENDING).update(
        status=EXTENSION_WITHDRAWN, decided_at=timezone.now()
    )
    params = {"amount": _money(claimed, request.currency)}
    event = event_record(
        actor=actor,
        target=request,
        verb=events.MDF_CLAIMED,
        from_state=before,
        to_state=request.status,
        message=gettext_noop("Claimed: %(amount)s"),
        params=params,
        note=request.claim_note,
    )
    _tell_team(request, event, title=gettext_noop("An MDF claim of %(amount)s is waiting"), params=params)
    return request


class ClaimDecision:
    APPROVE = "approve"
    RETURN = "return"  # more proof needed: back to pre-approved, to claim again
    REJECT = "reject"


@transaction.atomic
def mdf_claim_decide(
    *, actor: Membership, request: MdfRequest, decision: str, amount: Decimal | None = None, reason: str = ""
) -> MdfRequest:
    """Approve the claim (all of what was claimed, or part with a reason): the reimbursement is
    owed to the partner (its approved account; the next payout run pays it, with no hold: the
    activity is done) and what was pre-approved but not reimbursed returns to the allocation, or
    expires when the budget's period is over. Or send it back for more proof, or reject it (the
    commitment returns to the allocation)."""
    _require_manager(actor)
    assert_same_tenant(actor, request)
    reason = (reason or "").strip()
    _allocation, request = _lock_request(request)
    _refuse_unless(request, MdfStatus.CLAIMED)
    before, currency, budget_id = request.status, request.currency, request.budget_id
    params: dict = {}
    if decision == ClaimDecision.APPROVE:
        amount = _decided_amount(
            amount,
            ceiling=request.claimed_amount,
            reason=reason,
            out_of_range=gettext("Approve more than zero and at most the %(claimed)s claimed.")
            % {"claimed": shown_money(request.claimed_amount, currency)},
            needs_reason=gettext("Say why only part of the claim is approved: the partner reads it."),
        )
        unused = request.approved_amount - amount
        back = Account.MDF_EXPIRED if request.budget.ends_on < tenant_today() else Account.MDF_ALLOCATED
        lines = [
            Line(Account.MDF_COMMITTED, -request.approved_amount, currency, budget_id=budget_id),
            Line(Account.MDF_SPENT, amount, currency, budget_id=budget_id),
            Line(Account.EXPENSE, amount, currency),
            Line(Account.APPROVED, -amount, currency),
        ]
        if unused:
            lines.insert(1, Line(back, unused, currency, budget_id=budget_id))
        request.reimbursement = _posting(
            kind=Kind.MDF_REIMBURSEMENT,
            partner=request.partner,
            earned_on=tenant_today(),
            lines=lines,
            actor=actor,
            memo=f"MDF: {request.title}"[:300],
            source=f"incentives.mdfrequest:{request.pk}",
        )
        request.status, request.reimbursed_amount = MdfStatus.APPROVED, amount
        verb, params = events.MDF_CLAIM_APPROVED, {"amount": _money(amount, currency)}
        message, title = (
            gettext_noop("Claim approved: %(amount)s"),
            gettext_noop("Your MDF claim is approved: %(amount)s"),
        )
    elif decision == ClaimDecision.RETURN:
        if not reason:
            raise PolicyViolation(gettext("Say what the claim is missing: the partner reads it."))
        request.status = MdfStatus.PRE_APPROVED
        # The partner gets the activity type's time to claim again, counted from today: the
        # vendor's review may have taken longer than the due date left.
        request.claim_due = max(request.claim_due, tenant_today() + timedelta(days=request.activity_type.claim_days))
        verb, message = events.MDF_CLAIM_RETURNED, gettext_noop("Claim sent back for more proof")
        title = gettext_noop("Your MDF claim needs more proof")
    elif decision == ClaimDecision.REJECT:
        if not reason:
            raise PolicyViolation(gettext("Say why the claim is rejected: the partner reads it."))
        _release(request, reason=reason, actor=actor)
        request.status = MdfStatus.CLAIM_REJECTED
        verb, message, title = (
            events.MDF_CLAIM_REJECTED,
            gettext_noop("Claim rejected"),
            gettext_noop("Your MDF claim is rejected"),
        )
    else:
        raise ValueError(f"unknown decision {decision!r}")
    request.claim_decided_by, request.claim_decided_at, request.claim_reason = actor, timezone.now(), reason
    request.save(
        update_fields=[
            "status",
            "reimbursed_amount",
            "reimbursement",
            "claim_due",
            "claim_decided_by",
            "claim_decided_at",
            "claim_reason",
        ]
    )
    event = event_record(
        actor=actor,
        target=request,
        verb=verb,
        from_state=before,
        to_state=request.status,
        message=message,
        params=params,
        note=reason,
    )
    _tell_partner(request, event, title=title, params=params, note=reason)
    return request


@transaction.atomic
def mdf_claim_clawback(*, actor: Membership, request: MdfRequest, reason: str) -> MdfRequest:
    """Finance takes back a reimbursement found invalid after its claim was approved (paid or not):
    the partner's approved account is debited with what was reimbursed (below zero once it was paid:
    the next payout run nets it, whatever the day), at the reimbursement's rates so that the two
    cancel in the reporting currency. The money does not return to the partner's allocation (it was
    spent on an activity that did not qualify, and handing it back would let the partner spend it
    again): it moves from the budget's reimbursed account to its expired one, so the fund's cost
    and return no longer count it. Once: the posting is the mark (``clawback_of``), and the
    allocation and request locks make a second finance user wait and then find it."""
    finance_require(actor, gettext("Only the vendor's finance team claws back MDF reimbursements."))
    assert_same_tenant(actor, request)
    reason = (reason or "").strip()
    if not reason:
        raise PolicyViolation(gettext("Say why the reimbursement is clawed back: the partner reads it."))
    _allocation, request = _lock_request(request)
    if clawback_of(request) is not None:
        raise InvalidTransition(gettext("This reimbursement was already clawed back; nothing was changed."))
    _refuse_unless(request, MdfStatus.APPROVED)
    if request.reimbursement_id and LedgerTransaction.objects.filter(reverses_id=request.reimbursement_id).exists():
        # Finance reversed the reimbursement on the ledger already: taking it back again would double it.
        raise InvalidTransition(gettext("This reimbursement was already reversed on the ledger; nothing was changed."))
    amount, currency, budget_id = request.reimbursed_amount, request.currency, request.budget_id
    rates = dict(LedgerEntry.objects.filter(transaction_id=request.reimbursement_id).values_list("currency", "rate"))
    ledger_post(
        kind=Kind.CLAWBACK,
        partner=request.partner,
        earned_on=tenant_today(),
        lines=[
            Line(Account.APPROVED, amount, currency),
            Line(Account.EXPENSE, -amount, currency),
            Line(Account.MDF_SPENT, -amount, currency, budget_id=budget_id),
            Line(Account.MDF_EXPIRED, amount, currency, budget_id=budget_id),
        ],
        actor=actor,
        memo=reason[:300],
        source=f"incentives.mdfrequest:{request.pk}",
        rates=rates or None,
    )
    params = {"amount": _money(amount, currency)}
    event = event_record(
        actor=actor,
        target=request,
        verb=events.MDF_CLAWED_BACK,
        message=gettext_noop("Reimbursement clawed back: %(amount)s"),
        params=params,
        data={"amount": str(amount), "currency": currency},
        note=reason,
    )
    _tell_partner(
        request,
        event,
        title=gettext_noop("An MDF reimbursement is clawed back: %(amount)s"),
        params=params,
        note=reason,
    )
    return request


# --- extensions and links -------------------------------------------------------------------------


@transaction.atomic
def mdf_extension_request(*, actor: Membership, request: MdfRequest, days: int, reason: str) -> MdfExtension:
    """The partner asks for more time to claim (one request at a time), as for a deal's protection."""
    _require_requester(actor, request)
    if not 1 <= int(days) <= 180:
        raise PolicyViolation(gettext("Ask for between 1 and 180 days."))
    if not (reason or "").strip():
        raise PolicyViolation(gettext("Say why you need more time."))
    _allocation, request = _lock_request(request)
    _refuse_unless(request, MdfStatus.PRE_APPROVED)
    try:
        with transaction.atomic():
            extension = MdfExtension.objects.create(
                request=request,
                partner_id=request.partner_id,
                days=int(days),
                reason=reason.strip(),
                requested_by=actor,
            )
    except IntegrityError:
        raise PolicyViolation(
            gettext("A request for more time is already waiting for an answer."), code="extension_pending"
        ) from None
    params = {"days": int(days)}
    event = event_record(
        actor=actor,
        target=request,
        verb=events.MDF_EXTENSION_REQUESTED,
        message=gettext_noop("%(days)s more days to claim requested"),
        params=params,
        note=reason,
    )
    _tell_team(
        request, event, title=gettext_noop("%(days)s more days to claim an MDF activity requested"), params=params
    )
    return extension


@transaction.atomic
def mdf_extension_decide(*, actor: Membership, extension: MdfExtension, approve: bool, note: str = "") -> MdfExtension:
    """Grant the days (the claim is due that much later) or refuse, saying why."""
    _require_manager(actor)
    assert_same_tenant(actor, extension)
    note = (note or "").strip()
    if not approve and not note:
        raise PolicyViolation(gettext("Tell the partner why more time is refused."))
    _allocation, request = _lock_request(
        MdfRequest(pk=extension.request_id, allocation_id=extension.request.allocation_id)
    )
    extension = MdfExtension.objects.select_for_update().get(pk=extension.pk)
    if extension.status != ExtensionStatus.PENDING:
        raise InvalidTransition(gettext("This request for more time was already answered by someone else."))
    if approve:
        _refuse_unless(request, MdfStatus.PRE_APPROVED)
        base = max(request.claim_due or tenant_today(), tenant_today())
        request.claim_due = base + timedelta(days=extension.days)
        request.save(update_fields=["claim_due"])
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    extension.decided_by, extension.decided_at, extension.decision_note = actor, timezone.now(), note
    extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    params = {"days": extension.days, "day": request.claim_due.isoformat() if request.claim_due else ""}
    event = event_record(
        actor=actor,
        target=request,
        verb=events.MDF_EXTENSION_DECIDED,
        message=gettext_noop("More time granted: the claim is due on %(day)s")
        if approve
        else gettext_noop("More time refused"),
        params=params,
        note=note,
    )
    title = (
        gettext_noop("%(days)s more days to claim: granted")
        if approve
        else gettext_noop("%(days)s more days to claim: refused")
    )
    _tell_partner(request, event, title=title, params=params, note=note)
    return extension


def linkable(actor: Membership, *, deal: Deal | None = None, lead: Lead | None = None) -> bool:
    """Whether a partner user may credit this deal or lead: the company's (a partner admin), or its
    own (the rep who registered the deal, the person who owns the lead)."""
    from deals.permissions import DEALS_VIEW_COMPANY
    from leads.permissions import LEADS_VIEW_COMPANY

    if deal is not None:
        return actor.can(DEALS_VIEW_COMPANY) or deal.registered_by_id == actor.pk
    return actor.can(LEADS_VIEW_COMPANY) or lead.owner_id == actor.pk


@transaction.atomic
def mdf_link(*, actor: Membership, request: MdfRequest, deal: Deal | None = None, lead: Lead | None = None) -> MdfLink:
    """Credit a deal or a lead of the partner's to the activity it came from (once: a deal or a lead
    is credited to one activity)."""
    if actor.partner_id is None:
        _require_manager(actor)
    else:
        _require_requester(actor, request)
    assert_same_tenant(actor, request, deal, lead)
    if (deal is None) == (lead is None):
        raise ValueError("link a deal or a lead")
    target = deal or lead
    if target.partner_id != request.partner_id:
        raise PolicyViolation(gettext("Only the partner's own deals and leads are credited to its activities."))
    if actor.partner_id is not None and not linkable(actor, deal=deal, lead=lead):
        raise NotAllowed(gettext("Credit a deal or a lead you may open."))
    if request.status not in (MdfStatus.PRE_APPROVED, MdfStatus.CLAIMED, MdfStatus.APPROVED):
        raise InvalidTransition(gettext("Only a pre-approved activity is credited with deals and leads."))
    try:
        with transaction.atomic():
            link = MdfLink.objects.create(
                request=request, partner_id=request.partner_id, deal=deal, lead=lead, linked_by=actor
            )
    except IntegrityError:
        raise PolicyViolation(
            gettext("%(what)s is already credited to an activity.") % {"what": getattr(target, "reference", "")},
            code="mdf_already_linked",
        ) from None
    event_record(
        actor=actor,
        target=request,
        verb=events.MDF_LINKED,
        message=gettext_noop("%(reference)s credited to this activity"),
        params={"reference": target.reference},
    )
    return link


# --- expiry ---------------------------------------------------------------------------------------

_LEFT_SQL = """
SELECT e.budget_id, CASE WHEN e.account = 'mdf_allocated' THEN e.partner_id END, e.account, sum(e.amount)
FROM incentives_ledgerentry e
JOIN incentives_mdfbudget b ON b.id = e.budget_id AND b.tenant_id = e.tenant_id
WHERE e.tenant_id = %(tenant)s AND e.budget_id IS NOT NULL AND b.ends_on < %(today)s
    AND e.account IN ('mdf_unallocated', 'mdf_allocated')
GROUP BY 1, 2, 3
HAVING sum(e.amount) <> 0
"""


@dataclass
class ExpiryResult:
    requests: int = 0
    postings: int = 0


@transaction.atomic
def mdf_expire(*, on: date | None = None) -> ExpiryResult:
    """The night run (safe to run twice): overdue pre-approved activities expire (their commitment
    returns to the allocation), then what ended budgets have left expires."""
    today = on or tenant_today()
    result = ExpiryResult()
    overdue = (
        MdfRequest.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(status=MdfStatus.PRE_APPROVED, claim_due__lt=today)
        .exclude(extensions__status=ExtensionStatus.PENDING)
        .select_related("commitment")
    )
    for request in overdue:
        _release(
            request, reason=gettext("Not claimed by %(day)s.") % {"day": request.claim_due.isoformat()}, actor=None
        )
        request.status = MdfStatus.EXPIRED
        request.save(update_fields=["status"])
        event = event_record(
            actor=None,
            target=request,
            verb=events.MDF_EXPIRED,
            from_state=MdfStatus.PRE_APPROVED,
            to_state=request.status,
        )
        _tell_partner(request, event, title=gettext_noop("An MDF activity expired: it was not claimed in time"))
        result.requests += 1
    # Requests still waiting for pre-approval when their budget's period ended: nothing to commit.
    stale = MdfRequest.objects.filter(status=MdfStatus.SUBMITTED, budget__ends_on__lt=today)
    for request in stale.select_for_update(of=("self",), skip_locked=True).select_related("partner", "submitted_by"):
        request.status = MdfStatus.EXPIRED
        request.save(update_fields=["status"])
        event = event_record(
            actor=None, target=request, verb=events.MDF_EXPIRED, from_state=MdfStatus.SUBMITTED, to_state=request.status
        )
        _tell_partner(request, event, title=gettext_noop("An MDF request expired: its fund's period ended"))
        result.requests += 1
    with connection.cursor() as cursor:
        cursor.execute(_LEFT_SQL, {"tenant": current_tenant_id(), "today": today})
        rows = cursor.fetchall()
    budgets = MdfBudget.objects.in_bulk({row[0] for row in rows})
    postings = []
    for budget_id, partner_id, account, left in rows:
        budget = budgets[budget_id]
        postings.append(
            Posting(
                kind=Kind.MDF_EXPIRY,
                partner_id=partner_id,
                earned_on=budget.ends_on,
                lines=[
                    Line(account, -left, budget.currency, budget_id=budget_id),
                    Line(Account.MDF_EXPIRED, left, budget.currency, budget_id=budget_id),
                ],
                memo=budget.name,
                source=f"incentives.mdfbudget:{budget_id}",
            )
        )
    ledger_post_many(postings=postings)
    result.postings = len(postings)
    MdfBudget.objects.filter(ends_on__lt=today, expired_at__isnull=True).update(expired_at=timezone.now())
    return result


__all__ = [
    "ClaimDecision",
    "allocation_left",
    "budget_left",
    "mdf_allocate",
    "mdf_allocate_by_tier",
    "mdf_budget_create",
    "mdf_claim_clawback",
    "mdf_claim_decide",
    "mdf_claim_submit",
    "mdf_expire",
    "mdf_extension_decide",
    "mdf_extension_request",
    "mdf_link",
    "mdf_request_cancel",
    "mdf_request_decide",
    "mdf_request_submit",
    "missing_proof",
]
