"""Pages of the scorecards (see scorecards/urls.py).

* ``portal:scorecard``: the partner's own scorecards: the latest score with its change on last
  month and last year, its percentile in the segment, the KPIs the vendor lets partners see, the
  trend of 24 months (a chart and the same figures as a table) and what would raise the score
  most.
* ``office:scorecards``: a scorecard's ranked month, filtered (segment, tier, my partners, name,
  high potential / at risk), paginated, with the movers up and down beside it.
* ``office:scorecard_partner``: one partner's drill-down: every KPI (visible to the partner or
  not) with its trend and a link to its source records, 24 months of history, why it is high
  potential or at risk; "Measure again now" (``office:scorecard_recompute``) and the investment
  mark (``office:partner_invest``).
* ``office:scorecard_potential`` / ``office:scorecard_risks``: the high-potential partners of the
  month with their reasons and the investment marks; the relationships at risk with theirs, by
  account manager (a channel manager's own by default).
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from partners.models import INVEST_TAG
from partners.selectors import partner_get_for_actor, partner_type_options
from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.accounts.roles import Role
from prm.accounts.selectors import staff_members
from prm.tenancy.time import tenant_clock
from prm.web.views import ServiceView, paginate, query_without_page, shown_time, url_pattern
from programs.selectors.tiers import tier_options

from ..permissions import SCORECARD_OWN, SCORECARDS_MANAGE, SCORECARDS_VIEW
from ..presenters import (
    EN_DASH,
    biggest_lever,
    change,
    figure,
    kpi_label,
    kpi_sources,
    measure,
    metric_labels,
    reasons,
    risk_text,
    signal_text,
    signed,
)
from ..selectors.scoring import (
    AT_RISK,
    HIGH_POTENTIAL,
    RankFilters,
    flagged_for_actor,
    invested_for_actor,
    latest_period,
    month_options,
    movers_for_actor,
    own_scorecards_for_actor,
    partner_scorecards_for_actor,
    ranking_for_actor,
    scorecard_options_for_actor,
)
from ..services.potential import partner_invest_set, scorecard_recompute_request

_ID_MAX = 2**63 - 1
MINE, EVERYONE = "mine", "all"


def _month_key(month: date) -> str:
    return month.strftime("%Y-%m")


def _month_label(month: date | None) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT") if month else ""


def _as_int(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= _ID_MAX else None


# --- choosing the scorecard and the month --------------------------------------------------------


class MonthFilterForm(forms.Form):
    """The scorecard and the month every back-office list starts from; invalid values are no
    filter (the first active scorecard, its latest month), never a 500."""

    scorecard = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label=_("Scorecard"))
    month = forms.ChoiceField(required=False, label=_("Month"))

    def __init__(self, *args, scorecards=(), months=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scorecard"].choices = [
            (str(card.id), card.name if card.is_active else gettext("%(name)s (inactive)") % {"name": card.name})
            for card in scorecards
        ]
        self.fields["month"].choices = [(_month_key(month), _month_label(month)) for month in months]

    def _clean(self) -> dict:
        self.is_valid()
        data = dict(getattr(self, "cleaned_data", {}))
        for name in self.errors:  # an invalid field is no filter; the others still apply
            data.pop(name, None)
        return data


class RankingFilterForm(MonthFilterForm):
    segment = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label=_("Segment"))
    tier = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label=_("Tier"))
    mine = forms.BooleanField(required=False, label=_("My partners"))
    q = forms.CharField(required=False, max_length=100, label=_("Partner"))
    flag = forms.ChoiceField(
        choices=[("", _("Any partner")), (HIGH_POTENTIAL, _("High potential")), (AT_RISK, _("At risk"))],
        required=False,
        label=_("Flag"),
    )

    def __init__(self, *args, tiers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = [
            ("", _("Every segment")),
            *((str(option.id), option.name) for option in partner_type_options()),
        ]
        self.fields["tier"].choices = [("", _("Every tier")), *((str(tier.id), tier.name) for tier in tiers)]


class RiskFilterForm(MonthFilterForm):
    manager = forms.ChoiceField(required=False, label=_("Account manager"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].choices = [
            (MINE, _("My partners")),
            (EVERYONE, _("Every account manager")),
            *((str(member.id), member.label) for member in staff_members() if member.is_active),
        ]


class _Month:
    """The scorecard and month a back-office list shows (``?scorecard=&month=``): the one asked
    for when it is one of the tenant's, else the first active; its latest measured month unless
    an earlier one of the last 24 is asked for."""

    def __init__(self, request, actor):
        self.options = scorecard_options_for_actor(actor=actor)
        asked = _as_int(request.GET.get("scorecard"))
        self.chosen = next((card for card in self.options if card.id == asked), None)
        if self.chosen is None and self.options:
            self.chosen = self.options[0]  # active ones first
        self.latest = latest_period(scorecard_id=self.chosen.id) if self.chosen else None
        self.months = month_options(self.latest)
        wanted = str(request.GET.get("month") or "")
        self.period = next((month for month in self.months if _month_key(month) == wanted), self.latest)

    @property
    def measured(self) -> bool:
        return self.period is not None

    def context(self) -> dict:
        return {
            "scorecards": self.options,
            "scorecard": self.chosen,
            "period": self.period,
            "period_label": _month_label(self.period),
            "is_latest": self.period == self.latest,
        }

    def initial(self, request) -> dict:
        """The query with the chosen scorecard and month filled in (the selects show them)."""
        data = request.GET.copy()
        if self.chosen:
            data["scorecard"] = str(self.chosen.id)
        if self.period:
            data["month"] = _month_key(self.period)
        return data


def _names():
    return (
        {option.id: option.name for option in partner_type_options()},
        {tier.id: tier.name for tier in tier_options()},
        {member.id: member.label for member in staff_members()},
    )


def _rows(rows: list[dict], scorecard_id: int) -> list[dict]:
    """Rows of the ranked month (``RANK_FIELDS``) with what they show: the drill-down's link from
    one reversed pattern, the segment's, tier's and manager's names, the changes as text."""
    detail = url_pattern("office:scorecard_partner", "partner_id")
    record = url_pattern("office:partner_detail", "partner_id")
    segments, tiers, staff = _names()
    query = f"?{urlencode({'scorecard': scorecard_id})}"
    for row in rows:
        row["url"] = detail(row["partner_id"]) + query
        row["record_url"] = record(row["partner_id"])
        row["segment"] = segments.get(row["segment_id"], EN_DASH)
        row["tier"] = tiers.get(row["tier_id"], EN_DASH)
        row["manager"] = staff.get(row["partner__account_manager_id"], EN_DASH)
        row["score_text"] = figure(row["score"])
        month, year = change(row["score"], row["previous_score"]), change(row["score"], row["last_year_score"])
        row["month_change"], row["month_text"] = month, signed(month)
        row["year_change"], row["year_text"] = year, signed(year)
        row["percentile_text"] = figure(row["percentile"], 0)
        row["invest"] = INVEST_TAG in (row.get("partner__tags") or ())
        if "delta" in row:
            row["delta_text"] = signed(row["delta"])
    return rows


