"""What the learning reports read: the back office's figures (completion and pass rates by
course, partner and region; certified people and competencies by partner; certificates expiring;
quiz item analysis) and a partner admin's team page (the company's people, its competencies,
and who to certify next to reach the next tier).

Every figure is one set-based statement per table, whatever the number of rows: aggregates in
SQL, never a query per course, partner or person. The statements name the tenant first, so the
``(tenant_id, ...)`` indexes of the learning tables serve them (``learning_enroll_course_idx``,
``learning_enroll_partner_idx``, ``attempt_version_idx``, ``certificate_expiry_idx``,
``certificate_active_idx``, ``holding_partner_idx``); row-level security applies underneath.

**Region** is the sales region a partner serves (``Partner.regions_served``, the values of
``prm.segments.REGION_CHOICES``), the one programs target and the deal queue filters by: a
partner serving two regions counts in both; one serving none is under "No region".

**A certified person counts for their current company**: an active certificate whose holder is
an active member of the partner (a person who left keeps the certificate, and the former
company stops counting it the same day, as competencies do). "Active" is an active certificate
not past its expiry date (the nightly sweep may not have marked it expired yet).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import astuple, dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language

from prm.segments import REGION_CHOICES
from prm.tenancy.scope import current_scope
from prm.tenancy.search import contains_ignoring_case
from prm.tenancy.time import tenant_today, tenant_zone
from prm.web.cache import namespace
from programs.selectors.tiers import enrollment_list_for_actor, requirement_params

from ..models import Certificate, CertificateStatus, Course
from ..permissions import LEARNING_TEAM, LEARNING_VIEW

# Rows a section of the report page shows (the CSV export has every row).
SECTION_ROWS = 25
# How many courses the chart shows (those with the most enrolments).
CHART_COURSES = 10
# The horizons of "expiring in the next ... days".
HORIZONS = (30, 60, 90)
# The periods the report may be narrowed to (days back from today; 0: all time).
PERIODS = (0, 30, 90, 365)
# The metrics of the programs' registry that e-learning measures (programs/metrics.py).
CERTIFIED_PEOPLE = "learning.certified_people"
COMPETENCIES = "learning.competencies"
REGION_LABELS = dict(REGION_CHOICES)


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _tenant_id() -> int:
    return current_scope().tenant_id


def _percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in percent, one decimal; None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _require_staff(actor) -> None:
    """The reports are the vendor's (``LEARNING_VIEW``): anyone else asking is a 404."""
    if actor is None or not actor.is_staff_member or not actor.can(LEARNING_VIEW):
        raise Http404


# --- the filters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilters:
    """What the report is narrowed to. The partner filters (one partner, a part of a name, a
    region) apply to every section; the course and the period (enrolled / submitted within the
    last ``period_days``) to enrolments, attempts and items."""

    course_id: int | None = None
    partner_id: int | None = None
    partner_name: str = ""
    region: str = ""
    period_days: int = 0
    # Today and the zone it is today in: the tenant's (``prm.tenancy.time.tenant_clock``), read once per page.
    today: date | None = None
    zone: tzinfo | None = None

    def day(self) -> date:
        return self.today or tenant_today()

    @property
    def since(self):
        """The start of the period (midnight, the tenant's zone), or None for all time."""
        if not self.period_days:
            return None
        day = self.day() - timedelta(days=self.period_days - 1)
        return timezone.make_aware(datetime.combine(day, time.min), self.zone or tenant_zone())

    def partner_sql(self, alias: str = "p", *, named: bool = False):
        """`` AND ...`` conditions on the partner row ``alias`` (none when no partner filter) and
        their parameters (a list, or with ``named`` a dict for ``%(name)s`` placeholders); a NULL
        partner (a holder no longer with one) matches none of them."""
        conditions = []
        if self.partner_id:
            conditions.append(("partner_id", f"{alias}.id = {{}}", self.partner_id))
        if self.partner_name:
            # strpos, not LIKE: PostgreSQL plans it the same under row-level security (prm/tenancy/search.py).
            conditions.append(
                ("partner_name", f"strpos(upper({alias}.display_name), upper({{}})) > 0", self.partner_name)
            )
        if self.region:
            conditions.append(("region", f"{{}} = ANY({alias}.regions_served)", self.region))
        if named:
            sql = "".join(" AND " + text.format(f"%({name})s") for name, text, _ in conditions)
            return sql, {name: value for name, _, value in conditions}
        sql = "".join(" AND " + text.format("%s") for _, text, _ in conditions)
        return sql, [value for _, _, value in conditions]

    def partner_q(self, prefix: str) -> Q:
        """The same conditions as an ORM filter on the partner at ``prefix`` (``holder__partner``)."""
        q = Q()
        if self.partner_id:
            q &= Q(**{f"{prefix}_id": self.partner_id})
        if self.partner_name:
            q &= Q(contains_ignoring_case(f"{prefix}__display_name", self.partner_name))
        if self.region:
            q &= Q(**{f"{prefix}__regions_served__contains": [self.region]})
        return q

    @property
    def narrows_partners(self) -> bool:
        return bool(self.partner_id or self.partner_name or self.region)


