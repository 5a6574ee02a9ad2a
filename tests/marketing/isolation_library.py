"""Isolation cases of the content library (merged by tests/marketing/isolation.py), and the
set-ups its tests share.

Acme partner 1 holds the Gold tier of a program; acme partner 2 holds nothing. The library has a
folder ("Matrix folder"), a published Gold-only brochure ("Matrix brochure": partner 1's users see
it, partner 2's admin gets a 404, also by URL), a published Gold-only asset behind terms of use, a
draft and a second published asset; partner 1's admin viewed and downloaded the brochure.

Every staff member reads the office's pages (``MARKETING_VIEW``); the admin and marketing write
(``MARKETING_MANAGE``), the channel manager gets a 403; every user of acme partner 1 reads the
library (``CONTENT_VIEW``)."""

from __future__ import annotations

from django.urls import reverse

from marketing.models import Asset, AssetActivity, AssetActivityKind, AssetFolder, AssetTermsAcceptance, PublishStatus
from marketing.services.audience import AudienceChoice
from marketing.services.library import (
    asset_create,
    asset_download_record,
    asset_publish,
    asset_view_record,
    folder_create,
)
from prm.tenancy.scope import tenant_scope

from ..isolation import Case, in_platform, office_page, office_write, portal_page, portal_write
from .world import MANAGE, built_once, for_world, pdf, tier_held_by


def make_asset(side, title: str, *, publish: bool = True, kind: str = "file", **fields) -> Asset:
    """An asset made by acme's marketing through the services (a PDF, or an address), published
    unless told."""
    if kind == "file":
        fields.setdefault("file", pdf(f"{title}.pdf", title))
    else:
        fields.setdefault("url", "https://www.example.com/matrix")
    asset = asset_create(actor=side.marketing, title=title, kind=kind, **fields)
    if publish:
        asset_publish(actor=side.marketing, asset=asset)
    return Asset.objects.get(pk=asset.pk)


@built_once
def library(ctx) -> None:
    side = ctx.side
    with tenant_scope(side.tenant):
        ctx.tier = tier_held_by(side.partner)
        gold = AudienceChoice(tier_ids=(ctx.tier.pk,))
        ctx.folder = folder_create(actor=side.marketing, name="Matrix folder")
        ctx.asset = make_asset(
            side, "Matrix brochure", audience=gold, folder=ctx.folder, description="For Gold", tags=["matrix"]
        )
        ctx.terms_asset = make_asset(
            side, "Matrix licensed logos", audience=gold, requires_terms=True, terms="Matrix terms of use"
        )
        ctx.draft = make_asset(side, "Matrix draft", publish=False)
        ctx.other = make_asset(side, "Matrix link", kind="link")
        asset_view_record(actor=side.partner_admin, asset=ctx.asset)
        asset_download_record(actor=side.partner_admin, asset=ctx.asset)


ASSET = lambda ctx: [ctx.asset.pk]  # noqa: E731
VERSION = lambda ctx: [ctx.asset.pk, ctx.asset.current_version_id]  # noqa: E731


@in_platform
def folder_renamed(ctx) -> bool:
    return AssetFolder.objects.get(pk=ctx.folder.pk).name == "Matrix renamed"


@in_platform
def published(ctx) -> bool:
    return Asset.objects.get(pk=ctx.draft.pk).status == PublishStatus.PUBLISHED


@in_platform
def archived(ctx) -> bool:
    return Asset.objects.get(pk=ctx.other.pk).status == PublishStatus.ARCHIVED


@in_platform
def terms_accepted(ctx) -> bool:
    return AssetTermsAcceptance.objects.filter(asset=ctx.terms_asset).exists()


@in_platform
def downloaded_again(ctx) -> bool:
    # The set-up's one download by partner 1's admin, and this request's.
    return AssetActivity.objects.filter(asset=ctx.asset, kind=AssetActivityKind.DOWNLOAD).count() == 2


