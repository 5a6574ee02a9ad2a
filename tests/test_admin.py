"""The Django admin as a vendor admin uses it: configuration lands in their tenant, with events."""

from __future__ import annotations

import pytest
from django.urls import reverse

from prm.accounts.roles import Role
from prm.events.models import Event
from prm.tenancy.scope import tenant_scope
from programs import metrics
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


def test_a_metric_that_is_not_measured_yet_is_refused_with_the_reason(world, client_for, acme, monkeypatch):
    # given a program with one tier, and a metric declared for a module that is not installed
    monkeypatch.setitem(metrics._REGISTRY, "partners.nps", metrics.Metric("partners.nps", "NPS", provider="surveys"))
    client = client_for(acme.admin)
    assert (
        client.post("/admin/programs/program/add/", PROGRAM | _formset("tiers", [_tier("Gold", 1, 5, 90)])).status_code
        == 302
    )
    with tenant_scope(acme.tenant):
        gold = Tier.objects.get(name="Gold")
    # when the admin asks for it
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
                "metric": "partners.nps",
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


# --- list fields chosen from fixed lists --------------------------------------------------------


def _partner_form_data(client, partner) -> dict:
    page = client.get(f"/admin/partners/partner/{partner.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {key: ("" if value is None else value) for key, value in data.items()}
    data["email_domains"] = ",".join(partner.email_domains)
    data["custom_attributes"] = "{}"
    return data | _formset("contacts", [])


def test_a_partners_lists_are_picked_from_the_fixed_lists(world, client_for):
    # given acme's admin on partner 1's change page
    client = client_for(world.acme.admin)
    partner = world.acme.partner
    page = client.get(f"/admin/partners/partner/{partner.pk}/change/").content.decode()
    # then industries and regions are checkboxes and countries a list of names, not text boxes
    assert 'type="checkbox" name="industries" value="Healthcare"' in page
    assert 'type="checkbox" name="regions_served" value="EMEA"' in page
    assert '<option value="DE">Germany</option>' in page
    assert 'name="industries" type="text"' not in page
    # when they pick from the lists
    data = _partner_form_data(client, partner) | {
        "industries": ["Healthcare", "Retail"],
        "regions_served": ["EMEA"],
        "countries_served": ["DE", "AT"],
        "country": "AT",
    }
    response = client.post(f"/admin/partners/partner/{partner.pk}/change/", data)
    # then the record holds what was picked
    assert response.status_code == 302, response.content.decode()[:3000]
    with tenant_scope(world.acme.tenant):
        partner.refresh_from_db()
        assert (partner.industries, partner.regions_served, partner.countries_served, partner.country) == (
            ["Healthcare", "Retail"],
            ["EMEA"],
            ["DE", "AT"],
            "AT",
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("industries", "Basket weaving"),
        ("regions_served", "Mars"),
        ("countries_served", "XX"),
        ("country", "Germany"),
    ],
)
def test_a_partner_value_outside_the_lists_is_refused_with_a_message(world, client_for, field, value):
    # given acme's admin on partner 1's change page
    client = client_for(world.acme.admin)
    partner = world.acme.partner
    data = _partner_form_data(client, partner)
    # when a value outside the list is posted (a forged form, or an old bookmark)
    data[field] = value if field == "country" else [value]
    response = client.post(f"/admin/partners/partner/{partner.pk}/change/", data)
    # then the page says so on the field, and nothing changed
    assert response.status_code == 200
    assert f"{value} is not one of the" in response.content.decode()
    assert field in response.context["adminform"].form.errors
    with tenant_scope(world.acme.tenant):
        partner.refresh_from_db()
        assert value not in [partner.country, *partner.industries, *partner.regions_served, *partner.countries_served]


