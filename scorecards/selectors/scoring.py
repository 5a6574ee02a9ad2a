"""Reads of scorecards and their monthly snapshots, as the acting membership may see them.

* Staff (``SCORECARDS_VIEW``) read every partner's snapshots: the ranked month of a scorecard
  with its filters, the movers, one partner's history, the high-potential and at-risk lists.
* A partner's people (``SCORECARD_OWN``) read their own company's, on the scorecards of the
  programs it is enrolled in, and of each snapshot only the KPIs the vendor lets partners see
  (``results`` narrowed here, before anything reaches a page; row-level security keeps other
  partners' snapshots out of their transaction anyway).

Lists come back as ``.values()`` rows (a ranked month may hold 5,000 partners); names of
segments, tiers and account managers come from the tenant's memoised reference data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, Max, Prefetch, Q, QuerySet
from django.http import Http404

from partners.models import INVEST_TAG, Partner
from partners.selectors import partner_directory_for_actor
from prm.tenancy.search import contains_ignoring_case
from prm.tenancy.time import add_months
from programs.models import Enrollment

from ..models import Scorecard, ScorecardKpi, ScorecardSnapshot
from ..permissions import SCORECARD_OWN, SCORECARDS_VIEW

HISTORY_MONTHS = 24
MOVERS = 5

HIGH_POTENTIAL, AT_RISK = "high_potential", "at_risk"
FLAGS = (HIGH_POTENTIAL, AT_RISK)

# What a row of the ranked month shows.
RANK_FIELDS = (
    "id",
    "partner_id",
    "partner__display_name",
    "partner__account_manager_id",
    "partner__tags",
    "segment_id",
    "tier_id",
    "score",
    "previous_score",
    "last_year_score",
    "percentile",
    "rank",
    "is_new",
    "high_potential",
    "at_risk",
)


def _require_staff(actor) -> None:
    if not (actor.is_staff_member and actor.can(SCORECARDS_VIEW)):
        raise Http404


def _require_partner(actor) -> None:
    if not (actor.is_partner_user and actor.partner_id and actor.can(SCORECARD_OWN)):
        raise Http404


# --- scorecards and months ------------------------------------------------------------------------


@dataclass(frozen=True)
class ScorecardOption:
    id: int
    name: str
    program_id: int
    is_active: bool


def scorecard_options_for_actor(*, actor) -> list[ScorecardOption]:
    """Every scorecard of the tenant, the active ones first, by name (staff)."""
    _require_staff(actor)
    rows = Scorecard.objects.order_by("-is_active", "name", "id").values_list("id", "name", "program_id", "is_active")
    return [ScorecardOption(*row) for row in rows]


def latest_period(*, scorecard_id: int) -> date | None:
    """The last month measured on the scorecard (the rank index's leading columns answer it)."""
    return ScorecardSnapshot.objects.filter(scorecard_id=scorecard_id).aggregate(last=Max("period"))["last"]


def month_options(latest: date | None, months: int = HISTORY_MONTHS) -> list[date]:
    """The months a page offers: the latest measured and the ones before it."""
    if latest is None:
        return []
    return [add_months(latest, -back) for back in range(months)]


# --- the ranked month -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RankFilters:
    """The ranked list's filters (the view's form cleans them)."""

    scorecard_id: int
    period: date
    segment_id: int | None = None
    tier_id: int | None = None
    manager_id: int | None = None  # partners this staff member manages ("my partners")
    search: str = ""
    flag: str = ""  # HIGH_POTENTIAL, AT_RISK or ""


def _month(filters: RankFilters) -> QuerySet[ScorecardSnapshot]:
    snapshots = ScorecardSnapshot.objects.filter(scorecard_id=filters.scorecard_id, period=filters.period)
    if filters.segment_id is not None:
        snapshots = snapshots.filter(segment_id=filters.segment_id)
    if filters.tier_id is not None:
        snapshots = snapshots.filter(tier_id=filters.tier_id)
    if filters.flag == HIGH_POTENTIAL:
        snapshots = snapshots.filter(high_potential=True)
    elif filters.flag == AT_RISK:
        snapshots = snapshots.filter(at_risk=True)
    if filters.manager_id is not None:
        snapshots = snapshots.filter(partner__account_manager_id=filters.manager_id)
    if filters.search:
        # Not __icontains: under row-level security LIKE would make the planner read every row.
        snapshots = snapshots.filter(contains_ignoring_case("partner__display_name", filters.search.strip()))
    return snapshots


def ranking_for_actor(*, actor, filters: RankFilters) -> tuple[QuerySet[dict], QuerySet[ScorecardSnapshot]]:
    """The month's snapshots, best first (rank, then the unscored), as ``RANK_FIELDS`` rows, and
    the same rows without the partner's columns to count (``paginate``'s ``count_from``)."""
    _require_staff(actor)
    month = _month(filters)
    # (tenant, scorecard, period, rank) serves the order; NULL ranks (no score) come last.
    rows = month.order_by(F("rank").asc(nulls_last=True), "id").values(*RANK_FIELDS)
    return rows, month


def movers_for_actor(*, actor, filters: RankFilters, limit: int = MOVERS) -> tuple[list[dict], list[dict]]:
    """The partners whose score rose most since last month, and those whose fell most, among the
    ranked list's (same filters): ``RANK_FIELDS`` rows with ``delta``."""
    _require_staff(actor)
    both = _month(filters).filter(score__isnull=False, previous_score__isnull=False)
    both = both.annotate(delta=F("score") - F("previous_score"))
    fields = (*RANK_FIELDS, "delta")
    up = list(both.filter(delta__gt=0).order_by("-delta", "id").values(*fields)[:limit])
    down = list(both.filter(delta__lt=0).order_by("delta", "id").values(*fields)[:limit])
    return up, down


def flagged_for_actor(*, actor, filters: RankFilters) -> tuple[QuerySet[dict], QuerySet[ScorecardSnapshot]]:
    """The high-potential or at-risk partners of the month (``filters.flag``) with why: their
    signals or risks, and the revenue and segment they are measured against; best score first
    for potential, lowest first for risk."""
    _require_staff(actor)
    month = _month(filters)
    fields = (*RANK_FIELDS, "revenue", "signals", "risks")
    if filters.flag == AT_RISK:
        order = (F("score").asc(nulls_first=True), "id")
    else:
        order = (F("rank").asc(nulls_last=True), "id")
    return month.order_by(*order).values(*fields), month


def invested_for_actor(*, actor, limit: int = 100) -> list[dict]:
    """The partners marked for investment now (whatever their scorecards say), by name: the
    directory's rows (``partners.selectors``) with the investment tag."""
    _require_staff(actor)
    return list(partner_directory_for_actor(actor=actor, tag=INVEST_TAG)[:limit])


# --- one partner ----------------------------------------------------------------------------------


@dataclass
class PartnerScorecards:
    """One partner's scorecards: the ones it has snapshots on (or is enrolled for), the chosen
    one's latest snapshot and its history (oldest first)."""

    scorecards: list[ScorecardOption]
    chosen: ScorecardOption | None
    latest: dict | None
    history: list[dict] = field(default_factory=list)
    settings: dict[int, dict] = field(default_factory=dict)  # KPI id -> curve, steps, lower_is_better


def _kpi_settings(scorecard_ids, *, visible_only: bool) -> dict[int, dict]:
    kpis = ScorecardKpi.objects.filter(scorecard_id__in=list(scorecard_ids))
    if visible_only:
        kpis = kpis.filter(visible_to_partner=True)
    return {
        row["id"]: row
        for row in kpis.order_by().values(
            "id", "scorecard_id", "curve", "steps", "lower_is_better", "visible_to_partner"
        )
    }


SNAPSHOT_FIELDS = (
    "id",
    "scorecard_id",
    "period",
    "as_of",
    "segment_id",
    "tier_id",
    "score",
    "previous_score",
    "last_year_score",
    "percentile",
    "rank",
    "revenue",
    "is_new",
    "high_potential",
    "at_risk",
    "results",
    "signals",
    "risks",
    "computed_at",
)
HISTORY_FIELDS = ("scorecard_id", "period", "score", "rank", "percentile", "is_new", "high_potential", "at_risk")


def partner_scorecards_for_actor(
    *, actor, partner: Partner, scorecard_id: int | None, today: date
) -> PartnerScorecards:
    """Staff's drill-down of ``partner`` (found through ``partners.selectors``): every KPI of the
    chosen scorecard (visible to the partner or not), the last 24 months. ``scorecard_id``: the
    one asked for, else the first active one the partner has snapshots on, else its program's."""
    _require_staff(actor)
    since = add_months(today.replace(day=1), -(HISTORY_MONTHS - 1))
    history = list(
        ScorecardSnapshot.objects.filter(partner_id=partner.pk, period__gte=since)
        .order_by("scorecard_id", "period")
        .values(*HISTORY_FIELDS)
    )
    measured = {row["scorecard_id"] for row in history}
    enrolled = Enrollment.objects.filter(partner_id=partner.pk).values("program_id")
    cards = [
        ScorecardOption(*row)
        for row in Scorecard.objects.filter(Q(pk__in=measured) | Q(program_id__in=enrolled))
        .order_by("-is_active", "name", "id")
        .values_list("id", "name", "program_id", "is_active")
    ]
    chosen = next((card for card in cards if card.id == scorecard_id), None)
    if chosen is None and scorecard_id is not None:
        raise Http404  # a scorecard of another tenant, or one this partner has nothing on
    if chosen is None:
        chosen = next((card for card in cards if card.id in measured and card.is_active), None)
        chosen = chosen or next((card for card in cards if card.id in measured), None) or (cards[0] if cards else None)
    if chosen is None:
        return PartnerScorecards(scorecards=cards, chosen=None, latest=None)
    latest = (
        ScorecardSnapshot.objects.filter(partner_id=partner.pk, scorecard_id=chosen.id)
        .order_by("-period")
        .values(*SNAPSHOT_FIELDS)
        .first()
    )
    return PartnerScorecards(
        scorecards=cards,
        chosen=chosen,
        latest=latest,
        history=[row for row in history if row["scorecard_id"] == chosen.id],
        settings=_kpi_settings([chosen.id], visible_only=False) if latest else {},
    )


# --- the partner's own ----------------------------------------------------------------------------


@dataclass
class OwnScorecard:
    """A scorecard as the partner sees it: its latest snapshot with the visible KPIs only, and
    the score's history (period, score), oldest first."""

    id: int
    name: str
    description: str
    latest: dict | None
    history: list[dict] = field(default_factory=list)


def _visible(snapshot: dict | None) -> dict | None:
    """The snapshot with only the KPIs partners may see: a hidden KPI's figures never leave here.
    Signals and risks are the vendor's reading of the relationship, not the partner's."""
    if snapshot is None:
        return None
    results = [result for result in snapshot.get("results") or () if isinstance(result, dict) and result.get("visible")]
    return {**snapshot, "results": results, "signals": [], "risks": []}


def own_scorecards_for_actor(*, actor, today: date) -> tuple[list[OwnScorecard], dict[int, dict]]:
    """The actor's company's scorecards (active ones, of the programs it is enrolled in), each with
    its latest snapshot narrowed to the visible KPIs and 24 months of scores; and the visible
    KPIs' settings (for the lever). Four queries whatever the number of scorecards."""
    _require_partner(actor)
    partner_id = actor.partner_id
    enrolled = Enrollment.objects.filter(partner_id=partner_id).values("program_id")
    cards = list(
        Scorecard.objects.filter(is_active=True, program_id__in=enrolled)
        .order_by("name", "id")
        .values("id", "name", "description")
    )
    if not cards:
        return [], {}
    ids = [card["id"] for card in cards]
    latest = {
        row["scorecard_id"]: _visible(row)
        for row in ScorecardSnapshot.objects.filter(partner_id=partner_id, scorecard_id__in=ids)
        .order_by("scorecard_id", "-period")
        .distinct("scorecard_id")
        .values(*SNAPSHOT_FIELDS)
    }
    since = add_months(today.replace(day=1), -(HISTORY_MONTHS - 1))
    history: dict[int, list[dict]] = {}
    for row in (
        ScorecardSnapshot.objects.filter(partner_id=partner_id, scorecard_id__in=ids, period__gte=since)
        .order_by("scorecard_id", "period")
        .values("scorecard_id", "period", "score", "is_new")
    ):
        history.setdefault(row["scorecard_id"], []).append(row)
    settings = _kpi_settings(ids, visible_only=True) if latest else {}
    for snapshot in latest.values():
        if snapshot is not None:
            # A KPI hidden since the snapshot was measured is hidden now, not at the next run.
            snapshot["results"] = [result for result in snapshot["results"] if result.get("kpi") in settings]
    own = [
        OwnScorecard(
            id=card["id"],
            name=card["name"],
            description=card["description"],
            latest=latest.get(card["id"]),
            history=history.get(card["id"], []),
        )
        for card in cards
    ]
    return own, settings


def own_latest_scores_for_actor(*, actor) -> list[dict]:
    """The portal home's card: the company's latest score on each active scorecard of its
    programs, with last month's (one query)."""
    _require_partner(actor)
    enrolled = Enrollment.objects.filter(partner_id=actor.partner_id).values("program_id")
    return list(
        ScorecardSnapshot.objects.filter(
            partner_id=actor.partner_id, scorecard__is_active=True, scorecard__program_id__in=enrolled
        )
        .order_by("scorecard_id", "-period")
        .distinct("scorecard_id")
        .values("scorecard_id", "scorecard__name", "period", "score", "previous_score", "is_new")
    )


# --- the REST API (api/views/scorecards.py) ---------------------------------------------------------

# What the API's month of snapshots reads of a row (``snapshots_shown_to_actor`` narrows it).
API_SNAPSHOT_FIELDS = ("partner_id", *(name for name in SNAPSHOT_FIELDS if name != "scorecard_id"))


def _readable_scorecards(actor) -> QuerySet[Scorecard]:
    """Staff: the tenant's scorecards; a partner's people: the active ones of the programs their
    company is enrolled in (as the portal's scorecard page). Anyone else: a 404."""
    if actor.is_staff_member:
        _require_staff(actor)
        return Scorecard.objects.all()
    _require_partner(actor)
    enrolled = Enrollment.objects.filter(partner_id=actor.partner_id).values("program_id")
    return Scorecard.objects.filter(is_active=True, program_id__in=enrolled)


def _with_kpis(actor, scorecards: QuerySet[Scorecard]) -> QuerySet[Scorecard]:
    """Each scorecard's KPIs as ``shown_kpis`` (one query per page): a partner's people only
    those partners may see."""
    kpis = ScorecardKpi.objects.order_by("position", "id")
    if not actor.is_staff_member:
        kpis = kpis.filter(visible_to_partner=True)
    return scorecards.prefetch_related(Prefetch("kpis", queryset=kpis, to_attr="shown_kpis"))


def scorecard_list_for_actor(*, actor) -> QuerySet[Scorecard]:
    """The active scorecards the actor reads, with their KPIs (``shown_kpis``): staff every one
    of the tenant, a partner's people those of their company's programs, with only the KPIs
    partners may see."""
    return _with_kpis(actor, _readable_scorecards(actor).filter(is_active=True))


def scorecard_get_for_actor(*, actor, scorecard_id: int) -> Scorecard:
    """One scorecard with its KPIs as ``scorecard_list_for_actor`` gives them (staff: an
    inactive one too, as the office's month picker offers it); 404 for one the actor may not
    read."""
    scorecard = _with_kpis(actor, _readable_scorecards(actor).filter(pk=scorecard_id)).first()
    if scorecard is None:
        raise Http404
    return scorecard


def snapshot_month_for_actor(
    *, actor, scorecard: Scorecard, period: date | None = None, partner_id: int | None = None
) -> tuple[date | None, QuerySet[dict]]:
    """The snapshots of ``scorecard`` (from ``scorecard_get_for_actor``) in ``period`` (the
    latest month measured when None) as ``API_SNAPSHOT_FIELDS`` rows, unordered (the API pages
    them): staff every partner's (or ``partner_id``'s); a partner's people their company's
    only (``partner_id`` narrows, never widens). Rows leave through ``snapshots_shown_to_actor``."""
    snapshots = ScorecardSnapshot.objects.filter(scorecard_id=scorecard.pk)
    if not actor.is_staff_member:
        _require_partner(actor)
        snapshots = snapshots.filter(partner_id=actor.partner_id)
    if partner_id is not None:
        snapshots = snapshots.filter(partner_id=partner_id)
    if period is None:
        period = snapshots.aggregate(last=Max("period"))["last"]
    if period is None:
        return None, snapshots.none().values(*API_SNAPSHOT_FIELDS)
    return period, snapshots.filter(period=period).values(*API_SNAPSHOT_FIELDS)


def snapshots_shown_to_actor(*, actor, scorecard: Scorecard, rows) -> list[dict]:
    """A page of ``snapshot_month_for_actor``'s rows as the actor may read them. Staff: as
    stored. A partner's people: only the KPIs partners see, by the snapshot's flag and the KPI's
    today (a KPI hidden since is not shown in older months either); the vendor's reading (flags,
    signals, risks, revenue) blanked. No query: the KPIs came with the scorecard."""
    rows = list(rows)
    if actor.is_staff_member:
        return rows
    visible_now = {kpi.pk for kpi in getattr(scorecard, "shown_kpis", ()) if kpi.visible_to_partner}
    shown = []
    for row in rows:
        row = _visible(row)
        row["results"] = [result for result in row["results"] if result.get("kpi") in visible_now]
        row.update(high_potential=False, at_risk=False, revenue=None)
        shown.append(row)
    return shown
