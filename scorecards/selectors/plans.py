"""Reads of business plans: the lists (office, portal, a partner's record), one plan's page with
its objectives, signatures, versions and history, the plans waiting for a signature, and
progress measured from the same metrics as the scorecards.

**Progress** (``plan_progress``, ``plans_behind``). Each objective kind but custom is a metric of
the registry (``OBJECTIVE_METRICS``), measured over the plan's period so far: ``as_of`` is
today or the plan's last day, whichever comes first, and the window runs from its first day
(``window_days = (as_of - starts_on).days + 1``). A custom objective's progress is what either
side recorded. An objective is *on track* when its value has reached the share of its target
that the elapsed share of the period expects (linear pace); a metric no app measures yet is
"not measured yet".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connections, router
from django.db.models import Count, F, Q, Window
from django.http import Http404
from django.utils.formats import number_format
from django.utils.translation import gettext

from partners.models import Partner
from prm.events.selectors import events_for_object
from prm.l10n import money
from prm.tenancy.scope import current_tenant_id
from prm.tenancy.search import contains_ignoring_case
from programs.selectors.metrics import metric_get

from ..models import BusinessPlan, ObjectiveKind, PlanObjective, PlanStatus
from ..permissions import PlanAction, plan_filter, plan_may
from ..services.plans import PARTNER_SIDE, PLANNED_STATUSES, VENDOR_SIDE, plan_fingerprint, side_of

# --- the metrics behind the objectives ------------------------------------------------------------------

OBJECTIVE_METRICS: dict[str, str] = {
    ObjectiveKind.REVENUE: "deals.trailing_revenue",
    ObjectiveKind.REGISTRATIONS: "deals.approved_registrations",
    # Measured without a certification code: people holding a valid certificate of any.
    ObjectiveKind.CERTIFICATIONS: "learning.certified_people",
    ObjectiveKind.MDF: "incentives.mdf_activities",
}


def _measure(key: str, *, tenant_id: int, as_of: date, window_days: int, partner_ids) -> dict[int, Decimal] | None:
    """{partner id: value} of a registered metric for these partners; None when no app measures
    it (yet). Partners without a row measured nothing: 0."""
    metric = metric_get(key)
    if metric is None or not metric.available:
        return None
    sql, params = metric.sql(tenant_id, as_of, window_days, "", list(partner_ids))
    with connections[router.db_for_read(BusinessPlan)].cursor() as cursor:
        cursor.execute(sql, params)
        return {partner_id: Decimal(value or 0) for partner_id, value in cursor.fetchall()}


def measure_window(starts_on: date, ends_on: date, today: date) -> tuple[date, int] | None:
    """(as_of, window_days) of a plan's period measured on ``today``; None before it starts."""
    if today < starts_on:
        return None
    as_of = min(today, ends_on)
    return as_of, (as_of - starts_on).days + 1


def _elapsed(starts_on: date, ends_on: date, today: date) -> Decimal:
    """The share of the period gone by on ``today`` (0..1; the whole of its last day counts)."""
    window = measure_window(starts_on, ends_on, today)
    if window is None:
        return Decimal(0)
    total = (ends_on - starts_on).days + 1
    return Decimal(window[1]) / Decimal(total)


def _expected(target: Decimal, elapsed: Decimal) -> Decimal:
    return (target * elapsed).quantize(Decimal("0.01"))


def _is_behind(value: Decimal | None, target: Decimal, elapsed: Decimal) -> bool:
    return value is not None and value < _expected(target, elapsed)


# --- progress of one plan ------------------------------------------------------------------------------

MET, ON_TRACK, BEHIND, NOT_STARTED, NOT_MEASURED, NOT_RECORDED = (
    "met",
    "on_track",
    "behind",
    "not_started",
    "not_measured",
    "not_recorded",
)


def _status_label(status: str) -> str:
    return {
        MET: gettext("Target met"),
        ON_TRACK: gettext("On track"),
        BEHIND: gettext("Behind the expected pace"),
        NOT_STARTED: gettext("Not started yet"),
        NOT_MEASURED: gettext("Not measured yet"),
        NOT_RECORDED: gettext("No progress recorded yet"),
    }[status]


