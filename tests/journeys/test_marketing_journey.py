"""Journeys of collaborative marketing (issue 19's "done when"; the locator's are in
test_locator_journey.py):

1. marketing publishes an asset for Gold partners only: a Gold partner's user finds it by a
   full-text search and downloads it, while a Silver partner's user cannot find it (a 404 by URL
   too);
2. a partner user co-brands the vendor's PDF template: the PDF is made in the worker (eager in
   tests) and downloaded, and it holds the partner's name and the custom text;
3. an announcement for the Gold tier reaches its audience, unread first on the portal home, then
   read; the back office counts the reader; a Silver partner's user never sees it.

Acme's program "Resell" has Silver (rank 1) and Gold (rank 2); partner 1 is Gold, partner 2
Silver. Marketing is Acme's staff member with the MARKETING role. axe-core checks each page the
journeys visit.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from marketing.models import Announcement, AreaKind, Asset, CobrandDocument, CobrandStatus
from marketing.services.announcements import announcement_create, announcement_read
from marketing.services.audience import AudienceChoice
from marketing.services.cobrand import (
    AreaInput,
    cobrand_area_add,
    cobrand_template_create,
    cobrand_template_publish,
)
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.web.files import minimal_pdf
from tests.conftest import build_side
from tests.factories import EnrollmentFactory, ProgramFactory, TierFactory
from tests.marketing.world import pdf_bytes

from ..broker import reset_broker_pools
from .conftest import shot
from .test_lead_journey import assert_accessible, deliver_outbox, eventually, partner_page, staff_page

pytestmark = pytest.mark.journey

ASSET = "Hyperconverged storage price list"
ASSET_WORDS = "Net prices of the HX-400 hyperconverged appliances for Gold partners, valid this quarter."
TEMPLATE = "HX-400 datasheet"
OFFER = "Spring offer: 20% off installation"
NOTICE = "New price list for Gold partners"
NOTICE_TEXT = "From the first of next month, Gold partners buy the X-200 range at 38% off list."
OLDER = "Holiday opening hours"


@pytest.fixture(autouse=True)
def _fresh_broker_pools():
    reset_broker_pools()


@pytest.fixture
def acme(live_server) -> SimpleNamespace:
    """Acme's "Resell" with Silver and Gold; partner 1 Gold, partner 2 Silver."""
    side = build_side("acme", "Acme")
    with tenant_scope(side.tenant):
        program = ProgramFactory(tenant=side.tenant, name="Resell", slug="resell")
        silver = TierFactory(tenant=side.tenant, program=program, name="Silver", rank=1)
        gold = TierFactory(tenant=side.tenant, program=program, name="Gold", rank=2)
        EnrollmentFactory(tenant=side.tenant, partner=side.partners[0], tier=gold)
        EnrollmentFactory(tenant=side.tenant, partner=side.partners[1], tier=silver)
    return SimpleNamespace(
        side=side,
        program=program,
        gold=gold,
        silver=silver,
        gold_partner=side.partners[0],
        silver_partner=side.partners[1],
        gold_user=side.partner_admins[0],
        silver_user=side.partner_admins[1],
    )


def open_menu(page: Page, entry: str) -> None:
    menu = page.get_by_role("navigation", name="Main")
    menu.get_by_role("button", name="Marketing").click()
    menu.get_by_role("link", name=entry, exact=True).click()


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


# --- 1. An asset for Gold partners only ---------------------------------------------------------------