def report_course_options_for_actor(*, actor) -> list[tuple[int, str]]:
    """The courses the report may be narrowed to: every course of the tenant, by title."""
    _require_staff(actor)
    return list(Course.objects.order_by("title", "id").values_list("id", "title"))


# --- completion and pass rates --------------------------------------------------------------------


@dataclass(frozen=True)
class RateRow:
    """Completion and pass rates of a group of enrolments (a course, a partner, a region).

    * completion: completed of enrolled;
    * pass rates: of the enrolments with at least one finished quiz attempt (``tested``), those
      whose first attempt passed, and those that passed at any attempt;
    * average best score: of the enrolments with a score."""

    key: object
    label: str
    enrolled: int
    completed: int
    attempts: int
    tested: int
    first_passed: int
    passed: int
    average_best: Decimal | None

    @property
    def completion(self) -> Decimal | None:
        return _percent(self.completed, self.enrolled)

    @property
    def first_pass_rate(self) -> Decimal | None:
        return _percent(self.first_passed, self.tested)

    @property
    def pass_rate(self) -> Decimal | None:
        return _percent(self.passed, self.tested)


@dataclass
class RateTable:
    rows: list[RateRow]
    total: int  # groups in all (the page shows at most SECTION_ROWS of the partners)


@dataclass
class Rates:
    """The three rate tables of the report page, from one statement."""

    courses: RateTable
    partners: RateTable
    regions: RateTable


# One statement for the three tables: the enrolments the filters select, their finished attempts
# per enrolment, then their figures per (course, partner), summed by course, by partner and by
# sales region. The enrolments and attempts are read once, not once per table.
_RATES_SQL = """
WITH enr AS (
    SELECT e.id, e.course_id, e.partner_id, e.status, e.best_score
      FROM learning_enrollment e{partner_join}
     WHERE e.tenant_id = %(tenant)s{enrolment_filter}{partner_filter}
),
att AS (
    SELECT a.enrollment_id, count(*) AS attempts, bool_or(a.passed) AS passed,
           bool_or(a.passed AND a.number = 1) AS first_passed
      FROM learning_quizattempt a
      JOIN enr ON enr.id = a.enrollment_id
     WHERE a.tenant_id = %(tenant)s AND a.status <> 'open'
     GROUP BY a.enrollment_id
),
cp AS (
    SELECT enr.course_id, enr.partner_id, count(*) AS enrolled,
           count(*) FILTER (WHERE enr.status = 'completed') AS completed,
           coalesce(sum(att.attempts), 0) AS attempts, count(att.enrollment_id) AS tested,
           count(*) FILTER (WHERE att.first_passed) AS first_passed, count(*) FILTER (WHERE att.passed) AS passed,
           sum(enr.best_score) AS best_sum, count(enr.best_score) AS best_n
      FROM enr LEFT JOIN att ON att.enrollment_id = enr.id
     GROUP BY enr.course_id, enr.partner_id
),
by_course AS (
    SELECT 'course'::text AS kind, c.id::text AS key, c.title AS label, {sums}, 0::bigint AS total
      FROM learning_course c LEFT JOIN cp ON cp.course_id = c.id
     WHERE c.tenant_id = %(tenant)s{course_filter}
     GROUP BY c.id, c.title
    HAVING c.status <> 'draft' OR count(cp.course_id) > 0
),
by_partner AS (
    SELECT 'partner'::text AS kind, p.id::text AS key, p.display_name AS label, {sums}, count(*) OVER () AS total
      FROM cp JOIN partners_partner p ON p.id = cp.partner_id AND p.tenant_id = %(tenant)s
     GROUP BY p.id, p.display_name
     ORDER BY sum(cp.enrolled) DESC, p.display_name, p.id{limit}
),
by_region AS (
    SELECT 'region'::text AS kind, r.region::text AS key, r.region::text AS label, {sums}, 0::bigint AS total
      FROM cp JOIN partners_partner p ON p.id = cp.partner_id AND p.tenant_id = %(tenant)s
     CROSS JOIN LATERAL unnest(coalesce(nullif(p.regions_served, '{{}}'), ARRAY['']::varchar[])) AS r(region)
     GROUP BY r.region
)
SELECT * FROM by_course UNION ALL (SELECT * FROM by_partner) UNION ALL SELECT * FROM by_region
"""
_SUMS = """coalesce(sum(cp.enrolled), 0), coalesce(sum(cp.completed), 0), coalesce(sum(cp.attempts), 0),
       coalesce(sum(cp.tested), 0), coalesce(sum(cp.first_passed), 0), coalesce(sum(cp.passed), 0),
       round(sum(cp.best_sum) / nullif(sum(cp.best_n), 0), 1)"""


