"""Who may do what to an app's objects: one table per entity, one guard.

Capabilities say what a role may do in general (``roles.py``); a rule says who may take one action
on one object, which belongs to a partner:

* staff holding one of the rule's ``staff`` capabilities act on any object of their tenant;
* a partner user holding one of its ``partner`` capabilities acts on its own company's objects,
  or, where the rule names a ``company`` capability, on the objects it owns itself (a sales rep's
  own deal registrations) unless it holds that capability too (a partner admin: the company's);
* the platform (no membership: a superuser in the admin, a command) where the rule says so.

How far an actor reaches with a rule is one of ``TENANT``, ``COMPANY``, ``OWN`` (``reach``); one
object is judged by ``allows``, a list by ``narrow`` (the same rule as a queryset filter), so a
page never lists what a service would refuse. The tenant is not the rule's business: the scope and
``assert_same_tenant`` hold it.

An app's ``permissions.py`` writes a table ``{action: rule(...)}`` per entity and one guard,
``<entity>_require(actor, obj, action)``, that its services and selectors call (``enforce``), and
``<entity>_may`` for pages that show or hide a button (``allows``). A refused action raises
``NotAllowed`` with the rule's sentence (``staff_refusal`` when staff read another); a rule without
one (seeing) raises ``Http404``: what one may not see does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404

from prm.errors import NotAllowed

from .roles import CAPABILITIES

# How far an actor reaches with a rule.
PLATFORM, TENANT, COMPANY, OWN = "platform", "tenant", "company", "own"


@dataclass(frozen=True)
class Rule:
    staff: frozenset[str] = frozenset()  # any of these lets staff act on any partner's object
    partner: frozenset[str] = frozenset()  # any of these lets a partner user act on its company's
    platform: bool = False  # no membership (the admin's superuser, a command) may act
    company: str | None = None  # a partner user without it acts only on the objects it owns
    refusal: str | None = None  # NotAllowed's sentence; None: a 404
    staff_refusal: str | None = None  # what refused staff read instead, where it differs


def rule(
    *,
    staff: Iterable[str] = (),
    partner: Iterable[str] = (),
    platform: bool = False,
    company: str | None = None,
    refusal: str | None = None,
    staff_refusal: str | None = None,
) -> Rule:
    """A rule of a table; its capabilities must be declared (a typo fails at import)."""
    for name in (*staff, *partner, *([company] if company else [])):
        CAPABILITIES.require(name)
    return Rule(
        staff=frozenset(staff),
        partner=frozenset(partner),
        platform=platform,
        company=company,
        refusal=refusal,
        staff_refusal=staff_refusal,
    )


def reach(rule: Rule, actor) -> str | None:
    """How far ``actor`` (a membership, or None for the platform) reaches with ``rule``:
    ``PLATFORM``, ``TENANT``, ``COMPANY``, ``OWN``, or None (nowhere)."""
    if actor is None:
        return PLATFORM if rule.platform else None
    if actor.is_staff_member:
        return TENANT if any(actor.can(name) for name in rule.staff) else None
    if actor.is_partner_user and actor.partner_id is not None and any(actor.can(name) for name in rule.partner):
        return OWN if rule.company is not None and not actor.can(rule.company) else COMPANY
    return None


def allows(rule: Rule, actor, partner_id: int | None, *, owner_id: int | None = None) -> bool:
    """Whether ``actor`` may act on an object of the partner ``partner_id`` (None: an object of no
    partner yet, e.g. one being created), owned by the membership ``owner_id`` where that counts."""
    how_far = reach(rule, actor)
    if how_far in (PLATFORM, TENANT):
        return True
    if how_far is None or partner_id is None or actor.partner_id != partner_id:
        return False
    return how_far == COMPANY or (owner_id is not None and owner_id == actor.pk)


def narrow(rule: Rule, actor, *, partner_field: str = "partner_id", owner_field: str | None = None) -> Q | None:
    """The objects (of the current tenant) ``actor`` may act on, as a filter; None when there are
    none. What ``allows`` answers for one object, for a list."""
    how_far = reach(rule, actor)
    if how_far is None:
        return None
    if how_far in (PLATFORM, TENANT):
        return Q()
    company = Q(**{partner_field: actor.partner_id})
    if how_far == COMPANY:
        return company
    return company & Q(**{owner_field: actor.pk}) if owner_field else None


def refuse(rule: Rule, actor) -> Exception:
    """The error a refused ``actor`` gets: ``NotAllowed`` with the rule's sentence, or a 404."""
    if rule.refusal is None:
        return Http404()
    staff = actor is not None and actor.is_staff_member
    return NotAllowed(rule.staff_refusal if staff and rule.staff_refusal else rule.refusal)


def enforce(table: dict[str, Rule], action: str, actor, partner_id: int | None, *, owner_id: int | None = None) -> None:
    """Raise unless the table's rule for ``action`` allows it (see the module's docstring)."""
    try:
        chosen = table[action]
    except KeyError:
        raise LookupError(f"no rule for the action {action!r}: add it to the table") from None
    if not allows(chosen, actor, partner_id, owner_id=owner_id):
        raise refuse(chosen, actor)