# --- the ranked month ----------------------------------------------------------------------------


class ScorecardRankingView(MemberRequiredMixin, View):
    """A scorecard's month, best first, with its filters and the movers; htmx swaps the results."""

    area, capability = OFFICE, SCORECARDS_VIEW

    def get(self, request):
        month = _Month(request, self.actor)
        tiers = [tier for tier in tier_options() if month.chosen and tier.program_id == month.chosen.program_id]
        form = RankingFilterForm(month.initial(request), scorecards=month.options, months=month.months, tiers=tiers)
        data = form._clean()
        context = {**month.context(), "form": form, "query": query_without_page(request), "tiers": tiers}
        if month.measured:
            filters = RankFilters(
                scorecard_id=month.chosen.id,
                period=month.period,
                segment_id=data.get("segment"),
                tier_id=data.get("tier"),
                manager_id=self.actor.pk if data.get("mine") else None,
                search=(data.get("q") or "").strip(),
                flag=data.get("flag") or "",
            )
            rows, count = ranking_for_actor(actor=self.actor, filters=filters)
            page = paginate(request, rows, count_from=count)
            page.object_list = _rows(page.object_list, month.chosen.id)
            up, down = movers_for_actor(actor=self.actor, filters=filters)
            context.update(
                page=page,
                up=_rows(up, month.chosen.id),
                down=_rows(down, month.chosen.id),
                filtered=any(data.get(name) for name in ("segment", "tier", "mine", "q", "flag")),
            )
        template = "scorecards/scoring/ranking.html"
        return render(request, f"{template}#results" if request.htmx else template, context)


