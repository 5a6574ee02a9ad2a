"""What the scorecard pages show of a snapshot: KPI values with their units, the biggest lever
("what would raise your score most"), the sentences that say why a partner is high potential or
at risk, and where a KPI's source records are in the back office.

Snapshots keep figures, never sentences (``models.ScorecardSnapshot``: ``results``, ``signals``,
``risks``); they are worded here, in the reader's language, every time a page shows them. Values
may be missing anywhere (a KPI without data, a first month without a previous one): every
function here takes None and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

from deals.permissions import DEALS_VIEW
from incentives.permissions import INCENTIVES_VIEW
from leads.permissions import LEADS_VIEW
from learning.permissions import LEARNING_VIEW
from partners.permissions import PARTNERS_VIEW
from prm.l10n import money
from programs.selectors.metrics import metric_get

EN_DASH = "\N{EN DASH}"
# Below this many points a KPI has nothing left to give (rounding of the stored figures).
NOTHING_LEFT = Decimal("0.05")


def number(value) -> Decimal | None:
    """A figure of a snapshot's JSON (a number, a numeric string, None) as a Decimal, or None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def figure(value, places: int = 1) -> str:
    """A plain figure: "12", "12.5", "1,250" (at most ``places`` decimals, none when whole)."""
    value = number(value)
    if value is None:
        return EN_DASH
    value = round(value, places)
    shown = 0 if value == value.to_integral_value() else places
    return number_format(value, decimal_pos=shown, use_l10n=True, force_grouping=True)


def signed(value, places: int = 1) -> str:
    """A change: "+3.5", "-2" (with a minus sign), "0"; a dash when unknown."""
    value = number(value)
    if value is None:
        return EN_DASH
    value = round(value, places)
    if value > 0:
        return f"+{figure(value, places)}"
    if value < 0:
        return f"\N{MINUS SIGN}{figure(-value, places)}"
    return figure(value, places)


def change(now, before) -> Decimal | None:
    now, before = number(now), number(before)
    return None if now is None or before is None else now - before


def measure(value, unit: str) -> str:
    """A KPI's value with its unit: "84%", "€42,000.00", "3", "12 h", "4.5 / 5"; a dash for none."""
    value = number(value)
    if value is None:
        return EN_DASH
    if unit in ("percent", "%"):
        return f"{figure(value)}%"
    if unit == "h":
        return gettext("%(hours)s h") % {"hours": figure(value)}
    if unit == "rating":
        return gettext("%(rating)s / 5") % {"rating": figure(value)}
    if unit in ("", "people", "number"):
        return figure(value)
    if len(unit) == 3 and unit.isalpha() and unit.isupper():  # a currency code
        return money(round(value), unit) or figure(value)
    return f"{figure(value)} {unit}"


def kpi_label(result: dict, labels: dict[str, str]) -> str:
    """The name a KPI goes by: its own label, else its metric's (``labels`` from ``metric_labels``)."""
    own = (result.get("label") or "").strip()
    if own:
        return own
    label = labels.get(result.get("metric") or "", result.get("metric") or "")
    if result.get("growth"):
        return gettext("%(metric)s (growth)") % {"metric": label}
    return label


def metric_labels(keys) -> dict[str, str]:
    """{metric key: its name in the reader's language} for the keys a page shows (a manual
    metric's name is the tenant's: one query each, and a scorecard has few)."""
    labels = {}
    for key in set(keys):
        metric = metric_get(key) if key else None
        labels[key] = metric.display_label if metric is not None else key
    return labels


# --- the biggest lever ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Lever:
    """What would raise the score most: a KPI, the value that earns more points, how many."""

    kpi: int | None
    label: str
    now: str  # the value now, with its unit
    needed: str  # the value to reach, with its unit
    points: str  # the points it would add
    step: bool  # the next step of a stepped KPI rather than its target
    lower_is_better: bool

    @property
    def sentence(self) -> str:
        values = {"kpi": self.label, "needed": self.needed, "now": self.now, "points": self.points}
        if self.lower_is_better and self.step:
            return (
                gettext("%(kpi)s: bring it down to %(needed)s (now %(now)s) for the next step, +%(points)s points.")
                % values
            )
        if self.lower_is_better:
            return (
                gettext("%(kpi)s: bring it down to %(needed)s (now %(now)s) to reach the target, +%(points)s points.")
                % values
            )
        if self.step:
            return gettext("%(kpi)s: reach %(needed)s (now %(now)s) for the next step, +%(points)s points.") % values
        return gettext("%(kpi)s: reach %(needed)s (now %(now)s) to meet the target, +%(points)s points.") % values


