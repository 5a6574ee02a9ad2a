"""The catalogue and policy admin as a vendor admin uses it: rules with partner-type checkboxes,
territory grants checked by the catalogue service, licence decisions as admin actions."""

from __future__ import annotations

import re

import pytest

from prm.events.models import Event
from prm.tenancy.scope import platform_scope, tenant_scope
from programs.models import AuthorizationRule, LicenceStatus, ProductLine, Region, TerritoryGrant

from ..factories import (
    LicenceTypeFactory,
    PartnerLicenceFactory,
    PartnerTypeFactory,
    ProductLineFactory,
    TerritoryGrantFactory,
    refresh,
)

pytestmark = pytest.mark.django_db


def _formset(prefix: str, rows: list[dict]) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data |= {f"{prefix}-{index}-{name}": value for name, value in row.items()}
    return data


def test_a_line_with_a_product_and_a_rule_for_some_partner_types(world, client_for):
    # given acme's vendor admin, and an MSP partner type besides resellers
    acme = world.acme
    msp = PartnerTypeFactory(tenant=acme.tenant, name="MSP", slug="msp")
    client = client_for(acme.admin)
    page = client.get("/admin/programs/productline/add/")
    assert page.status_code == 200 and "MSP" in page.content.decode()
    # when they add a line with a product (currency left to the portal's) and a rule ticking MSP
    data = {"name": "Cloud Security", "slug": "cloud-security", "description": "", "is_active": "on"}
    data |= _formset("products", [{"sku": "CS-1", "name": "Gateway", "list_price": "990", "is_active": "on"}])
    data |= _formset("rules", [{"allowed_partner_types": [str(msp.pk)], "note": "MSPs only"}])
    response = client.post("/admin/programs/productline/add/", data)
    # then the rule holds MSP's id, and the product took the portal's currency
    assert response.status_code == 302, response.content.decode()[:3000]
    with tenant_scope(acme.tenant):
        line = ProductLine.objects.get(slug="cloud-security")
        [rule] = AuthorizationRule.objects.filter(product_line=line)
        assert rule.allowed_partner_type_ids == [msp.pk]
        assert line.products.get().currency == acme.tenant.default_currency
    # and the change page shows the box ticked
    change = client.get(f"/admin/programs/productline/{line.pk}/change/").content.decode()
    assert re.search(rf'name="rules-0-allowed_partner_types" value="{msp.pk}"[^>]*checked', change)
    assert not re.search(rf'name="rules-0-allowed_partner_types" value="{acme.partner_type.pk}"[^>]*checked', change)


def test_region_countries_are_chosen_from_the_country_list(world, client_for):
    client = client_for(world.acme.admin)
    response = client.post(
        "/admin/programs/region/add/", {"name": "DACH", "code": "dach", "countries": ["DE", "AT", "CH"]}
    )
    assert response.status_code == 302
    with tenant_scope(world.acme.tenant):
        assert Region.objects.get(code="dach").countries == ["DE", "AT", "CH"]
    bad = client.post("/admin/programs/region/add/", {"name": "X", "code": "x", "countries": ["Germany"]})
    assert bad.status_code == 200 and "Germany is not one of the choices" in bad.content.decode()


def _grant_data(partner, line, **overrides):
    data = {
        "partner": str(partner.pk),
        "product_line": str(line.pk),
        "country": "de",
        "region": "",
        "valid_from": "2025-01-01",
        "valid_until": "",
        "note": "",
        "exclusive": "on",
    }
    return {**data, **overrides}


def test_a_grant_in_the_admin_goes_through_the_catalogue_service(world, client_for):
    # given acme partner 2 holds Germany for Cloud Security (shared)
    acme = world.acme
    line = ProductLineFactory(tenant=acme.tenant, name="Cloud Security")
    TerritoryGrantFactory(partner=acme.partners[1], product_line=line, country="DE")
    client = client_for(acme.admin)
    # when the admin grants Germany exclusively to partner 1
    refused = client.post("/admin/programs/territorygrant/add/", _grant_data(acme.partner, line))
    # then the form shows the service's sentence, and nothing is granted
    assert refused.status_code == 200
    assert "Germany is already granted to Acme Partner 2 as a shared territory" in refused.content.decode()
    # when they grant France instead
    granted = client.post("/admin/programs/territorygrant/add/", _grant_data(acme.partner, line, country="fr"))
    # then it is granted by the service: with its event on the partner's timeline
    assert granted.status_code == 302
    with platform_scope():
        grant = TerritoryGrant.objects.get(partner=acme.partner)
        assert (grant.country, grant.exclusive, grant.granted_by_id) == ("FR", True, acme.admin.pk)
        assert Event.objects.filter(verb="territory.granted", object_id=acme.partner.pk).count() == 1
    # and changing it to Germany is refused the same way
    change = client.get(f"/admin/programs/territorygrant/{grant.pk}/change/")
    assert change.status_code == 200
    data = _grant_data(acme.partner, line)
    del data["partner"]
    moved = client.post(f"/admin/programs/territorygrant/{grant.pk}/change/", data)
    assert moved.status_code == 200 and "already granted to Acme Partner 2" in moved.content.decode()
    assert refresh(grant).country == "FR"


def test_licences_are_verified_by_an_admin_action(world, client_for):
    # given a pending and a rejected licence
    acme = world.acme
    kind = LicenceTypeFactory(tenant=acme.tenant)
    pending = PartnerLicenceFactory(partner=acme.partner, licence_type=kind, status=LicenceStatus.PENDING)
    rejected = PartnerLicenceFactory(partner=acme.partner, licence_type=kind, status=LicenceStatus.REJECTED)
    client = client_for(acme.admin)
    listing = client.get("/admin/programs/partnerlicence/?status__exact=pending")
    assert listing.status_code == 200 and listing.context["cl"].result_count == 1
    # when the admin verifies both with the action
    response = client.post(
        "/admin/programs/partnerlicence/",
        {"action": "verify_selected", "_selected_action": [str(pending.pk), str(rejected.pk)]},
        follow=True,
    )
    # then the pending one is verified through the service and the decided one is left alone
    assert response.status_code == 200
    assert refresh(pending).status == LicenceStatus.VERIFIED and refresh(pending).verified_by_id == acme.admin.pk
    assert refresh(rejected).status == LicenceStatus.REJECTED
    assert "1 already decided" in response.content.decode()
    # and nobody adds or deletes licences here
    assert client.get("/admin/programs/partnerlicence/add/").status_code == 403
