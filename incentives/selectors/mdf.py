"""What people read of market development funds: a partner's funds and activities, one activity,
the vendor's budgets with their return, one budget's allocations, the queues. Balances come from
the ledger's lines (one aggregate each over the budget index), never from a stored figure."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.db.models import CharField, Count, Exists, OuterRef, Sum, Value
from django.db.models.functions import Cast, Concat
from django.http import Http404

from deals.models import ExtensionStatus
from prm.tenancy.scope import current_tenant_id
from prm.tenancy.time import tenant_today

from ..models import (
    Account,
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
    TransactionKind,
)
from ..permissions import INCENTIVES_VIEW, MDF_VIEW
from .ledger import deal_rate_sql, reporting_currency

REQUESTS_SHOWN = 50


BALANCE_ACCOUNTS = (
    Account.MDF_UNALLOCATED,
    Account.MDF_ALLOCATED,
    Account.MDF_COMMITTED,
    Account.MDF_SPENT,
    Account.MDF_EXPIRED,
)
REQUEST_FIELDS = (
    "id",
    "title",
    "status",
    "starts_on",
    "ends_on",
    "currency",
    "cost",
    "requested_amount",
    "approved_amount",
    "claimed_amount",
    "reimbursed_amount",
    "claim_due",
    "submitted_at",
    "activity_type__name",
    "budget__name",
    "partner__display_name",
)


def _clawbacks(**filters):
    """Clawbacks of MDF reimbursements still in force (one finance reversed no longer counts)."""
    return LedgerTransaction.objects.filter(kind=TransactionKind.CLAWBACK, reversals__isnull=True, **filters)


def clawback_of(request: MdfRequest) -> LedgerTransaction | None:
    """The posting that clawed back the activity's reimbursement, if finance did (the ledger is the
    mark: ``services.mdf.mdf_claim_clawback``; the source index finds it)."""
    return _clawbacks(source=f"incentives.mdfrequest:{request.pk}").first()


def _clawed_back() -> Exists:
    """Whether a row of ``MdfRequest`` had its reimbursement clawed back (a subquery on the
    (tenant, source) index, tenant first)."""
    source = Concat(Value("incentives.mdfrequest:"), Cast(OuterRef("id"), CharField()))
    return Exists(_clawbacks(tenant_id=OuterRef("tenant_id"), source=source))


def _balances(lines) -> dict:
    """{(budget_id, account): amount} over ``lines``."""
    rows = lines.filter(account__in=BALANCE_ACCOUNTS).values("budget_id", "account").annotate(total=Sum("amount"))
    return {(row["budget_id"], row["account"]): row["total"] for row in rows.order_by()}


def funds_for_partner(*, actor) -> dict:
    """The partner's allocations with what is available, committed, reimbursed and expired in
    each; its latest activities; the activity types it may ask for."""
    return {
        **partner_funds(partner_id=actor.partner_id),
        "activity_types": list(MdfActivityType.objects.filter(is_active=True).order_by("name")),
    }


def partner_funds(*, partner_id: int, shown: int = REQUESTS_SHOWN) -> dict:
    """A partner's allocations with their balances and its latest ``shown`` activities (its Funds
    page; its record's Incentives tab)."""
    allocations = list(
        MdfAllocation.objects.filter(partner_id=partner_id)
        .select_related("budget")
        .order_by("-budget__ends_on", "budget__name")
    )
    sums = _balances(LedgerEntry.objects.filter(partner_id=partner_id, budget__isnull=False))
    today = tenant_today()
    funds = [
        {
            "allocation": allocation,
            "budget": allocation.budget,
            "open": allocation.budget.ends_on >= today,
            **{account: sums.get((allocation.budget_id, account), Decimal(0)) for account in BALANCE_ACCOUNTS[1:]},
        }
        for allocation in allocations
    ]
    requests = list(
        MdfRequest.objects.filter(partner_id=partner_id)
        .annotate(clawed_back=_clawed_back())
        .order_by("-submitted_at", "-id")
        .values(*REQUEST_FIELDS, "clawed_back")[:shown]
    )
    return {
        "funds": funds,
        "open_funds": [f for f in funds if f["open"] and f[Account.MDF_ALLOCATED] > 0],
        "requests": requests,
    }