def _steps(raw) -> list[tuple[Decimal, Decimal]]:
    pairs = []
    for item in raw or ():
        if isinstance(item, list | tuple) and len(item) == 2:
            value, share = number(item[0]), number(item[1])
            if value is not None and share is not None:
                pairs.append((value, min(max(share, Decimal(0)), Decimal(1))))
    return sorted(pairs)


def _next_step(result: dict, setting: dict) -> tuple[Decimal, Decimal] | None:
    """(value to reach, share of the points it gives) of a stepped KPI's nearest step above what it
    has now; None when no step gives more."""
    steps = _steps(setting.get("steps"))
    value, attainment = number(result.get("value")), number(result.get("attainment")) or Decimal(0)
    better = [(v, s) for v, s in steps if s > attainment]
    if setting.get("lower_is_better"):
        reachable = [(v, s) for v, s in better if value is None or v < value]
        return max(reachable, key=lambda pair: (pair[0], -pair[1])) if reachable else None
    reachable = [(v, s) for v, s in better if value is None or v > value]
    return min(reachable, key=lambda pair: (pair[0], -pair[1])) if reachable else None


def biggest_lever(results: list[dict], settings: dict[int, dict], labels: dict[str, str]) -> Lever | None:
    """Of ``results`` (a snapshot's, already narrowed to what the reader may see), the measured
    KPI with the most points still missing, and what it takes: the target of a linear KPI, the
    next step of a stepped one (``settings``: {kpi id: curve, steps, lower_is_better}). None when
    every KPI has its full points."""
    best, gap = None, NOTHING_LEFT
    for result in results:
        if not result.get("measured", True):
            continue
        missing = (number(result.get("max_points")) or Decimal(0)) - (number(result.get("points")) or Decimal(0))
        if missing > gap:
            best, gap = result, missing
    if best is None:
        return None
    setting = settings.get(best.get("kpi"), {})
    lower = bool(best.get("lower_is_better", setting.get("lower_is_better")))
    unit = best.get("unit") or ""
    needed, points, step = number(best.get("target")), gap, False
    if setting.get("curve") == "thresholds":
        found = _next_step(best, {**setting, "lower_is_better": lower})
        if found is not None:
            needed, share = found
            points = (number(best.get("max_points")) or Decimal(0)) * share - (number(best.get("points")) or Decimal(0))
            step = share < 1
    return Lever(
        kpi=best.get("kpi"),
        label=kpi_label(best, labels),
        now=measure(best.get("value"), unit) if best.get("value") is not None else gettext("no data"),
        needed=measure(needed, unit),
        points=figure(points),
        step=step,
        lower_is_better=lower,
    )


# --- why: high potential and at risk -------------------------------------------------------------


def signal_text(signal: dict, currency: str) -> str:
    """One reason a partner is high potential, as a sentence."""
    code, value = signal.get("code"), signal.get("value")
    if code == "below_median":
        return gettext("Revenue of %(revenue)s is below the segment's median of %(median)s.") % {
            "revenue": money(number(value) or 0, currency),
            "median": money(number(signal.get("median")) or 0, currency),
        }
    if code == "revenue_growth":
        return gettext("Revenue grew %(percent)s%% against the same months a year earlier.") % {
            "percent": figure(value)
        }
    if code == "certified_up":
        count = int(number(value) or 0)
        return ngettext(
            "%(count)d more certified person than a year ago.",
            "%(count)d more certified people than a year ago.",
            count,
        ) % {"count": count}
    if code == "engagement_up":
        return gettext("Portal engagement rose %(points)s percentage points.") % {"points": figure(value)}
    if code == "score_up":
        return gettext("The score rose %(points)s points since last month.") % {"points": figure(value)}
    return gettext("Signal: %(code)s") % {"code": code}


