"""What vendor staff read of deal registrations: the review queue, one deal with its conflicts,
the pipeline's aggregates, the export and the partners to register on behalf of.

Staff read the whole tenant (the request's tenant scope); a partner user asking is a 404, as is
an object of another tenant (the tenant-scoped manager does not find it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import Partner
from prm.accounts.rules import TENANT
from prm.accounts.selectors import StaffMember, staff_members

from ..models import (
    PROTECTED_STATUSES,
    Deal,
    DealConflict,
    DealExtension,
    DealLine,
    DealStage,
    DealStatus,
    ExtensionStatus,
    PipelineSnapshot,
)
from ..permissions import DEALS_REVIEW, DealAction, deal_filter, deal_reach
from .deals import deal_list_for_actor

# The queue's SLA filter: the deadline has passed, falls within the next day, or is further away.
SLA_OVERDUE, SLA_DUE_TODAY, SLA_ON_TIME = "overdue", "due_today", "on_time"
SLA_CHOICES = [(SLA_OVERDUE, _("Overdue")), (SLA_DUE_TODAY, _("Due within 24 hours")), (SLA_ON_TIME, _("On time"))]
DUE_SOON = timedelta(hours=24)
# The pipeline's partner table: the partners with the most approved business.
TOP_PARTNERS = 10


def _vendor_side(actor) -> Q:
    """What the vendor's side reads of the tenant's registrations (``DealAction.VIEW_INTERNAL``:
    staff, the whole tenant), as a filter; anyone else asking is a 404."""
    internal = deal_filter(actor, DealAction.VIEW_INTERNAL)
    if internal is None:
        raise Http404
    return internal


def _filtered(queryset: QuerySet[Deal], *, manager=None, region: str = "", conflict: str = "") -> QuerySet[Deal]:
    if manager is not None:
        queryset = queryset.filter(reviewer_id=manager.pk)
    region = (region or "").strip()
    if region:
        # A region is either one the partner serves (free text on its profile) or the customer's country.
        queryset = queryset.filter(Q(partner__regions_served__contains=[region]) | Q(customer_country=region.upper()))
    if conflict in ("yes", "no"):
        queryset = queryset.filter(has_conflict=conflict == "yes")
    return queryset


def deal_review_list_for_actor(
    *, actor, sla: str = "", manager=None, region: str = "", conflict: str = ""
) -> QuerySet[Deal]:
    """Registrations waiting for a decision, the most urgent deadline first (served by the
    partial index ``deal_review_idx``). Each row carries its partner and reviewer: one query."""
    visible = _vendor_side(actor)
    now = timezone.now()
    queryset = Deal.objects.filter(visible, status=DealStatus.SUBMITTED)
    if sla == SLA_OVERDUE:
        queryset = queryset.filter(decision_due_at__lt=now)
    elif sla == SLA_DUE_TODAY:
        queryset = queryset.filter(decision_due_at__gte=now, decision_due_at__lt=now + DUE_SOON)
    elif sla == SLA_ON_TIME:
        queryset = queryset.filter(Q(decision_due_at__gte=now + DUE_SOON) | Q(decision_due_at__isnull=True))
    queryset = _filtered(queryset, manager=manager, region=region, conflict=conflict)
    # Ascending puts registrations without a deadline (no reviewer found yet) last.
    return queryset.select_related("partner", "reviewer__user").order_by("decision_due_at", "submitted_at", "id")


# What a row of the review queue shows; the reviewer's name comes from ``staff_members``.
QUEUE_ROW_FIELDS = (
    "id",
    "partner__display_name",
    "customer_name",
    "customer_country",
    "currency",
    "amount",
    "submitted_at",
    "decision_due_at",
    "has_conflict",
    "reviewer_id",
)


def deal_review_rows_for_actor(**kwargs) -> tuple[QuerySet[dict], QuerySet[Deal]]:
    """The review queue (arguments as ``deal_review_list_for_actor``) as the few fields a row
    shows: dicts, not a deal, a partner, a membership and a user per row; and the same deals
    without the partner's join, to count (``paginate(count_from=...)``)."""
    deals = deal_review_list_for_actor(**kwargs)
    return deals.values(*QUEUE_ROW_FIELDS), deals


# What a row of the back office's list of every registration shows.
OFFICE_ROW_FIELDS = (
    "id",
    "partner_id",
    "partner__display_name",
    "customer_name",
    "customer_country",
    "currency",
    "amount",
    "status",
    "stage",
    "expected_close_on",
    "protected_until",
    "submitted_at",
)


