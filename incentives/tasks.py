"""Thin Celery tasks of incentives: load by id inside the tenant scope, call a service."""

from __future__ import annotations

from deals.models import Deal
from prm.events.tasks import tenant_task

from .services.spiffs import spiff_claims_for_win

SPIFFS_FOR_WIN = "incentives.spiffs_for_win"


@tenant_task(SPIFFS_FOR_WIN)
def spiffs_for_win_task(*, deal_id: int) -> int:
    """The SPIFF claims a confirmed win earns (sent through the outbox by the ``deal.won`` event)."""
    deal = Deal.objects.filter(pk=deal_id).first()
    return len(spiff_claims_for_win(deal=deal)) if deal is not None else 0