def _figure(value: Decimal | None, kind: str, currency: str) -> str:
    if value is None:
        return "\N{EN DASH}"
    if kind == ObjectiveKind.REVENUE:
        return money(value, currency)
    places = 0 if value == value.to_integral_value() else 2
    return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def _whole(value: Decimal | None, kind: str) -> Decimal | None:
    """The pace of a count (registrations, people, activities) in whole units, rounded up: 8.61
    registrations expected by now reads 9; money and custom figures keep their cents."""
    if value is None or kind in (ObjectiveKind.REVENUE, ObjectiveKind.CUSTOM):
        return value
    return value.to_integral_value(rounding="ROUND_CEILING")


@dataclass
class ObjectiveProgress:
    """One objective as the plan's page shows it (formatted here, not while rendering)."""

    id: int
    kind: str
    kind_label: str
    description: str
    target: Decimal
    manual_progress: Decimal | None
    value: Decimal | None
    expected: Decimal | None
    status: str
    status_label: str
    percent: int | None  # of the target, capped at 100 for the bar
    percent_text: str
    target_text: str
    value_text: str
    expected_text: str

    @property
    def custom(self) -> bool:
        return self.kind == ObjectiveKind.CUSTOM

    @property
    def behind(self) -> bool:
        return self.status == BEHIND


@dataclass
class PlanProgress:
    as_of: date | None  # None: the period has not started
    elapsed_percent: int
    objectives: list[ObjectiveProgress] = field(default_factory=list)

    @property
    def behind(self) -> int:
        return sum(o.behind for o in self.objectives)


def plan_progress(
    plan: BusinessPlan, *, objectives=None, today: date | None = None, currency: str | None = None
) -> PlanProgress:
    """Each objective's value so far, percent of its target and pace, measured from the registry's
    metrics (one query per metric kind the plan has) or, for a custom objective, as recorded.
    ``objectives``: the plan's, when the caller has them; ``today`` and ``currency``: the
    tenant's (read when not given)."""
    if objectives is None:
        objectives = list(PlanObjective.objects.filter(plan_id=plan.pk))
    if today is None or currency is None:
        from prm.tenancy.models import Tenant

        tenant = Tenant.objects.only("time_zone", "default_currency").get(pk=plan.tenant_id)
        if today is None:
            from prm.tenancy.time import tenant_clock

            today = tenant_clock(tenant)[0]
        currency = currency or tenant.default_currency
    window = measure_window(plan.starts_on, plan.ends_on, today)
    elapsed = _elapsed(plan.starts_on, plan.ends_on, today)
    measured: dict[str, dict[int, Decimal] | None] = {}
    if window is not None:
        for kind in sorted({o.kind for o in objectives} - {ObjectiveKind.CUSTOM}):
            measured[kind] = _measure(
                OBJECTIVE_METRICS[kind],
                tenant_id=plan.tenant_id,
                as_of=window[0],
                window_days=window[1],
                partner_ids=[plan.partner_id],
            )
    rows = []
    for o in sorted(objectives, key=lambda o: (o.position, o.pk)):
        target = Decimal(o.target)
        if o.kind == ObjectiveKind.CUSTOM:
            value = o.manual_progress
            missing = NOT_RECORDED if value is None else None
        elif window is None:
            value, missing = None, NOT_STARTED
        else:
            values = measured.get(o.kind)
            value = None if values is None else values.get(plan.partner_id, Decimal(0))
            missing = NOT_MEASURED if values is None else None
        expected = _expected(target, elapsed) if window is not None else None
        if missing:
            status = missing
        elif value >= target:
            status = MET
        elif expected is not None and value < expected:
            status = BEHIND
        else:
            status = ON_TRACK
        if value is None:
            percent, percent_text = None, "\N{EN DASH}"
        elif target == 0:
            percent, percent_text = 100, "100%"
        else:
            share = value * 100 / target
            percent = int(min(share, 100))
            percent_text = f"{int(share)}%"
        rows.append(
            ObjectiveProgress(
                id=o.pk,
                kind=o.kind,
                kind_label=ObjectiveKind(o.kind).label,
                description=o.description,
                target=target,
                manual_progress=o.manual_progress,
                value=value,
                expected=expected,
                status=status,
                status_label=_status_label(status),
                percent=percent,
                percent_text=percent_text,
                target_text=_figure(target, o.kind, currency),
                value_text=_figure(value, o.kind, currency),
                expected_text=_figure(_whole(expected, o.kind), o.kind, currency),
            )
        )
    return PlanProgress(as_of=window[0] if window else None, elapsed_percent=int(elapsed * 100), objectives=rows)


