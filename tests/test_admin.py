"""The Django admin as a vendor admin uses it: configuration lands in their tenant, with events."""

from __future__ import annotations

import pytest

from prm.events.models import Event
from prm.tenancy.scope import tenant_scope
from programs.models import Program, Tier, TierRequirement

pytestmark = pytest.mark.django_db


def _formset(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data |= {f"{prefix}-{index}-{key}": value for key, value in row.items()}
    return data


PROGRAM = {
    "name": "Resell",
    "slug": "resell",
    "description": "",
    "is_active": "on",
    "review_cadence_months": "3",
    "next_review_on": "2027-01-01",
    "grace_periods": "1",
    "promotion_mode": "proposed",
    "deal_min_amount": "5000",
    "deal_review_hours": "48",
    "deal_win_needs_confirmation": "on",
}


def _tier(name, rank, discount, days):
    return {
        "name": name,
        "rank": str(rank),
        "color": "#aa8800",
        "discount_percent": str(discount),
        "protection_days": str(days),
        "lead_routing_weight": str(rank),
    }


def test_a_vendor_admin_builds_a_program_with_three_tiers_and_requirements(world, client_for):
    # given acme's vendor admin in the admin, and a manual metric for revenue
    client = client_for(world.acme.admin)
    response = client.post(
        "/admin/programs/manualmetric/add/",
        {"name": "Annual revenue", "code": "revenue", "unit": "USD", "evidence_required": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    # when they add a program for resellers with three tiers in one form
    tiers = [_tier("Silver", 1, 5, 60), _tier("Gold", 2, 10, 90), _tier("Platinum", 3, 15, 120)]
    data = PROGRAM | {"partner_types": [str(world.acme.partner_type.pk)]} | _formset("tiers", tiers)
    response = client.post("/admin/programs/program/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    # and give Gold and Platinum their requirements on each tier's page
    with tenant_scope(world.acme.tenant):
        ladder = {t.name: t for t in Tier.objects.filter(program__slug="resell")}
    for name, revenue, users in (("Gold", "100000", "3"), ("Platinum", "250000", "5")):
        tier = ladder[name]
        requirements = [
            {
                "metric": "manual:revenue",
                "operator": "gte",
                "threshold": revenue,
                "window_days": "365",
                "mandatory": "on",
            },
            {
                "metric": "partners.active_users",
                "operator": "gte",
                "threshold": users,
                "window_days": "0",
                "mandatory": "on",
            },
        ]
        data = {
            "program": str(tier.program_id),
            "name": name,
            "rank": str(tier.rank),
            "color": "#aa8800",
            "discount_percent": "10",
            "protection_days": "90",
            "mdf_allocation_percent": "0",
            "lead_routing_weight": "2",
            "rebate_percent": "1.5",
            "content_access": "",
            "optional_required": "0",
            "description": "",
        } | _formset("requirements", requirements)
        response = client.post(f"/admin/programs/tier/{tier.pk}/change/", data)
        assert response.status_code == 302, response.content.decode()[:3000]
    # then the program targets resellers, its tiers are ordered with their benefits, the
    # requirements are in place, everything belongs to acme, and the admin left events
    with tenant_scope(world.acme.tenant):
        program = Program.objects.get(slug="resell")
        assert program.target_partner_type_ids == [world.acme.partner_type.pk]
        assert [(t.name, t.protection_days) for t in Tier.objects.filter(program=program).order_by("rank")] == [
            ("Silver", 60),
            ("Gold", 90),
            ("Platinum", 90),
        ]
        gold = TierRequirement.objects.filter(tier__name="Gold").order_by("id")
        assert [(r.metric, r.threshold) for r in gold] == [("manual:revenue", 100000), ("partners.active_users", 3)]
        assert Event.objects.filter(verb="program.created_in_admin", object_id=program.pk).count() == 1
    with tenant_scope(world.globex.tenant):
        assert not Program.objects.filter(slug="resell").exists()
        assert not TierRequirement.objects.exists()


def test_a_metric_that_is_not_measured_yet_is_refused_with_the_reason(world, client_for, acme):
    # given a program with one tier
    client = client_for(acme.admin)
    assert (
        client.post("/admin/programs/program/add/", PROGRAM | _formset("tiers", [_tier("Gold", 1, 5, 90)])).status_code
        == 302
    )
    with tenant_scope(acme.tenant):
        gold = Tier.objects.get(name="Gold")
    # when the admin asks for the lead acceptance rate (the leads module does not measure it yet)
    data = {
        "program": str(gold.program_id),
        "name": "Gold",
        "rank": "1",
        "color": "#aa8800",
        "discount_percent": "5",
        "protection_days": "90",
        "mdf_allocation_percent": "0",
        "lead_routing_weight": "1",
        "rebate_percent": "0",
        "content_access": "",
        "optional_required": "0",
        "description": "",
    } | _formset(
        "requirements",
        [
            {
                "metric": "leads.acceptance_rate",
                "operator": "gte",
                "threshold": "1",
                "window_days": "365",
                "mandatory": "on",
            }
        ],
    )
    response = client.post(f"/admin/programs/tier/{gold.pk}/change/", data)
    # then the page says why and nothing is saved
    assert response.status_code == 200
    assert "not measured yet" in response.content.decode()
    with tenant_scope(acme.tenant):
        assert not TierRequirement.objects.exists()


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
        "regions_served": [],
        "countries_served": [],
        "industries": [],
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
