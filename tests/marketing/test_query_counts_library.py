"""The content library's lists cost the same with many assets as with few (pinned), an asset's
pages the same with many versions as with one, and the usage page the same with many partners;
no template runs a query."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketing.services.library import (
    asset_download_record,
    asset_version_add,
    asset_view_record,
    folder_create,
)
from prm.tenancy.scope import tenant_scope
from tests.factories import PartnerMembershipFactory
from tests.query_budget import assert_list_page, assert_pinned, cost

from .isolation_library import make_asset
from .world import pdf

pytestmark = pytest.mark.django_db

PINNED_PORTAL_LIBRARY = 9
PINNED_PORTAL_SEARCH = 9
PINNED_OFFICE_LIST = 6
PINNED_FOLDERS = 4
PINNED_PORTAL_ASSET = 10
PINNED_OFFICE_ASSET = 7
PINNED_USAGE = 6


def _assets(side, n: int, *, start: int = 0) -> list:
    with tenant_scope(side.tenant):
        folder = folder_create(actor=side.marketing, name=f"Folder {start}")
        made = []
        for i in range(start, start + n):
            asset = make_asset(side, f"Brochure {i}", folder=folder, tags=[f"tag{i}", "storage"])
            asset_view_record(actor=side.sales_rep, asset=asset)
            asset_download_record(actor=side.sales_rep, asset=asset)
            made.append(asset)
        return made


def test_the_library_lists_cost_the_same_with_many_assets(acme, no_queries_from_templates):
    _assets(acme, 1)
    pages = {
        "portal": (acme.sales_rep, reverse("portal:library")),
        "search": (acme.sales_rep, reverse("portal:library") + "?q=broch&kind=file&new=on"),
        "office": (acme.marketing, reverse("office:assets")),
        "office search": (acme.marketing, reverse("office:assets") + "?q=brochure&status=published"),
        "folders": (acme.marketing, reverse("office:asset_folders")),
    }
    few = {name: cost(member, path) for name, (member, path) in pages.items()}
    _assets(acme, 30, start=1)
    many = {name: cost(member, path) for name, (member, path) in pages.items()}
    portal_row, office_row = r'<li class="list-group-item" id="asset-', r'<tr id="asset-'
    assert_list_page(few["portal"], many["portal"], pinned=PINNED_PORTAL_LIBRARY, row=portal_row, rows=(1, 25))
    assert_list_page(few["search"], many["search"], pinned=PINNED_PORTAL_SEARCH, row=portal_row, rows=(None, None))
    assert_list_page(few["office"], many["office"], pinned=PINNED_OFFICE_LIST, row=office_row, rows=(1, 25))
    assert_pinned(few["office search"], many["office search"], PINNED_OFFICE_LIST, "office search")
    assert_pinned(few["folders"], many["folders"], PINNED_FOLDERS, "folders")


def test_an_assets_pages_cost_the_same_with_many_versions_and_partners(acme, no_queries_from_templates):
    with tenant_scope(acme.tenant):
        one = make_asset(acme, "One version")
        many = make_asset(acme, "Many versions")
        for _ in range(6):
            asset_version_add(actor=acme.marketing, asset=many, file=pdf())
        asset_view_record(actor=acme.sales_rep, asset=one)
        asset_view_record(actor=acme.sales_rep, asset=many)
        for n in range(8):
            person = PartnerMembershipFactory(
                tenant=acme.tenant, partner__tenant=acme.tenant, partner__display_name=f"P{n}"
            )
            asset_download_record(actor=person, asset=many)
    for member, name, pinned in (
        (acme.sales_rep, "portal:asset", PINNED_PORTAL_ASSET),
        (acme.marketing, "office:asset", PINNED_OFFICE_ASSET),
        (acme.marketing, "office:asset_usage", PINNED_USAGE),
    ):
        few_cost = cost(member, reverse(name, args=[one.pk]))
        many_cost = cost(member, reverse(name, args=[many.pk]))
        assert_pinned(few_cost, many_cost, pinned, name)