def test_marketing_publishes_an_asset_for_gold_only_gold_finds_and_downloads_it_silver_cannot_see_it(
    acme, open_page, tenant_url, tmp_path
):
    side = acme.side
    base = tenant_url(side.tenant)
    document = minimal_pdf("HX-400 price list")
    upload = tmp_path / "hx-400-prices.pdf"
    upload.write_bytes(document)

    # --- Marketing uploads the PDF, for the Gold tier only, and publishes it
    mia = staff_page(open_page, base, side.marketing)
    open_menu(mia, "Content library")
    expect(mia.get_by_role("heading", level=1)).to_have_text("Content library")
    mia.get_by_role("link", name="New asset").click()
    expect(mia.get_by_role("heading", level=1)).to_have_text("New asset")
    content = mia.get_by_role("region", name="The content")
    expect(content.get_by_role("radio", name="File")).to_be_checked()
    content.locator("input[type=file]").set_input_files(str(upload))
    details = mia.get_by_role("region", name="Details")
    details.get_by_label(re.compile(r"^Title\b")).fill(ASSET)
    details.get_by_label("Description").fill(ASSET_WORDS)
    details.get_by_label("Tags").fill("price list, storage")
    mia.get_by_role("group", name="Tiers").get_by_label("Resell Gold").check()
    shot(mia, "marketing-library-01-office-new-asset")
    assert_accessible(mia)
    mia.get_by_role("button", name="Save as a draft").click()
    expect(mia.get_by_role("alert").filter(has_text=f"{ASSET} is saved as a draft")).to_be_visible()
    expect(mia.get_by_role("heading", level=1)).to_contain_text(ASSET)
    expect(mia.get_by_role("heading", level=1)).to_contain_text("Draft")
    mia.get_by_role("region", name="Publish").get_by_role("button", name="Publish").click()
    expect(mia.get_by_role("alert").filter(has_text="Published: partners in its audience see it now.")).to_be_visible()
    expect(mia.get_by_role("heading", level=1)).to_contain_text("Published")
    office_path = path_of(mia)
    with tenant_scope(side.tenant):
        asset = Asset.objects.get(title=ASSET)
        assert asset.audience_tier_ids == [acme.gold.pk] and asset.audience_program_ids == []

    # --- The Gold partner's user finds it by words of its description, opens and downloads it
    gold = partner_page(open_page, base, acme.gold_user)
    open_menu(gold, "Library")
    expect(gold.get_by_role("heading", level=1)).to_have_text("Content library")
    search = gold.get_by_role("search", name="Search the library")
    search.get_by_role("searchbox", name="Search").fill("hyperconverged appliances")
    search.get_by_role("button", name="Search").click()
    expect(gold).to_have_url(re.compile(r"/portal/library/\?.*q=hyperconverged"))
    found = gold.locator(".library-assets > li")
    expect(found).to_have_count(1)
    expect(found.get_by_role("link", name=ASSET)).to_be_visible()
    shot(gold, "marketing-library-02-portal-search")
    assert_accessible(gold)
    found.get_by_role("link", name=ASSET).click()
    expect(gold.get_by_role("heading", level=1)).to_contain_text(ASSET)
    expect(gold.locator(".asset-description")).to_contain_text(ASSET_WORDS)
    asset_path = path_of(gold)
    assert asset_path == f"/portal/library/{asset.pk}/"
    assert_accessible(gold)
    with gold.expect_download() as download:
        gold.get_by_role("region", name="Download").get_by_role("link", name="Download").click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert Path(download.value.path()).read_bytes() == document
    gold.reload()
    expect(gold.get_by_role("main")).to_contain_text("You last opened it on")

    # --- The Silver partner's user: no result for the same words, and a 404 by URL
    silver = partner_page(open_page, base, acme.silver_user)
    open_menu(silver, "Library")
    search = silver.get_by_role("search", name="Search the library")
    search.get_by_role("searchbox", name="Search").fill("hyperconverged appliances")
    search.get_by_role("button", name="Search").click()
    expect(silver.get_by_role("main")).to_contain_text("Nothing in the library matches")
    expect(silver.get_by_role("main")).not_to_contain_text(ASSET)
    shot(silver, "marketing-library-03-silver-no-result")
    answer = silver.goto(asset_path)
    assert answer.status == 404
    expect(silver.get_by_role("main")).not_to_contain_text(ASSET)
    assert silver.goto(f"{asset_path}download/").status == 404  # nor its download

    # --- The back office counts the Gold partner's view and download
    mia.goto(office_path)
    usage = mia.locator(".asset-usage")
    expect(usage).to_contain_text(re.compile(r"Downloads\s*1"))
    expect(usage).to_contain_text(re.compile(r"Partners\s*1"))


# --- 2. A partner co-brands a PDF ---------------------------------------------------------------------


@pytest.fixture
def datasheet(acme):
    """Acme's published two-page template "HX-400 datasheet" for the Gold tier: the logo and the
    company's name on page 1, its contact block and an editable offer (120 characters) on page 2."""
    side = acme.side
    areas = [
        AreaInput(kind=AreaKind.LOGO, label="Logo", page=1, x=40, y=720, width=120, height=60, editable=False),
        AreaInput(kind=AreaKind.COMPANY_NAME, label="Your company", page=1, x=200, y=740, width=350, height=30),
        AreaInput(kind=AreaKind.CONTACT, label="Contact", page=2, x=40, y=660, width=300, height=80, font_size=9),
        AreaInput(kind=AreaKind.TEXT, label="Your offer", page=2, x=40, y=400, width=500, height=200, max_chars=120),
    ]
    with tenant_scope(side.tenant):
        template = cobrand_template_create(
            actor=side.marketing,
            name=TEMPLATE,
            description="The two-page datasheet of the HX-400, with your name and your offer.",
            file=SimpleUploadedFile("datasheet.pdf", pdf_bytes(2), content_type="application/pdf"),
            audience=AudienceChoice(tier_ids=(acme.gold.pk,)),
        )
        for area in areas:
            cobrand_area_add(actor=side.marketing, template=template, area=area)
        return cobrand_template_publish(actor=side.marketing, template=template)