# --- one partner ---------------------------------------------------------------------------------


def _kpi_rows(results: list[dict], labels: dict[str, str], source=None) -> list[dict]:
    rows = []
    for result in results:
        unit = result.get("unit") or ""
        value = result.get("value")
        found = source(result.get("metric") or "") if source else None
        rows.append(
            {
                "kpi": result.get("kpi"),
                "label": kpi_label(result, labels),
                "visible": bool(result.get("visible")),
                "measured": result.get("measured", True),
                "lower_is_better": bool(result.get("lower_is_better")),
                "value": measure(value, unit) if value is not None else gettext("no data"),
                "target": measure(result.get("target"), unit),
                "points": figure(result.get("points")),
                "max_points": figure(result.get("max_points")),
                "attainment": round(float(result.get("attainment") or 0) * 100),
                "previous": measure(result.get("previous"), unit),
                "last_year": measure(result.get("last_year"), unit),
                "source": found,
            }
        )
    return rows


def _changes(snapshot: dict) -> dict:
    """The score's change on last month and on a year ago: the figure (None: no score then) and
    its text."""
    month = change(snapshot["score"], snapshot["previous_score"])
    year = change(snapshot["score"], snapshot["last_year_score"])
    return {"month_delta": month, "month_change": signed(month), "year_delta": year, "year_change": signed(year)}


def _history_chart(history: list[dict]) -> dict:
    """The score's months for static/js/scorecard-trend.js (a line; a month without a score is a gap)."""
    return {
        "labels": [_month_label(row["period"]) for row in history],
        "values": [float(row["score"]) if row["score"] is not None else None for row in history],
        "label": gettext("Score"),
    }


def _history_rows(history: list[dict]) -> list[dict]:
    rows = []
    for row in reversed(history):  # the latest first in the table
        rows.append(
            {
                **row,
                "month": _month_label(row["period"]),
                "score_text": figure(row["score"]),
                "percentile_text": figure(row.get("percentile"), 0),
            }
        )
    return rows


class ScorecardPartnerView(MemberRequiredMixin, View):
    """One partner's scorecard for staff (see the module's docstring)."""

    area, capability = OFFICE, SCORECARDS_VIEW

    def get(self, request, partner_id: int):
        partner = partner_get_for_actor(actor=self.actor, partner_id=partner_id)
        today, _zone = tenant_clock(request.tenant)
        found = partner_scorecards_for_actor(
            actor=self.actor, partner=partner, scorecard_id=_as_int(request.GET.get("scorecard")), today=today
        )
        context = {
            "partner": partner,
            "found": found,
            "invest": INVEST_TAG in (partner.tags or ()),
            "may_manage": self.actor.can(SCORECARDS_MANAGE),
            "query": urlencode({"scorecard": found.chosen.id}) if found.chosen else "",
        }
        latest = found.latest
        if latest is not None:
            results = [result for result in latest["results"] or () if isinstance(result, dict)]
            labels = metric_labels(result.get("metric") for result in results)
            currency = request.tenant.default_currency
            segments, tiers, _staff = _names()
            context.update(
                snapshot=latest,
                month=_month_label(latest["period"]),
                computed=shown_time(latest["computed_at"]),
                score=figure(latest["score"]),
                **_changes(latest),
                percentile=figure(latest["percentile"], 0),
                segment=segments.get(latest["segment_id"], EN_DASH),
                tier=tiers.get(latest["tier_id"], EN_DASH),
                kpis=_kpi_rows(results, labels, kpi_sources(actor=self.actor, partner_id=partner.pk)),
                lever=biggest_lever(results, found.settings, labels),
                partner_lever=biggest_lever([r for r in results if r.get("visible")], found.settings, labels),
                signals=reasons(latest["signals"], lambda item: signal_text(item, currency)),
                risks=reasons(latest["risks"], risk_text),
                chart=_history_chart(found.history),
                history=_history_rows(found.history),
            )
        return render(request, "scorecards/scoring/partner.html", context)


