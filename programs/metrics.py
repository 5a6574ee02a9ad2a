"""The metric registry: what tier requirements can measure.

Each metric is a SQL query that yields ``(partner_id, value)`` for every partner of a tenant as
of a date, so tier evaluation measures all partners at once (set-based). Apps that own the data
register their metrics here from ``AppConfig.ready()``; until an app does, its metrics are
*declared* but unavailable, and the registry says so instead of pretending (the admin refuses
them, the portal shows "not measured yet").

Manual metrics are per tenant (``ManualMetric`` rows): their key is ``manual:<code>`` and their
values are recorded by the vendor with evidence. The registry holds no tenant data (and imports no
model): ``programs.selectors.metrics`` resolves a key to either kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_noop

# (tenant_id, as_of, window_days, param, partner_ids) -> (sql, params). The SQL selects
# partner_id, value for every partner of the tenant, or only partner_ids when given (an
# event-driven run for a few partners should not measure all of them).
MetricSQL = Callable[[int, date, int, str, "list[int] | None"], tuple[str, list]]

MANUAL_PREFIX = "manual:"


@dataclass(frozen=True)
class Metric:
    """A measurable metric. ``label``, ``provider`` and ``param_label`` are kept in English (they go
    into evaluation's SQL and stored results, and are marked with ``gettext_noop``); pages show
    ``display_label``, in the reader's language."""

    key: str
    label: str
    unit: str = ""  # "currency", "percent", "people", "" (a plain number)
    provider: str = ""  # the app that measures it
    windowed: bool = True  # the look-back window applies
    param_label: str = ""  # a metric that needs a parameter names it here
    sql: MetricSQL | None = field(default=None, compare=False)

    @property
    def available(self) -> bool:
        return self.sql is not None

    @property
    def display_label(self) -> str:
        # A manual metric's label is the name the vendor gave it: no catalogue has it.
        return self.label if self.key.startswith(MANUAL_PREFIX) else gettext(self.label)

    @property
    def unavailable_reason(self) -> str:
        if self.available:
            return ""
        return gettext(
            "%(metric)s is not measured yet: it comes with the %(provider)s module, which is not installed."
        ) % {
            "metric": self.display_label,
            "provider": gettext(self.provider),
        }


_REGISTRY: dict[str, Metric] = {}


def declare(metric: Metric) -> None:
    """Name a metric an app will provide (unavailable until it registers the SQL)."""
    _REGISTRY.setdefault(metric.key, metric)


def register(key: str, *, sql: MetricSQL, **changes) -> None:
    """Provide a declared (or new) metric's measurement."""
    base = _REGISTRY.get(key) or Metric(key=key, label=changes.pop("label", key))
    _REGISTRY[key] = Metric(**{**base.__dict__, **changes, "sql": sql})


def registered() -> list[Metric]:
    return sorted(_REGISTRY.values(), key=lambda m: (not m.available, m.label))


def get(key: str) -> Metric | None:
    """A registered metric. Manual metrics (``manual:<code>``) are the tenant's rows, not the
    registry's: ``programs.selectors.metrics.metric_get`` resolves both."""
    return _REGISTRY.get(key)


def metric_label(key: str) -> str:
    """A registered metric's label (the key itself when nothing registered it)."""
    metric = _REGISTRY.get(key)
    return metric.label if metric else key


def format_number(value: Decimal) -> str:
    """12,000 or 12,000.50: whole numbers without decimals."""
    places = 0 if value == value.to_integral_value() else 2
    return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def format_measure(value: Decimal | None, unit: str, currency: str = "") -> str:
    """A metric value with its unit, the same everywhere (portal, back office, policy reasons):
    "84%", "42,000 USD", "3" (people: the label says it), "60 points"."""
    if value is None:
        return "\N{EN DASH}"
    number = format_number(value)
    if unit in ("percent", "%"):
        return f"{number}%"
    if unit == "currency":  # results written before the currency was resolved at evaluation
        unit = currency
    return f"{number} {unit}" if unit and unit != "people" else number


def window_start(as_of: date, window_days: int) -> date:
    """The first day a windowed metric still counts (the window ends on ``as_of``, inclusive)."""
    return as_of - timedelta(days=window_days - 1) if window_days else date.min


# --- metrics measured here ------------------------------------------------------------------------


def only_partners(column: str, partner_ids: list[int] | None) -> tuple[str, list]:
    """The optional partner filter metric SQL appends: ("AND <column> = ANY(%s)", [ids]) or nothing."""
    return (f" AND {column} = ANY(%s)", [list(partner_ids)]) if partner_ids is not None else ("", [])


def _active_users_sql(
    tenant_id: int, as_of: date, window_days: int, param: str, partner_ids: list[int] | None = None
) -> tuple[str, list]:
    # Who had portal access at the end of as_of: joined by then and not deactivated by then.
    only, only_params = only_partners("m.partner_id", partner_ids)
    return (
        "SELECT m.partner_id, count(*)::numeric AS value FROM accounts_membership m"
        " WHERE m.tenant_id = %s AND m.partner_id IS NOT NULL AND m.created_at < %s::date + 1"
        f" AND (m.is_active OR m.deactivated_at >= %s::date + 1){only}"
        " GROUP BY m.partner_id",
        [tenant_id, as_of, as_of, *only_params],
    )


def manual_metric(manual) -> Metric:
    """The metric of one of the tenant's ``ManualMetric`` rows."""

    def sql(
        tenant_id: int, as_of: date, window_days: int, param: str, partner_ids: list[int] | None = None
    ) -> tuple[str, list]:
        # The latest value effective within the window ending on as_of.
        only, only_params = only_partners("v.partner_id", partner_ids)
        return (
            "SELECT DISTINCT ON (v.partner_id) v.partner_id, v.value FROM programs_manualmetricvalue v"
            " WHERE v.tenant_id = %s AND v.metric_id = %s AND v.effective_on <= %s AND v.effective_on >= %s"
            f"{only} ORDER BY v.partner_id, v.effective_on DESC, v.id DESC",
            [tenant_id, manual.pk, as_of, window_start(as_of, window_days), *only_params],
        )

    return Metric(
        key=manual.registry_key, label=manual.name, unit=manual.unit, provider="manual", windowed=True, sql=sql
    )


declare(
    Metric(
        "partners.active_users",
        gettext_noop("Active portal users"),
        unit="people",
        provider=gettext_noop("partners"),
        windowed=False,
    )
)
register("partners.active_users", sql=_active_users_sql)

# Declared for the apps that will measure them (they register the SQL when they arrive).
declare(
    Metric(
        "deals.trailing_revenue",
        gettext_noop("Revenue from won deals"),
        unit="currency",
        provider=gettext_noop("deal registration"),
    )
)
declare(
    Metric(
        "deals.approved_registrations",
        gettext_noop("Approved deal registrations"),
        provider=gettext_noop("deal registration"),
    )
)
declare(
    Metric(
        "learning.certified_people",
        gettext_noop("Certified people"),
        unit="people",
        provider=gettext_noop("learning"),
        windowed=False,
        param_label=gettext_noop("certification code"),
    )
)
declare(
    Metric(
        "learning.competencies", gettext_noop("Competencies held"), provider=gettext_noop("learning"), windowed=False
    )
)
declare(
    Metric(
        "leads.acceptance_rate",
        gettext_noop("Lead acceptance rate"),
        unit="percent",
        provider=gettext_noop("lead distribution"),
    )
)
declare(
    Metric(
        "leads.response_time",
        gettext_noop("Lead response time (median hours)"),
        unit="h",
        provider=gettext_noop("lead distribution"),
    )
)
declare(
    Metric(
        "deals.win_rate",
        gettext_noop("Win rate of closed deals"),
        unit="percent",
        provider=gettext_noop("deal registration"),
    )
)
declare(
    Metric(
        "deals.registrations",
        gettext_noop("Deal registrations submitted"),
        provider=gettext_noop("deal registration"),
    )
)
declare(
    Metric(
        "learning.expiring_certificates",
        gettext_noop("Certificates expiring within the window ahead"),
        provider=gettext_noop("learning"),
    )
)
declare(
    Metric(
        "incentives.mdf_activities",
        gettext_noop("MDF activities approved"),
        provider=gettext_noop("incentives"),
    )
)
declare(
    Metric(
        "incentives.mdf_return",
        gettext_noop("MDF return (revenue won per unit of funds)"),
        provider=gettext_noop("incentives"),
    )
)
declare(
    Metric(
        "partners.portal_engagement",
        gettext_noop("Portal engagement (share of people active)"),
        unit="percent",
        provider=gettext_noop("scorecards"),
    )
)
declare(
    Metric(
        "reviews.rating",
        gettext_noop("Relationship review rating (1-5)"),
        unit="rating",
        provider=gettext_noop("scorecards"),
        param_label=gettext_noop("criterion (blank: all)"),
    )
)
