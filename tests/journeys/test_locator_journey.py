"""Journeys of the public partner locator (issue 19's "done when"):

4. a visitor (nobody signed in) finds a partner by country and competency, reads why it ranks
   where it does, opens its profile and asks to be contacted; the partner's admin then finds the
   lead offered to its company first, with the deadline to answer by;
5. the search works without JavaScript, and axe-core finds no serious or critical violation on
   the search, a profile and the embeddable search.

Acme's locator is on (40 points for the tier, 25 competencies, 25 proximity, 10 completeness).
Its program "Resell" has Silver and Gold; partner 1 (Gold, in Munich) holds the competency
"Network Security" through the learning app (an engineer's "Certified Network Engineer"
certificate, the competency's requirement, and the learning app's recompute); partner 2 (Silver,
Germany) holds none; "Lyon Réseaux" (France) holds it too. All three have public profiles.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, Page, expect

from leads.models import Lead, LeadOffer, LeadSource, LeadStatus, OfferStatus
from learning.services.competency import competencies_recompute
from partners.models import Partner
from prm.accounts.models import Membership
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.conftest import build_side
from tests.factories import EnrollmentFactory, ProgramFactory, TierFactory
from tests.leads.factories import RoutingRuleFactory
from tests.learning.factories import (
    CertificateFactory,
    CertificationFactory,
    CompetencyFactory,
    CompetencyRequirementFactory,
)
from tests.marketing.locator_setup import locator_on, place, public_partner, publish

from ..broker import reset_broker_pools
from .conftest import TIMEOUT_MS, shot
from .test_lead_journey import assert_accessible, open_inbox, partner_page

pytestmark = pytest.mark.journey

HEADLINE = "Secure networks for Bavarian manufacturers"
DESCRIPTION = (
    "We design, install and run secure networks for manufacturers in southern Germany: firewalls, "
    "segmentation and round-the-clock monitoring, by certified engineers."
)
COMPANY = "Initrode AG"
VISITOR = "Bill Lumbergh"
EMAIL = "bill@initrode.de"


@pytest.fixture(autouse=True)
def _fresh_broker_pools():
    reset_broker_pools()


@pytest.fixture
def acme(live_server) -> SimpleNamespace:
    side = build_side("acme", "Acme")
    munich, other = side.partners
    with tenant_scope(side.tenant):
        program = ProgramFactory(tenant=side.tenant, name="Resell", slug="resell")
        silver = TierFactory(tenant=side.tenant, program=program, name="Silver", rank=1)
        gold = TierFactory(tenant=side.tenant, program=program, name="Gold", rank=2)
        EnrollmentFactory(tenant=side.tenant, partner=munich, tier=gold)
        EnrollmentFactory(tenant=side.tenant, partner=other, tier=silver)
        # A lead the chosen partner declines goes on by the rules: a fall-back rule over the program.
        RoutingRuleFactory(tenant=side.tenant, program=program, is_fallback=True, name="Everyone")
        security = CompetencyFactory(tenant=side.tenant, name="Network Security", code="network-security")
        engineer = CertificationFactory(tenant=side.tenant, name="Certified Network Engineer", code="cne")
        CompetencyRequirementFactory(tenant=side.tenant, competency=security, certification=engineer, min_people=1)
        CertificateFactory(tenant=side.tenant, certification=engineer, holder=side.sales[0], partner=munich)
    locator_on(side)
    with platform_scope():
        Partner.objects.filter(pk=munich.pk).update(city="Munich")
    place(munich, "Munich", "DE", hq=True)
    publish(munich, admin=side.partner_admins[0], headline=HEADLINE, description=DESCRIPTION)
    publish(other, admin=side.partner_admins[1], headline="Networks for the north")
    lyon, _profile = public_partner(side, "Lyon Réseaux", city="Lyon", country="FR")
    with tenant_scope(side.tenant):
        CertificateFactory(tenant=side.tenant, certification=engineer, holder=_admin_of(lyon), partner=lyon)
        gained = competencies_recompute()  # the learning app's holdings, as its nightly run makes them
    assert gained.partner_ids == sorted([munich.pk, lyon.pk])
    return SimpleNamespace(side=side, munich=munich, other=other, lyon=lyon, security=security)


def _admin_of(partner) -> Membership:
    with platform_scope():
        return Membership.objects.filter(partner=partner).order_by("pk").first()


def search_by_country_and_competency(page: Page) -> None:
    page.goto("/find-a-partner/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a partner of Acme")
    form = page.get_by_role("search", name="Search for a partner")
    form.get_by_label("Country").select_option(label="Germany")
    form.get_by_label("Competency").select_option(label="Network Security")
    form.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/find-a-partner/\?.*country=DE"))


# --- 4. A visitor finds a partner, contacts it, and the partner gets the lead offer ----------------------


def test_a_visitor_finds_a_partner_by_country_and_competency_contacts_it_and_the_partner_gets_the_offer(
    acme, open_page, tenant_url
):
    side = acme.side
    base = tenant_url(side.tenant)
    munich = acme.munich

    # --- A visitor, not signed in, searches Germany and "Network Security"
    visitor = open_page(base)
    search_by_country_and_competency(visitor)
    results = visitor.get_by_role("region", name=re.compile("partners? found"))
    expect(results.get_by_role("heading", level=2)).to_have_text("1 partner found")
    found = results.locator(".locator-result")
    expect(found).to_have_count(1)  # not the Silver partner without it, nor the one in France
    expect(found.get_by_role("heading", level=3)).to_have_text(munich.display_name)
    expect(found).to_contain_text(HEADLINE)
    expect(found).to_contain_text("Munich, Germany")
    expect(found.locator(".tier-badge")).to_have_text("Gold")
    expect(found).to_contain_text("Competencies: Network Security")
    # The ranking, explained on the result and on the page (no place named: no proximity part)
    why = found.locator(".locator-why")
    expect(why).to_contain_text(re.compile(r"Score \d+ of 75:"))
    expect(why).to_contain_text("Gold tier: 40 of 40; 1 competency: 25 of 25; profile")
    visitor.get_by_text("How partners are ranked").click()
    expect(visitor.get_by_role("main")).to_contain_text("Nobody pays for a place in this list.")
    expect(visitor.get_by_role("main")).to_contain_text("up to 40 for its tier")
    shot(visitor, "locator-01-search-results")

    # --- ...opens the profile: tier, competency and certification, live from learning
    found.get_by_role("link", name=munich.display_name).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(munich.display_name)
    profile = visitor.get_by_role("article")
    expect(profile).to_contain_text(HEADLINE)
    expect(profile.locator(".tier-badge")).to_have_text("Resell Gold")
    expect(profile).to_contain_text(re.compile(r"Competencies\s*Network Security"))
    expect(profile).to_contain_text("Certified Network Engineer: 1 certified person")
    expect(profile).to_contain_text(re.compile(r"Locations\s*Munich, DE"))
    profile_path = re.sub(r"^https?://[^/]+", "", visitor.url)

    # --- ...and asks to be contacted
    contact = visitor.get_by_role("region", name="Contact this partner")
    contact.get_by_label("Your name").fill(VISITOR)
    contact.get_by_label("Business e-mail").fill(EMAIL)
    contact.get_by_label(re.compile(r"^Company\b")).fill(COMPANY)
    contact.get_by_label("Phone").fill("+49 89 555 0100")
    contact.get_by_label("Country").select_option(label="Germany")
    contact.get_by_label("Your message").fill("We need a firewall for two plants near Munich.")
    contact.get_by_label(re.compile("^I agree that my details")).check()
    shot(visitor, "locator-02-profile-contact")
    contact.get_by_role("button", name="Send").click()
    expect(visitor).to_have_url(re.compile(r"/find-a-partner/\d+/thanks/$"))
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(visitor.get_by_role("main")).to_contain_text(f"We passed your request to {munich.display_name}.")
    assert profile_path in visitor.url

    with platform_scope():
        lead = Lead.objects.get(tenant=side.tenant, company=COMPANY)
        offer = LeadOffer.objects.get(lead=lead)
    assert (lead.source, lead.status, lead.email) == (LeadSource.LOCATOR, LeadStatus.OFFERED, EMAIL)
    assert (offer.partner_id, offer.status) == (munich.pk, OfferStatus.PENDING)
    assert offer.due_at > offer.offered_at

    # --- The partner's admin signs in: the offer waits in the inbox, with its deadline and why
    pat = partner_page(open_page, base, side.partner_admins[0])
    open_inbox(pat)
    offers = pat.get_by_role("region", name="Offers waiting for your answer")
    row = offers.get_by_role("row", name=re.compile(lead.reference))
    expect(row).to_be_visible()
    row.get_by_role("link", name=re.compile(lead.reference)).click()
    expect(pat.get_by_role("heading", level=1)).to_contain_text(COMPANY)
    standing = pat.get_by_role("region", name="Where this offer stands")
    expect(standing).to_contain_text("Offered to your company.")
    expect(standing).to_contain_text("Answer by")
    expect(standing.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    expect(standing).to_contain_text("Without an answer by then, the lead goes to the next partner.")
    expect(pat.locator("#why-locator")).to_have_text(
        "A visitor chose your company in the partner locator and asked to be contacted: the lead comes to you first."
    )
    expect(pat.get_by_role("main")).not_to_contain_text(EMAIL)  # the contact shows once accepted
    shot(pat, "locator-03-partner-offer")
    assert_accessible(pat)


# --- 5. Without JavaScript, and with axe-core --------------------------------------------------------


def test_the_locator_search_works_without_javascript_and_axe_finds_no_serious_violation(
    acme, open_page, tenant_url, journey_browser: Browser
):
    base = tenant_url(acme.side.tenant)
    munich = acme.munich

    # --- Without JavaScript: the search is a plain GET form, the results a plain page
    context = journey_browser.new_context(
        base_url=base, java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        search_by_country_and_competency(page)
        expect(page.locator(".locator-result")).to_have_count(1)
        expect(page.locator("#locator-results")).to_have_text("1 partner found")
        expect(page.locator(".locator-result h3")).to_have_text(munich.display_name)
        expect(page.get_by_label("Country")).to_have_value("DE")  # the form keeps the search
        # Without the competency, both German partners (the Gold one first: its tier scores more)
        page.get_by_label("Competency").select_option(label="Any competency")
        page.get_by_role("button", name="Search").click()
        expect(page.locator(".locator-result h3")).to_have_text([munich.display_name, acme.other.display_name])
        # ...and the profile opens from the result
        page.get_by_role("link", name=munich.display_name).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(munich.display_name)
        expect(page.get_by_role("button", name="Send")).to_be_visible()
        shot(page, "locator-04-no-javascript-profile")
    finally:
        context.close()

    # --- axe-core: the search with its results, a profile, the embeddable search
    page = open_page(base)
    search_by_country_and_competency(page)
    expect(page.locator(".locator-result")).to_have_count(1)
    page.get_by_text("How partners are ranked").click()
    assert_accessible(page)
    page.get_by_role("link", name=munich.display_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(munich.display_name)
    assert_accessible(page)
    # ...with the contact form's errors shown
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    shot(page, "locator-05-contact-errors")
    assert_accessible(page)
    page.goto("/find-a-partner/embed/?country=DE")
    expect(page.locator(".locator-result")).to_have_count(2)
    assert_accessible(page)
