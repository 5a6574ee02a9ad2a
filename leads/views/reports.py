"""Pages of the reports part of lead distribution (see leads/urls.py).

* ``office:lead_fairness``: per partner and program over a period, its weight and expected share
  against the leads it was offered and what it made of them, with a chart, paginated, and every
  row as CSV (``?format=csv``, tablib); acceptance time overall and by program.
* ``office:lead_aging``: open offers by age (unopened / opened but unanswered), the leads waiting
  in the vendor's queue by age and reason, a chart, the open offers nearest their deadline
  (paginated) and all of them as CSV (``?format=csv``, streamed: there may be 100,000).
* ``portal:lead_share``: a partner admin's "your lead share": its offers against what its weight
  gives, its capacity use, its answers against the program's.

Pages only read (selectors in ``leads.selectors.reports``); nothing here writes.
"""

from __future__ import annotations

from datetime import timedelta

import tablib
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.views import View

from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.tenancy.time import tenant_clock
from prm.web.exports import csv_export, csv_safe
from prm.web.views import paginate, query_without_page, shown_time, url_pattern

from ..forms_reports import FairnessFilterForm
from ..models import QueueReason
from ..permissions import LEADS_CAPACITY, LEADS_VIEW
from ..selectors.reports import (
    HELD_AGE_DAYS,
    OFFER_AGE_HOURS,
    PAGE_ROWS,
    QUEUE_AGE_DAYS,
    acceptance_time_for_actor,
    aging_for_actor,
    fairness_for_actor,
    lead_share_for_actor,
    open_offers_for_actor,
    program_options,
)


def _figure(value) -> str:
    return "" if value is None else str(value)


class _Known:
    """One page of rows the database already cut (LIMIT/OFFSET), posing as the whole list for a
    ``Paginator``: its length is the total the statement counted; slicing gives the page."""

    def __init__(self, total: int, rows: list):
        self.total, self.rows = total, rows

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, key):
        return self.rows


# --- fairness ------------------------------------------------------------------------------------