def test_a_program_targets_segments_from_the_same_lists_and_refuses_others(world, client_for):
    # given acme's admin adding a program
    client = client_for(world.acme.admin)
    targets = {"target_industries": ["Healthcare"], "target_regions": ["EMEA"], "target_countries": ["DE", "FR"]}
    # when the segments come from the lists, it is saved with them
    saved = client.post("/admin/programs/program/add/", PROGRAM | targets | _formset("tiers", []))
    assert saved.status_code == 302, saved.content.decode()[:2000]
    with tenant_scope(world.acme.tenant):
        program = Program.objects.get(slug="resell")
        assert (program.target_industries, program.target_regions, program.target_countries) == (
            ["Healthcare"],
            ["EMEA"],
            ["DE", "FR"],
        )
    # and values outside them are refused, each with a message
    forged = {"target_industries": ["Crypto"], "target_regions": ["Moon"], "target_countries": ["ZZ"]}
    data = PROGRAM | {"name": "Other", "slug": "other"} | forged | _formset("tiers", [])
    refused = client.post("/admin/programs/program/add/", data)
    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert set(errors) == {"target_industries", "target_regions", "target_countries"}
    assert "ZZ is not one of the choices" in refused.content.decode()
    with tenant_scope(world.acme.tenant):
        assert not Program.objects.filter(slug="other").exists()


def test_a_value_typed_before_the_lists_stays_visible_and_kept(world, client_for):
    # given a partner whose industries were typed as text before the lists existed
    partner = world.acme.partner
    with tenant_scope(world.acme.tenant):
        type(partner).objects.filter(pk=partner.pk).update(industries=["Healthcare", "Widgets"])
    client = client_for(world.acme.admin)
    # when the admin opens it and saves it for another reason
    page = client.get(f"/admin/partners/partner/{partner.pk}/change/").content.decode()
    data = _partner_form_data(client, partner) | {"description": "Checked"}
    response = client.post(f"/admin/partners/partner/{partner.pk}/change/", data)
    # then the old value is shown as such, ticked, and not silently dropped
    assert "Widgets (not in the list)" in page
    assert response.status_code == 302, response.content.decode()[:3000]
    with tenant_scope(world.acme.tenant):
        partner.refresh_from_db()
        assert partner.industries == ["Healthcare", "Widgets"]


# --- who may configure, and what they see -------------------------------------------------------


def test_the_admin_carries_the_vendors_name_and_colours(world, client_for):
    # given acme's vendor admin
    client = client_for(world.acme.admin)
    # when they open the admin
    page = client.get("/admin/").content.decode()
    # then it is acme's configuration area, in its colours, with a way back to the portal
    name = world.acme.tenant.name
    assert f"{name} configuration" in page
    assert f"Configure the {name} partner portal" in page
    assert "/static/css/admin.css" in page
    assert f"--brand: {world.acme.tenant.brand_color}" in page
    assert 'href="/">Back to the portal' in page


@pytest.mark.parametrize("who", ["manager", "marketing", "partner_admin", "sales", "globex_admin"])
@pytest.mark.parametrize("path", ["/admin/", "/admin/partners/partner/", "/admin/login/?next=/admin/"])
def test_someone_signed_in_who_may_not_configure_is_told_so_not_looped(world, client_for, who, path):
    # given a signed-in person of acme's host who is not its vendor admin
    from .conftest import make_client

    member = {
        "manager": world.acme.manager,
        "marketing": world.acme.marketing,
        "partner_admin": world.acme.partner_admin,
        "sales": world.acme.sales_rep,
        "globex_admin": world.globex.admin,
    }[who]
    client = make_client(member, host=world.acme.host)
    # when they open the configuration area
    response = client.get(path)
    # then they are refused on the spot, in the product's layout, with a way home
    assert response.status_code == 403
    page = response.content.decode()
    assert "The configuration area is for the vendor's administrators" in page
    assert 'class="navbar navbar-expand-md navbar-dark brand-bar"' in page
    assert 'href="/"' in page
    assert world.acme.partner.display_name not in page


def test_a_vendor_admin_on_the_admins_sign_in_address_goes_to_the_admin(world, client_for):
    response = client_for(world.acme.admin).get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_a_vendor_admin_without_a_second_factor_is_sent_to_set_one_up_from_the_admin(world, client_for):
    # given a vendor admin with no authenticator app
    from .factories import StaffMembershipFactory

    admin = StaffMembershipFactory(tenant=world.acme.tenant, role=Role.ADMIN)
    # when they open the configuration area
    response = client_for(admin).get("/admin/")
    # then they are sent to enrol a second factor first, not refused
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