def _back_to_partner(request, partner_id: int) -> str:
    url = reverse("office:scorecard_partner", kwargs={"partner_id": partner_id})
    scorecard = _as_int(request.GET.get("scorecard"))
    return f"{url}?{urlencode({'scorecard': scorecard})}" if scorecard else url


class ScorecardRecomputeView(ServiceView):
    """ "Measure again now": the worker measures the partner's scorecards after this commit."""

    area, capability = OFFICE, SCORECARDS_MANAGE

    def get_object(self):
        return partner_get_for_actor(actor=self.actor, partner_id=self.kwargs["partner_id"])

    def perform(self, data):
        return scorecard_recompute_request(actor=self.actor, partner=self.object)

    def success_message(self, result) -> str:
        return gettext("%(partner)s is being measured again: reload the page in a minute for the new figures.") % {
            "partner": self.object.display_name
        }

    def success_url(self, result) -> str:
        return _back_to_partner(self.request, self.object.pk)

    def render_invalid(self, form):
        return redirect(_back_to_partner(self.request, self.object.pk))


class InvestForm(forms.Form):
    invest = forms.TypedChoiceField(
        choices=[("1", _("Mark for investment")), ("0", _("Remove the investment mark"))],
        coerce=lambda value: value == "1",
        label=_("Investment"),
    )
    back = forms.ChoiceField(
        choices=[("", ""), ("potential", _("High-potential partners")), ("risks", _("Relationships at risk"))],
        required=False,
        widget=forms.HiddenInput,
    )


BACK_PAGES = {"potential": "office:scorecard_potential", "risks": "office:scorecard_risks"}


class PartnerInvestView(ServiceView):
    """Mark a partner for investment, or take the mark away (the tag ``invest``)."""

    area, capability = OFFICE, SCORECARDS_MANAGE
    form_class = InvestForm

    def get_object(self):
        return partner_get_for_actor(actor=self.actor, partner_id=self.kwargs["partner_id"])

    def perform(self, data):
        return partner_invest_set(actor=self.actor, partner=self.object, invest=data["invest"])

    def success_message(self, changed) -> str:
        values = {"partner": self.object.display_name}
        invest = self.form.cleaned_data["invest"]
        if not changed:
            if invest:
                return gettext("%(partner)s was already marked for investment.") % values
            return gettext("%(partner)s was not marked for investment.") % values
        if invest:
            return gettext("%(partner)s is marked for investment.") % values
        return gettext("%(partner)s is no longer marked for investment.") % values

    def _back(self) -> str:
        form = getattr(self, "form", None)
        back = form.cleaned_data.get("back") if form is not None and hasattr(form, "cleaned_data") else ""
        if back in BACK_PAGES:
            query = self.request.GET.urlencode()
            return reverse(BACK_PAGES[back]) + (f"?{query}" if query else "")
        return _back_to_partner(self.request, self.object.pk)

    def success_url(self, result) -> str:
        return self._back()

    def render_invalid(self, form):
        return redirect(self._back())


# --- high potential and at risk ------------------------------------------------------------------


def _flagged_rows(rows: list[dict], scorecard_id: int, currency: str) -> list[dict]:
    rows = _rows(rows, scorecard_id)
    for row in rows:
        row["signal_texts"] = reasons(row.get("signals"), lambda item: signal_text(item, currency))
        row["risk_texts"] = reasons(row.get("risks"), risk_text)
    return rows


class ScorecardPotentialView(MemberRequiredMixin, View):
    """The high-potential partners of the month with their reasons, and who is marked for
    investment."""

    area, capability = OFFICE, SCORECARDS_VIEW

    def get(self, request):
        month = _Month(request, self.actor)
        form = MonthFilterForm(month.initial(request), scorecards=month.options, months=month.months)
        context = {**month.context(), "form": form, "query": query_without_page(request)}
        if month.measured:
            filters = RankFilters(scorecard_id=month.chosen.id, period=month.period, flag=HIGH_POTENTIAL)
            rows, count = flagged_for_actor(actor=self.actor, filters=filters)
            page = paginate(request, rows, count_from=count)
            page.object_list = _flagged_rows(page.object_list, month.chosen.id, request.tenant.default_currency)
            context["page"] = page
        staff = {member.id: member.label for member in staff_members()}
        invested = invested_for_actor(actor=self.actor)
        for row in invested:
            row["manager"] = staff.get(row["account_manager_id"], EN_DASH)
            row["url"] = reverse("office:scorecard_partner", kwargs={"partner_id": row["id"]})
        context.update(invested=invested, may_manage=self.actor.can(SCORECARDS_MANAGE))
        return render(request, "scorecards/scoring/potential.html", context)