def request_get_for_actor(*, actor, request_id: int) -> MdfRequest:
    """An activity the actor may see: staff who read incentives; the partner's users who read its
    funds. Anything else is a 404."""
    request = (
        MdfRequest.objects.filter(pk=request_id)
        .select_related("budget", "partner", "activity_type", "submitted_by__user", "decided_by__user")
        .first()
    )
    if request is None:
        raise Http404
    if actor.partner_id is None:
        if not actor.can(INCENTIVES_VIEW):
            raise Http404
    elif request.partner_id != actor.partner_id or not actor.can(MDF_VIEW):
        raise Http404
    return request


LINK_CHOICES = 200  # the newest deals and leads offered to credit to an activity


def link_options_for_actor(*, actor, request: MdfRequest) -> list[tuple[str, str]]:
    """The deals and leads the person may credit to the activity (``"deal:<id>"``, ``"lead:<id>"``
    with a label), newest first: the company's for a partner admin, its own otherwise (as
    ``services.mdf.linkable`` checks)."""
    from deals.models import Deal, DealStatus
    from deals.permissions import DEALS_VIEW_COMPANY
    from leads.models import Lead
    from leads.permissions import LEADS_VIEW_COMPANY

    deals = Deal.objects.filter(partner_id=request.partner_id).exclude(status=DealStatus.DRAFT)
    if not actor.can(DEALS_VIEW_COMPANY):
        deals = deals.filter(registered_by_id=actor.pk)
    leads = Lead.objects.filter(partner_id=request.partner_id)
    if not actor.can(LEADS_VIEW_COMPANY):
        leads = leads.filter(owner_id=actor.pk)
    deals = deals.order_by("-created_at", "-id").values_list("id", "customer_name")[:LINK_CHOICES]
    leads = leads.order_by("-created_at", "-id").values_list("id", "reference", "company")[:LINK_CHOICES]
    return [(f"deal:{pk}", f"{Deal(pk=pk).reference} · {name}") for pk, name in deals] + [
        (f"lead:{pk}", f"{ref} · {name}") for pk, ref, name in leads
    ]


def extension_get_for_actor(*, actor, extension_id: int) -> MdfExtension:
    """A request for more time, with its activity, for staff who read incentives; else a 404."""
    extension = MdfExtension.objects.filter(pk=extension_id).select_related("request").first()
    if extension is None or actor.partner_id is not None or not actor.can(INCENTIVES_VIEW):
        raise Http404
    return extension


def proof_get_for_actor(*, actor, proof_id: int) -> MdfProof:
    proof = MdfProof.objects.filter(pk=proof_id).first()
    if proof is None:
        raise Http404
    request_get_for_actor(actor=actor, request_id=proof.request_id)
    return proof