def rates_for_actor(*, actor, filters: ReportFilters, partner_limit: int | None = SECTION_ROWS) -> Rates:
    """Completion and pass rates by course (every course but the drafts nobody is enrolled in, by
    title), by partner (those with enrolments, the most first: ``partner_limit`` of them, None:
    all) and by sales region (the product's order, "No region" last), in one statement."""
    _require_staff(actor)
    params: dict = {"tenant": _tenant_id()}
    enrolment_filter = ""
    if filters.course_id:
        enrolment_filter += " AND e.course_id = %(course)s"
        params["course"] = filters.course_id
    if filters.since is not None:
        enrolment_filter += " AND e.enrolled_at >= %(since)s"
        params["since"] = filters.since
    partner_join = partner_filter = ""
    if filters.narrows_partners:
        partner_join = " JOIN partners_partner p ON p.id = e.partner_id AND p.tenant_id = e.tenant_id"
        partner_filter, partner_params = filters.partner_sql("p", named=True)
        params.update(partner_params)
    limit = ""
    if partner_limit is not None:
        limit = " LIMIT %(partner_limit)s"
        params["partner_limit"] = partner_limit
    sql = _RATES_SQL.format(
        partner_join=partner_join,
        enrolment_filter=enrolment_filter,
        partner_filter=partner_filter,
        course_filter=" AND c.id = %(course)s" if filters.course_id else "",
        limit=limit,
        sums=_SUMS,
    )
    found: dict[str, list] = {"course": [], "partner": [], "region": []}
    totals = {"partner": 0}
    for kind, key, label, *figures, total in _rows(sql, params):
        found[kind].append(RateRow(key, label, *figures))
        if kind == "partner":
            totals["partner"] = total
    courses = sorted(found["course"], key=lambda row: (row.label, int(row.key)))
    partners = sorted(found["partner"], key=lambda row: (-row.enrolled, row.label, int(row.key)))
    order = {code: n for n, (code, _) in enumerate(REGION_CHOICES)}
    regions = [
        RateRow(row.key, str(REGION_LABELS.get(row.key, row.key)) if row.key else "", *astuple(row)[2:])
        for row in sorted(found["region"], key=lambda row: (row.key == "", order.get(row.key, len(order)), row.key))
    ]
    return Rates(
        courses=RateTable(rows=courses, total=len(courses)),
        partners=RateTable(rows=partners, total=totals["partner"]),
        regions=RateTable(rows=regions, total=len(regions)),
    )


# --- certified people and competencies ------------------------------------------------------------


@dataclass(frozen=True)
class CertifiedRow:
    partner_id: int
    partner: str
    certificates: int  # active certificates of its current people
    people: int  # distinct people holding at least one
    competencies: int  # competencies it holds now
    competency_names: str


@dataclass
class CertifiedTable:
    rows: list[CertifiedRow]
    total: int  # partners with a certified person or a competency
    certificates: int  # over all of them
    people: int
    competencies: int


_ACTIVE = "c.status = 'active' AND (c.expires_on IS NULL OR c.expires_on >= %s)"


