"""Journey of a lead (issue 15's "done when"): the vendor imports a lead, the routing rules offer it
to the Gold partner first, which declines it; it is offered at once to the Silver partner, which
accepts it, converts it to a deal registration and wins it; the win is attributed to the lead.

Set-up goes through factories (acme's "Resell" program, whose Gold tier weighs 3 in lead routing
and Silver 1; partner 1 Gold, partner 2 Silver; the round-robin rule "DACH resellers"; Firewalls
with FW-100). Everything the journey checks happens in the browser, as the vendor's admin and
channel manager and each partner's admin see it; axe-core checks each lead page it visits.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import Page, expect

from leads.models import Lead
from prm.accounts.mfa_secrets import decrypt
from prm.events.models import OutboxMessage
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import tenant_today
from tests.conftest import build_side
from tests.factories import EnrollmentFactory, ProductFactory, ProductLineFactory, ProgramFactory, TierFactory
from tests.leads.factories import RoutingRuleFactory

from ..broker import reset_broker_pools
from .conftest import BLOCKING, axe_violations, can_sign_in, shot, sign_in, totp_code

pytestmark = pytest.mark.journey

RULE = "DACH resellers"
COMPANY = "Kraftwerk Logistik GmbH"
CONTACT = "Greta Kraft"
EMAIL = "greta.kraft@kraftwerk-logistik.de"
CAMPAIGN = "Hannover Messe 2026"
# The file the vendor exports from its marketing tool: the product line's column has a header the
# import does not recognise, so the admin maps it.
CSV = (
    "Company,Website,Contact name,E-mail,Phone,Country,City,Postal code,Industry,Solution of interest,"
    "Estimated value,Currency,Description\n"
    f"{COMPANY},https://www.kraftwerk-logistik.de,{CONTACT},{EMAIL},+49 511 555 0100,DE,Hannover,30159,"
    "Logistics,Firewalls,18000,USD,Firewalls for three warehouses\n"
)


@pytest.fixture
def acme(live_server) -> SimpleNamespace:
    """Acme: "Resell" with Gold (lead-routing weight 3) and Silver (weight 1); partner 1 is Gold,
    partner 2 Silver; the rule "DACH resellers" (weighted round robin over DE, AT, CH); Firewalls
    with FW-100 (USD 6,000), which the lead asks for and the deal registers."""
    side = build_side("acme", "Acme")
    firewalls = ProductLineFactory(tenant=side.tenant, name="Firewalls", slug="firewalls")
    program = ProgramFactory(tenant=side.tenant, name="Resell", slug="resell")
    silver = TierFactory(program=program, name="Silver", rank=1, lead_routing_weight=1)
    gold = TierFactory(program=program, name="Gold", rank=2, lead_routing_weight=3)
    EnrollmentFactory(partner=side.partners[0], tier=gold)
    EnrollmentFactory(partner=side.partners[1], tier=silver)
    firewall = ProductFactory(line=firewalls, name="FW-100", list_price=6000, currency="USD")
    RoutingRuleFactory(tenant=side.tenant, program=program, name=RULE, countries=["DE", "AT", "CH"], priority=10)
    return SimpleNamespace(
        side=side, program=program, firewall=firewall, gold=side.partners[0], silver=side.partners[1]
    )


@pytest.fixture(autouse=True)
def _fresh_broker_pools():
    """The routing after a decline and the lead's win run after the commit through Celery's
    connection pools: a fault test earlier in this process may have closed them, so start fresh."""
    reset_broker_pools()


def assert_accessible(page: Page) -> None:
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert blocking == [], blocking


def deliver_outbox(tenant) -> None:
    """What a worker does with the side effects still waiting in the outbox (the relay may have
    been left publishing nowhere by an earlier test of a long run)."""
    from prm.celery import app

    with platform_scope():
        waiting = list(OutboxMessage.objects.filter(tenant_id=tenant.pk, delivered_at__isnull=True))
    for message in waiting:
        kwargs = {**message.kwargs, "tenant_id": message.tenant_id, "outbox_id": message.pk}
        app.tasks[message.task_name].apply(kwargs=kwargs, throw=True)


def eventually(condition: Callable[[], object], *, fallback: Callable[[], None]):
    """What ``condition`` returns once it is truthy (the eager tasks run after the request's
    commit, in the server's thread); when it stays false for 5 s, the fallback and a last look."""
    for _ in range(50):
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    fallback()
    found = condition()
    assert found, "the condition never held"
    return found


def staff_page(open_page, base: str, member, *, totp: bool = False) -> Page:
    page = open_page(base)
    sign_in(page, can_sign_in(member).user.email)
    if totp:
        with platform_scope():
            secret = decrypt(Authenticator.objects.get(user=member.user, type=Authenticator.Type.TOTP).data["secret"])
        expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
        page.get_by_role("textbox").fill(totp_code(secret))
        page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/office/$"))
    return page


def partner_page(open_page, base: str, member) -> Page:
    page = open_page(base)
    sign_in(page, can_sign_in(member).user.email)
    expect(page).to_have_url(re.compile(r"/portal/$"))
    return page


def open_inbox(page: Page) -> None:
    menu = page.get_by_role("navigation", name="Main")
    menu.get_by_role("button", name="Leads").click()
    menu.get_by_role("link", name="Offers and leads").click()
    expect(page).to_have_url(re.compile(r"/portal/leads/$"))


def test_an_imported_lead_is_declined_reoffered_accepted_converted_and_won(acme, open_page, tenant_url):
    side = acme.side
    base = tenant_url(side.tenant)

    # --- 1. The vendor's admin imports the lead --------------------------------------------------
    admin = staff_page(open_page, base, side.admin, totp=True)
    admin.goto("/office/leads/imports/")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Import leads")
    assert_accessible(admin)
    admin.get_by_label("CSV or Excel file").set_input_files(
        {"name": "messe-leads.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    admin.get_by_role("button", name="Upload and check").click()

    # Then the file is checked with the columns it recognised; the product line is not among them
    expect(admin).to_have_url(re.compile(r"/office/leads/imports/\d+/$"))
    expect(admin.get_by_role("heading", level=1)).to_have_text("messe-leads.csv")
    mapping = admin.locator("#import-mapping")
    expect(mapping.get_by_label("Company")).to_have_value("0")
    expect(mapping.get_by_label("Product line")).to_have_value("")
    shot(admin, "lead-journey-01-import-mapping")
    assert_accessible(admin)

    # When they choose the column of the product line and check every row again
    mapping.get_by_label("Product line").select_option(label="Solution of interest")
    mapping.get_by_role("button", name="Check every row with these columns").click()
    expect(
        admin.get_by_role("alert").filter(has_text="Every row is checked: 1 can be imported, 0 are rejected.")
    ).to_be_visible()
    preview = admin.locator("#import-preview")
    expect(preview.get_by_role("row").nth(1)).to_contain_text("Firewalls")
    expect(admin.locator("#import-check")).to_have_text(re.compile(r"1 of 1 rows can be imported; 0 rejected\."))

    # And confirm it with the campaign, routed once imported
    confirm = admin.locator("#import-confirm")
    confirm.get_by_label("Campaign").fill(CAMPAIGN)
    expect(confirm.get_by_label("Route the leads once imported")).to_be_checked()
    confirm.get_by_role("button", name="Import 1 rows").click()

    # Then the summary counts one lead created (the page polls while the worker imports)
    expect(admin.get_by_role("alert").filter(has_text="The import has started: 1 rows.")).to_be_visible()
    expect(admin.locator("#summary-created")).to_have_text("1", timeout=15_000)
    expect(admin.locator("#import-status")).to_have_text("Imported")
    shot(admin, "lead-journey-02-import-summary")
    assert_accessible(admin)
    with platform_scope():
        lead = Lead.objects.get(tenant=side.tenant, company=COMPANY)
    reference = lead.reference

    # ...and the lead's page says it is offered to the Gold partner
    admin.get_by_role("link", name="See the leads").click()
    row = admin.get_by_role("row", name=re.compile(COMPANY))
    expect(row).to_contain_text(reference)
    expect(row).to_contain_text(re.compile(rf"Import\s*{CAMPAIGN}"))
    expect(row).to_contain_text(re.compile(rf"Offered\s*{acme.gold.display_name}"))
    row.get_by_role("link", name=COMPANY).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(f"{reference} · {COMPANY}")
    expect(admin.locator(f".lead-status-{lead.status}")).to_have_text("Offered")
    holder = admin.get_by_role("region", name="Who has it")
    expect(holder).to_contain_text(re.compile(rf"Offered to\s*{acme.gold.display_name}"))
    expect(admin.get_by_role("main")).to_contain_text(f"Campaign: {CAMPAIGN}")

    # --- 2. The Gold partner's admin declines it ---------------------------------------------------
    gold = partner_page(open_page, base, side.partner_admins[0])
    # ...its home says an offer waits for an answer
    work = gold.get_by_role("region", name=re.compile("Needs your action"))
    expect(work.get_by_role("listitem").filter(has_text=reference)).to_contain_text(
        "A new lead offered to your company, not opened yet"
    )
    waiting = work.get_by_role("link", name="Lead offers waiting for your answer")
    shot(gold, "lead-journey-03-gold-home")
    waiting.click()
    offers = gold.get_by_role("region", name="Offers waiting for your answer")
    row = offers.get_by_role("row", name=re.compile(reference))
    expect(row).to_contain_text("Hannover, DE")
    expect(row).to_contain_text("New")
    shot(gold, "lead-journey-03-gold-inbox-b")
    assert_accessible(gold)
    row.get_by_role("link", name=re.compile(reference)).click()
    expect(gold.get_by_role("heading", level=1)).to_contain_text(COMPANY)
    expect(gold.get_by_role("main")).not_to_contain_text(EMAIL)
    why = gold.get_by_role("region", name="Why you received this lead")
    expect(why.locator("#why-rule")).to_have_text(RULE)
    expect(why.locator("#why-weight")).to_have_text("3")
    expect(why).to_contain_text("Weighted round robin")
    shot(gold, "lead-journey-04-gold-offer")
    assert_accessible(gold)
    decline = gold.get_by_role("region", name="Decline")
    decline.get_by_label("Why").select_option(label="No capacity right now")
    decline.get_by_label("Note").fill("Our logistics team is fully booked this quarter.")
    decline.get_by_role("button", name="Decline the lead").click()
    expect(gold).to_have_url(re.compile(r"/portal/leads/$"))
    expect(gold.get_by_role("alert").filter(has_text="Declined: the lead goes on to the next partner.")).to_be_visible()
    expect(gold.get_by_role("region", name="Offers waiting for your answer")).to_contain_text(
        "No offer is waiting for your answer."
    )

    # --- 3. It is offered at once to the Silver partner, whose admin accepts and converts it ------
    def offered_to_silver():
        with platform_scope():
            return Lead.objects.filter(pk=lead.pk, offered_to=acme.silver).exists()

    eventually(offered_to_silver, fallback=lambda: deliver_outbox(side.tenant))
    silver = partner_page(open_page, base, side.partner_admins[1])
    open_inbox(silver)
    row = silver.get_by_role("region", name="Offers waiting for your answer").get_by_role(
        "row", name=re.compile(reference)
    )
    row.get_by_role("link", name=re.compile(reference)).click()
    why = silver.get_by_role("region", name="Why you received this lead")
    expect(why.locator("#why-rule")).to_have_text(RULE)
    expect(why.locator("#why-weight")).to_have_text("1")
    shot(silver, "lead-journey-05-silver-offer")
    accept = silver.get_by_role("region", name="Accept")
    accept.get_by_label("Next step").fill("Call Greta on Monday to plan a site visit")
    accept.get_by_label("Expected value").fill("18000")
    expect(accept.get_by_label("Currency")).to_have_value("USD")
    accept.get_by_role("button", name="Accept the lead").click()

    # Then the lead is the Silver partner's, with the contact's details
    expect(silver).to_have_url(re.compile(rf"/portal/leads/{lead.pk}/$"))
    expect(silver.get_by_role("alert").filter(has_text=f"{reference} is yours")).to_be_visible()
    expect(silver.locator(".lead-status-accepted")).to_have_text("Accepted")
    contact = silver.locator("#lead-contact")
    expect(contact).to_contain_text(CONTACT)
    expect(contact).to_contain_text(EMAIL)
    expect(contact).to_contain_text("+49 511 555 0100")
    shot(silver, "lead-journey-06-silver-lead-accepted")
    assert_accessible(silver)

    # When they convert it: the registration form comes pre-filled from the lead
    silver.get_by_role("link", name="Convert to a deal registration").click()
    expect(silver).to_have_url(re.compile(rf"/portal/leads/{lead.pk}/convert/$"))
    expect(silver.get_by_role("alert").filter(has_text=f"Pre-filled from {reference}")).to_be_visible()
    expect(silver.get_by_label("Company name")).to_have_value(COMPANY)
    expect(silver.get_by_label("Contact name")).to_have_value(CONTACT)
    expect(silver.get_by_label("Product 1", exact=True)).to_have_value(str(acme.firewall.pk))
    expect(silver.get_by_label(re.compile(r"^Amount\b"))).to_have_value("18000.00")
    shot(silver, "lead-journey-07-convert-form")
    assert_accessible(silver)
    silver.get_by_role("button", name="Submit").click()

    # Then the registration is submitted, and its page says where it came from
    expect(silver).to_have_url(re.compile(r"/portal/deals/\d+/$"))
    deal_id = int(re.search(r"/deals/(\d+)/$", silver.url).group(1))
    deal_reference = f"DR-{deal_id:06d}"
    expect(
        silver.get_by_role("alert").filter(
            has_text=f"{reference} was converted into the deal registration {deal_reference}"
        )
    ).to_be_visible()
    source = silver.locator("#deal-source")
    expect(source).to_contain_text(f"Source: Vendor lead {reference}")
    expect(source).to_contain_text(CAMPAIGN)
    expect(source.get_by_role("link", name=reference)).to_have_attribute("href", f"/portal/leads/{lead.pk}/")
    shot(silver, "lead-journey-08-deal-submitted")

    # --- 4. The vendor approves it, the partner reports the win, the vendor confirms it ----------
    manager = staff_page(open_page, base, side.manager)
    manager.goto(f"/office/deals/{deal_id}/")
    office_source = manager.locator("#deal-source")
    expect(office_source).to_contain_text(f"Vendor lead {reference} · Campaign: {CAMPAIGN}")
    expect(office_source.get_by_role("link", name=reference)).to_have_attribute("href", f"/office/leads/{lead.pk}/")
    manager.locator("#approve-button").click()
    expect(manager.locator("#deal-status .deal-status-approved")).to_have_text("Approved")
    shot(manager, "lead-journey-09-office-deal-approved")

    silver.reload()
    actions = silver.get_by_role("region", name="Actions")
    actions.locator("summary", has_text="Mark won").click()
    actions.get_by_label("Amount won").fill("17500")
    with tenant_scope(side.tenant):
        won_on = tenant_today()
    actions.get_by_label("Closed on").fill(won_on.isoformat())
    actions.get_by_role("button", name="Mark won").click()
    expect(silver.locator(".deal-status-won_pending")).to_have_text("Won, awaiting confirmation")

    manager.reload()
    confirm_win = manager.get_by_role("region", name="Confirm the reported win")
    confirm_win.get_by_role("button", name="Confirm win").click()
    manager.get_by_role("button", name="Yes, confirm the win").click()
    expect(manager.locator("#deal-status .deal-status-won")).to_have_text("Won")

    # Then the lead is won, for the amount, attributed to it: on the partner's lead page...
    def lead_won():
        with platform_scope():
            return Lead.objects.filter(pk=lead.pk, status="won").exists()

    eventually(lead_won, fallback=lambda: deliver_outbox(side.tenant))
    silver.goto(f"/portal/leads/{lead.pk}/")
    expect(silver.locator(".lead-status-won")).to_have_text("Won")
    expect(silver.locator("#lead-won")).to_contain_text("Won: $17,500.00, attributed to this lead.")
    expect(silver.locator("#lead-won").get_by_role("link", name=deal_reference)).to_be_visible()
    shot(silver, "lead-journey-10-portal-lead-won")
    assert_accessible(silver)

    # ...and on the vendor's, with both offers and their answers
    manager.goto(f"/office/leads/{lead.pk}/")
    expect(manager.locator(".lead-status-won")).to_have_text("Won")
    expect(manager.locator("#lead-won")).to_contain_text("Won: $17,500.00, attributed to this lead.")
    offers_table = manager.get_by_role("region", name="Offers")
    expect(offers_table.get_by_role("row", name=re.compile(acme.gold.display_name))).to_contain_text(
        re.compile(r"Declined\s*No capacity right now: Our logistics team is fully booked this quarter\.")
    )
    expect(offers_table.get_by_role("row", name=re.compile(acme.silver.display_name))).to_contain_text("Accepted")
    expect(manager.get_by_role("region", name="Deal registration")).to_contain_text(f"{deal_reference} · Won")
    shot(manager, "lead-journey-11-office-lead-won")
    assert_accessible(manager)

    # ...and the routing log shows both decisions: the Gold partner first by the rotation, then,
    # after its decline, the Silver partner (the Gold one excluded: it declined this lead before)
    manager.get_by_role("link", name="Routing log").click()
    expect(manager).to_have_url(re.compile(rf"/office/leads/{lead.pk}/routing/$"))
    decisions = manager.locator("section.decision")
    expect(decisions).to_have_count(2)
    # (newest first)
    rerouted, first = decisions.nth(0), decisions.nth(1)
    expect(first.get_by_role("heading", level=3)).to_contain_text("New lead · Offered to a partner")
    expect(first).to_contain_text(f"Winner: {acme.gold.display_name} by the rule “{RULE}”, weight 3")
    expect(first).to_contain_text("2 partners in the program, 2 eligible.")
    expect(rerouted.get_by_role("heading", level=3)).to_contain_text("The offer was declined · Offered to a partner")
    expect(rerouted).to_contain_text(f"Winner: {acme.silver.display_name} by the rule “{RULE}”, weight 1")
    expect(rerouted).to_contain_text("2 partners in the program, 1 eligible.")
    expect(rerouted.get_by_role("listitem")).to_have_text(
        f"Offered this lead before (declined, timed out or returned) (1): {acme.gold.display_name}"
    )
    shot(manager, "lead-journey-12-routing-log")
    assert_accessible(manager)

    # The fairness report counts the two offers against the weights
    manager.goto("/office/leads/fairness/?period=30")
    fairness = manager.locator("#fairness")
    expect(fairness).to_contain_text(acme.gold.display_name)
    expect(fairness).to_contain_text(acme.silver.display_name)
    shot(manager, "lead-journey-13-fairness")
    assert_accessible(manager)
    with platform_scope():
        won = Lead.objects.get(pk=lead.pk)
    assert (won.partner_id, won.won_amount, won.deal_id) == (acme.silver.pk, Decimal("17500.00"), deal_id)
