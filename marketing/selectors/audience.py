"""Whom the library's assets, co-brand templates, campaigns and announcements are for
(``models.Audience``: each list empty means "anyone", every list filled in must match), read one
way by every part:

* ``audience_filter``: the rows meant for a person, one SQL predicate over the audience columns
  with the person's partner's enrolments read in the same statement; ``audience_matches`` is its
  Python twin for one object.
* ``audience_members``: the other way round, the people an object is for (active partner users),
  one statement; ``audience_members_subquery`` is the same correlated to an outer row (an office
  list's audience size per row). ``tests/marketing/test_audience.py`` holds the three to agree.
* ``audience_options``: what an audience is chosen from (the form's choices, the services'
  check) and ``audience_labels``: an audience in words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, OuterRef, Q, Value
from django.db.models.functions import Cast
from django.utils.translation import gettext

from partners.selectors import partner_type_options
from prm.accounts.models import Membership
from prm.accounts.roles import PARTNER_ROLES, MembershipKind, Role
from prm.segments import REGION_CHOICES
from programs.models import Enrollment as ProgramEnrollment
from programs.selectors.tiers import tier_options

# The audience columns of ``models.Audience``, in the order forms and pages show them.
AUDIENCE_FIELDS = (
    "audience_program_ids",
    "audience_tier_ids",
    "audience_partner_type_ids",
    "audience_regions",
    "audience_roles",
)


# --- the person's side: what is meant for it ---------------------------------------------------------


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


# --- the object's side: whom it is for ---------------------------------------------------------------


class _OpenOr(models.Func):
    """``cardinality(wanted) = 0 OR value <op> wanted``: an audience list that is empty (anyone)
    or that the person's value matches (``op``: ``ANY``, one value among the list; ``OVERLAP``,
    two lists sharing one)."""

    ANY, OVERLAP = "any", "overlap"
    output_field = models.BooleanField()

    def __init__(self, value, wanted, *, op: str):
        super().__init__(value, wanted)
        self.op = op

    def as_sql(self, compiler, connection, **extra):
        value, wanted = self.get_source_expressions()
        value_sql, value_params = compiler.compile(value)
        wanted_sql, wanted_params = compiler.compile(wanted)
        test = f"{value_sql} = ANY({wanted_sql})" if self.op == self.ANY else f"{value_sql} && {wanted_sql}"
        # the parameters in the order the text names them: wanted, value, wanted
        return f"(cardinality({wanted_sql}) = 0 OR {test})", [*wanted_params, *value_params, *wanted_params]


def _members_reached(column: Callable[[str], object]):
    """Active partner users the audience lists given by ``column(field name)`` hold: their role,
    their partner's type, a region it serves, a program it is enrolled in, a tier it holds (the
    partner-side twin of ``audience_filter``)."""
    enrolments = ProgramEnrollment.objects.filter(tenant_id=OuterRef("tenant_id"), partner_id=OuterRef("partner_id"))
    any_, overlap = _OpenOr.ANY, _OpenOr.OVERLAP
    return Membership.objects.filter(kind=MembershipKind.PARTNER, is_active=True).filter(
        _OpenOr(F("role"), column("audience_roles"), op=any_),
        _OpenOr(F("partner__partner_type_id"), column("audience_partner_type_ids"), op=any_),
        _OpenOr(F("partner__regions_served"), column("audience_regions"), op=overlap),
        _OpenOr(ArraySubquery(enrolments.values("program_id")), column("audience_program_ids"), op=overlap),
        _OpenOr(ArraySubquery(enrolments.values("tier_id")), column("audience_tier_ids"), op=overlap),
    )


def audience_members(obj):
    """The people ``obj`` (an asset, a template, a campaign, an announcement) is for: a queryset
    of active partner-user memberships, one statement whatever their number. Staff are never in an
    audience."""

    def column(name: str):
        # The list as a literal of the column's own type ('{}'::bigint[] when empty).
        array = ArrayField(type(obj)._meta.get_field(name).base_field.clone())
        return Cast(Value(list(getattr(obj, name)), output_field=array), output_field=array)

    return _members_reached(column).filter(tenant_id=obj.tenant_id)


def audience_members_subquery():
    """``audience_members`` correlated to an outer row with an audience: a Membership queryset to
    wrap (``ArraySubquery(....values("pk"))``, a count of it)."""
    return _members_reached(lambda name: OuterRef(name)).filter(tenant_id=OuterRef("tenant_id"))


# --- what an audience is chosen from, and in words ---------------------------------------------------


@dataclass(frozen=True)
class AudienceOptions:
    """What each audience list is chosen from, as ``(value, label)`` pairs."""

    programs: list[tuple[int, str]]
    tiers: list[tuple[int, str]]
    partner_types: list[tuple[int, str]]
    regions: list[tuple[str, str]]
    roles: list[tuple[str, str]]

    def by_field(self) -> dict[str, list[tuple]]:
        """The choices of each audience column (``AUDIENCE_FIELDS``)."""
        lists = (self.programs, self.tiers, self.partner_types, self.regions, self.roles)
        return dict(zip(AUDIENCE_FIELDS, lists, strict=True))


def audience_options() -> AudienceOptions:
    """The tenant's programs (those with tiers: an enrolment holds a tier, so a program without
    tiers has nobody), tiers and partner types, the sales regions and the partner roles (in the
    product's order). From the memoised reference data: no query when warm."""
    tiers = tier_options()
    programs: dict[int, str] = {}
    for tier in tiers:
        programs.setdefault(tier.program_id, tier.program_name)
    return AudienceOptions(
        programs=sorted(programs.items(), key=lambda item: (item[1], item[0])),
        tiers=[(tier.id, tier.label) for tier in tiers],
        partner_types=[(option.id, option.name) for option in partner_type_options()],
        regions=list(REGION_CHOICES),
        roles=[(role.value, role.label) for role in Role if role in PARTNER_ROLES],
    )


def _labels() -> dict[str, str]:
    return {
        "audience_program_ids": gettext("Programs"),
        "audience_tier_ids": gettext("Tiers"),
        "audience_partner_type_ids": gettext("Partner types"),
        "audience_regions": gettext("Regions"),
        "audience_roles": gettext("Partner roles"),
    }


def audience_labels(obj, *, options: AudienceOptions | None = None) -> list[tuple[str, list[str]]]:
    """An audience in words: ``[(the list's label, the names chosen)]``, only the lists that narrow
    it (none: everyone). ``obj``: an object or a ``.values()`` row with the audience columns;
    ``options``: read once for a page of rows."""
    get = obj.get if isinstance(obj, dict) else lambda name: getattr(obj, name)
    choices = (options or audience_options()).by_field()
    labels = _labels()
    shown = []
    for name in AUDIENCE_FIELDS:
        values = get(name) or []
        if values:
            names = dict(choices[name])
            shown.append((labels[name], [str(names.get(value, f"#{value}")) for value in values]))
    return shown
