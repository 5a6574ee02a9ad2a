"""Thin Celery tasks of lead distribution: load by id inside the tenant scope, call a service.
One section per part."""

from __future__ import annotations

from prm.events.tasks import tenant_task

from .models import Lead
from .services.imports import lead_import_run
from .services.routing import lead_route

# --- routing ---


@tenant_task("leads.route")
def lead_route_task(*, lead_id: int, trigger: str = "new") -> bool:
    """Route one lead (after it arrived, or its offer was declined, timed out or returned):
    nothing when it has an open offer or is held (``lead_route`` decides under the lead's lock)."""
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        return False
    return lead_route(lead=lead, trigger=trigger) is not None


# --- intake ---


@tenant_task("leads.import_run")
def lead_import_run_task(*, lead_import_id: int) -> dict:
    """One batch of a confirmed lead import (each sends the next through the outbox)."""
    return lead_import_run(lead_import_id=lead_import_id)