def test_a_partner_user_co_brands_a_pdf_with_its_name_and_text_and_the_vendor_sees_it(
    acme, datasheet, open_page, tenant_url
):
    side = acme.side
    base = tenant_url(side.tenant)
    partner = acme.gold_partner

    # --- The Gold partner's user picks the vendor's template and writes its offer
    pat = partner_page(open_page, base, acme.gold_user)
    open_menu(pat, "Co-branding")
    expect(pat.get_by_role("heading", level=1)).to_have_text("Co-branding")
    expect(pat.get_by_role("main")).to_contain_text("You have not co-branded a document yet.")
    assert_accessible(pat)
    pat.get_by_role("link", name=re.compile(TEMPLATE)).click()
    expect(pat.get_by_role("heading", level=1)).to_have_text(TEMPLATE)
    content = pat.get_by_role("region", name="Your content")
    expect(content).to_contain_text(partner.display_name)  # the company's name, from its record
    content.get_by_label("Your offer").fill(OFFER)
    shot(pat, "marketing-cobrand-01-fill")
    assert_accessible(pat)
    content.get_by_role("button", name="Create PDF").click()
    expect(pat.get_by_role("alert").filter(has_text="Your PDF is being made")).to_be_visible()

    # --- The worker makes it (eager in tests, after the request's commit); the page shows it ready
    def made():
        with platform_scope():
            return CobrandDocument.objects.filter(
                template=datasheet, partner=partner, preview=False, status=CobrandStatus.READY
            ).first()

    document = eventually(made, fallback=lambda: deliver_outbox(side.tenant))
    status = pat.get_by_role("region", name="Your PDF")
    expect(status).to_contain_text("Your co-branded PDF is ready.")  # still pending: htmx polls every 2 s
    shot(pat, "marketing-cobrand-02-ready")
    assert_accessible(pat)
    with pat.expect_download() as download:
        status.get_by_role("link", name="Download the PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    pages = [
        page.extract_text() or "" for page in PdfReader(io.BytesIO(Path(download.value.path()).read_bytes())).pages
    ]
    assert len(pages) == 2
    assert partner.display_name in pages[0]
    assert OFFER in pages[1].replace("\n", " ")
    assert document.status == CobrandStatus.READY

    # --- Marketing sees who co-branded what
    mia = staff_page(open_page, base, side.marketing)
    open_menu(mia, "Co-branding")
    mia.get_by_role("link", name=re.compile("Who co-branded what")).click()
    expect(mia.get_by_role("heading", level=1)).to_have_text("Who co-branded what")
    row = mia.get_by_role("row", name=re.compile(partner.display_name))
    expect(row).to_contain_text(TEMPLATE)
    expect(row.locator("td.text-end")).to_have_text("1")
    shot(mia, "marketing-cobrand-03-office-usage")
    assert_accessible(mia)


# --- 3. An announcement reaches its audience and shows as read ----------------------------------------


