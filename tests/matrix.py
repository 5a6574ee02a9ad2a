"""The service-level permission matrix (STYLE 17): every action of an app, by every role, on an
object of the member's own company and on one of another partner.

An app's ``test_permissions.py`` writes who may, by hand, as a set of cells ``(role, whose)``, and
checks it twice: against the app's rule tables (``table_cells``: no database, every cell), and
against its services and selectors (``service_cells``: each call in a savepoint that is rolled
back, in one tenant where every role has a member). Staff have no company of their own: for them
"own" and "other" are two partners of their tenant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.http import Http404

from prm.accounts.models import Membership
from prm.accounts.roles import MembershipKind, Role
from prm.accounts.rules import Rule, allows
from prm.errors import NotAllowed
from prm.tenancy.scope import tenant_scope

from .factories import PartnerFactory, PartnerMembershipFactory, StaffMembershipFactory, TenantFactory

STAFF = (Role.ADMIN, Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR, Role.MARKETING, Role.FINANCE)
PARTNER = (Role.PARTNER_ADMIN, Role.SALES, Role.TECHNICAL, Role.PARTNER_MARKETING, Role.PARTNER_FINANCE)
OWN, OTHER = "own", "other"
CELLS = [(role, whose) for role in (*STAFF, *PARTNER) for whose in (OWN, OTHER)]
NOBODY: set = set()


def staff(*roles) -> set:
    """These staff roles, on any partner."""
    return {(role, whose) for role in roles for whose in (OWN, OTHER)}


def own(*roles) -> set:
    """These partner roles, on their own company only."""
    return {(role, OWN) for role in roles}


def table_cells(rule: Rule) -> set:
    """The cells a rule allows, asked of unsaved members (partner users belong to partner 1)."""
    cells = set()
    for role, whose in CELLS:
        kind = MembershipKind.STAFF if role in STAFF else MembershipKind.PARTNER
        member = Membership(role=role, kind=kind, partner_id=1 if kind == MembershipKind.PARTNER else None)
        member.is_active = True
        if allows(rule, member, 1 if whose == OWN else 2):
            cells.add((role, whose))
    return cells


@dataclass
class Cast:
    """One tenant, two partners (``own`` and ``other``) and a member for every role: staff, and
    partner users of ``own``."""

    tenant: object
    own: object
    other: object
    members: dict

    def partner(self, whose: str):
        return self.own if whose == OWN else self.other


def cast() -> Cast:
    tenant = TenantFactory()
    own_partner, other_partner = PartnerFactory(tenant=tenant), PartnerFactory(tenant=tenant)
    members = {role: StaffMembershipFactory(tenant=tenant, role=role) for role in STAFF}
    members |= {role: PartnerMembershipFactory(partner=own_partner, role=role) for role in PARTNER}
    return Cast(tenant=tenant, own=own_partner, other=other_partner, members=members)


class _Undo(Exception):
    """Rolls back a call that went through, so that every call starts from the same state."""


def attempt(call: Callable[[], object]) -> NotAllowed | Http404 | None:
    """Call ``call()`` in a savepoint that is always rolled back: None when it went through, else
    the ``NotAllowed`` or 404 that refused it. Any other error is the test's (fix its set-up)."""
    try:
        with transaction.atomic():
            call()
            raise _Undo
    except _Undo:
        return None
    except (NotAllowed, Http404) as refusal:
        return refusal


def service_cells(people: Cast, call: Callable) -> set:
    """The cells for which ``call(actor, whose)`` goes through: not refused with ``NotAllowed`` or
    a 404. Each call's writes are rolled back (``attempt``)."""
    with tenant_scope(people.tenant):
        return {(role, whose) for role, whose in CELLS if attempt(partial(call, people.members[role], whose)) is None}
