"""Pages of e-learning: reports (see learning/urls.py).

* ``office:learning_reports``: the back office's learning figures with their filters, a chart
  and a paginated list of certificates expiring; ``office:learning_report_export`` streams any
  of its tables as CSV, with the same filters.
* ``portal:learning_team``: a partner admin's company: its people's learning and certificates,
  its competencies, and who to certify next for the next tier.

Pages only read (selectors in ``learning.selectors.reports``); nothing here writes.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext
from django.views import View

from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.accounts.roles import Role
from prm.tenancy.time import tenant_clock
from prm.web.exports import csv_export, csv_safe
from prm.web.views import paginate, query_without_page, shown_time

from ..forms_reports import ReportFilterForm
from ..permissions import LEARNING_TEAM, LEARNING_VIEW
from ..selectors.reports import (
    CERTIFIED_PEOPLE,
    CHART_COURSES,
    HORIZONS,
    REPORT_TTL,
    SECTION_ROWS,
    certified_by_partner_for_actor,
    expiring_list_for_actor,
    item_analysis_for_actor,
    rates_for_actor,
    report_course_options_for_actor,
    report_figures_for_actor,
    team_competencies_for_actor,
    team_people_for_actor,
    team_tier_needs_for_actor,
)

# --- the back office's report ---------------------------------------------------------------------


def _filter_form(request, actor) -> ReportFilterForm:
    return ReportFilterForm(
        request.GET, courses=report_course_options_for_actor(actor=actor), clock=tenant_clock(request.tenant)
    )


def _completion_chart(courses) -> dict:
    """Completion % of the courses with the most enrolments (static/js/charts.js draws it)."""
    top = sorted((row for row in courses if row.enrolled), key=lambda row: (-row.enrolled, row.label))[:CHART_COURSES]
    return {
        "label": gettext("Completion (%)"),
        "labels": [row.label for row in top],
        "values": [float(row.completion or 0) for row in top],
        "colors": ["#0d6efd"] * len(top),
    }


class LearningReportView(MemberRequiredMixin, View):
    """Completion and pass rates by course, partner and region; certified people and competencies
    by partner; certificates expiring in 30/60/90 days (the chosen horizon's list paginated,
    live); the questions most often missed. Each table is one aggregate statement; the tables
    are kept a few minutes (``report_figures_for_actor``), the CSV export computes afresh."""

    area, capability = OFFICE, LEARNING_VIEW

    def get(self, request):
        form = _filter_form(request, self.actor)
        filters, horizon = form.filters(), form.chosen_horizon()
        figures = report_figures_for_actor(actor=self.actor, filters=filters)
        certificates, expiring = expiring_list_for_actor(actor=self.actor, filters=filters, horizon=horizon)
        page = paginate(request, expiring, count_from=certificates)
        query = query_without_page(request)
        without_horizon = request.GET.copy()
        for name in ("page", "horizon"):
            without_horizon.pop(name, None)
        return render(
            request,
            "learning/reports/office_reports.html",
            {
                "filter_form": form,
                "filters": filters,
                "query": query,
                "horizon_query": without_horizon.urlencode(),
                "horizon": horizon,
                "horizons": HORIZONS,
                "computed_at": figures.computed_at,
                "report_minutes": REPORT_TTL // 60,
                "courses": figures.rates.courses,
                "partners": figures.rates.partners,
                "regions": figures.rates.regions,
                "certified": figures.certified,
                "expiring_counts": figures.expiring_counts,
                "page": page,
                "items": figures.items,
                "chart": _completion_chart(figures.rates.courses.rows),
                "section_rows": SECTION_ROWS,
            },
        )


class _Computed:
    """Rows a view computed (a report's aggregates: one row per course, partner, region or
    question), handed to ``csv_export``, which iterates ``rows.iterator(chunk_size=...)``."""

    def __init__(self, rows):
        self.rows = rows

    def iterator(self, chunk_size=None):
        return iter(self.rows)


def _figure(value) -> str:
    return "" if value is None else str(value)


def _rate_columns(first: str) -> list[str]:
    return [
        first,
        gettext("Enrolled"),
        gettext("Completed"),
        gettext("Completion (%)"),
        gettext("Quiz attempts"),
        gettext("Took the quiz"),
        gettext("Passed at the first attempt (%)"),
        gettext("Passed (%)"),
        gettext("Average best score (%)"),
    ]


def _rate_row(row) -> list:
    return [
        csv_safe(row.label or gettext("No region")),
        row.enrolled,
        row.completed,
        _figure(row.completion),
        row.attempts,
        row.tested,
        _figure(row.first_pass_rate),
        _figure(row.pass_rate),
        _figure(row.average_best),
    ]


class LearningReportExportView(MemberRequiredMixin, View):
    """One table of the report as CSV (``?report=courses|partners|regions|certified|expiring|items``,
    courses when none is named; another name is a 404), with the page's filters, every row (the
    page shows the first ones); streamed."""

    area, capability = OFFICE, LEARNING_VIEW

    def get(self, request):
        form = _filter_form(request, self.actor)
        filters = form.filters()
        report = request.GET.get("report") or "courses"
        actor = self.actor
        if report in ("courses", "partners", "regions"):
            rates = rates_for_actor(actor=actor, filters=filters, partner_limit=None)
            table, heading = {
                "courses": (rates.courses, gettext("Course")),
                "partners": (rates.partners, gettext("Partner")),
                "regions": (rates.regions, gettext("Region")),
            }[report]
            return self._table(f"learning-{report}", _rate_columns(heading), table.rows, _rate_row)
        if report == "certified":
            rows = certified_by_partner_for_actor(actor=actor, filters=filters, limit=None).rows
            columns = [
                gettext("Partner"),
                gettext("Active certificates"),
                gettext("Certified people"),
                gettext("Competencies held"),
                gettext("Competencies"),
            ]
            return self._table(
                "learning-certified",
                columns,
                rows,
                lambda r: [
                    csv_safe(r.partner),
                    r.certificates,
                    r.people,
                    r.competencies,
                    csv_safe(r.competency_names),
                ],
            )
        if report == "expiring":
            _, rows = expiring_list_for_actor(actor=actor, filters=filters, horizon=form.chosen_horizon())
            columns = [
                gettext("Holder"),
                gettext("Certification"),
                gettext("Partner"),
                gettext("Issued on"),
                gettext("Expires on"),
            ]
            return csv_export(name="learning-expiring", columns=columns, rows=rows, row=self._expiring_row)
        if report == "items":
            rows = item_analysis_for_actor(actor=actor, filters=filters, limit=None).rows
            columns = [
                gettext("Course"),
                gettext("Version"),
                gettext("Question"),
                gettext("Times asked"),
                gettext("Times missed"),
                gettext("Miss rate (%)"),
            ]
            return self._table(
                "learning-items",
                columns,
                rows,
                lambda r: [
                    csv_safe(r.course),
                    r.version,
                    csv_safe(r.question),
                    r.asked,
                    r.missed,
                    _figure(r.miss_rate),
                ],
            )
        raise Http404

    @staticmethod
    def _table(name, columns, rows, row):
        return csv_export(name=name, columns=columns, rows=_Computed(rows), row=row)

    @staticmethod
    def _expiring_row(row: dict) -> list:
        partner = row["holder__partner__display_name"] if row["holder__is_active"] else ""
        return [
            csv_safe(row["holder_name"]),
            csv_safe(row["certification__name"]),
            csv_safe(partner or ""),
            row["issued_on"].isoformat(),
            row["expires_on"].isoformat(),
        ]


# --- the partner admin's team page ----------------------------------------------------------------


class LearningTeamView(MemberRequiredMixin, View):
    """A partner admin's company: its people's learning and certificates, the competencies it
    holds or works towards, and who to certify next for its tiers."""

    area, capability = PORTAL, LEARNING_TEAM

    def get(self, request):
        today, _ = tenant_clock(request.tenant)
        people = team_people_for_actor(actor=self.actor, today=today)
        roles = dict(Role.choices)
        shown = [
            {
                "person": person,
                "role": roles.get(person.role, person.role),
                "last_activity": shown_time(person.last_activity),
            }
            for person in people
        ]
        return render(
            request,
            "learning/reports/portal_team.html",
            {
                "people": shown,
                "competencies": team_competencies_for_actor(actor=self.actor, today=today),
                "needs": team_tier_needs_for_actor(actor=self.actor, today=today),
                "certified_people": CERTIFIED_PEOPLE,
            },
        )


office_urls: list = [
    path("learning/reports/", LearningReportView.as_view(), name="learning_reports"),
    path("learning/reports/export/", LearningReportExportView.as_view(), name="learning_report_export"),
]
portal_urls: list = [
    path("learning/team/", LearningTeamView.as_view(), name="learning_team"),
]
public_urls: list = []