def risk_text(risk: dict) -> str:
    """One reason a relationship is at risk, as a sentence."""
    code, value, days = risk.get("code"), risk.get("value"), risk.get("days")
    if code == "score_drop":
        return gettext("The score fell %(points)s points since last month.") % {"points": figure(value)}
    if code == "no_portal_use":
        if days is None:
            return gettext("Nobody of the partner has used the portal yet.")
        return ngettext(
            "Nobody of the partner used the portal for %(days)d day.",
            "Nobody of the partner used the portal for %(days)d days.",
            int(days),
        ) % {"days": int(days)}
    if code == "no_registrations":
        if days is None:
            return gettext("The partner has never registered a deal.")
        return ngettext("No deal registered for %(days)d day.", "No deal registered for %(days)d days.", int(days)) % {
            "days": int(days)
        }
    if code == "expiring_certificates":
        count = int(number(value) or 0)
        return ngettext("%(count)d certificate expires soon.", "%(count)d certificates expire soon.", count) % {
            "count": count
        }
    if code == "plan_behind":
        count = int(number(value) or 0)
        return ngettext(
            "%(count)d business plan objective is behind.", "%(count)d business plan objectives are behind.", count
        ) % {"count": count}
    return gettext("Risk: %(code)s") % {"code": code}


def reasons(items, wording: Callable[[dict], str]) -> list[str]:
    return [wording(item) for item in items or () if isinstance(item, dict)]


# --- where a KPI's records are --------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    url: str
    text: str


def _url(name: str, query: dict | None = None, **kwargs) -> str | None:
    try:
        url = reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(query)}" if query else url


def kpi_sources(*, actor, partner_id: int) -> Callable[[str], Source | None]:
    """A function from a metric key to the back-office page that lists its records for the
    partner (the deal list filtered to its won deals for revenue, its certificates, the record's
    Leads, Incentives or People tab...), or None when there is none the actor may open."""

    def tab(name: str) -> str | None:
        return _url(f"office:partner_{name}", partner_id=partner_id)

    deals = {"partner": partner_id}
    table: dict[str, tuple[str | None, str, str]] = {
        "deals.trailing_revenue": (
            _url("office:deal_list", {**deals, "status": "won"}),
            DEALS_VIEW,
            gettext("Won deals"),
        ),
        "deals.approved_registrations": (
            _url("office:deal_list", {**deals, "status": "approved"}),
            DEALS_VIEW,
            gettext("Approved registrations"),
        ),
        "deals.win_rate": (_url("office:deal_list", deals), DEALS_VIEW, gettext("Deal registrations")),
        "deals.registrations": (_url("office:deal_list", deals), DEALS_VIEW, gettext("Deal registrations")),
        "learning.certified_people": (
            _url("office:learning_certificates", {"partner": partner_id, "status": "active"}),
            LEARNING_VIEW,
            gettext("Active certificates"),
        ),
        "learning.competencies": (
            _url("office:learning_certificates", {"partner": partner_id, "status": "active"}),
            LEARNING_VIEW,
            gettext("Active certificates"),
        ),
        "learning.expiring_certificates": (
            _url("office:learning_certificates", {"partner": partner_id, "status": "expiring"}),
            LEARNING_VIEW,
            gettext("Certificates expiring"),
        ),
        "leads.acceptance_rate": (tab("leads"), LEADS_VIEW, gettext("Leads offered")),
        "leads.response_time": (tab("leads"), LEADS_VIEW, gettext("Leads offered")),
        "incentives.mdf_activities": (tab("incentives"), INCENTIVES_VIEW, gettext("MDF activities")),
        "incentives.mdf_return": (tab("incentives"), INCENTIVES_VIEW, gettext("MDF activities")),
        "partners.active_users": (tab("people"), PARTNERS_VIEW, gettext("People")),
        "partners.portal_engagement": (tab("people"), PARTNERS_VIEW, gettext("People")),
        # The reviews' list has no partner filter: the record's own tab if reviews add one, else
        # its timeline (where the reviews and their ratings are recorded).
        "reviews.rating": (tab("reviews") or tab("timeline"), PARTNERS_VIEW, gettext("Relationship reviews")),
    }

    def source(metric: str) -> Source | None:
        if metric.startswith("manual:"):
            url, capability, text = tab("programs"), PARTNERS_VIEW, gettext("Values recorded by hand")
        elif metric in table:
            url, capability, text = table[metric]
        else:
            return None
        if not url or not actor.can(capability):
            return None
        return Source(url=url, text=text)

    return source