def certified_by_partner_for_actor(
    *, actor, filters: ReportFilters, limit: int | None = SECTION_ROWS
) -> CertifiedTable:
    """Partners with certified people or competencies, the most certified people first."""
    _require_staff(actor)
    tenant_id, today = _tenant_id(), filters.day()
    partner_filter, partner_params = filters.partner_sql("p")
    limited = " LIMIT %s" if limit is not None else ""
    rows = _rows(
        f"""
        WITH certs AS (
            SELECT m.partner_id, count(*) AS certificates, count(DISTINCT c.holder_id) AS people
              FROM learning_certificate c
              JOIN accounts_membership m ON m.id = c.holder_id AND m.tenant_id = c.tenant_id
             WHERE c.tenant_id = %s AND {_ACTIVE} AND m.is_active AND m.partner_id IS NOT NULL
             GROUP BY m.partner_id
        ),
        held AS (
            SELECT h.partner_id, count(*) AS competencies, string_agg(k.name, '; ' ORDER BY k.name) AS names
              FROM learning_competencyholding h
              JOIN learning_competency k ON k.id = h.competency_id AND k.tenant_id = h.tenant_id
             WHERE h.tenant_id = %s AND h.lost_at IS NULL
             GROUP BY h.partner_id
        )
        SELECT p.id, p.display_name, coalesce(certs.certificates, 0), coalesce(certs.people, 0),
               coalesce(held.competencies, 0), coalesce(held.names, ''),
               count(*) OVER (), coalesce(sum(certs.certificates) OVER (), 0),
               coalesce(sum(certs.people) OVER (), 0), coalesce(sum(held.competencies) OVER (), 0)
          FROM partners_partner p
          LEFT JOIN certs ON certs.partner_id = p.id
          LEFT JOIN held ON held.partner_id = p.id
         WHERE p.tenant_id = %s AND (certs.partner_id IS NOT NULL OR held.partner_id IS NOT NULL){partner_filter}
         ORDER BY coalesce(certs.people, 0) DESC, coalesce(certs.certificates, 0) DESC,
                  coalesce(held.competencies, 0) DESC, p.display_name, p.id{limited}
        """,  # noqa: S608 (fragments are ours; values are parameters)
        [tenant_id, today, tenant_id, tenant_id, *partner_params, *([limit] if limit is not None else [])],
    )
    if not rows:
        return CertifiedTable(rows=[], total=0, certificates=0, people=0, competencies=0)
    first = rows[0]
    return CertifiedTable(
        rows=[CertifiedRow(*row[:6]) for row in rows],
        total=first[6],
        certificates=int(first[7]),
        people=int(first[8]),
        competencies=int(first[9]),
    )


# --- expiring certificates ------------------------------------------------------------------------


def expiring_counts_for_actor(*, actor, filters: ReportFilters) -> dict[int, int]:
    """{30: n, 60: n, 90: n}: active certificates expiring within that many days from today."""
    _require_staff(actor)
    tenant_id, today = _tenant_id(), filters.day()
    partner_filter, partner_params = filters.partner_sql("p")
    counts = ", ".join("count(*) FILTER (WHERE c.expires_on <= %s)" for _ in HORIZONS)
    joins = ""
    if filters.narrows_partners:
        joins = (
            " JOIN accounts_membership m ON m.id = c.holder_id AND m.tenant_id = c.tenant_id AND m.is_active"
            " JOIN partners_partner p ON p.id = m.partner_id AND p.tenant_id = c.tenant_id"
        )
    (row,) = _rows(
        f"SELECT {counts} FROM learning_certificate c{joins}"  # noqa: S608
        " WHERE c.tenant_id = %s AND c.status = 'active' AND c.expires_on >= %s AND c.expires_on <= %s"
        f"{partner_filter}",
        [
            *(today + timedelta(days=days) for days in HORIZONS),
            tenant_id,
            today,
            today + timedelta(days=max(HORIZONS)),
            *partner_params,
        ],
    )
    return dict(zip(HORIZONS, row, strict=True))


# What a row of the expiring list shows (and the CSV exports).
EXPIRING_FIELDS = (
    "id",
    "holder_name",
    "certification__name",
    "issued_on",
    "expires_on",
    "holder__is_active",
    "holder__partner_id",
    "holder__partner__display_name",
)


def expiring_list_for_actor(*, actor, filters: ReportFilters, horizon: int) -> tuple[QuerySet, QuerySet]:
    """Active certificates expiring within ``horizon`` days: (the certificates, to count; the
    rows, the soonest first, as ``.values()`` of ``EXPIRING_FIELDS``: the holder's company is
    their current one, none once they left). Served by ``certificate_expiry_idx`` (tenant,
    expires_on, active only)."""
    _require_staff(actor)
    today = filters.day()
    queryset = Certificate.objects.filter(
        status=CertificateStatus.ACTIVE, expires_on__gte=today, expires_on__lte=today + timedelta(days=horizon)
    )
    if filters.narrows_partners:
        queryset = queryset.filter(Q(holder__is_active=True) & filters.partner_q("holder__partner"))
    return queryset, queryset.order_by("expires_on", "id").values(*EXPIRING_FIELDS)


