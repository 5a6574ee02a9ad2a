"""Who may do what to a partner record: every action, every role, on its own company and on another
partner's (``partners.permissions.PARTNER_RULES``), first in the table, then in the services."""

from __future__ import annotations

import pytest

from partners.permissions import CHANGE_STATUS, CREATE, EDIT, MANAGE_CONTACTS, PARTNER_RULES, VIEW
from partners.selectors import partner_get_for_actor
from partners.services import contact_create, contact_delete, partner_change_status, partner_create, partner_update
from prm.accounts.roles import Role

from ..factories import ContactFactory
from ..matrix import NOBODY, PARTNER, STAFF, cast, own, service_cells, staff, table_cells

MANAGERS = (Role.ADMIN, Role.CHANNEL_MANAGER)

EXPECTED = {
    VIEW: staff(*STAFF) | own(*PARTNER),
    CREATE: staff(Role.ADMIN),
    EDIT: staff(*MANAGERS) | own(Role.PARTNER_ADMIN),
    CHANGE_STATUS: staff(*MANAGERS),
    MANAGE_CONTACTS: staff(*MANAGERS) | own(Role.PARTNER_ADMIN),
}


def test_every_action_has_its_row():
    assert set(PARTNER_RULES) == set(EXPECTED)


@pytest.mark.parametrize("action", list(EXPECTED))
def test_the_table(action):
    assert table_cells(PARTNER_RULES[action]) == EXPECTED[action]


def test_the_platform_acts_on_no_partner_record():
    from prm.accounts.rules import allows

    assert not any(allows(rule, None, 1) for rule in PARTNER_RULES.values())


# --- the services and selectors refuse exactly those -------------------------------------------


def _contact(people, whose):
    return ContactFactory(partner=people.partner(whose))


CALLS = {
    "partner_get_for_actor": (
        VIEW,
        lambda people, actor, whose: partner_get_for_actor(actor=actor, partner_id=people.partner(whose).pk),
    ),
    "partner_create": (
        CREATE,
        lambda people, actor, whose: partner_create(
            actor=actor, legal_name="Newco Ltd", partner_type=people.own.partner_type, country="DE"
        ),
    ),
    "partner_update": (
        EDIT,
        lambda people, actor, whose: partner_update(
            actor=actor, partner=people.partner(whose), changes={"phone": "+1"}
        ),
    ),
    "partner_change_status": (
        CHANGE_STATUS,
        lambda people, actor, whose: partner_change_status(
            actor=actor, partner=people.partner(whose), to_status="suspended", reason="Overdue"
        ),
    ),
    "contact_create": (
        MANAGE_CONTACTS,
        lambda people, actor, whose: contact_create(actor=actor, partner=people.partner(whose), name="Jane Signer"),
    ),
    "contact_delete": (
        MANAGE_CONTACTS,
        lambda people, actor, whose: contact_delete(actor=actor, contact=_contact(people, whose)),
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(CALLS))
def test_the_services(name):
    action, call = CALLS[name]
    people = cast()
    allowed = service_cells(people, lambda actor, whose: call(people, actor, whose))
    assert allowed == EXPECTED[action], f"{name}: allowed {sorted(allowed)}"
    assert allowed != NOBODY