# --- plans behind their pace (the scorecards' at-risk rule) ----------------------------------------------

# A plan that ended this many days ago still counts: a missed target is news for a while.
BEHIND_GRACE_DAYS = 30


def plans_behind(*, partner_ids, as_of: date) -> dict[int, int]:
    """{partner id: how many of its agreed plans are behind} for ``partner_ids`` (None: every
    partner of the tenant): agreed plans more than half of whose period has passed on ``as_of``
    (or that ended within ``BEHIND_GRACE_DAYS``), with at least one objective below the pace
    expected by then (a measured value, or a custom objective's recorded progress; objectives not
    measured yet or without recorded progress do not count). Partners without such a plan are
    left out.

    Set-based: one query for the plans, one for their objectives, and one per metric kind and
    distinct period (plans of a tenant mostly share their periods: quarters, years)."""
    plans = BusinessPlan.objects.filter(
        status=PlanStatus.AGREED, starts_on__lte=as_of, ends_on__gte=as_of - timedelta(days=BEHIND_GRACE_DAYS)
    )
    if partner_ids is not None:
        plans = plans.filter(partner_id__in=list(partner_ids))
    candidates = {}
    for row in plans.values("id", "partner_id", "starts_on", "ends_on"):
        elapsed = _elapsed(row["starts_on"], row["ends_on"], as_of)
        if elapsed > Decimal("0.5"):
            candidates[row["id"]] = {**row, "elapsed": elapsed}
    if not candidates:
        return {}
    objectives = list(
        PlanObjective.objects.filter(plan_id__in=list(candidates)).values(
            "plan_id", "kind", "target", "manual_progress"
        )
    )
    # One measurement per (kind, period) for every partner with such a plan.
    groups: dict[tuple[str, date, date], set[int]] = {}
    for o in objectives:
        if o["kind"] == ObjectiveKind.CUSTOM:
            continue
        plan = candidates[o["plan_id"]]
        groups.setdefault((o["kind"], plan["starts_on"], plan["ends_on"]), set()).add(plan["partner_id"])
    tenant_id = current_tenant_id()
    measured: dict[tuple[str, date, date], dict[int, Decimal] | None] = {}
    for (kind, starts_on, ends_on), partners in groups.items():
        window = measure_window(starts_on, ends_on, as_of)
        measured[(kind, starts_on, ends_on)] = _measure(
            OBJECTIVE_METRICS[kind],
            tenant_id=tenant_id,
            as_of=window[0],
            window_days=window[1],
            partner_ids=sorted(partners),
        )
    behind_plans: set[int] = set()
    for o in objectives:
        plan = candidates[o["plan_id"]]
        if o["kind"] == ObjectiveKind.CUSTOM:
            value = o["manual_progress"]
        else:
            values = measured[(o["kind"], plan["starts_on"], plan["ends_on"])]
            value = None if values is None else values.get(plan["partner_id"], Decimal(0))
        if _is_behind(value, Decimal(o["target"]), plan["elapsed"]):
            behind_plans.add(o["plan_id"])
    counts: dict[int, int] = {}
    for plan_id in behind_plans:
        partner_id = candidates[plan_id]["partner_id"]
        counts[partner_id] = counts.get(partner_id, 0) + 1
    return counts