_RETURN_SQL = """
WITH links AS (
    SELECT r.{group} AS grp, l.deal_id, l.lead_id, r.partner_id
    FROM incentives_mdflink l
    JOIN incentives_mdfrequest r ON r.id = l.request_id AND r.tenant_id = l.tenant_id
    WHERE l.tenant_id = %(tenant)s AND r.{group} = ANY(%(ids)s)
),
credited AS (
    SELECT grp, deal_id FROM links WHERE deal_id IS NOT NULL
    UNION
    SELECT k.grp, ld.deal_id
    FROM links k
    JOIN leads_lead ld ON ld.id = k.lead_id AND ld.tenant_id = %(tenant)s
    -- the activity's partner's own deal (a lead passed on to another partner brought that one's)
    JOIN deals_deal dd ON dd.id = ld.deal_id AND dd.tenant_id = %(tenant)s AND dd.partner_id = k.partner_id
    WHERE ld.deal_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM incentives_mdflink x WHERE x.tenant_id = %(tenant)s AND x.deal_id = ld.deal_id
    )
)
SELECT g.grp,
    g.leads,
    count(c.deal_id) AS deals,
    coalesce(sum(d.amount * {rate}) FILTER (WHERE d.status IN ('submitted', 'info_requested', 'approved',
        'won_pending')), 0) AS pipeline,
    coalesce(sum(d.won_amount * {rate}) FILTER (WHERE d.status = 'won'), 0) AS revenue
FROM (SELECT grp, count(lead_id) AS leads FROM links GROUP BY grp) g
LEFT JOIN credited c ON c.grp = g.grp
LEFT JOIN deals_deal d ON d.id = c.deal_id AND d.tenant_id = %(tenant)s
GROUP BY g.grp, g.leads
"""
# The deals an activity brought: those credited to it, and those converted from the leads credited
# to it (``leads.Lead.deal``, the deal its conversion registered), each once. A deal credited to
# an activity by hand counts there only, not again through its lead (the ``NOT EXISTS`` reads the
# ``mdf_link_deal_once`` index); ``UNION`` drops a pair met twice within one budget.
#
# An open deal's pipeline is converted at today's rate, a won one's revenue at its win day's.
_RATE = deal_rate_sql("coalesce(d.won_on, %(today)s)")


def returns(*, group: str, ids: list[int]) -> dict[int, dict]:
    """The return of activities (``group="id"``) or budgets (``"budget_id"``): the leads and deals
    credited to them (with the deals converted from those leads), the open pipeline and the won
    revenue in the reporting currency (a deal in a currency without a rate counts as nothing),
    against what was reimbursed (the ledger's lines in the reporting currency, at the rate of the
    day each was approved, less what was clawed back). One statement each."""
    if not ids:
        return {}
    assert group in ("id", "budget_id")
    reporting = reporting_currency()
    with connection.cursor() as cursor:
        cursor.execute(
            _RETURN_SQL.format(group=group, rate=_RATE),
            {"tenant": current_tenant_id(), "ids": list(ids), "reporting": reporting, "today": tenant_today()},
        )
        figures = {
            row[0]: {"leads": row[1], "deals": row[2], "pipeline": row[3], "revenue": row[4]}
            for row in cursor.fetchall()
        }
    spent_lines = LedgerEntry.objects.filter(account=Account.MDF_SPENT)
    if group == "id":
        sources = {f"incentives.mdfrequest:{pk}": pk for pk in ids}
        spent_rows = (
            spent_lines.filter(transaction__source__in=list(sources))
            .values("transaction__source")
            .annotate(total=Sum("reporting_amount"))
            .order_by()
        )
        spent = {sources[row["transaction__source"]]: row["total"] for row in spent_rows}
    else:
        spent_rows = spent_lines.filter(budget_id__in=ids).values("budget_id").annotate(total=Sum("reporting_amount"))
        spent = {row["budget_id"]: row["total"] for row in spent_rows.order_by()}
    result = {}
    for pk in ids:
        row = figures.get(pk, {"leads": 0, "deals": 0, "pipeline": Decimal(0), "revenue": Decimal(0)})
        row["spent"] = spent.get(pk) or Decimal(0)
        row["currency"] = reporting
        row["pipeline_per_unit"] = (row["pipeline"] / row["spent"]) if row["spent"] else None
        row["revenue_per_unit"] = (row["revenue"] / row["spent"]) if row["spent"] else None
        result[pk] = row
    return result


def request_detail(*, request: MdfRequest) -> dict:
    """An activity's proofs, requests for more time, credited deals and leads, and its return."""
    links = list(
        MdfLink.objects.filter(request=request)
        .select_related("deal", "lead")
        .order_by("id")
        .only(
            "id",
            "deal__customer_name",
            "deal__status",
            "deal__amount",
            "deal__won_amount",
            "deal__currency",
            "lead__reference",
            "lead__company",
            "lead__status",
        )
    )
    return {
        "proofs": list(MdfProof.objects.filter(request=request).order_by("kind", "id")),
        "extensions": list(MdfExtension.objects.filter(request=request).order_by("-requested_at")),
        "links": links,
        "return": returns(group="id", ids=[request.pk])[request.pk],
        "clawback": clawback_of(request) if request.status == MdfStatus.APPROVED else None,
    }


