"""The content library's pages as people use them: marketing uploads a brochure for Gold partners
and publishes it; a Gold partner's rep finds it, opens it and downloads it, while a Silver
partner's admin neither sees it nor opens it by its address; terms of use before a download; a
new version marked as updated; "new since your last visit"; links and videos; the forms keep what
was typed when refused; usage per partner; folders; hostile filters."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from marketing.demo_parts.library import load as load_library_demo
from marketing.models import Asset, AssetActivity, AssetFolder, LibraryVisit, PublishStatus
from marketing.services.audience import AudienceChoice
from marketing.services.library import asset_download_record, folder_create
from prm.accounts.roles import Role
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.web.demo_kit import Demo
from tests.conftest import body, make_client
from tests.factories import (
    EnrollmentFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    ProgramFactory,
    TierFactory,
)
from tests.hostile.support import HOSTILE, hostile_text, html_problems

from .isolation_library import make_asset
from .world import page_text, pdf, tier_held_by

pytestmark = pytest.mark.django_db


def _asset(title: str) -> Asset:
    with platform_scope():
        return Asset.objects.get(title=title)


def test_marketing_publishes_for_gold_a_gold_rep_downloads_it_and_silver_gets_a_404(acme):
    with tenant_scope(acme.tenant):
        gold = tier_held_by(acme.partner)
        silver = TierFactory(tenant=acme.tenant, program=gold.program, name="Silver")
        EnrollmentFactory(tenant=acme.tenant, partner=acme.partners[1], tier=silver, program=gold.program)
    office = make_client(acme.marketing)
    # given marketing's new asset form, offering the tenant's tiers
    form = page_text(office.get(reverse("office:asset_create")))
    assert f'value="{gold.pk}"' in form and "Gold" in form
    # when marketing uploads the price list for Gold partners and publishes it, telling them
    response = office.post(
        reverse("office:asset_create"),
        {
            "kind": "file",
            "file": pdf("Gold prices 2026.pdf"),
            "title": "Gold price list",
            "description": "Net prices for Gold partners.",
            "tags": "pricing, gold",
            "audience_tier_ids": [str(gold.pk)],
        },
    )
    asset = _asset("Gold price list")
    assert response.status_code == 302 and response["Location"] == reverse("office:asset", args=[asset.pk])
    assert asset.status == PublishStatus.DRAFT and asset.audience_tier_ids == [gold.pk]
    response = office.post(reverse("office:asset_publish", args=[asset.pk]), {"notify": "on"}, follow=True)
    assert "Published: partners in its audience see it now, and 2 people were told." in page_text(response)
    with platform_scope():
        told = set(Notification.objects.filter(kind="asset.published").values_list("recipient_id", flat=True))
    assert told == {acme.partner_admin.pk, acme.sales_rep.pk}

    # then the Gold partner's rep finds it by a word of its description, opens it and downloads it
    rep = make_client(acme.sales_rep)
    found = page_text(rep.get(reverse("portal:library"), {"q": "net"}))
    assert "Gold price list" in found and "1 item" in found
    page = page_text(rep.get(reverse("portal:asset", args=[asset.pk])))
    assert "Net prices for Gold partners." in page and "Gold prices 2026.pdf" in page
    download = rep.get(reverse("portal:asset_download", args=[asset.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert 'filename="Gold prices 2026.pdf"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    with platform_scope():
        assert list(AssetActivity.objects.values_list("kind", flat=True).order_by("id")) == ["view", "download"]

    # ... while the Silver partner's admin does not see it, and gets a 404 by its addresses
    silver_admin = make_client(acme.partner_admins[1])
    assert "Gold price list" not in page_text(silver_admin.get(reverse("portal:library")))
    for name in ("portal:asset", "portal:asset_download"):
        assert silver_admin.get(reverse(name, args=[asset.pk])).status_code == 404

    # and the office's list and usage page count the Gold partner's use
    listed = page_text(office.get(reverse("office:assets")))
    assert "Gold price list" in listed and "Targeted" in listed
    usage = page_text(office.get(reverse("office:asset_usage", args=[asset.pk])))
    assert "Acme Partner 1" in usage and "Acme Partner 2" not in usage and "1 partner used it" in usage


def test_the_new_asset_form_keeps_what_was_typed_and_says_what_is_wrong(acme):
    office = make_client(acme.marketing)
    response = office.post(
        reverse("office:asset_create"),
        {
            "kind": "file",
            "title": "Half done",
            "description": "Kept as typed",
            "tags": "one, two",
            "valid_from": "2030-02-01",
            "valid_until": "2030-01-01",
            "requires_terms": "on",
            "terms": "",
            "audience_regions": ["EMEA"],
        },
    )
    page = page_text(response)
    assert response.status_code == 200
    assert "The asset was not created: correct the fields marked below." in page
    assert "Choose the file to upload." in page
    assert "The validity ends on or after the day it starts." in page
    assert "Write the terms people accept before downloading, or untick the box." in page
    assert 'value="Half done"' in page and "Kept as typed" in page and 'value="one, two"' in page
    assert re.search(r'value="EMEA"[^>]*checked', page) and not re.search(r'value="APAC"[^>]*checked', page)
    # a file that is no document is refused on its field
    page_as_pdf = SimpleUploadedFile("x.pdf", b"<html><script>alert(1)</script></html>", "application/pdf")
    response = office.post(reverse("office:asset_create"), {"kind": "file", "title": "Script", "file": page_as_pdf})
    assert "Upload a PDF, PNG or JPEG file" in page_text(response)
    # a link without its address
    response = office.post(reverse("office:asset_create"), {"kind": "link", "title": "Configurator"})
    assert "Give the address of the link or video." in page_text(response)
    with platform_scope():
        assert not Asset.objects.exists()


def test_terms_are_accepted_on_the_assets_page_before_the_download(acme):
    with tenant_scope(acme.tenant):
        logos = make_asset(acme, "Logo kit", requires_terms=True, terms="Use our logos unchanged.")
    rep = make_client(acme.sales_rep)
    detail = reverse("portal:asset", args=[logos.pk])
    page = page_text(rep.get(detail))
    assert "Use our logos unchanged." in page and "I accept these terms of use" in page
    assert reverse("portal:asset_download", args=[logos.pk]) not in page
    # a download by its address is refused and sends the rep back to the page, saying why
    response = rep.get(reverse("portal:asset_download", args=[logos.pk]), follow=True)
    assert response.redirect_chain == [(detail, 302)]
    assert "Accept the terms of use first: then you can download it." in page_text(response)
    # the box unticked: refused, the terms still there
    response = rep.post(reverse("portal:asset_terms_accept", args=[logos.pk]), {})
    assert response.status_code == 200 and "Tick the box to accept the terms of use." in page_text(response)
    # accepted: the download is offered and works
    response = rep.post(reverse("portal:asset_terms_accept", args=[logos.pk]), {"accept": "on"}, follow=True)
    page = page_text(response)
    assert "you accepted the terms of use and can download Logo kit now" in page
    assert reverse("portal:asset_download", args=[logos.pk]) in page and "You accepted its terms of use on" in page
    assert rep.get(reverse("portal:asset_download", args=[logos.pk])).status_code == 200


def test_a_new_version_is_marked_updated_for_who_downloaded_the_old_one(acme):
    with tenant_scope(acme.tenant):
        brochure = make_asset(acme, "Brochure")
        asset_download_record(actor=acme.sales_rep, asset=brochure)
    office = make_client(acme.marketing)
    page = page_text(office.get(reverse("office:asset_version_add", args=[brochure.pk])))
    assert "New version of Brochure" in page and 'type="file"' in page
    response = office.post(
        reverse("office:asset_version_add", args=[brochure.pk]),
        {"file": pdf("Brochure v2.pdf"), "notes": "New prices"},
        follow=True,
    )
    page = page_text(response)
    assert "Version 2 is now the current one: new downloads get it." in page and "Brochure v2.pdf" in page
    rep, admin = make_client(acme.sales_rep), make_client(acme.partner_admin)
    assert "Updated since your download" in page_text(rep.get(reverse("portal:library")))
    assert "Updated since your download" not in page_text(admin.get(reverse("portal:library")))
    page = page_text(rep.get(reverse("portal:asset", args=[brochure.pk])))
    assert "Updated since your download" in page and "New prices" in page
    rep.get(reverse("portal:asset_download", args=[brochure.pk]))
    assert "Updated since your download" not in page_text(rep.get(reverse("portal:library")))


def test_new_since_the_last_visit_marks_and_filters(acme):
    with tenant_scope(acme.tenant):
        old = make_asset(acme, "Old brochure")
        Asset.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=9))
        make_asset(acme, "Fresh case study")
        LibraryVisit.objects.create(
            membership=acme.sales_rep, partner=acme.partner, visited_at=timezone.now() - timedelta(days=3)
        )
    rep = make_client(acme.sales_rep)
    page = page_text(rep.get(reverse("portal:library")))
    assert "published since your last visit on" in page
    rows = re.findall(r'<li class="list-group-item" id="asset-\d+">(.*?)</li>', page, re.DOTALL)
    marked = {("Fresh case study" in row, ">New</span>" in row) for row in rows}
    assert marked == {(True, True), (False, False)}
    filtered = page_text(rep.get(reverse("portal:library"), {"new": "on"}))
    assert "Fresh case study" in filtered and "Old brochure" not in filtered
    # a second page of the same visit still compares with the visit before
    assert "Fresh case study" in page_text(rep.get(reverse("portal:library"), {"new": "on", "page": "1"}))


def test_links_redirect_and_videos_play_on_the_page(acme):
    with tenant_scope(acme.tenant):
        link = make_asset(acme, "Configurator", kind="link", url="https://www.acme.example/configurator")
        video = make_asset(acme, "Demo", kind="video", url="https://www.youtube.com/watch?v=aqz-KE-bpKQ")
    rep = make_client(acme.sales_rep)
    response = rep.get(reverse("portal:asset_download", args=[link.pk]))
    assert response.status_code == 302 and response["Location"] == "https://www.acme.example/configurator"
    page = page_text(rep.get(reverse("portal:asset", args=[video.pk])))
    assert 'src="https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ"' in page and "Open the video" in page


def test_editing_the_terms_says_who_accepts_again_and_archiving_withdraws(acme):
    with tenant_scope(acme.tenant):
        logos = make_asset(acme, "Logo kit", requires_terms=True, terms="Old terms")
    rep = make_client(acme.sales_rep)
    rep.post(reverse("portal:asset_terms_accept", args=[logos.pk]), {"accept": "on"})
    office = make_client(acme.marketing)
    edit = page_text(office.get(reverse("office:asset_edit", args=[logos.pk])))
    assert 'value="Logo kit"' in edit and "Old terms" in edit
    response = office.post(
        reverse("office:asset_edit", args=[logos.pk]),
        {"title": "Logo kit", "requires_terms": "on", "terms": "New terms"},
        follow=True,
    )
    assert "the person who had accepted them accepts the new terms before the next download" in page_text(response)
    assert "I accept these terms of use" in page_text(rep.get(reverse("portal:asset", args=[logos.pk])))
    response = office.post(reverse("office:asset_archive", args=[logos.pk]), follow=True)
    assert "Archived: partners no longer see it." in page_text(response)
    assert rep.get(reverse("portal:asset", args=[logos.pk])).status_code == 404


def test_folders_are_created_renamed_and_filter_the_library(acme):
    office = make_client(acme.marketing)
    response = office.post(reverse("office:asset_folders"), {"name": "Brochures"}, follow=True)
    assert "Folder Brochures created." in page_text(response)
    with platform_scope():
        brochures = AssetFolder.objects.get(name="Brochures")
    response = office.post(reverse("office:asset_folders"), {"name": "brochures"})
    assert response.status_code == 200 and "There is already a folder called brochures here." in page_text(response)
    assert 'value="brochures"' in page_text(response)
    response = office.post(reverse("office:asset_folder_rename", args=[brochures.pk]), {"name": ""})
    assert response.status_code == 200 and "This field is required." in page_text(response)
    office.post(reverse("office:asset_folder_rename", args=[brochures.pk]), {"name": "Print"})
    with tenant_scope(acme.tenant):
        sub = folder_create(actor=acme.marketing, name="2026", parent=AssetFolder.objects.get(pk=brochures.pk))
        make_asset(acme, "In the sub-folder", folder=sub)
        make_asset(acme, "Loose")
    # the channel manager reads the folders but may not create one
    manager = make_client(acme.manager)
    assert "Print" in page_text(manager.get(reverse("office:asset_folders")))
    assert manager.post(reverse("office:asset_folders"), {"name": "Mine"}).status_code == 403
    # the portal's folder facet counts the sub-folder's asset under its parent, and filters by it
    rep = make_client(acme.sales_rep)
    page = page_text(rep.get(reverse("portal:library")))
    assert "Print</a> <span" in page and "(1)" in page
    filtered = page_text(rep.get(reverse("portal:library"), {"folder": str(brochures.pk)}))
    assert "In the sub-folder" in filtered and "Loose" not in filtered


def test_a_channel_manager_reads_the_library_but_does_not_change_it(acme):
    with tenant_scope(acme.tenant):
        asset = make_asset(acme, "Brochure", audience=AudienceChoice(regions=("EMEA",)))
    manager = make_client(acme.manager)
    page = page_text(manager.get(reverse("office:asset", args=[asset.pk])))
    assert "Brochure" in page and "Europe, Middle East and Africa" in page
    assert reverse("office:asset_edit", args=[asset.pk]) not in page
    assert manager.post(reverse("office:asset_archive", args=[asset.pk])).status_code == 403


_FILTERS = ["q", "folder", "kind", "tag", "new", "page", "status"]
search_syntax = st.sampled_from(['"', "-", "a:*", "or", "x\x00y", "' or 1=1 --", "9" * 30, "!(a|b)", "\\"])


@HOSTILE
@given(query=st.dictionaries(st.sampled_from(_FILTERS), hostile_text | search_syntax, min_size=1))
def test_hostile_filters_never_fail(world, query):
    # given the library's pages, when their query string is hostile, then they answer, inert
    acme = world.acme
    for member, name in ((acme.sales_rep, "portal:library"), (acme.marketing, "office:assets")):
        response = make_client(member).get(reverse(name), query)
        assert response.status_code == 200
        assert html_problems(body(response)) == []


def test_the_demo_library_shows_gold_content_to_gold_only_and_loads_once(acme):
    # given a demo-like acme: Northwind (Silver) and Silvergate (Gold) in the Resell program
    with tenant_scope(acme.tenant):
        resell = ProgramFactory(tenant=acme.tenant, slug="resell", name="Resell")
        tiers = {name: TierFactory(tenant=acme.tenant, program=resell, name=name) for name in ("Silver", "Gold")}
        people = {}
        for name, tier in (("Northwind", "Silver"), ("Silvergate", "Gold")):
            partner = PartnerFactory(tenant=acme.tenant, display_name=name)
            EnrollmentFactory(tenant=acme.tenant, partner=partner, tier=tiers[tier], program=resell)
            people[name] = PartnerMembershipFactory(tenant=acme.tenant, partner=partner, role=Role.PARTNER_ADMIN)
        demo = Demo(tenant=acme.tenant, seed=0, staff={"admin": acme.admin, "marketing": acme.marketing})
        # when the demo loads, twice
        load_library_demo(demo)
        load_library_demo(demo)
        assert Asset.objects.count() == 11 and AssetFolder.objects.count() == 5
        assert AssetActivity.objects.filter(partner__display_name="Silvergate").exists()
    # then Silvergate's admin sees the Gold price list, Northwind's does not, and sees "new" and "updated"
    gold = _asset("Gold partner price list")
    assert "Gold partner price list" in page_text(make_client(people["Silvergate"]).get(reverse("portal:library")))
    northwind = make_client(people["Northwind"])
    page = page_text(northwind.get(reverse("portal:library")))
    assert "Gold partner price list" not in page and "Product overview brochure" in page
    assert "Updated since your download" in page and ">New</span>" in page
    assert northwind.get(reverse("portal:asset", args=[gold.pk])).status_code == 404
    assert "Launch kit" not in page and "Partner newsletter template" not in page
