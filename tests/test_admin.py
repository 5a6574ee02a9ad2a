"""The Django admin as a vendor admin uses it: configuration lands in their tenant, with events."""

from __future__ import annotations

import pytest

from prm.events.models import Event
from prm.tenancy.scope import tenant_scope
from programs.models import Program, Tier

pytestmark = pytest.mark.django_db


def test_a_vendor_admin_builds_a_program_with_three_tiers(world, client_for):
    # given acme's vendor admin in the admin
    client = client_for(world.acme.admin)
    # when they add a program with three tiers in one form
    tiers = [("Silver", 1), ("Gold", 2), ("Platinum", 3)]
    data = {
        "name": "Resell",
        "slug": "resell",
        "description": "",
        "is_active": "on",
        "tiers-TOTAL_FORMS": str(len(tiers)),
        "tiers-INITIAL_FORMS": "0",
        "tiers-MIN_NUM_FORMS": "0",
        "tiers-MAX_NUM_FORMS": "1000",
    }
    for index, (name, rank) in enumerate(tiers):
        data |= {f"tiers-{index}-name": name, f"tiers-{index}-rank": str(rank), f"tiers-{index}-color": "#aa8800"}
    response = client.post("/admin/programs/program/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    # then the program and its ordered tiers belong to acme, and the admin left an event
    with tenant_scope(world.acme.tenant):
        program = Program.objects.get(slug="resell")
        assert [t.name for t in Tier.objects.filter(program=program).order_by("rank")] == ["Silver", "Gold", "Platinum"]
        assert Event.objects.filter(verb="program.created_in_admin", object_id=program.pk).count() == 1
    with tenant_scope(world.globex.tenant):
        assert not Program.objects.filter(slug="resell").exists()


def test_an_admin_edit_of_a_partner_is_on_its_record(world, client_for):
    # given acme's admin changing partner 1's description in the admin
    client = client_for(world.acme.admin)
    partner = world.acme.partner
    page = client.get(f"/admin/partners/partner/{partner.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data |= {
        "description": "Configured in the admin",
        "email_domains": ",".join(partner.email_domains),
        "regions_served": "",
        "countries_served": "",
        "industries": "",
        "custom_attributes": "{}",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "1000",
    }
    data = {key: value for key, value in data.items() if value is not None}
    response = client.post(f"/admin/partners/partner/{partner.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    # then the change is recorded on the partner's timeline (vendor-internal)
    with tenant_scope(world.acme.tenant):
        [event] = Event.objects.filter(verb="partner.changed_in_admin", object_id=partner.pk)
        assert "description" in event.data["fields"]
        assert event.internal is True
