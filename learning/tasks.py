"""Background work of e-learning: thin tasks around services (``prm.events.tasks``)."""

from __future__ import annotations

from prm.events.tasks import tenant_task


@tenant_task("learning.certifications_check")
def certifications_check_task(*, membership_id: int, course_id: int) -> None:
    """Award the certifications a completed course may have earned (learning.services.certification)."""
    # Filled by the certification part: until then a completion earns nothing.
    return None
