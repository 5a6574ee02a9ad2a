"""The partner locator's pages cost the same with many partners, locations, competencies and
certificates as with few (pinned), and no template runs a query. The public search is one
statement per page (plus the settings' row and the request's own)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.query_budget import Cost, assert_list_page, assert_pinned, cost

from ..conftest import body
from ..learning.factories import CertificateFactory, CertificationFactory
from .locator_setup import competency, enrol, holds, ladder, locator_on, place, public_partner, publish, visitor

pytestmark = pytest.mark.django_db

PINNED_SEARCH = 4
PINNED_PROFILE = 8
PINNED_OFFICE = 7
PINNED_PORTAL = 11
ROW = r'class="card mb-3 locator-result"'


def public_cost(side, path: str, params=None) -> Cost:
    """The queries of an anonymous visitor's second GET of ``path`` on the side's host."""
    client = visitor(side)
    client.get(path, params)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200, f"{path}: {response.status_code}"
    return Cost(len(captured), "\n".join(q["sql"] for q in captured.captured_queries), body(response))


def _partners(side, names, *, tiers, skills, city="Munich"):
    for n, name in enumerate(names):
        partner, _ = public_partner(side, name, city=city)
        enrol(partner, tiers[n % len(tiers)])
        place(partner, "Augsburg")
        for held in skills[: 1 + n % len(skills)]:
            holds(partner, held)


def test_the_search_costs_the_same_with_many_partners(acme, no_queries_from_templates):
    locator_on(acme, featured_placement=True)
    tiers = ladder(acme)
    skills = [competency(acme, f"Skill {n}") for n in range(4)]
    _partners(acme, ["First", "Second"], tiers=tiers, skills=skills)
    params = {"near": "Munich", "country": "DE", "radius": "250"}
    few = public_cost(acme, reverse("locator"), params)
    _partners(acme, [f"More {n:02d}" for n in range(25)], tiers=tiers, skills=skills)
    many = public_cost(acme, reverse("locator"), params)
    assert_list_page(few, many, pinned=PINNED_SEARCH, row=ROW, rows=(2, 10), what="search")
    embedded_few = public_cost(acme, reverse("locator_embed"), {"competency": skills[0].pk})
    assert_pinned(embedded_few, embedded_few, PINNED_SEARCH, "embedded search")


def test_a_profile_page_costs_the_same_with_many_competencies_certificates_and_places(acme, no_queries_from_templates):
    locator_on(acme)
    (tier,) = ladder(acme, names=("Member",))
    enrol(acme.partner, tier)
    place(acme.partner, "Munich", hq=True)
    profile = publish(acme.partner, admin=acme.partner_admin)
    holds(acme.partner, competency(acme, "Only skill"))
    CertificateFactory(tenant=acme.tenant, holder=acme.partner_admin)
    path = reverse("locator_partner", args=[profile.pk])
    few = public_cost(acme, path)
    for n, city in enumerate(("Berlin", "Hamburg", "Cologne", "Frankfurt")):
        place(acme.partner, city)
        holds(acme.partner, competency(acme, f"Skill {n}"))
        certification = CertificationFactory(tenant=acme.tenant)
        CertificateFactory(tenant=acme.tenant, certification=certification, holder=acme.partner_admin)
        CertificateFactory(tenant=acme.tenant, certification=certification, holder=acme.sales_rep)
    many = public_cost(acme, path)
    assert many.html.count("certified people") == 4 and "Frankfurt" in many.html
    assert_pinned(few, many, PINNED_PROFILE, "profile page")


def test_the_office_list_costs_the_same_with_many_profiles(acme, no_queries_from_templates):
    locator_on(acme)
    public_partner(acme, "Listed 0")
    few = cost(acme.marketing, reverse("office:locator"))
    for n in range(1, 30):
        public_partner(acme, f"Listed {n:02d}")
    many = cost(acme.marketing, reverse("office:locator"))
    assert_list_page(few, many, pinned=PINNED_OFFICE, row=r'<tr id="profile-', rows=(1, 25), what="office")


def test_the_portal_page_costs_a_fixed_number_of_queries(acme, no_queries_from_templates):
    locator_on(acme)
    publish(acme.partner, admin=acme.partner_admin)
    few = cost(acme.partner_admin, reverse("portal:locator_profile"))
    for city in ("Berlin", "Hamburg", "Cologne"):
        place(acme.partner, city)
    many = cost(acme.partner_admin, reverse("portal:locator_profile"))
    assert_pinned(few, many, PINNED_PORTAL, "portal profile")
