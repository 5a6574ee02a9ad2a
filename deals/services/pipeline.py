"""The pipeline dashboard's stored aggregates: computed in the background, read by the page."""

from __future__ import annotations

import time

from django.db import transaction
from django.utils import timezone

from ..models import PipelineSnapshot
from ..selectors.review import pipeline_figures


@transaction.atomic
def pipeline_refresh() -> PipelineSnapshot:
    """Recompute the current tenant's pipeline tables and store them (one row per tenant).

    Set-based (a few GROUP BY queries whatever the number of registrations); two refreshes at
    once both succeed, the later write wins: the figures are the same query either way.
    """
    started = time.perf_counter()
    figures = pipeline_figures()
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    snapshot, _ = PipelineSnapshot.objects.update_or_create(
        defaults={"figures": figures, "computed_at": timezone.now(), "duration_ms": elapsed_ms}
    )
    return snapshot