def deal_office_rows_for_actor(*, actor, **filters) -> tuple[QuerySet[dict], QuerySet[Deal]]:
    """Every registration of the tenant but drafts, newest first: the back office's deal list
    (``filters`` as ``deal_list_for_actor``'s), as the few fields a row shows, and the same deals
    without the partner's join, to count (``paginate(count_from=...)``). What the guard's
    ``VIEW`` shows, for the vendor's side only: anyone else asking is a 404."""
    _vendor_side(actor)
    deals = deal_list_for_actor(actor=actor, submitted_only=True, **filters)
    return deals.values(*OFFICE_ROW_FIELDS), deals


# The partner record's Deals tab: its latest registrations; the rest are a link to the list.
PARTNER_TAB_ROWS = 25


def deal_partner_rows_for_actor(*, actor, partner_id: int) -> list[dict]:
    """The partner's latest ``PARTNER_TAB_ROWS`` registrations but drafts (the record's tab)."""
    rows, _ = deal_office_rows_for_actor(actor=actor, partner_id=partner_id)
    return list(rows[:PARTNER_TAB_ROWS])


def deal_export_list_for_actor(
    *, actor, manager=None, region: str = "", conflict: str = "", status: str = ""
) -> QuerySet[Deal]:
    """Every registration of the tenant (the export), newest first, with partner and lines."""
    visible = _vendor_side(actor)
    queryset = Deal.objects.filter(visible).exclude(status=DealStatus.DRAFT)
    if status in DealStatus.values:
        queryset = queryset.filter(status=status)
    queryset = _filtered(queryset, manager=manager, region=region, conflict=conflict)
    return queryset.select_related("partner").prefetch_related(_lines()).order_by("-created_at", "-id")


def _lines() -> Prefetch:
    return Prefetch("lines", queryset=DealLine.objects.select_related("product", "product_line").order_by("id"))


def deal_review_get_for_actor(*, actor, deal_id: int) -> Deal:
    """One registration in any status with what a reviewer reads: its lines, its conflicts
    (each other registration with its partner and lines, or the vendor account) and its
    pending extension (``pending_extensions``)."""
    visible = _vendor_side(actor)
    conflicts = DealConflict.objects.select_related("other_deal__partner", "account").prefetch_related(
        Prefetch("other_deal__lines", queryset=DealLine.objects.select_related("product_line").order_by("id"))
    )
    deal = (
        Deal.objects.select_related(
            "partner",
            "reviewer__user",
            "registered_by__user",
            "entered_by__user",
            "decided_by__user",
            "decided_by_rule",
            "duplicate_of",
        )
        .prefetch_related(
            _lines(),
            Prefetch("conflicts", queryset=conflicts.order_by("-score", "id")),
            Prefetch(
                "extensions",
                queryset=DealExtension.objects.filter(status=ExtensionStatus.PENDING).select_related(
                    "requested_by__user"
                ),
                to_attr="pending_extensions",
            ),
        )
        .filter(visible, pk=deal_id)
        .first()
    )
    if deal is None:
        raise Http404
    return deal


def deal_partner_options_for_actor(*, actor) -> list[Partner]:
    """The partners the actor may register a deal for, by name (the guard's ``REGISTER``): every
    partner of the tenant for staff who register on a partner's behalf, a partner user's own.
    (``partners.selectors.partner_options_for_actor`` is every partner, for staff tools.)"""
    reach = deal_reach(actor, DealAction.REGISTER)
    if reach is None:
        raise Http404
    partners = Partner.objects.order_by("display_name", "id")
    return list(partners if reach == TENANT else partners.filter(pk=actor.partner_id))


def reviewer_options_for_actor(*, actor) -> list[StaffMember]:
    """The staff who review deals (the queue's "manager" filter), from the tenant's memoised
    staff list."""
    _vendor_side(actor)
    return [member for member in staff_members() if member.can(DEALS_REVIEW)]


# --- the pipeline -----------------------------------------------------------------------------------


@dataclass
class PipelineRow:
    """One group of the pipeline: its label, how many registrations and their amount (in one
    currency: amounts of different currencies are never added up)."""

    label: str
    currency: str
    count: int
    amount: Decimal


PIPELINE_TABLES = ("by_status", "by_stage", "by_partner", "by_tier", "by_product_line")


@dataclass
class Pipeline:
    by_status: list[PipelineRow] = field(default_factory=list)
    by_stage: list[PipelineRow] = field(default_factory=list)
    by_partner: list[PipelineRow] = field(default_factory=list)
    by_tier: list[PipelineRow] = field(default_factory=list)
    by_product_line: list[PipelineRow] = field(default_factory=list)
    stage_counts: dict = field(default_factory=dict)  # stage value -> open approved deals
    computed_at: datetime | None = None  # when a worker computed the tables above
    # Live: the review queue's counts, from its partial index.
    due_today: int = 0
    overdue: int = 0
    awaiting_review: int = 0