def budgets_for_office(*, budget_id: int | None = None) -> list[dict]:
    """Every budget (or one), newest first, with its balances per account and its return."""
    budgets = MdfBudget.objects.select_related("program", "region").order_by("-starts_on", "name")
    lines = LedgerEntry.objects.filter(budget__isnull=False)
    if budget_id is not None:
        budgets, lines = budgets.filter(pk=budget_id), lines.filter(budget_id=budget_id)
    budgets = list(budgets)
    sums = _balances(lines)
    figures = returns(group="budget_id", ids=[b.pk for b in budgets])
    allocations = MdfAllocation.objects.filter(budget_id__in=[b.pk for b in budgets])
    counts = {row["budget_id"]: row["n"] for row in allocations.values("budget_id").annotate(n=Count("id")).order_by()}
    return [
        {
            "budget": budget,
            "partners": counts.get(budget.pk, 0),
            **{account: sums.get((budget.pk, account), Decimal(0)) for account in BALANCE_ACCOUNTS},
            "return": figures[budget.pk],
        }
        for budget in budgets
    ]


def budget_get(*, budget_id: int) -> MdfBudget:
    budget = MdfBudget.objects.filter(pk=budget_id).select_related("program", "region").first()
    if budget is None:
        raise Http404
    return budget


def allocations_for_office(*, budget: MdfBudget):
    """A budget's allocations with each partner's available, committed and reimbursed amounts (a
    values queryset; the sums are per-row subqueries over the budget index)."""
    from django.db.models import DecimalField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    def balance(account):
        lines = (
            LedgerEntry.objects.filter(budget_id=budget.pk, partner_id=OuterRef("partner_id"), account=account)
            .values("partner_id")
            .annotate(s=Sum("amount"))
            .values("s")
        )
        return Coalesce(Subquery(lines, output_field=DecimalField()), Decimal(0))

    return (
        MdfAllocation.objects.filter(budget=budget)
        .annotate(
            available=balance(Account.MDF_ALLOCATED),
            committed=balance(Account.MDF_COMMITTED),
            spent=balance(Account.MDF_SPENT),
        )
        .order_by("partner__display_name", "id")
        .values("id", "partner_id", "partner__display_name", "amount", "basis", "available", "committed", "spent")
    )


def requests_for_office(*, status: str = ""):
    """The activities, the waiting ones first (pre-approval, then claims) oldest first; or those
    of one status. A values queryset and the rows to count."""
    rows = MdfRequest.objects.all()
    rows = rows.filter(status=status) if status else rows.filter(status__in=[MdfStatus.SUBMITTED, MdfStatus.CLAIMED])
    counted = rows
    rows = rows.order_by("submitted_at", "id").values(*REQUEST_FIELDS)
    return rows, counted


def waiting_counts() -> dict:
    """How many requests, claims and requests for more time wait (the queue's tabs)."""
    # Only the waiting rows, from the status index (not an aggregate over every request).
    waiting = dict(
        MdfRequest.objects.filter(status__in=[MdfStatus.SUBMITTED, MdfStatus.CLAIMED])
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {"requests": waiting.get(MdfStatus.SUBMITTED, 0), "claims": waiting.get(MdfStatus.CLAIMED, 0)}
    counts["extensions"] = MdfExtension.objects.filter(status=ExtensionStatus.PENDING).count()
    return counts


def extensions_waiting() -> list[MdfExtension]:
    return list(
        MdfExtension.objects.filter(status=ExtensionStatus.PENDING)
        .select_related("request__partner")
        .order_by("requested_at")[:REQUESTS_SHOWN]
    )


__all__ = [
    "allocations_for_office",
    "budget_get",
    "budgets_for_office",
    "clawback_of",
    "extensions_waiting",
    "funds_for_partner",
    "proof_get_for_actor",
    "request_detail",
    "request_get_for_actor",
    "requests_for_office",
    "returns",
    "waiting_counts",
]
