"""Who may do what to an app's objects: one table per entity, one guard.

Capabilities say what a role may do in general (``roles.py``); a rule says who may take one action
on one object, which belongs to a partner: staff holding one of the rule's ``staff`` capabilities,
on any partner of their tenant; a partner user holding one of its ``partner`` capabilities, on its
own company only; the platform (no membership: a superuser in the admin, a command) where the rule
says so. The tenant is not the rule's business: the scope and ``assert_same_tenant`` hold it.

An app's ``permissions.py`` writes a table ``{action: Rule}`` per entity and one guard,
``<entity>_require(actor, obj, action)``, that its services and selectors call (``enforce``), and
``<entity>_may`` for pages that show or hide a button (``allows``). A refused action raises
``NotAllowed`` with the rule's sentence; a rule without one (seeing) raises ``Http404``: what one
may not see does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.http import Http404

from prm.errors import NotAllowed

from .roles import CAPABILITIES


@dataclass(frozen=True)
class Rule:
    staff: frozenset[str] = frozenset()  # any of these lets staff act on any partner's object
    partner: frozenset[str] = frozenset()  # any of these lets a partner user act on its own company's
    platform: bool = False  # no membership (the admin's superuser, a command) may act
    refusal: str | None = None  # NotAllowed's sentence; None: a 404


def rule(*, staff: Iterable[str] = (), partner: Iterable[str] = (), platform: bool = False, refusal=None) -> Rule:
    """A rule of a table; its capabilities must be declared (a typo fails at import)."""
    for name in (*staff, *partner):
        CAPABILITIES.require(name)
    return Rule(staff=frozenset(staff), partner=frozenset(partner), platform=platform, refusal=refusal)


def allows(rule: Rule, actor, partner_id: int | None) -> bool:
    """Whether ``actor`` (a membership, or None for the platform) may act on an object of the
    partner ``partner_id`` (None: an object of no partner yet, e.g. one being created)."""
    if actor is None:
        return rule.platform
    if actor.is_staff_member:
        return any(actor.can(name) for name in rule.staff)
    if actor.is_partner_user:
        return partner_id is not None and actor.partner_id == partner_id and any(actor.can(n) for n in rule.partner)
    return False


def enforce(table: dict[str, Rule], action: str, actor, partner_id: int | None) -> None:
    """Raise unless the table's rule for ``action`` allows it (see the module's docstring)."""
    try:
        chosen = table[action]
    except KeyError:
        raise LookupError(f"no rule for the action {action!r}: add it to the table") from None
    if not allows(chosen, actor, partner_id):
        if chosen.refusal is None:
            raise Http404
        raise NotAllowed(chosen.refusal)