def _rows(queryset, key: str, labels=None) -> list[list]:
    # A won deal counts at the amount won, not the amount registered.
    amount = Coalesce("won_amount", "amount")
    grouped = queryset.values(key, "currency").annotate(n=Count("id"), total=Sum(amount)).order_by()
    label = (lambda value: str(labels.get(value, value))) if labels is not None else str
    return [[label(row[key]), row["currency"], row["n"], row["total"]] for row in grouped]


def pipeline_figures() -> dict:
    """The pipeline's tables for the current tenant, as JSON-ready lists ``[label, currency,
    count, amount]``: a handful of GROUP BY queries over every registration (drafts are the
    partners' own business and are left out). Seconds at a million registrations, so a worker
    runs this (``services.pipeline_refresh``) and pages read the stored result."""
    statuses = dict(DealStatus.choices)
    stages = dict(DealStage.choices)
    # Never-submitted registrations (drafts, and drafts their partner discarded) are the
    # partner's own, unless staff entered them on its behalf.
    deals = (
        Deal.objects.exclude(status=DealStatus.DRAFT)
        .exclude(status=DealStatus.WITHDRAWN, submitted_at=None, entered_by=None)
        .order_by()
    )
    protected = deals.filter(status__in=PROTECTED_STATUSES)
    by_status = sorted(_rows(deals, "status", statuses), key=lambda r: (list(statuses.values()).index(r[0]), r[1]))
    by_stage = sorted(_rows(protected, "stage", stages), key=lambda r: (list(stages.values()).index(r[0]), r[1]))
    stage_counts = {value: sum(row[2] for row in by_stage if row[0] == label) for value, label in stages.items()}
    by_partner = (
        protected.values("partner__display_name", "partner_id", "currency")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("-total", "partner__display_name", "partner_id")[:TOP_PARTNERS]
    )
    # A partner in several programs counts once in each of its programs (one enrollment each).
    tiers = (
        protected.values(
            "partner__enrollments__program__name",
            "partner__enrollments__tier__name",
            "partner__enrollments__tier__rank",
            "currency",
        )
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("partner__enrollments__program__name", "-partner__enrollments__tier__rank", "currency")
    )
    lines = (
        DealLine.objects.filter(deal__in=protected)
        .values("product_line__name", "deal__currency")
        .annotate(n=Count("deal", distinct=True), total=Sum(_line_total()))
        .order_by("product_line__name", "deal__currency")
    )
    return {
        "by_status": by_status,
        "by_stage": by_stage,
        "stage_counts": stage_counts,
        "by_partner": [[r["partner__display_name"], r["currency"], r["n"], r["total"]] for r in by_partner],
        "by_tier": [
            [
                f"{r['partner__enrollments__program__name']} · {r['partner__enrollments__tier__name']}"
                if r["partner__enrollments__program__name"]
                else "In no program",
                r["currency"],
                r["n"],
                r["total"],
            ]
            for r in tiers
        ],
        "by_product_line": [[r["product_line__name"], r["deal__currency"], r["n"], r["total"]] for r in lines],
    }


def pipeline_get_for_actor(*, actor) -> Pipeline | None:
    """The dashboard: the stored tables (``None`` before the first computation) and the live
    counts of registrations awaiting review, overdue and due within a day (two queries)."""
    _vendor_side(actor)
    snapshot = PipelineSnapshot.objects.first()
    if snapshot is None:
        return None
    figures = snapshot.figures
    tables = {name: [PipelineRow(*row[:3], Decimal(row[3] or 0)) for row in figures[name]] for name in PIPELINE_TABLES}
    pipeline = Pipeline(
        **tables,
        stage_counts=figures["stage_counts"],
        computed_at=snapshot.computed_at,
    )
    now = timezone.now()
    # Counting only what the partial index deal_review_idx holds lets it answer alone (an
    # index-only scan: 120,000 waiting registrations in ~30 ms instead of ~350 ms via the heap).
    waiting = Deal.objects.filter(status=DealStatus.SUBMITTED).aggregate(
        waiting=Count("*"),
        overdue=Count("decision_due_at", filter=Q(decision_due_at__lt=now)),
        due_today=Count("decision_due_at", filter=Q(decision_due_at__gte=now, decision_due_at__lt=now + DUE_SOON)),
    )
    pipeline.awaiting_review, pipeline.overdue, pipeline.due_today = (
        waiting["waiting"],
        waiting["overdue"],
        waiting["due_today"],
    )
    return pipeline


def _line_total():
    return ExpressionWrapper(
        F("unit_price") * F("quantity"), output_field=DecimalField(max_digits=20, decimal_places=2)
    )