class ScorecardRisksView(MemberRequiredMixin, View):
    """The relationships at risk in the month with their reasons, by account manager: a channel
    manager's own partners unless another manager (or everyone) is chosen."""

    area, capability = OFFICE, SCORECARDS_VIEW

    def get(self, request):
        month = _Month(request, self.actor)
        data = month.initial(request)
        if not data.get("manager"):
            data["manager"] = MINE if self.actor.role == Role.CHANNEL_MANAGER else EVERYONE
        form = RiskFilterForm(data, scorecards=month.options, months=month.months)
        chosen = form._clean().get("manager") or EVERYONE
        manager_id = self.actor.pk if chosen == MINE else _as_int(chosen)
        context = {**month.context(), "form": form, "query": query_without_page(request), "manager": chosen}
        if month.measured:
            filters = RankFilters(
                scorecard_id=month.chosen.id, period=month.period, flag=AT_RISK, manager_id=manager_id
            )
            rows, count = flagged_for_actor(actor=self.actor, filters=filters)
            page = paginate(request, rows, count_from=count)
            page.object_list = _flagged_rows(page.object_list, month.chosen.id, request.tenant.default_currency)
            context["page"] = page
        return render(request, "scorecards/scoring/risks.html", context)


# --- the partner's own ---------------------------------------------------------------------------


class PortalScorecardView(MemberRequiredMixin, View):
    """The company's scorecards (see the module's docstring): only the KPIs partners may see."""

    area, capability = PORTAL, SCORECARD_OWN

    def get(self, request):
        today, _zone = tenant_clock(request.tenant)
        cards, settings = own_scorecards_for_actor(actor=self.actor, today=today)
        segments = {option.id: option.name for option in partner_type_options()}
        keys = [result.get("metric") for card in cards if card.latest for result in card.latest["results"]]
        labels = metric_labels(keys)
        shown = []
        for card in cards:
            latest = card.latest
            item = {"id": card.id, "name": card.name, "description": card.description, "latest": latest}
            if latest is not None:
                results = latest["results"]
                new = latest["is_new"]
                item.update(
                    month=_month_label(latest["period"]),
                    score=figure(latest["score"]),
                    scored=latest["score"] is not None,
                    **_changes(latest),
                    percentile=figure(latest["percentile"], 0),
                    has_percentile=latest["percentile"] is not None,
                    segment=segments.get(latest["segment_id"], ""),
                    kpis=_kpi_rows(results, labels),
                    lever=biggest_lever(results, settings, labels),
                    is_new=new,
                    # A partner new this month has one point: no trend yet.
                    chart=None if new or len(card.history) < 2 else _history_chart(card.history),
                    history=[] if new else _history_rows(card.history),
                    chart_id=f"scorecard-trend-{card.id}",
                )
            shown.append(item)
        return render(request, "scorecards/scoring/portal.html", {"cards": shown})


office_urlpatterns = [
    path("scorecards/", ScorecardRankingView.as_view(), name="scorecards"),
    path("scorecards/potential/", ScorecardPotentialView.as_view(), name="scorecard_potential"),
    path("scorecards/risks/", ScorecardRisksView.as_view(), name="scorecard_risks"),
    path("scorecards/partners/<int:partner_id>/", ScorecardPartnerView.as_view(), name="scorecard_partner"),
    path(
        "scorecards/partners/<int:partner_id>/recompute/",
        ScorecardRecomputeView.as_view(),
        name="scorecard_recompute",
    ),
    path("scorecards/partners/<int:partner_id>/invest/", PartnerInvestView.as_view(), name="partner_invest"),
]
portal_urlpatterns = [
    path("scorecard/", PortalScorecardView.as_view(), name="scorecard"),
]
