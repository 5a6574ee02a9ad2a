"""Background work of e-learning: thin tasks around services (``prm.events.tasks``)."""

from __future__ import annotations

import logging

from prm.accounts.models import Membership
from prm.events.tasks import fan_out_task, tenant_task

from .services.certification import certificate_pdf_store, certifications_check, learning_sweep
from .services.competency import competencies_recompute

logger = logging.getLogger(__name__)


@tenant_task("learning.certifications_check")
def certifications_check_task(*, membership_id: int, course_id: int) -> dict:
    """Award the certifications a completed course may have earned. Safe to run twice: an awarded
    certificate is not awarded again."""
    membership = Membership.objects.filter(pk=membership_id).first()
    if membership is None:
        return {"awarded": [], "renewed": []}
    summary = certifications_check(membership=membership, course_id=course_id)
    return summary.__dict__


@tenant_task("learning.certificate_render")
def certificate_render_task(*, certificate_id: int) -> bool:
    """Render and keep a certificate's PDF; a second run finds it there and does nothing."""
    return certificate_pdf_store(certificate_id=certificate_id)


@tenant_task("learning.competencies_recompute")
def competencies_recompute_task(*, partner_ids: list[int] | None = None) -> dict:
    """Recompute the competencies of these partners (all of the tenant's when None)."""
    result = competencies_recompute(partner_ids=partner_ids)
    return {"gained": len(result.gained), "lost": len(result.lost)}


@tenant_task("learning.sweep")
def learning_sweep_task() -> dict:
    """Expire certificates past their date and send the expiry reminders that are due, for one
    tenant. Safe to run twice (and every hour): each expiry and each reminder happens once."""
    summary = learning_sweep()
    logger.info("learning sweep: %s", summary)
    return summary.__dict__


# Hourly (beat): one sweep per active tenant.
learning_sweep_all_task = fan_out_task("learning.sweep_all", learning_sweep_task)