# --- quiz item analysis ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRow:
    """A question of a course version: how often submitted attempts drew it, and missed it."""

    question_id: int
    question: str
    course_id: int
    course: str
    version: int
    asked: int
    missed: int

    @property
    def miss_rate(self) -> Decimal | None:
        return _percent(self.missed, self.asked)


@dataclass
class ItemTable:
    rows: list[ItemRow]
    total: int  # questions asked in all


def item_analysis_for_actor(*, actor, filters: ReportFilters, limit: int | None = SECTION_ROWS) -> ItemTable:
    """The questions most often missed (then the highest miss rate), over submitted attempts:
    times asked from each attempt's draw (``question_ids``), times missed from its
    ``missed_question_ids``; per question, so per course version."""
    _require_staff(actor)
    tenant_id = _tenant_id()
    attempt_filter, params = "", [tenant_id]
    if filters.course_id:
        attempt_filter += (
            " AND a.version_id IN"
            " (SELECT v.id FROM learning_courseversion v WHERE v.tenant_id = %s AND v.course_id = %s)"
        )
        params += [tenant_id, filters.course_id]
    if filters.since is not None:
        attempt_filter += " AND a.submitted_at >= %s"
        params.append(filters.since)
    partner_filter, partner_params = filters.partner_sql("p")
    limited = " LIMIT %s" if limit is not None else ""
    rows = _rows(
        f"""
        WITH att AS (
            SELECT a.question_ids, a.missed_question_ids
              FROM learning_quizattempt a
              JOIN partners_partner p ON p.id = a.partner_id AND p.tenant_id = a.tenant_id
             WHERE a.tenant_id = %s AND a.status = 'submitted'{attempt_filter}{partner_filter}
        ),
        asked AS (SELECT q AS question_id, count(*) AS asked FROM att, unnest(att.question_ids) AS q GROUP BY q),
        missed AS (
            SELECT q AS question_id, count(*) AS missed FROM att, unnest(att.missed_question_ids) AS q GROUP BY q
        )
        SELECT q.id, q.text, c.id, c.title, v.number, asked.asked, coalesce(missed.missed, 0), count(*) OVER ()
          FROM asked
          JOIN learning_question q ON q.id = asked.question_id AND q.tenant_id = %s
          JOIN learning_courseversion v ON v.id = q.version_id AND v.tenant_id = %s
          JOIN learning_course c ON c.id = v.course_id AND c.tenant_id = %s
          LEFT JOIN missed ON missed.question_id = asked.question_id
         ORDER BY coalesce(missed.missed, 0) DESC, coalesce(missed.missed, 0)::numeric / asked.asked DESC,
                  c.title, v.number, q.position, q.id{limited}
        """,  # noqa: S608 (fragments are ours; values are parameters)
        [*params, *partner_params, tenant_id, tenant_id, tenant_id] + ([limit] if limit is not None else []),
    )
    return ItemTable(rows=[ItemRow(*row[:7]) for row in rows], total=rows[0][7] if rows else 0)


# --- the report page's figures, computed at most every few minutes --------------------------------


# How long the report page's aggregate figures are kept (seconds). At the bench's scale (100,000
# certificates, a quarter of a million enrolments, twice as many attempts) computing them reads
# every enrolment and attempt of the tenant: about a second of SQL. A report a few minutes old
# is as useful, and its list of certificates expiring (an indexed page) stays live.
REPORT_TTL = 300


@dataclass
class ReportFigures:
    """The report page's tables, as of ``computed_at``."""

    rates: Rates
    certified: CertifiedTable
    expiring_counts: dict[int, int]
    items: ItemTable
    computed_at: object