# --- lists ------------------------------------------------------------------------------------------------

# What a row of a plan list shows.
ROW_FIELDS = (
    "id",
    "title",
    "version",
    "status",
    "starts_on",
    "ends_on",
    "partner_id",
    "partner_signed_at",
    "vendor_signed_at",
    "locked_at",
)

# The list's status filter: a status, or the drafts waiting for the reader's side.
TO_SIGN = "to_sign"


def _visible(actor, action: PlanAction = PlanAction.VIEW) -> Q:
    narrowed = plan_filter(actor, action)
    if narrowed is None:
        raise Http404
    return narrowed


def _waiting_for(side: str) -> Q:
    """Drafts the other side signed and ``side`` has not."""
    if side == VENDOR_SIDE:
        return Q(status=PlanStatus.DRAFT, partner_signed_at__isnull=False, vendor_signed_at__isnull=True)
    return Q(status=PlanStatus.DRAFT, vendor_signed_at__isnull=False, partner_signed_at__isnull=True)


def plan_list_for_actor(*, actor, status: str = "", search: str = "", mine: bool = False, partner_id=None):
    """The plans ``actor`` may see, newest period first, as ``.values()`` rows with the partner's
    name, and the same rows without the join to count: ``(rows, counted)``. ``status``: a plan
    status or ``TO_SIGN`` (waiting for the actor's side); ``search``: in the partner's name or the
    plan's title; ``mine``: partners the actor is the account manager of."""
    plans = BusinessPlan.objects.filter(_visible(actor))
    if partner_id is not None:
        plans = plans.filter(partner_id=partner_id)
    if status == TO_SIGN:
        plans = plans.filter(_waiting_for(side_of(actor)))
    elif status:
        plans = plans.filter(status=status)
    if mine:
        plans = plans.filter(partner__account_manager_id=actor.pk)
    if search:
        plans = plans.filter(
            Q(contains_ignoring_case("partner__display_name", search)) | Q(contains_ignoring_case("title", search))
        )
    rows = plans.order_by("-starts_on", "-version", "-id").values(*ROW_FIELDS, partner_name=_partner_name())
    return rows, plans


def _partner_name() -> F:
    return F("partner__display_name")


def plans_waiting_for_actor(*, actor, limit: int) -> tuple[list[dict], int]:
    """Drafts waiting for the actor's side to sign, the longest waiting first, and how many in
    all (one query). Staff: of the partners they manage and of those nobody manages."""
    narrowed = plan_filter(actor, PlanAction.SIGN)
    if narrowed is None:
        return [], 0
    side = side_of(actor)
    plans = BusinessPlan.objects.filter(narrowed).filter(_waiting_for(side))
    if side == VENDOR_SIDE:
        plans = plans.filter(Q(partner__account_manager_id=actor.pk) | Q(partner__account_manager__isnull=True))
    signed_at = "partner_signed_at" if side == VENDOR_SIDE else "vendor_signed_at"
    rows = list(
        plans.order_by(signed_at, "id")
        .values("id", "title", "version", signed_at, partner_name=_partner_name())
        .annotate(total=Window(Count("id")))[:limit]
    )
    for row in rows:
        row["signed_at"] = row.pop(signed_at)
    return rows, (rows[0]["total"] if rows else 0)


# --- one plan ---------------------------------------------------------------------------------------------


def plan_get_for_actor(*, actor, plan_id: int) -> BusinessPlan:
    """One plan the actor may see, with its partner and signers (404 otherwise)."""
    plan = (
        BusinessPlan.objects.filter(_visible(actor), pk=plan_id)
        .select_related("partner", "partner_signed_by__user", "vendor_signed_by__user", "created_by__user")
        .first()
    )
    if plan is None:
        raise Http404
    return plan