def test_an_announcement_for_gold_partners_reaches_them_unread_first_then_read_and_not_silver(
    acme, open_page, tenant_url
):
    side = acme.side
    base = tenant_url(side.tenant)
    # An older announcement for everyone, pinned, which the Gold partner's user has read already.
    with tenant_scope(side.tenant):
        older = announcement_create(
            actor=side.marketing,
            title=OLDER,
            body="Our support desk closes from 24 to 26 December.",
            publish_at=timezone.now() - timedelta(days=2),
            pinned=True,
        )
    with tenant_scope(side.tenant, partner=acme.gold_partner.pk):
        assert announcement_read(actor=acme.gold_user, announcement=older)

    # --- Marketing writes one for the Gold tier in the back office
    mia = staff_page(open_page, base, side.marketing)
    open_menu(mia, "Announcements")
    expect(mia.get_by_role("heading", level=1)).to_have_text("Announcements")
    expect(mia.get_by_role("row", name=re.compile(OLDER))).to_contain_text("1 of 4")  # every partner user
    assert_accessible(mia)
    mia.get_by_role("link", name="New announcement").click()
    expect(mia.get_by_role("heading", level=1)).to_have_text("New announcement")
    mia.get_by_label("Title").fill(NOTICE)
    mia.get_by_label("Text").fill(NOTICE_TEXT)
    mia.get_by_role("group", name="Tiers").get_by_label(re.compile(r"^Resell:? Gold$")).check()
    shot(mia, "marketing-announcement-01-office-form")
    assert_accessible(mia)
    mia.get_by_role("button", name="Create the announcement").click()
    expect(mia.get_by_role("alert").filter(has_text=f"{NOTICE} is saved.")).to_be_visible()
    expect(mia.get_by_role("heading", level=1)).to_have_text(NOTICE)
    expect(mia.locator(".announcement-state-current")).to_have_text("Shown now")
    expect(mia.locator("#announcement-facts")).to_contain_text("Tiers: Resell Gold")
    receipts = mia.get_by_role("region", name="Who read it")
    expect(receipts).to_contain_text("0 of the 2 people of its audience read it.")  # partner 1's two users
    expect(receipts).to_contain_text("Nobody has read it yet.")
    announcement_path = path_of(mia)
    with tenant_scope(side.tenant):
        notice = Announcement.objects.get(title=NOTICE)
        assert notice.audience_tier_ids == [acme.gold.pk]

    # --- The Gold partner's user: on the portal home, unread, before the pinned one it has read
    gold = partner_page(open_page, base, acme.gold_user)
    card = gold.locator("#announcements-card")
    expect(card.locator("#announcements-unread")).to_have_text("1 unread")
    items = card.locator(".announcement-item")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text(NOTICE)
    expect(items.nth(0).locator(".badge")).to_have_text("New")
    expect(items.nth(0)).to_have_class(re.compile(r"\bfw-semibold\b"))
    expect(items.nth(1)).to_contain_text(OLDER)
    expect(items.nth(1).locator(".badge")).to_have_count(0)
    shot(gold, "marketing-announcement-02-portal-home-unread")
    assert_accessible(gold)
    card.get_by_role("link", name=NOTICE).click()
    expect(gold.get_by_role("heading", level=1)).to_have_text(NOTICE)
    expect(gold.locator("#announcement-body")).to_contain_text(NOTICE_TEXT)
    assert_accessible(gold)

    # ...back on the home it is read: no unread count, no "New"; the pinned one comes first again
    gold.goto("/portal/")
    card = gold.locator("#announcements-card")
    expect(card.locator("#announcements-unread")).to_have_count(0)
    items = card.locator(".announcement-item")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text(OLDER)
    expect(items.nth(1)).to_contain_text(NOTICE)
    expect(card.locator(".announcement-item .badge")).to_have_count(0)
    expect(items.nth(1)).not_to_have_class(re.compile(r"\bfw-semibold\b"))
    shot(gold, "marketing-announcement-03-portal-home-read")
    # ...and in the list
    open_menu(gold, "Announcements")
    row = gold.locator(f"#announcement-{notice.pk}")
    expect(row).to_contain_text("(read)")
    expect(row).not_to_contain_text("Unread")
    expect(gold.locator("#announcements-unread")).to_have_count(0)
    assert_accessible(gold)

    # --- The back office counts the reader
    mia.goto(announcement_path)
    receipts = mia.get_by_role("region", name="Who read it")
    expect(receipts).to_contain_text("1 of the 2 people of its audience read it.")
    expect(receipts.get_by_role("row", name=re.compile(acme.gold_user.user.email))).to_contain_text(
        acme.gold_partner.display_name
    )
    expect(mia.locator("#announcement-facts")).to_contain_text(re.compile(r"Not read yet\s*1"))
    shot(mia, "marketing-announcement-04-office-read")
    assert_accessible(mia)
    open_menu(mia, "Announcements")
    expect(mia.get_by_role("row", name=re.compile(NOTICE))).to_contain_text("1 of 2")

    # --- The Silver partner's user never sees it: not on the home, not in the list, 404 by URL
    silver = partner_page(open_page, base, acme.silver_user)
    card = silver.locator("#announcements-card")
    expect(card).to_contain_text(OLDER)
    expect(card).not_to_contain_text(NOTICE)
    open_menu(silver, "Announcements")
    expect(silver.locator("#announcements")).to_contain_text(OLDER)
    expect(silver.get_by_role("main")).not_to_contain_text(NOTICE)
    answer = silver.goto(f"/portal/announcements/{notice.pk}/")
    assert answer.status == 404
    expect(silver.get_by_role("main")).not_to_contain_text(NOTICE)