def report_figures_for_actor(*, actor, filters: ReportFilters) -> ReportFigures:
    """The report page's aggregate tables for ``filters``: from the cache when they were computed
    less than ``REPORT_TTL`` seconds ago for the same tenant, filters and language (region labels
    are translated), else computed now (four statements) and kept."""
    _require_staff(actor)
    key = (
        f"learning-report:{namespace()}:{_tenant_id()}:{get_language()}:{filters.day()}:{filters.course_id}:"
        f"{filters.partner_id}:{filters.region}:{filters.period_days}:{filters.partner_name}"
    )
    digest = f"learning-report:{hashlib.sha256(key.encode()).hexdigest()}"
    figures = cache.get(digest)
    if figures is None:
        figures = ReportFigures(
            rates=rates_for_actor(actor=actor, filters=filters),
            certified=certified_by_partner_for_actor(actor=actor, filters=filters),
            expiring_counts=expiring_counts_for_actor(actor=actor, filters=filters),
            items=item_analysis_for_actor(actor=actor, filters=filters),
            computed_at=timezone.now(),
        )
        cache.set(digest, figures, REPORT_TTL)
    return figures


# --- the partner admin's team page ----------------------------------------------------------------


def _require_team(actor) -> int:
    """A partner admin reads its own company (``LEARNING_TEAM``); anyone else is refused (404)."""
    if actor is None or actor.partner_id is None or not actor.can(LEARNING_TEAM):
        raise Http404
    return actor.partner_id


def _person_name(first: str, last: str, email: str) -> str:
    return f"{first} {last}".strip() or email


@dataclass(frozen=True)
class TeamPerson:
    membership_id: int
    name: str
    email: str
    role: str
    in_progress: int
    completed: int
    last_activity: object  # a datetime or None
    active: int  # active certificates outside their renewal window
    expiring: int  # active certificates inside it
    expired: int


def team_people_for_actor(*, actor, today: date | None = None) -> list[TeamPerson]:
    """The company's people (active members of the actor's partner, never another's), by name,
    with their enrolments (in progress, completed, last activity) and certificates (active,
    expiring: in the certification's renewal window, expired), in one statement."""
    partner_id = _require_team(actor)
    tenant_id, today = _tenant_id(), today or tenant_today()
    rows = _rows(
        """
        WITH people AS (
            SELECT m.id, m.role, u.first_name, u.last_name, u.email
              FROM accounts_membership m JOIN accounts_user u ON u.id = m.user_id
             WHERE m.tenant_id = %s AND m.partner_id = %s AND m.is_active
        ),
        enr AS (
            SELECT e.learner_id, count(*) FILTER (WHERE e.status = 'in_progress') AS in_progress,
                   count(*) FILTER (WHERE e.status = 'completed') AS completed,
                   max(coalesce(e.last_activity_at, e.enrolled_at)) AS last_activity
              FROM learning_enrollment e
             WHERE e.tenant_id = %s AND e.partner_id = %s AND e.learner_id IN (SELECT id FROM people)
             GROUP BY e.learner_id
        ),
        certs AS (
            SELECT c.holder_id,
                   count(*) FILTER (WHERE c.status = 'active' AND (c.expires_on IS NULL
                                    OR c.expires_on > %s::date + k.renewal_window_days)) AS active,
                   count(*) FILTER (WHERE c.status = 'active' AND c.expires_on >= %s
                                    AND c.expires_on <= %s::date + k.renewal_window_days) AS expiring,
                   count(*) FILTER (WHERE c.status = 'expired'
                                    OR (c.status = 'active' AND c.expires_on < %s)) AS expired
              FROM learning_certificate c
              JOIN learning_certification k ON k.id = c.certification_id AND k.tenant_id = c.tenant_id
             WHERE c.tenant_id = %s AND c.holder_id IN (SELECT id FROM people)
             GROUP BY c.holder_id
        )
        SELECT people.id, people.first_name, people.last_name, people.email, people.role,
               coalesce(enr.in_progress, 0), coalesce(enr.completed, 0), enr.last_activity,
               coalesce(certs.active, 0), coalesce(certs.expiring, 0), coalesce(certs.expired, 0)
          FROM people
          LEFT JOIN enr ON enr.learner_id = people.id
          LEFT JOIN certs ON certs.holder_id = people.id
         ORDER BY people.last_name, people.first_name, people.email, people.id
        """,
        [tenant_id, partner_id, tenant_id, partner_id, today, today, today, today, tenant_id],
    )
    return [TeamPerson(row[0], _person_name(row[1], row[2], row[3]), row[3], row[4], *row[5:]) for row in rows]


@dataclass(frozen=True)
class CompetencyNeed:
    """One requirement of a competency: at least ``needed`` people certified in ``certification``;
    the company has ``have`` now."""

    certification: str
    certification_code: str
    needed: int
    have: int

    @property
    def met(self) -> bool:
        return self.have >= self.needed

    @property
    def missing(self) -> int:
        return max(self.needed - self.have, 0)