class LeadFairnessView(MemberRequiredMixin, View):
    """The fairness report (see the module's docstring); ``?format=csv``: every row."""

    area, capability = OFFICE, LEADS_VIEW

    def get(self, request):
        today, zone = tenant_clock(request.tenant)
        form = FairnessFilterForm(request.GET, programs=program_options(), today=today, zone=zone)
        period, program_id, sort = form.chosen_period(), form.chosen_program(), form.chosen_sort()
        currency = request.tenant.default_currency
        figures = dict(actor=self.actor, period=period, currency=currency, program_id=program_id, sort=sort)
        if request.GET.get("format") == "csv":
            return self._csv(fairness_for_actor(**figures, limit=None), period)
        try:
            number = max(int(request.GET.get("page") or 1), 1)
        except ValueError:
            number = 1
        number = min(number, 10_000_000)
        report = fairness_for_actor(**figures, offset=(number - 1) * PAGE_ROWS)
        if not report.rows and number > 1:  # past the end (a stale link): the last page
            total = fairness_for_actor(**figures, limit=1).total
            number = max((total + PAGE_ROWS - 1) // PAGE_ROWS, 1)
            report = fairness_for_actor(**figures, offset=(number - 1) * PAGE_ROWS)
        page = Paginator(_Known(report.total, report.rows), PAGE_ROWS).get_page(number)
        overall, by_program = acceptance_time_for_actor(actor=self.actor, period=period, program_id=program_id)
        return render(
            request,
            "leads/reports/fairness.html",
            {
                "filter_form": form,
                "period": period,
                "program_id": program_id,
                "report": report,
                "page": page,
                "query": query_without_page(request),
                "chart": self._chart(report.rows),
                "overall": overall,
                "by_program": by_program,
                "currency": currency,
                "custom": (form.data.get("period") or "") == "custom",
            },
        )

    @staticmethod
    def _chart(rows) -> dict:
        """Actual against expected share of the page's partners (static/js/charts.js draws it)."""
        shown = [row for row in rows if row.expected_share is not None or row.actual_share is not None]
        labels = [f"{row.partner} ({row.program})" if row.program else row.partner for row in shown]
        return {
            "labels": labels,
            "unit": "%",
            "datasets": [
                {
                    "label": gettext("Actual share (%)"),
                    "values": [float(row.actual_share or 0) for row in shown],
                    "color": "#0d6efd",
                },
                {
                    "label": gettext("Expected share (%)"),
                    "values": [float(row.expected_share or 0) for row in shown],
                    "color": "#adb5bd",
                },
            ],
        }

    @staticmethod
    def _csv(report, period) -> HttpResponse:
        dataset = tablib.Dataset(
            headers=[
                gettext("Program"),
                gettext("Partner"),
                gettext("Weight"),
                gettext("Rotation weight"),
                gettext("Expected share (%)"),
                gettext("Actual share (%)"),
                gettext("Deviation (points)"),
                gettext("Expected offers"),
                gettext("Offered"),
                gettext("Rotation offers"),
                gettext("Accepted"),
                gettext("Declined"),
                gettext("Timed out"),
                gettext("Returned"),
                gettext("Withdrawn"),
                gettext("Pending"),
                gettext("Acceptance rate (%)"),
                gettext("Converted"),
                gettext("Won"),
                gettext("Won amount (%(currency)s)") % {"currency": report.currency},
                gettext("Median hours to answer"),
                gettext("90th percentile hours to answer"),
                gettext("Median hours to accept"),
                gettext("90th percentile hours to accept"),
            ]
        )
        for row in report.rows:
            dataset.append(
                [
                    csv_safe(row.program),
                    csv_safe(row.partner),
                    _figure(row.weight),
                    _figure(row.total_weight),
                    _figure(row.expected_share),
                    _figure(row.actual_share),
                    _figure(row.deviation),
                    _figure(row.expected_offers),
                    row.offered,
                    row.rotation_offered,
                    row.accepted,
                    row.declined,
                    row.expired,
                    row.returned,
                    row.withdrawn,
                    row.pending,
                    _figure(row.acceptance_rate),
                    row.converted,
                    row.won,
                    str(row.won_amount),
                    _figure(row.answer_median),
                    _figure(row.answer_p90),
                    _figure(row.accept_median),
                    _figure(row.accept_p90),
                ]
            )
        response = HttpResponse(dataset.export("csv"), content_type="text/csv; charset=utf-8")
        name = f"lead-fairness-{period.first:%Y%m%d}-{period.last:%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


# --- aging ---------------------------------------------------------------------------------------


def _offer_bucket_labels() -> list[str]:
    first, second, third = OFFER_AGE_HOURS
    return [
        gettext("Under %(hours)d hours") % {"hours": first},
        gettext("%(low)d to %(high)d hours") % {"low": first, "high": second},
        gettext("%(low)d to %(high)d days") % {"low": second // 24, "high": third // 24},
        gettext("Over %(days)d days") % {"days": third // 24},
    ]


def _queue_bucket_labels() -> list[str]:
    first, second, third = QUEUE_AGE_DAYS
    return [
        gettext("Under %(days)d day") % {"days": first},
        gettext("%(low)d to %(high)d days") % {"low": first, "high": second},
        gettext("%(low)d to %(high)d days") % {"low": second, "high": third},
        gettext("Over %(days)d days") % {"days": third},
    ]


def _held_bucket_labels() -> list[str]:
    first, second, third = HELD_AGE_DAYS
    return [
        gettext("Under %(days)d days") % {"days": first},
        gettext("%(low)d to %(high)d days") % {"low": first, "high": second},
        gettext("%(low)d to %(high)d days") % {"low": second, "high": third},
        gettext("Over %(days)d days") % {"days": third},
    ]


def _age_text(hours: float) -> str:
    if hours < 48:
        return gettext("%(hours)d h") % {"hours": int(hours)}
    return gettext("%(days)d d") % {"days": int(hours // 24)}


class LeadAgingView(MemberRequiredMixin, View):
    """The aging report (see the module's docstring); ``?format=csv``: every open offer."""

    area, capability = OFFICE, LEADS_VIEW

    def get(self, request):
        if request.GET.get("format") == "csv":
            return self._csv()
        now = timezone.now()
        aging = aging_for_actor(actor=self.actor, now=now)
        offers, rows = open_offers_for_actor(actor=self.actor)
        page = paginate(request, rows, count_from=offers)
        lead_url = _lead_url()
        for row in page.object_list:
            row["age"] = _age_text((now - row["offered_at"]).total_seconds() / 3600)
            row["offered"] = shown_time(row["offered_at"])
            row["due"] = shown_time(row["due_at"])
            row["opened"] = shown_time(row["opened_at"])
            row["overdue"] = row["due_at"] < now
            row["url"] = lead_url(row["lead_id"]) if lead_url else ""
        offer_labels, queue_labels = _offer_bucket_labels(), _queue_bucket_labels()
        reasons = dict(QueueReason.choices)
        return render(
            request,
            "leads/reports/aging.html",
            {
                "aging": aging,
                "offer_buckets": list(zip(offer_labels, aging.offers, strict=True)),
                "queue_buckets": list(zip(queue_labels, aging.queue, strict=True)),
                "held_buckets": list(zip(_held_bucket_labels(), aging.held, strict=True)),
                "queue_reasons": sorted(
                    (
                        (str(reasons.get(code, code or gettext("No reason recorded"))), count)
                        for code, count in aging.queue_reasons.items()
                    ),
                    key=lambda item: (-item[1], item[0]),
                ),
                "page": page,
                "query": query_without_page(request),
                "chart": {
                    "labels": offer_labels,
                    "stacked": True,
                    "datasets": [
                        {
                            "label": gettext("Not opened yet"),
                            "values": [bucket.unopened for bucket in aging.offers],
                            "color": "#dc3545",
                        },
                        {
                            "label": gettext("Opened, not answered"),
                            "values": [bucket.opened for bucket in aging.offers],
                            "color": "#ffc107",
                        },
                    ],
                },
            },
        )

    def _csv(self):
        _, rows = open_offers_for_actor(actor=self.actor)
        now = timezone.now()
        columns = [
            gettext("Lead"),
            gettext("Company"),
            gettext("Partner"),
            gettext("Rule"),
            gettext("Offered"),
            gettext("Age (hours)"),
            gettext("Opened"),
            gettext("Answer by"),
            gettext("Overdue"),
        ]

        def row(offer: dict) -> list:
            return [
                offer["lead__reference"],
                csv_safe(offer["lead__company"]),
                csv_safe(offer["partner__display_name"]),
                csv_safe(offer["rule_name"]),
                offer["offered_at"].isoformat(),
                f"{(now - offer['offered_at']).total_seconds() / 3600:.1f}",
                offer["opened_at"].isoformat() if offer["opened_at"] else "",
                offer["due_at"].isoformat(),
                gettext("yes") if offer["due_at"] < now else "",
            ]

        return csv_export(name="lead-open-offers", columns=columns, rows=rows, row=row)


def _lead_url():
    """The staff lead page's URL pattern (``office:lead``, the offers part's), when it is there
    (else the rows link nowhere)."""
    try:
        return url_pattern("office:lead", "lead_id")
    except NoReverseMatch:
        return None


# --- the partner's lead share --------------------------------------------------------------------


class LeadShareView(MemberRequiredMixin, View):
    """A partner admin's "your lead share" (the company's own figures and whole-program sums only)."""

    area, capability = PORTAL, LEADS_CAPACITY

    def get(self, request):
        today, zone = tenant_clock(request.tenant)
        share = lead_share_for_actor(actor=self.actor, today=today, zone=zone)
        months = [date_format(month, "YEAR_MONTH_FORMAT") for month in share.months]
        charts = []
        for n, program in enumerate(share.programs):
            charts.append(
                {
                    "id": f"share-chart-{n}",
                    "data": {
                        "labels": months,
                        "datasets": [
                            {
                                "label": gettext("Offered to you"),
                                "values": [month.offered for month in program.months],
                                "color": "#0d6efd",
                            },
                            {
                                "label": gettext("What your weight would give"),
                                "values": [float(month.expected or 0) for month in program.months],
                                "color": "#adb5bd",
                            },
                        ],
                    },
                }
            )
        return render(
            request,
            "leads/reports/share.html",
            {
                "share": share,
                "programs": list(zip(share.programs, charts, strict=True)),
                "month_labels": months,
                "capacity": share.capacity,
                "since": today - timedelta(days=89),
            },
        )


office_urls: list = [
    path("leads/fairness/", LeadFairnessView.as_view(), name="lead_fairness"),
    path("leads/aging/", LeadAgingView.as_view(), name="lead_aging"),
]
portal_urls: list = [
    path("leads/share/", LeadShareView.as_view(), name="lead_share"),
]
public_urls: list = []