def objective_get_for_actor(*, actor, plan_id: int, objective_id: int) -> PlanObjective:
    """One objective of a plan the actor may see (404 otherwise)."""
    objective = (
        PlanObjective.objects.filter(_visible(actor), pk=objective_id, plan_id=plan_id).select_related("plan").first()
    )
    if objective is None:
        raise Http404
    return objective


@dataclass
class PlanPage:
    """What a plan's page shows (evaluated: no query while rendering)."""

    plan: BusinessPlan
    objectives: list[PlanObjective]
    progress: PlanProgress
    fingerprint: str
    previous: dict | None
    newer: dict | None
    events: list
    side: str
    may_draft: bool
    may_sign: bool

    @property
    def is_draft(self) -> bool:
        return self.plan.status == PlanStatus.DRAFT

    @property
    def editable(self) -> bool:
        return self.is_draft and self.may_draft

    @property
    def signed_by_me(self) -> bool:
        plan = self.plan
        return bool(plan.vendor_signed_at if self.side == VENDOR_SIDE else plan.partner_signed_at)

    @property
    def can_sign(self) -> bool:
        return self.is_draft and self.may_sign and not self.signed_by_me and bool(self.objectives)

    @property
    def can_revise(self) -> bool:
        return self.plan.status == PlanStatus.AGREED and self.may_draft and self.newer is None

    @property
    def can_record_progress(self) -> bool:
        return self.plan.status in (PlanStatus.DRAFT, PlanStatus.AGREED) and self.may_draft


def plan_page_for_actor(*, actor, plan_id: int, today: date, currency: str) -> PlanPage:
    """A plan's page: its objectives with their progress, the fingerprint a signature carries,
    the version it replaces and the one replacing it, and its history."""
    plan = plan_get_for_actor(actor=actor, plan_id=plan_id)
    objectives = list(PlanObjective.objects.filter(plan_id=plan.pk).order_by("position", "id"))
    previous = None
    if plan.supersedes_id:
        previous = BusinessPlan.objects.filter(pk=plan.supersedes_id).values("id", "version", "status").first()
    newer = (
        BusinessPlan.objects.filter(supersedes_id=plan.pk)
        .exclude(status=PlanStatus.WITHDRAWN)
        .order_by("-version")
        .values("id", "version", "status")
        .first()
    )
    return PlanPage(
        plan=plan,
        objectives=objectives,
        progress=plan_progress(plan, objectives=objectives, today=today, currency=currency),
        fingerprint=plan_fingerprint(plan, objectives),
        previous=previous,
        newer=newer,
        events=list(events_for_object(actor=actor, target=plan)[:30]),
        side=side_of(actor),
        may_draft=plan_may(actor, plan.partner_id, PlanAction.DRAFT),
        may_sign=plan_may(actor, plan.partner_id, PlanAction.SIGN),
    )


def partner_for_new_plan(*, actor, partner_id: int) -> Partner:
    """The partner a new plan is drafted for: staff pick any of the tenant's, a partner admin its
    own company (404 otherwise)."""
    if not plan_may(actor, partner_id, PlanAction.DRAFT):
        raise Http404
    partner = Partner.objects.filter(pk=partner_id).first()
    if partner is None:
        raise Http404
    return partner


PARTNERS_OFFERED = 5000


def partner_options() -> list[tuple[int, str]]:
    """The partners a new plan may be drafted for (onboarding or active), by name (a select of up
    to 5,000)."""
    partners = Partner.objects.filter(status__in=PLANNED_STATUSES).order_by("display_name", "id")
    return list(partners.values_list("id", "display_name")[:PARTNERS_OFFERED])


__all__ = [
    "OBJECTIVE_METRICS",
    "PARTNER_SIDE",
    "TO_SIGN",
    "VENDOR_SIDE",
    "ObjectiveProgress",
    "PlanPage",
    "PlanProgress",
    "objective_get_for_actor",
    "partner_for_new_plan",
    "partner_options",
    "plan_get_for_actor",
    "plan_list_for_actor",
    "plan_page_for_actor",
    "plan_progress",
    "plans_behind",
    "plans_waiting_for_actor",
]
