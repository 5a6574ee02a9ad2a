"""Thin Celery tasks of lead distribution: load by id inside the tenant scope, call a service.
One section per part."""

from __future__ import annotations

from prm.events.tasks import fan_out_task, tenant_task

from .models import Lead
from .services.imports import lead_import_run
from .services.routing import lead_route, offer_notify

# --- routing ---


@tenant_task("leads.route")
def lead_route_task(*, lead_id: int, trigger: str = "new") -> bool:
    """Route one lead (after it arrived, or its offer was declined, timed out or returned):
    nothing when it has an open offer or is held (``lead_route`` decides under the lead's lock)."""
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        return False
    return lead_route(lead=lead, trigger=trigger) is not None


@tenant_task("leads.offer_notify")
def offer_notify_task(*, offer_id: int, event_id: int | None = None) -> int:
    """Tell the partner's people of an offer the engine made (after the decision's commit)."""
    return offer_notify(offer_id=offer_id, event_id=event_id)


# --- intake ---


@tenant_task("leads.import_run")
def lead_import_run_task(*, lead_import_id: int) -> dict:
    """One batch of a confirmed lead import (each sends the next through the outbox)."""
    return lead_import_run(lead_import_id=lead_import_id)


# --- offers ---


@tenant_task("leads.offers_sweep")
def offers_sweep_task() -> dict:
    """Sweep one tenant's open offers: reminders at half time, expiry at the deadline (the expired
    leads routed on). Safe to run twice."""
    from .services.offers import offers_sweep

    return offers_sweep().__dict__


# Every 5 minutes (beat): one offers sweep per active tenant.
offers_sweep_all_task = fan_out_task("leads.offers_sweep_all", offers_sweep_task)


@tenant_task("leads.deal_closed")
def lead_deal_closed_task(
    *,
    deal_id: int,
    won: bool,
    amount: str | None = None,
    currency: str = "",
    won_on: str | None = None,
    ended: str = "",
) -> bool:
    """The deal a lead became was won or lost (the lead follows: attribution of the win), or was
    rejected, withdrawn or expired (``ended``: the lead is worked again)."""
    from .services.work import lead_deal_closed, lead_deal_ended

    if ended:
        return lead_deal_ended(deal_id=deal_id, how=ended)
    return lead_deal_closed(deal_id=deal_id, won=won, amount=amount, currency=currency, won_on=won_on)
