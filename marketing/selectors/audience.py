"""Whom the library's assets, co-brand templates, campaigns and announcements are for: one SQL
predicate over the ``Audience`` columns (``models.Audience``), the person's partner's enrolments
read in the same statement."""

from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Q

from programs.models import Enrollment as ProgramEnrollment


def audience_filter(actor, *, prefix: str = "") -> Q:
    """The rows meant for ``actor``: every audience list empty or holding the actor (its role, its
    partner's type, a region it serves, a program it is enrolled in, a tier it holds). Staff see
    everything (``Q()``). ``prefix``: the path to the audience's model (``"asset__"``)."""
    if actor is None or actor.partner_id is None:
        return Q()
    partner = actor.partner
    p = prefix

    def either(field: str, lookup: str, value) -> Q:
        return Q(**{f"{p}{field}": []}) | Q(**{f"{p}{field}__{lookup}": value})

    enrolments = ProgramEnrollment.objects.filter(partner_id=actor.partner_id)
    audience = either("audience_roles", "contains", [actor.role])
    audience &= either("audience_partner_type_ids", "contains", [partner.partner_type_id or 0])
    audience &= either("audience_regions", "overlap", list(partner.regions_served or []) or [""])
    audience &= either("audience_program_ids", "overlap", ArraySubquery(enrolments.values("program_id")))
    audience &= either("audience_tier_ids", "overlap", ArraySubquery(enrolments.values("tier_id")))
    return audience


def audience_matches(obj, actor, *, enrolments: list[tuple[int, int]] | None = None) -> bool:
    """The Python twin of ``audience_filter`` for one object (``enrolments``: the partner's
    ``(program_id, tier_id)`` pairs, read when not given)."""
    if actor is None or actor.partner_id is None:
        return True
    partner = actor.partner
    if enrolments is None:
        enrolments = list(
            ProgramEnrollment.objects.filter(partner_id=actor.partner_id).values_list("program_id", "tier_id")
        )
    programs = {program for program, _tier in enrolments}
    tiers = {tier for _program, tier in enrolments}
    return (
        (not obj.audience_roles or actor.role in obj.audience_roles)
        and (not obj.audience_partner_type_ids or partner.partner_type_id in obj.audience_partner_type_ids)
        and (not obj.audience_regions or bool(set(obj.audience_regions) & set(partner.regions_served or [])))
        and (not obj.audience_program_ids or bool(set(obj.audience_program_ids) & programs))
        and (not obj.audience_tier_ids or bool(set(obj.audience_tier_ids) & tiers))
    )