@dataclass
class TeamCompetency:
    code: str
    name: str
    gained_at: object  # when the company gained it (held now), or None
    needs: list[CompetencyNeed] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return self.gained_at is not None


def team_competencies_for_actor(*, actor, today: date | None = None) -> list[TeamCompetency]:
    """The tenant's competencies (active ones, and any the company holds), held ones first, each
    with its requirements and how many of the company's current people meet them now."""
    partner_id = _require_team(actor)
    tenant_id, today = _tenant_id(), today or tenant_today()
    rows = _rows(
        f"""
        WITH people AS (
            SELECT m.id FROM accounts_membership m WHERE m.tenant_id = %s AND m.partner_id = %s AND m.is_active
        ),
        have AS (
            SELECT c.certification_id, count(DISTINCT c.holder_id) AS people
              FROM learning_certificate c
             WHERE c.tenant_id = %s AND {_ACTIVE} AND c.holder_id IN (SELECT id FROM people)
             GROUP BY c.certification_id
        )
        SELECT k.code, k.name, h.gained_at, cn.name, cn.code, r.min_people, coalesce(have.people, 0)
          FROM learning_competency k
          LEFT JOIN learning_competencyholding h
            ON h.competency_id = k.id AND h.tenant_id = k.tenant_id AND h.partner_id = %s AND h.lost_at IS NULL
          LEFT JOIN learning_competencyrequirement r ON r.competency_id = k.id AND r.tenant_id = k.tenant_id
          LEFT JOIN learning_certification cn ON cn.id = r.certification_id AND cn.tenant_id = k.tenant_id
          LEFT JOIN have ON have.certification_id = r.certification_id
         WHERE k.tenant_id = %s AND (k.is_active OR h.id IS NOT NULL)
         ORDER BY h.gained_at IS NULL, k.name, k.id, cn.name
        """,  # noqa: S608 (the fragment is ours)
        [tenant_id, partner_id, tenant_id, today, partner_id, tenant_id],
    )
    found: dict[str, TeamCompetency] = {}
    for code, name, gained_at, certification, certification_code, needed, have in rows:
        competency = found.setdefault(code, TeamCompetency(code=code, name=name, gained_at=gained_at))
        if certification is not None:
            competency.needs.append(CompetencyNeed(certification, certification_code, needed, have))
    return list(found.values())


@dataclass(frozen=True)
class Candidate:
    membership_id: int
    name: str
    progress: int  # average progress (%) over the certification's required courses and exam
    completed: int  # of those courses
    courses: int


@dataclass
class TierNeed:
    """A requirement on an e-learning metric of the tier the company is working towards (or of
    its own tier, not met: it may lose it), with who to train for it."""

    program: str
    tier: str
    keeps_current: bool  # a requirement of the tier it holds, not met
    metric: str
    label: str
    param: str
    value: str
    threshold: str
    gap: Decimal
    met: bool
    candidates: list[Candidate] = field(default_factory=list)
    known_certification: bool = True

    @property
    def people_needed(self) -> int:
        """The gap in people (a gap of 2.5 people needs 3)."""
        return math.ceil(self.gap) if self.gap > 0 else 0


def _number(text) -> Decimal:
    try:
        return Decimal(str(text))
    except (ArithmeticError, ValueError):
        return Decimal(0)


def _shown(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:.2f}"


def _learning_results(enrollments) -> list[tuple[object, object, bool, dict]]:
    """(enrollment, tier, keeps_current, result) of the standings' results on e-learning's metrics:
    the next tier's, and the current tier's that are not met."""
    found = []
    for enrollment in enrollments:
        standing = enrollment.standing_list[0] if enrollment.standing_list else None
        if standing is None:
            continue
        ladder = {tier.pk: tier for tier in getattr(enrollment.program, "ladder", [])}
        for result in standing.results or []:
            # Not measured (the metric's provider did not register it when evaluation ran): no
            # value to act on, rather than "0 of 5".
            if result.get("metric") not in (CERTIFIED_PEOPLE, COMPETENCIES) or not result.get("available", True):
                continue
            tier_id = result.get("tier_id")
            if tier_id == enrollment.tier_id:
                if not result.get("met"):
                    found.append((enrollment, enrollment.tier, True, result))
            elif tier_id == standing.next_tier_id and tier_id in ladder:
                found.append((enrollment, ladder[tier_id], False, result))
    return found


