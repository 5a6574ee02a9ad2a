"""The co-branding worker task: make a partner's co-branded PDF (sent through the outbox by
``services.cobrand.cobrand_request``; a second delivery does nothing)."""

from __future__ import annotations

from prm.events.tasks import tenant_task

from .services.cobrand import COBRAND_MAKE_TASK, cobrand_make


@tenant_task(COBRAND_MAKE_TASK)
def cobrand_make_task(*, document_id: int) -> bool:
    """Render and store one pending co-branded document."""
    return cobrand_make(document_id=document_id)