CASES: dict[str, Case] = {
    "office:assets": office_page(setup=library, contains="Matrix brochure"),
    "office:asset_create": office_page(allowed=MANAGE, contains="New asset"),
    "office:asset_folders": office_page(setup=library, contains="Matrix folder"),
    "office:asset_folder_rename": office_write(
        allowed=MANAGE,
        setup=library,
        args=lambda ctx: [ctx.folder.pk],
        data={"name": "Matrix renamed"},
        effect=folder_renamed,
    ),
    "office:asset": office_page(setup=library, args=ASSET, contains="Matrix brochure"),
    "office:asset_edit": office_page(allowed=MANAGE, setup=library, args=ASSET, contains="Matrix brochure"),
    "office:asset_version_add": office_page(allowed=MANAGE, setup=library, args=ASSET, contains="Matrix brochure"),
    "office:asset_version_download": office_page(setup=library, args=VERSION),
    "office:asset_publish": office_write(
        allowed=MANAGE, setup=library, args=lambda ctx: [ctx.draft.pk], effect=published
    ),
    "office:asset_archive": office_write(
        allowed=MANAGE, setup=library, args=lambda ctx: [ctx.other.pk], effect=archived
    ),
    "office:asset_usage": office_page(setup=library, args=ASSET, contains="Acme Partner 1"),
    "portal:library": portal_page(setup=library, contains="Matrix brochure"),
    "portal:asset": portal_page(setup=library, args=ASSET, contains="For Gold"),
    "portal:asset_terms_accept": portal_write(
        setup=library, args=lambda ctx: [ctx.terms_asset.pk], data={"accept": "on"}, effect=terms_accepted
    ),
    "portal:asset_download": portal_page(setup=library, args=ASSET, effect=downloaded_again),
}
# The create, edit, new-version and folder pages are GET cases here (a URL has one case); their
# POSTs go through the same view (area, capability, selector), are fuzzed (FORM_VIEWS) and tested
# in test_library_pages.py.


# --- for tests/hostile/test_fuzz_forms.py (merged into its FORM_VIEWS): name -> (who, path, valid data)


ASSET_FIELDS = {
    "title": "Matrix fuzzed",
    "description": "About it",
    "tags": "one, two",
    "valid_from": "2030-01-01",
    "valid_until": "2030-12-31",
    "terms": "",
    "language": "en",
}


def _create(world) -> dict:
    return {**ASSET_FIELDS, "kind": "link", "url": "https://www.example.com/fuzz", "notes": "First"}


FORM_VIEWS: dict = {
    "office:asset_create": (lambda w: w.acme.marketing, lambda w: reverse("office:asset_create"), _create),
    "office:asset_edit": (
        lambda w: w.acme.marketing,
        lambda w: reverse("office:asset_edit", args=ASSET(for_world(w, library))),
        lambda w: dict(ASSET_FIELDS),
    ),
    "office:asset_version_add": (
        lambda w: w.acme.marketing,
        lambda w: reverse("office:asset_version_add", args=[for_world(w, library).other.pk]),
        lambda w: {"url": "https://www.example.com/v2", "notes": "Second"},
    ),
    "office:asset_publish": (
        lambda w: w.acme.marketing,
        lambda w: reverse("office:asset_publish", args=[for_world(w, library).draft.pk]),
        lambda w: {"notify": "on"},
    ),
    "office:asset_folders": (
        lambda w: w.acme.marketing,
        lambda w: reverse("office:asset_folders"),
        lambda w: {"name": "Matrix fuzzed folder", "parent": str(for_world(w, library).folder.pk)},
    ),
    "office:asset_folder_rename": (
        lambda w: w.acme.marketing,
        lambda w: reverse("office:asset_folder_rename", args=[for_world(w, library).folder.pk]),
        lambda w: {"name": "Matrix fuzzed name"},
    ),
    "portal:asset_terms_accept": (
        lambda w: w.acme.partner_admin,
        lambda w: reverse("portal:asset_terms_accept", args=[for_world(w, library).terms_asset.pk]),
        lambda w: {"accept": "on"},
    ),
}
# POSTs without input (a button).
NO_INPUT: set[str] = {"office:asset_archive"}
