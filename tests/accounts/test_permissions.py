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
    """The cast, and people to act on: a staff member, and a user of each partner (active, and
    deactivated), with a pending invitation each side."""

    def __init__(self):
        self.cast = cast()
        tenant = self.cast.tenant
        self.staff = StaffMembershipFactory(tenant=tenant, role=Role.FINANCE)
        self.staff_inactive = StaffMembershipFactory(tenant=tenant, role=Role.FINANCE, is_active=False)
        self.users = {
            whose: PartnerMembershipFactory(partner=self.partner(whose), role=Role.TECHNICAL) for whose in (OWN, OTHER)
        }
        self.inactive = {
            whose: PartnerMembershipFactory(partner=self.partner(whose), role=Role.TECHNICAL, is_active=False)
            for whose in (OWN, OTHER)
        }
        self.staff_invitation = InvitationFactory(tenant=tenant, partner=None)
        self.invitations = {whose: InvitationFactory(partner=self.partner(whose)) for whose in (OWN, OTHER)}

    def partner(self, whose):
        return self.cast.partner(whose)


# name -> (row, call(people, actor, whose))
CALLS = {
    "staff_list_for_actor": (("membership", STAFF, VIEW), lambda p, actor, whose: staff_list_for_actor(actor=actor)),
    "membership_get_for_actor (staff)": (
        ("membership", STAFF, VIEW),
        lambda p, actor, whose: membership_get_for_actor(actor=actor, membership_id=p.staff.pk),
    ),
    "membership_deactivate (staff)": (
        ("membership", STAFF, MANAGE),
        lambda p, actor, whose: membership_deactivate(actor=actor, membership=p.staff),
    ),
    "membership_reactivate (staff)": (
        ("membership", STAFF, MANAGE),
        lambda p, actor, whose: membership_reactivate(actor=actor, membership=p.staff_inactive),
    ),
    "people_list_for_actor": (
        ("membership", PARTNER_USERS, VIEW),
        lambda p, actor, whose: people_list_for_actor(actor=actor, partner=p.partner(whose)),
    ),
    "membership_get_for_actor (partner user)": (
        ("membership", PARTNER_USERS, VIEW),
        lambda p, actor, whose: membership_get_for_actor(actor=actor, membership_id=p.users[whose].pk),
    ),
    "membership_deactivate (partner user)": (
        ("membership", PARTNER_USERS, MANAGE),
        lambda p, actor, whose: membership_deactivate(actor=actor, membership=p.users[whose]),
    ),
    "membership_reactivate (partner user)": (
        ("membership", PARTNER_USERS, MANAGE),
        lambda p, actor, whose: membership_reactivate(actor=actor, membership=p.inactive[whose]),
    ),
    "invitations_pending_for_actor (staff)": (
        ("invitation", STAFF, VIEW),
        lambda p, actor, whose: invitations_pending_for_actor(actor=actor, partner=None),
    ),
    "invitation_get_for_actor (staff)": (
        ("invitation", STAFF, VIEW),
        lambda p, actor, whose: invitation_get_for_actor(actor=actor, invitation_id=p.staff_invitation.pk),
    ),
    "invitation_create (staff)": (
        ("invitation", STAFF, INVITE),
        lambda p, actor, whose: invitation_create(actor=actor, email="new@example.com", role=Role.MARKETING),
    ),
    "invitation_revoke (staff)": (
        ("invitation", STAFF, REVOKE),
        lambda p, actor, whose: invitation_revoke(actor=actor, invitation=p.staff_invitation),
    ),
    "invitations_pending_for_actor (partner users)": (
        ("invitation", PARTNER_USERS, VIEW),
        lambda p, actor, whose: invitations_pending_for_actor(actor=actor, partner=p.partner(whose)),
    ),
    "invitation_get_for_actor (partner user)": (
        ("invitation", PARTNER_USERS, VIEW),
        lambda p, actor, whose: invitation_get_for_actor(actor=actor, invitation_id=p.invitations[whose].pk),
    ),
    "invitation_create (partner user)": (
        ("invitation", PARTNER_USERS, INVITE),
        lambda p, actor, whose: invitation_create(
            actor=actor, email="new@example.com", role=Role.SALES, partner=p.partner(whose)
        ),
    ),
    "invitation_revoke (partner user)": (
        ("invitation", PARTNER_USERS, REVOKE),
        lambda p, actor, whose: invitation_revoke(actor=actor, invitation=p.invitations[whose]),
    ),
}


def test_every_row_is_called():
    assert {row for row, _ in CALLS.values()} == set(EXPECTED)


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(CALLS))
def test_the_services_and_selectors(name):
    row, call = CALLS[name]
    people = People()
    allowed = service_cells(people.cast, lambda actor, whose: call(people, actor, whose))
    assert allowed == EXPECTED[row], f"{name}: allowed {sorted(allowed)}"
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
