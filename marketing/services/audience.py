"""The audience every part's services write (``models.Audience``): ``AudienceChoice``, what a form
chose, and ``audience_fields``, the one check of it before it is stored: the programs, tiers and
partner types are the tenant's, the regions and roles known (``selectors.audience.audience_options``,
what the form offers)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext

from prm.errors import PolicyViolation

from ..selectors.audience import audience_options


@dataclass(frozen=True)
class AudienceChoice:
    """Whom something is for: each list empty means "anyone"."""

    program_ids: tuple[int, ...] = ()
    tier_ids: tuple[int, ...] = ()
    partner_type_ids: tuple[int, ...] = ()
    regions: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()

    @classmethod
    def of(cls, obj) -> AudienceChoice:
        """The audience ``obj`` has now."""
        return cls(
            program_ids=tuple(obj.audience_program_ids),
            tier_ids=tuple(obj.audience_tier_ids),
            partner_type_ids=tuple(obj.audience_partner_type_ids),
            regions=tuple(obj.audience_regions),
            roles=tuple(obj.audience_roles),
        )

    def as_fields(self) -> dict[str, list]:
        """The audience columns, each list sorted and without repeats (unchecked)."""
        return {
            "audience_program_ids": sorted({int(value) for value in self.program_ids}),
            "audience_tier_ids": sorted({int(value) for value in self.tier_ids}),
            "audience_partner_type_ids": sorted({int(value) for value in self.partner_type_ids}),
            "audience_regions": sorted({str(value) for value in self.regions}),
            "audience_roles": sorted({str(value) for value in self.roles}),
        }


EVERYONE = AudienceChoice()


def audience_fields(audience: AudienceChoice | None) -> dict[str, list]:
    """The audience columns of ``audience`` (None: everyone), checked: every value is one of those
    the form offers (another tenant's program, tier or partner type is unknown here); else a
    ``PolicyViolation``."""
    fields = (audience or EVERYONE).as_fields()
    if any(fields.values()):
        offered = audience_options().by_field()
        if any(not set(values) <= {value for value, _label in offered[name]} for name, values in fields.items()):
            raise PolicyViolation(gettext("Choose the audience from the lists offered."), code="audience_unknown")
    return fields
