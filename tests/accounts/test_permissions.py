"""Who may do what with people: every action on memberships and invitations, on each side (the
vendor's staff, a partner's users), by every role, on its own company's people and another
partner's (``prm.accounts.permissions``): first in the tables, then in the services and selectors.
Staff people belong to no partner: for them "own" and "other" are the same staff."""

from __future__ import annotations

import pytest
from django.http import Http404

from prm.accounts.permissions import (
    INVITATION_RULES,
    INVITE,
    MANAGE,
    MEMBERSHIP_RULES,
    PARTNER_USERS,
    REVOKE,
    STAFF,
    VIEW,
)
from prm.accounts.roles import Role
from prm.accounts.rules import allows
from prm.accounts.selectors import (
    invitation_get_for_actor,
    invitations_pending_for_actor,
    membership_get_for_actor,
    people_list_for_actor,
    staff_list_for_actor,
)
from prm.accounts.services import (
    invitation_create,
    invitation_revoke,
    membership_deactivate,
    membership_reactivate,
    roles_invitable_by,
)
from prm.tenancy.scope import tenant_scope

from ..factories import InvitationFactory, PartnerMembershipFactory, StaffMembershipFactory
from ..matrix import NOBODY, OTHER, OWN, PARTNER, cast, own, service_cells, staff, table_cells
from ..matrix import STAFF as STAFF_ROLES

MANAGERS = (Role.ADMIN, Role.CHANNEL_MANAGER)  # partners.invite

EXPECTED = {
    ("membership", STAFF, VIEW): staff(*STAFF_ROLES),
    ("membership", STAFF, MANAGE): staff(Role.ADMIN),
    ("membership", PARTNER_USERS, VIEW): staff(*STAFF_ROLES) | own(*PARTNER),
    ("membership", PARTNER_USERS, MANAGE): staff(*MANAGERS) | own(Role.PARTNER_ADMIN),
    ("invitation", STAFF, VIEW): staff(*STAFF_ROLES),
    ("invitation", STAFF, INVITE): staff(Role.ADMIN),
    ("invitation", STAFF, REVOKE): staff(Role.ADMIN),
    ("invitation", PARTNER_USERS, VIEW): staff(*STAFF_ROLES) | own(*PARTNER),
    ("invitation", PARTNER_USERS, INVITE): staff(*MANAGERS) | own(Role.PARTNER_ADMIN),
    ("invitation", PARTNER_USERS, REVOKE): staff(*MANAGERS) | own(Role.PARTNER_ADMIN),
}
TABLES = {"membership": MEMBERSHIP_RULES, "invitation": INVITATION_RULES}


def test_every_action_has_its_row():
    rows = {(entity, side, action) for entity, table in TABLES.items() for side in table for action in table[side]}
    assert rows == set(EXPECTED)


@pytest.mark.parametrize("row", list(EXPECTED), ids="-".join)
def test_the_tables(row):
    entity, side, action = row
    assert table_cells(TABLES[entity][side][action]) == EXPECTED[row]


def test_the_platform_acts_on_nobody():
    assert not any(
        allows(rule, None, 1) for table in TABLES.values() for rules in table.values() for rule in rules.values()
    )


# --- the services and selectors refuse exactly those -------------------------------------------


class People:
    """The cast, and on each side (``STAFF``, ``PARTNER_USERS``) whose people to act on, by whose
    they are (``OWN``, ``OTHER``; the same staff for both): someone active, someone deactivated,
    a pending invitation, the partner (None for staff) and a role to invite with."""

    def __init__(self):
        self.cast = cast()
        tenant = self.cast.tenant

        def per_side(make) -> dict:
            """{side: {whose: make(partner)}}: one for the staff (partner None), one per partner."""
            staff = make(None)
            partners = {whose: make(self.cast.partner(whose)) for whose in (OWN, OTHER)}
            return {STAFF: {OWN: staff, OTHER: staff}, PARTNER_USERS: partners}

        def member(partner, **fields):
            if partner is None:
                return StaffMembershipFactory(tenant=tenant, role=Role.FINANCE, **fields)
            return PartnerMembershipFactory(partner=partner, role=Role.TECHNICAL, **fields)

        self.partner = per_side(lambda partner: partner)
        self.active = per_side(member)
        self.inactive = per_side(lambda partner: member(partner, is_active=False))
        self.invitation = per_side(lambda partner: InvitationFactory(tenant=tenant, partner=partner))
        self.role = {STAFF: Role.MARKETING, PARTNER_USERS: Role.SALES}


