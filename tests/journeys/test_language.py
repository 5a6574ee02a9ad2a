"""A German partner user works in German; the channel manager reads what it caused in English.

The rep chooses Deutsch on their "Language and time zone" page, registers a deal on a form
labelled in German and is told in German that it went to review; the channel manager (who
chose nothing, in a vendor speaking English) reads the notification of it in English. The
choice belongs to the person: it is there again after signing out and in.
"""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from deals.models import Deal
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import tenant_today
from scripts.i18n import compile_catalogues
from tests.conftest import build_side
from tests.deals.deal_setup import make_catalogue

from .conftest import can_sign_in, sign_in

pytestmark = pytest.mark.journey


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogues():
    # The .mo files are build output (make install); a run straight from pytest compiles them.
    compile_catalogues()


@pytest.fixture
def acme(live_server) -> SimpleNamespace:
    side = build_side("acme", "Acme")
    return SimpleNamespace(side=side, cat=make_catalogue(side))


def signed_in(open_page, tenant_url, member, landing: str) -> Page:
    page = open_page(tenant_url(member.tenant))
    sign_in(page, can_sign_in(member).user.email)
    expect(page).to_have_url(re.compile(rf"/{landing}/$"))
    return page


def test_a_german_partner_user_registers_in_german_and_the_manager_reads_it_in_english(acme, open_page, tenant_url):
    # Given partner 1's sales rep, signed in to a portal whose vendor speaks English
    rep = acme.side.sales_rep
    page = signed_in(open_page, tenant_url, rep, "portal")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # When they open "Language and time zone" from their menu and choose Deutsch and Berlin
    page.get_by_role("button", name=str(rep.user)).click()
    page.get_by_role("link", name="Language and time zone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Language and time zone")
    page.get_by_label("Language").select_option(label="Deutsch")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_role("button", name="Save").click()

    # Then the page answers in German, and says so in its markup
    expect(page.get_by_role("alert")).to_contain_text("Ihre Sprache und Zeitzone sind gespeichert.")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sprache und Zeitzone")

    # When they register a deal, on a form labelled in German
    page.goto(reverse("portal:deal_create"))
    page.get_by_label("Firmenname").fill("Initech GmbH")
    page.get_by_label("Webdomain").fill("initech.de")
    page.get_by_label(re.compile(r"^Land\b")).select_option("DE")
    page.get_by_label("Titel der Verkaufschance").fill("Firewalls für die Filialen")
    page.locator("select[name$='0-product']").select_option(str(acme.cat.firewall.pk))
    page.locator("input[name$='0-quantity']").fill("2")
    page.locator("input[name$='0-unit_price']").fill("4500")
    # (the amount is the products' total, shown as they are typed)
    expect(page.get_by_label(re.compile(r"^Betrag\b"))).to_have_value("9000.00")
    expect(page.get_by_label("Währung")).to_have_value("USD")
    with tenant_scope(acme.side.tenant):
        close_on = tenant_today() + timedelta(days=45)
    page.get_by_label("Voraussichtliches Abschlussdatum").fill(close_on.isoformat())
    page.locator("button[name='intent'][value='submit']").click()

    # Then they are told in German that it went to the vendor's review
    expect(page).to_have_url(re.compile(r"/portal/deals/\d+/$"))
    deal_id = int(re.search(r"/deals/(\d+)/$", page.url).group(1))
    with platform_scope():
        deal = Deal.objects.get(pk=deal_id)
    assert deal.status == "submitted" and deal.customer_name == "Initech GmbH"
    expect(page.get_by_role("alert")).to_contain_text(f"{deal.reference} wurde zur Prüfung eingereicht.")
    expect(page.get_by_role("alert")).to_contain_text("Eine Entscheidung ist bis")

    # When the channel manager, who chose no language, opens their notifications
    office = signed_in(open_page, tenant_url, acme.side.manager, "office")
    expect(office.locator("html")).to_have_attribute("lang", "en")
    office.goto(reverse("notifications:list"))

    # Then they read the notification of it in English, with the amount written the English way
    item = office.locator(".list-group-item", has_text=deal.reference)
    expect(item).to_contain_text(f"{deal.reference} Initech GmbH: to review")
    expect(item).to_contain_text("Acme Partner 1: $9,000.00. Decision due by")

    # And the rep's choice is theirs: signed out and in again, the portal still speaks German
    page.context.clear_cookies()
    sign_in(page, rep.user.email)
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
