"""What vendor staff read of deal registrations: the review queue, one deal with its conflicts,
the pipeline's aggregates, the export and the catalogue for registering on a partner's behalf.

Staff read the whole tenant (the request's tenant scope); a partner user asking is a 404, as is
an object of another tenant (the tenant-scoped manager does not find it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from partners.models import Partner
from prm.accounts.models import Membership
from prm.accounts.roles import MembershipKind
from programs.models import Product

from ..models import (
    PROTECTED_STATUSES,
    Deal,
    DealConflict,
    DealExtension,
    DealLine,
    DealStage,
    DealStatus,
    ExtensionStatus,
)

# The queue's SLA filter: the deadline has passed, falls within the next day, or is further away.
SLA_OVERDUE, SLA_DUE_TODAY, SLA_ON_TIME = "overdue", "due_today", "on_time"
SLA_CHOICES = [(SLA_OVERDUE, "Overdue"), (SLA_DUE_TODAY, "Due within 24 hours"), (SLA_ON_TIME, "On time")]
DUE_SOON = timedelta(hours=24)
# The pipeline's partner table: the partners with the most approved business.
TOP_PARTNERS = 10


def _require_staff(actor) -> None:
    if actor is None or not actor.is_staff_member:
        raise Http404


def _filtered(queryset: QuerySet[Deal], *, manager=None, region: str = "", conflict: str = "") -> QuerySet[Deal]:
    if manager is not None:
        queryset = queryset.filter(reviewer=manager)
    region = (region or "").strip()
    if region:
        # A region is either one the partner serves (free text on its profile) or the customer's country.
        queryset = queryset.filter(Q(partner__regions_served__contains=[region]) | Q(customer_country=region.upper()))
    if conflict in ("yes", "no"):
        queryset = queryset.filter(has_conflict=conflict == "yes")
    return queryset


def review_queue_for_actor(
    *, actor, sla: str = "", manager=None, region: str = "", conflict: str = ""
) -> QuerySet[Deal]:
    """Registrations waiting for a decision, the most urgent deadline first (served by the
    partial index ``deal_review_idx``). Each row carries its partner and reviewer: one query."""
    _require_staff(actor)
    now = timezone.now()
    queryset = Deal.objects.filter(status=DealStatus.SUBMITTED)
    if sla == SLA_OVERDUE:
        queryset = queryset.filter(decision_due_at__lt=now)
    elif sla == SLA_DUE_TODAY:
        queryset = queryset.filter(decision_due_at__gte=now, decision_due_at__lt=now + DUE_SOON)
    elif sla == SLA_ON_TIME:
        queryset = queryset.filter(Q(decision_due_at__gte=now + DUE_SOON) | Q(decision_due_at__isnull=True))
    queryset = _filtered(queryset, manager=manager, region=region, conflict=conflict)
    # Ascending puts registrations without a deadline (no reviewer found yet) last.
    return queryset.select_related("partner", "reviewer__user").order_by("decision_due_at", "submitted_at", "id")


def deal_list_for_staff(
    *, actor, manager=None, region: str = "", conflict: str = "", status: str = ""
) -> QuerySet[Deal]:
    """Every registration of the tenant (the export), newest first, with partner and lines."""
    _require_staff(actor)
    queryset = Deal.objects.exclude(status=DealStatus.DRAFT)
    if status in DealStatus.values:
        queryset = queryset.filter(status=status)
    queryset = _filtered(queryset, manager=manager, region=region, conflict=conflict)
    return queryset.select_related("partner").prefetch_related(_lines()).order_by("-created_at", "-id")


def _lines() -> Prefetch:
    return Prefetch("lines", queryset=DealLine.objects.select_related("product", "product_line").order_by("id"))


def deal_for_staff(*, actor, deal_id: int) -> Deal:
    """One registration in any status with what a reviewer reads: its lines, its conflicts
    (each other registration with its partner and lines, or the vendor account) and its
    pending extension (``pending_extensions``)."""
    _require_staff(actor)
    conflicts = DealConflict.objects.select_related("other_deal__partner", "account").prefetch_related(
        Prefetch("other_deal__lines", queryset=DealLine.objects.select_related("product_line").order_by("id"))
    )
    deal = (
        Deal.objects.select_related(
            "partner", "reviewer__user", "registered_by__user", "entered_by__user", "decided_by__user", "duplicate_of"
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
        .filter(pk=deal_id)
        .first()
    )
    if deal is None:
        raise Http404
    return deal


def partners_for_registration(*, actor) -> list[Partner]:
    """The partners staff may register a deal for: every partner of the tenant, by name."""
    _require_staff(actor)
    return list(Partner.objects.order_by("display_name", "id"))


def products_for_registration(*, actor) -> list[Product]:
    _require_staff(actor)
    return list(Product.objects.filter(is_active=True).select_related("line").order_by("line__name", "name", "id"))


def reviewers_for_filter(*, actor) -> list:
    """The staff who review deals (the queue's "manager" filter)."""
    _require_staff(actor)
    staff = Membership.objects.filter(kind=MembershipKind.STAFF, is_active=True).select_related("user")
    return [member for member in staff.order_by("user__email", "id") if member.can("deals.review")]


# --- the pipeline -----------------------------------------------------------------------------------


@dataclass
class PipelineRow:
    """One group of the pipeline: its label, how many registrations and their amount (in one
    currency: amounts of different currencies are never added up)."""

    label: str
    currency: str
    count: int
    amount: Decimal


@dataclass
class Pipeline:
    by_status: list[PipelineRow] = field(default_factory=list)
    by_stage: list[PipelineRow] = field(default_factory=list)
    by_partner: list[PipelineRow] = field(default_factory=list)
    by_tier: list[PipelineRow] = field(default_factory=list)
    by_product_line: list[PipelineRow] = field(default_factory=list)
    due_today: int = 0
    overdue: int = 0
    awaiting_review: int = 0
    stage_counts: dict = field(default_factory=dict)  # stage value -> open approved deals


def _rows(queryset, key: str, labels=None, amount: str = "amount") -> list[PipelineRow]:
    grouped = queryset.values(key, "currency").annotate(n=Count("id", distinct=True), total=Sum(amount))
    rows = []
    for row in grouped:
        value = row[key]
        label = labels.get(value, value) if labels is not None else value
        rows.append(PipelineRow(str(label), row["currency"], row["n"], row["total"] or Decimal(0)))
    return rows


def pipeline_for_actor(*, actor, manager=None, region: str = "") -> Pipeline:
    """The pipeline dashboard's figures: a handful of GROUP BY queries, whatever the number of
    registrations (drafts are the partners' own business and are left out)."""
    _require_staff(actor)
    now = timezone.now()
    deals = _filtered(Deal.objects.exclude(status=DealStatus.DRAFT), manager=manager, region=region)
    statuses = dict(DealStatus.choices)
    stages = dict(DealStage.choices)
    pipeline = Pipeline()
    pipeline.by_status = sorted(
        _rows(deals.order_by(), "status", statuses),
        key=lambda r: (list(statuses.values()).index(r.label), r.currency),
    )
    protected = deals.filter(status__in=PROTECTED_STATUSES).order_by()
    pipeline.by_stage = sorted(
        _rows(protected, "stage", stages), key=lambda r: (list(stages.values()).index(r.label), r.currency)
    )
    pipeline.stage_counts = {value: 0 for value in stages}
    for row in protected.values("stage").annotate(n=Count("id")):
        pipeline.stage_counts[row["stage"]] = row["n"]
    by_partner = (
        protected.values("partner__display_name", "partner_id", "currency")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("-total", "partner__display_name", "partner_id")[:TOP_PARTNERS]
    )
    pipeline.by_partner = [
        PipelineRow(row["partner__display_name"], row["currency"], row["n"], row["total"] or Decimal(0))
        for row in by_partner
    ]
    # A partner in several programs counts once in each of its programs (one enrollment each).
    tiers = (
        protected.values(
            "partner__enrollments__program__name",
            "partner__enrollments__tier__name",
            "partner__enrollments__tier__rank",
            "currency",
        )
        .annotate(n=Count("id", distinct=True), total=Sum("amount"))
        .order_by("partner__enrollments__program__name", "-partner__enrollments__tier__rank", "currency")
    )
    pipeline.by_tier = [
        PipelineRow(
            f"{row['partner__enrollments__program__name']} · {row['partner__enrollments__tier__name']}"
            if row["partner__enrollments__program__name"]
            else "In no program",
            row["currency"],
            row["n"],
            row["total"] or Decimal(0),
        )
        for row in tiers
    ]
    lines = (
        DealLine.objects.filter(deal__in=protected)
        .values("product_line__name", "deal__currency")
        .annotate(n=Count("deal", distinct=True), total=Sum(_line_total()))
        .order_by("product_line__name", "deal__currency")
    )
    pipeline.by_product_line = [
        PipelineRow(row["product_line__name"], row["deal__currency"], row["n"], row["total"] or Decimal(0))
        for row in lines
    ]
    waiting = deals.filter(status=DealStatus.SUBMITTED).aggregate(
        waiting=Count("id"),
        overdue=Count("id", filter=Q(decision_due_at__lt=now)),
        due_today=Count("id", filter=Q(decision_due_at__gte=now, decision_due_at__lt=now + DUE_SOON)),
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