def _list(p, side, actor, whose):
    if side == STAFF:
        return staff_list_for_actor(actor=actor)
    return people_list_for_actor(actor=actor, partner=p.partner[side][whose])


# name -> (entity, action, call(people, side, actor, whose)), each called on both sides
CALLS = {
    "staff_list_for_actor / people_list_for_actor": ("membership", VIEW, _list),
    "membership_get_for_actor": (
        "membership",
        VIEW,
        lambda p, side, actor, whose: membership_get_for_actor(actor=actor, membership_id=p.active[side][whose].pk),
    ),
    "membership_deactivate": (
        "membership",
        MANAGE,
        lambda p, side, actor, whose: membership_deactivate(actor=actor, membership=p.active[side][whose]),
    ),
    "membership_reactivate": (
        "membership",
        MANAGE,
        lambda p, side, actor, whose: membership_reactivate(actor=actor, membership=p.inactive[side][whose]),
    ),
    "invitations_pending_for_actor": (
        "invitation",
        VIEW,
        lambda p, side, actor, whose: invitations_pending_for_actor(actor=actor, partner=p.partner[side][whose]),
    ),
    "invitation_get_for_actor": (
        "invitation",
        VIEW,
        lambda p, side, actor, whose: invitation_get_for_actor(actor=actor, invitation_id=p.invitation[side][whose].pk),
    ),
    "invitation_create": (
        "invitation",
        INVITE,
        lambda p, side, actor, whose: invitation_create(
            actor=actor, email="new@example.com", role=p.role[side], partner=p.partner[side][whose]
        ),
    ),
    "invitation_revoke": (
        "invitation",
        REVOKE,
        lambda p, side, actor, whose: invitation_revoke(actor=actor, invitation=p.invitation[side][whose]),
    ),
}
SIDES = (STAFF, PARTNER_USERS)


def test_every_row_is_called():
    assert {(entity, side, action) for entity, action, _ in CALLS.values() for side in SIDES} == set(EXPECTED)


@pytest.mark.django_db
@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("name", list(CALLS))
def test_the_services_and_selectors(name, side):
    entity, action, call = CALLS[name]
    people = People()
    allowed = service_cells(people.cast, lambda actor, whose: call(people, side, actor, whose))
    assert allowed == EXPECTED[(entity, side, action)], f"{name} ({side}): allowed {sorted(allowed)}"
    assert allowed != NOBODY


@pytest.mark.django_db
def test_a_partner_user_asking_for_the_staffs_invitations_is_not_found():
    people = People()
    with tenant_scope(people.cast.tenant), pytest.raises(Http404):
        invitations_pending_for_actor(actor=people.cast.members[Role.PARTNER_ADMIN], partner=None)


@pytest.mark.django_db
def test_the_roles_offered_are_those_the_services_accept():
    people = People()
    members, own_partner = people.cast.members, people.cast.own
    with tenant_scope(people.cast.tenant):
        assert roles_invitable_by(actor=members[Role.ADMIN], partner=None) == sorted(STAFF_ROLES)
        assert roles_invitable_by(actor=members[Role.CHANNEL_MANAGER], partner=None) == []
        assert roles_invitable_by(actor=members[Role.CHANNEL_MANAGER], partner=own_partner) == sorted(PARTNER)
        assert roles_invitable_by(actor=members[Role.PARTNER_ADMIN], partner=own_partner) == sorted(PARTNER)
        assert roles_invitable_by(actor=members[Role.PARTNER_ADMIN], partner=people.cast.other) == []
        assert roles_invitable_by(actor=members[Role.SALES], partner=own_partner) == []
