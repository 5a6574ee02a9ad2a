"""The metrics a tier requirement may measure, for the current tenant: the registry's
(``programs.metrics``) and the tenant's manual metrics (``ManualMetric`` rows)."""

from __future__ import annotations

from django.utils.translation import gettext

from .. import metrics
from ..metrics import MANUAL_PREFIX, Metric
from ..models import ManualMetric


def metric_get(key: str) -> Metric | None:
    """The metric behind a requirement's key: a registered one, or a manual metric of the tenant."""
    if key.startswith(MANUAL_PREFIX):
        manual = ManualMetric.objects.filter(code=key[len(MANUAL_PREFIX) :]).first()
        return metrics.manual_metric(manual) if manual else None
    return metrics.get(key)


def metric_choices(*, include_unavailable: bool = True) -> list[tuple[str, str]]:
    """(key, label) for forms: the registered metrics, then the tenant's manual metrics."""
    options = [
        (
            m.key,
            m.display_label
            if m.available
            else gettext("%(metric)s (not available yet: %(provider)s)")
            % {"metric": m.display_label, "provider": gettext(m.provider)},
        )
        for m in metrics.registered()
        if include_unavailable or m.available
    ]
    options += [
        (m.registry_key, gettext("%(metric)s (manual)") % {"metric": m.name})
        for m in ManualMetric.objects.order_by("name")
    ]
    return options


def metric_refusal(key: str) -> str:
    """Why ``key`` cannot be measured by a requirement or a scorecard KPI (empty when it can):
    it names no metric, or one no installed app measures yet."""
    metric = metric_get(key)
    if metric is None:
        return gettext("Choose a metric from the list.")
    return metric.unavailable_reason
