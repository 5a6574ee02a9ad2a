"""Vetting and deciding applications (the back office). See the part's brief in the module's
functions; ``checks_create`` is called by ``apply`` when an application is verified."""

from __future__ import annotations

from ..models import Application, ApplicationCheck, DiligenceItem


def checks_create(*, application: Application) -> list[ApplicationCheck]:
    """The due-diligence checklist of a newly verified application, from the active items (each
    with its default owner). Idempotent: items already there are kept."""
    rows = [
        ApplicationCheck(
            application=application, item=item, owner_id=item.default_owner_id, tenant_id=application.tenant_id
        )
        for item in DiligenceItem.objects.filter(is_active=True)
    ]
    return ApplicationCheck.objects.bulk_create(rows, ignore_conflicts=True)
