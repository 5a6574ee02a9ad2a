"""Onboarding: the checklist, agreements and activation. ``onboarding_start`` is called by the
approval of an application (``select``) and may be by staff for a partner created by hand."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from prm.events.services import event_record

from .. import events
from ..models import Onboarding, OnboardingTask, OnboardingTemplate


@transaction.atomic
def onboarding_start(*, actor, partner, application=None) -> Onboarding:
    """Open ``partner``'s onboarding with the checklist of its type's template. Idempotent: a
    partner already onboarding keeps its checklist."""
    existing = Onboarding.objects.filter(partner=partner).first()
    if existing is not None:
        return existing
    onboarding = Onboarding.objects.create(partner=partner, application=application, last_progress_at=timezone.now())
    template = OnboardingTemplate.objects.filter(partner_type_id=partner.partner_type_id).first()
    items = list(template.items.all()) if template is not None else []
    OnboardingTask.objects.bulk_create(
        [
            OnboardingTask(
                onboarding=onboarding,
                partner=partner,
                kind=item.kind,
                title=item.title,
                description=item.description,
                course_id=item.course_id,
                min_count=item.min_count,
                required=item.required,
                position=item.position,
            )
            for item in items
        ]
    )
    onboarding.tasks_total = len(items)
    onboarding.save(update_fields=["tasks_total"])
    event_record(actor=actor, target=partner, verb=events.ONBOARDING_STARTED, params={"items": len(items)})
    return onboarding
