"""Coordinates from the shipped city data (prm.geo) and partner locations kept in step with the
partner record."""

from __future__ import annotations

import pytest

from partners.models import PartnerLocation
from partners.services import location_add, location_remove, location_update, partner_locations_backfill, partner_update
from prm import geo
from prm.errors import PolicyViolation
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.factories import PartnerFactory


def km(a, b) -> float:
    return geo.distance_km(geo.locate(*a), geo.locate(*b))


def test_distances_between_real_cities():
    assert km(("Berlin", "DE"), ("Munich", "DE")) == pytest.approx(504, abs=3)
    assert km(("Paris", "FR"), ("London", "GB")) == pytest.approx(344, abs=3)
    assert km(("New York City", "US"), ("Los Angeles", "US")) == pytest.approx(3936, abs=10)
    assert km(("Sydney", "AU"), ("Sydney", "AU")) == 0


@pytest.mark.parametrize("name", ["München", "munchen", "MUNCHEN", "Munich", "  münchen "])
def test_names_match_whatever_the_case_accents_or_language(name):
    found = geo.locate(name, "de")
    assert found.precision == geo.CITY
    assert (round(found.latitude, 2), round(found.longitude, 2)) == (48.14, 11.58)


def test_the_larger_city_wins_a_shared_name_and_country_matters():
    assert geo.locate("Frankfurt", "DE").longitude == pytest.approx(8.68, abs=0.01)  # am Main, not (Oder)
    assert geo.locate("Paris", "US").latitude != geo.locate("Paris", "FR").latitude


def test_an_unknown_city_falls_back_to_the_capital_and_an_unknown_country_to_nothing():
    found = geo.locate("Nowhere-on-Sea", "FR")
    assert found.precision == geo.COUNTRY and round(found.latitude, 1) == 48.9  # Paris
    assert geo.locate("", "AT").precision == geo.COUNTRY
    assert geo.locate("Berlin", "") is None
    assert geo.locate("Berlin", "XX") is None


@pytest.mark.django_db
def test_a_location_is_geocoded_unless_coordinates_are_typed(world):
    acme = world.acme
    with tenant_scope(acme.tenant, partner=acme.partner.pk):
        bremen = location_add(actor=acme.partner_admin, partner=acme.partner, city="Bremen", country="de")
        typed = location_add(
            actor=acme.partner_admin, partner=acme.partner, city="Bremen", country="DE", latitude=1.5, longitude=2.5
        )
        moved = location_update(actor=acme.partner_admin, location=bremen, changes={"city": "Köln"})
    assert (bremen.country, round(moved.latitude, 1)) == ("DE", 50.9)
    assert (typed.latitude, typed.longitude) == (1.5, 2.5)
    with tenant_scope(acme.tenant, partner=acme.partner.pk), pytest.raises(PolicyViolation):
        location_add(actor=acme.partner_admin, partner=acme.partner, city="Bremen", country="Germany")


@pytest.mark.django_db
def test_the_headquarters_follows_the_partner_record(world):
    acme = world.acme
    with tenant_scope(acme.tenant, partner=acme.partner.pk):
        partner_update(actor=acme.partner_admin, partner=acme.partner, changes={"city": "Hamburg"})
        hq = PartnerLocation.objects.get(partner=acme.partner, is_headquarters=True)
        assert (hq.city, round(hq.latitude, 1)) == ("Hamburg", 53.6)
        partner_update(actor=acme.partner_admin, partner=acme.partner, changes={"city": "Dresden"})
        hq.refresh_from_db()
        assert (hq.city, round(hq.latitude, 1)) == ("Dresden", 51.1)
        assert PartnerLocation.objects.filter(partner=acme.partner, is_headquarters=True).count() == 1
        # it cannot be removed on its own
        with pytest.raises(PolicyViolation):
            location_remove(actor=acme.partner_admin, location=hq)


@pytest.mark.django_db
def test_the_backfill_gives_every_partner_its_headquarters_in_one_go(world):
    tenant = world.acme.tenant
    PartnerFactory(tenant=tenant, city="Lyon", country="FR")
    with tenant_scope(tenant):
        created = partner_locations_backfill()
        again = partner_locations_backfill()
        lyon = PartnerLocation.objects.get(city="Lyon")
    assert created == 3 and again == 0  # acme's two world partners (no city: the capital) and Lyon
    assert round(lyon.latitude, 1) == 45.7
    with platform_scope():
        assert not PartnerLocation.objects.filter(tenant=world.globex.tenant).exists()
