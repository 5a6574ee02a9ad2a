"""A tenant's own settings: only its vendor admins change them (``prm.tenancy.permissions``), and
each change is recorded as an event."""

from __future__ import annotations

import pytest

from prm.accounts.roles import Role
from prm.errors import NotAllowed
from prm.events.models import Event
from prm.tenancy import events
from prm.tenancy.models import Tenant
from prm.tenancy.permissions import CONFIGURE, TENANT_RULES
from prm.tenancy.scope import tenant_scope
from prm.tenancy.services import tenant_settings_update

from ..matrix import cast, service_cells, staff, table_cells


def test_the_table():
    assert set(TENANT_RULES) == {CONFIGURE}
    assert table_cells(TENANT_RULES[CONFIGURE]) == staff(Role.ADMIN)


@pytest.mark.django_db
def test_the_service_refuses_everybody_else():
    people = cast()
    allowed = service_cells(
        people, lambda actor, whose: tenant_settings_update(actor=actor, tenant=people.tenant, changes={"name": "New"})
    )
    assert allowed == staff(Role.ADMIN)


@pytest.mark.django_db
def test_a_change_is_saved_and_recorded_once(world):
    # given acme's vendor admin
    acme = world.acme
    with tenant_scope(acme.tenant):
        # when they rename the portal, and then save the same name again
        tenant_settings_update(actor=acme.admin, tenant=acme.tenant, changes={"name": "Acme Channel"})
        tenant_settings_update(actor=acme.admin, tenant=acme.tenant, changes={"name": "Acme Channel"})
        # then the name is saved, with one event of the declared verb
        assert Tenant.objects.get(pk=acme.tenant.pk).name == "Acme Channel"
        [event] = Event.objects.filter(verb=events.SETTINGS_CHANGED)
        assert event.data == {"changes": {"name": {"from": "Acme", "to": "Acme Channel"}}}


@pytest.mark.django_db
def test_another_tenants_admin_is_refused(world):
    with tenant_scope(world.acme.tenant), pytest.raises(NotAllowed):
        tenant_settings_update(actor=world.globex.admin, tenant=world.acme.tenant, changes={"name": "Taken"})
    assert Tenant.objects.get(pk=world.acme.tenant.pk).name == "Acme"
