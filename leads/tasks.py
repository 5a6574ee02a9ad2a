"""Thin Celery tasks of lead distribution: load by id inside the tenant scope, call a service.
One section per part."""

from __future__ import annotations

from prm.events.tasks import tenant_task

from .models import Lead
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