def team_tier_needs_for_actor(*, actor, today: date | None = None) -> list[TierNeed]:
    """What the company's tiers ask of e-learning (certified people per certification, competencies
    held), from the standings the programs' evaluation wrote (nothing is measured here), and for
    each certified-people gap of N people the N best candidates: current people without an active
    certificate of it, by their progress through its required courses and exam."""
    partner_id = _require_team(actor)
    results = _learning_results(enrollment_list_for_actor(actor=actor, partner_id=partner_id))
    if not results:
        return []
    params = requirement_params(requirement_ids={r.get("requirement_id") for *_, r in results})
    needs = []
    for enrollment, tier, keeps_current, result in results:
        gap = _number(result.get("gap"))
        needs.append(
            TierNeed(
                program=enrollment.program.name,
                tier=tier.name,
                keeps_current=keeps_current,
                metric=result["metric"],
                label=result.get("label", ""),
                param=params.get(result.get("requirement_id"), ""),
                value=_shown(_number(result.get("value"))),
                threshold=_shown(_number(result.get("threshold"))),
                gap=gap,
                met=bool(result.get("met")),
            )
        )
    codes = {need.param for need in needs if need.metric == CERTIFIED_PEOPLE and need.param and need.people_needed}
    if codes:
        ranked = _candidates(partner_id=partner_id, codes=sorted(codes), today=today or tenant_today())
        for need in needs:
            if need.metric == CERTIFIED_PEOPLE and need.param in codes:
                need.known_certification = need.param in ranked
                need.candidates = ranked.get(need.param, [])[: need.people_needed]
    return needs


def _candidates(*, partner_id: int, codes: list[str], today: date) -> dict[str, list[Candidate]]:
    """{certification code: the company's current people without an active certificate of it,
    the furthest along its required courses and exam first}, in one statement. A certification
    the tenant does not have is not in the answer."""
    tenant_id = _tenant_id()
    rows = _rows(
        f"""
        WITH people AS (
            SELECT m.id, u.first_name, u.last_name, u.email
              FROM accounts_membership m JOIN accounts_user u ON u.id = m.user_id
             WHERE m.tenant_id = %s AND m.partner_id = %s AND m.is_active
        ),
        cert AS (
            SELECT k.id, k.code, k.exam_course_id FROM learning_certification k
             WHERE k.tenant_id = %s AND k.code = ANY(%s)
        ),
        needs AS (
            SELECT cc.certification_id, cc.course_id FROM learning_certificationcourse cc
              JOIN cert ON cert.id = cc.certification_id
             WHERE cc.tenant_id = %s
            UNION
            SELECT cert.id, cert.exam_course_id FROM cert WHERE cert.exam_course_id IS NOT NULL
        ),
        sizes AS (SELECT certification_id, count(*) AS courses FROM needs GROUP BY certification_id)
        SELECT cert.code, pe.id, pe.first_name, pe.last_name, pe.email,
               (coalesce(sum(e.progress_percent), 0) / greatest(coalesce(max(sizes.courses), 0), 1))::int,
               count(e.id) FILTER (WHERE e.status = 'completed'), coalesce(max(sizes.courses), 0),
               max(e.last_activity_at)
          FROM cert
          -- A left join: a certification everyone already holds still answers (with no one).
          LEFT JOIN people pe ON NOT EXISTS (
               SELECT 1 FROM learning_certificate c
                WHERE c.tenant_id = %s AND c.certification_id = cert.id AND c.holder_id = pe.id AND {_ACTIVE})
          LEFT JOIN sizes ON sizes.certification_id = cert.id
          LEFT JOIN needs ON needs.certification_id = cert.id
          LEFT JOIN learning_enrollment e
            ON e.tenant_id = %s AND e.learner_id = pe.id AND e.course_id = needs.course_id
         GROUP BY cert.code, pe.id, pe.first_name, pe.last_name, pe.email
         ORDER BY cert.code, 6 DESC, 7 DESC, max(e.last_activity_at) DESC NULLS LAST,
                  pe.last_name, pe.first_name, pe.id
        """,  # noqa: S608 (the fragment is ours)
        [tenant_id, partner_id, tenant_id, codes, tenant_id, tenant_id, today, tenant_id],
    )
    ranked: dict[str, list[Candidate]] = {}
    for code, membership_id, first, last, email, progress, completed, courses, _ in rows:
        people = ranked.setdefault(code, [])
        if membership_id is not None:
            people.append(Candidate(membership_id, _person_name(first, last, email), progress, completed, courses))
    return ranked
