"""Isolation cases of campaigns in a box (merged by tests/marketing/isolation.py), and the helpers
the campaign tests share.

Acme's marketing publishes "Matrix campaign" (code matrix-campaign) for the partners of a program
only acme partner 1 is enrolled in, and partner 1's admin joins it; "Matrix open campaign" (same
audience) waits to be joined; "Matrix draft campaign" is a draft. Partner 2's admin and globex see
none of them: a 404."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse

from incentives.models import MdfActivityType
from incentives.services.mdf import mdf_allocate, mdf_budget_create
from marketing.models import Asset, AssetKind, Campaign, CampaignAsset, CampaignParticipation, PublishStatus
from marketing.services.audience import AudienceChoice
from marketing.services.campaigns import campaign_create, campaign_join, campaign_publish, campaign_set_assets
from prm.tenancy.scope import tenant_scope
from prm.tenancy.time import tenant_today

from ..isolation import Case, in_platform, office_page, office_write, portal_page, portal_write
from .world import MANAGE, built_once, for_world, tier_held_by

JOIN = ("partner_admin",)  # CAMPAIGN_JOIN (the world's partner users: an admin and a sales rep)
EMAIL = ("Spring offer for {{ partner }}", "Hello,\n\nvisit {{ website }} or write to {{ contact }}.\n")


# --- helpers the campaign tests share ---------------------------------------------------------------


def asset(side, title: str, *, status=PublishStatus.PUBLISHED, **fields) -> Asset:
    """A library asset (a link), written directly: the library's services are not under test here."""
    return Asset.objects.create(
        tenant=side.tenant, title=title, kind=AssetKind.LINK, status=status, description=f"{title} text", **fields
    )


def campaign(side, name: str, code: str, *, publish: bool = True, assets=(), **fields) -> Campaign:
    """A campaign made by acme's marketing through the services (published unless ``publish`` is false)."""
    fields.setdefault("email_subject", EMAIL[0])
    fields.setdefault("email_body", EMAIL[1])
    made = campaign_create(actor=side.marketing, name=name, code=code, summary=f"{name} summary", **fields)
    if assets:
        campaign_set_assets(actor=side.marketing, campaign=made, asset_ids=[a.pk for a in assets])
    if publish:
        made = campaign_publish(actor=side.marketing, campaign=made)
    return made


def join(
    member, made: Campaign, *, subject: str = "Our offer for {{ partner }}", body: str = "Dear customer"
) -> object:
    return campaign_join(actor=member, campaign=made, email_subject=subject, email_body=body)


def mdf_funds(side, *, partner=None, amount: str = "10000.00", share: int = 50):
    """An MDF activity type and a budget of this quarter with an allocation for ``partner``."""
    today = tenant_today()
    fund_type = MdfActivityType.objects.create(name="Digital campaign", vendor_share_percent=Decimal(share))
    budget = mdf_budget_create(
        actor=side.marketing,
        name="Campaign funds",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=90),
        amount=Decimal("100000.00"),
        currency="USD",
    )
    allocation = mdf_allocate(
        actor=side.marketing, budget=budget, partner=partner or side.partner, amount=Decimal(amount)
    )
    return fund_type, allocation


# --- the matrix's objects ------------------------------------------------------------------------------


@built_once
def campaigns(ctx) -> None:
    side = ctx.side
    with tenant_scope(side.tenant):
        program_id = tier_held_by(side.partner).program_id
        ctx.asset = asset(side, "Matrix brochure")
        ctx.other_asset = asset(side, "Matrix banner")
        audience = AudienceChoice(program_ids=(program_id,))
        ctx.campaign = campaign(side, "Matrix campaign", "matrix-campaign", assets=[ctx.asset], audience=audience)
        ctx.open = campaign(side, "Matrix open campaign", "matrix-open", audience=audience)
        ctx.draft = campaign(side, "Matrix draft campaign", "matrix-draft", publish=False)
        ctx.participation = join(side.partner_admin, ctx.campaign, subject="Matrix subject for {{ partner }}")


CAMPAIGN = lambda ctx: [ctx.campaign.pk]  # noqa: E731
OPEN = lambda ctx: [ctx.open.pk]  # noqa: E731
DRAFT = lambda ctx: [ctx.draft.pk]  # noqa: E731


@in_platform
def assets_set(ctx) -> bool:
    ids = list(
        CampaignAsset.objects.filter(campaign=ctx.campaign).order_by("position").values_list("asset_id", flat=True)
    )
    return ids == [ctx.other_asset.pk, ctx.asset.pk]


@in_platform
def published(ctx) -> bool:
    return Campaign.objects.get(pk=ctx.draft.pk).status == PublishStatus.PUBLISHED


@in_platform
def closed(ctx) -> bool:
    return Campaign.objects.get(pk=ctx.campaign.pk).status == PublishStatus.ARCHIVED


@in_platform
def email_saved(ctx) -> bool:
    return CampaignParticipation.objects.get(pk=ctx.participation.pk).email_subject == "Matrix new subject"


def _assets(ctx) -> dict:
    return {"assets": [str(ctx.other_asset.pk), str(ctx.asset.pk)]}


def campaign_fields(*, name: str = "Matrix new campaign", code: str = "matrix-new") -> dict:
    return {
        "name": name,
        "code": code,
        "summary": "Matrix summary",
        "description": "Matrix plan",
        "starts_on": "2030-03-01",
        "ends_on": "2030-04-30",
        "email_subject": "Matrix subject",
        "email_body": "Matrix body for {{ partner }}",
        "fund_type": "",
        "suggested_cost": "",
    }


EMAIL_FIELDS = {"email_subject": "Matrix new subject", "email_body": "Matrix new body"}

CASES: dict[str, Case] = {
    "office:campaigns": office_page(setup=campaigns, contains="Matrix open campaign"),
    "office:campaigns_export": office_page(setup=campaigns, contains="matrix-draft"),
    "office:campaign_create": office_page(allowed=MANAGE, contains="New campaign"),
    "office:campaign": office_page(setup=campaigns, args=CAMPAIGN, contains="Acme Partner 1"),
    "office:campaign_edit": office_page(allowed=MANAGE, setup=campaigns, args=CAMPAIGN, contains="Matrix campaign"),
    "office:campaign_assets": office_write(
        allowed=MANAGE, setup=campaigns, args=CAMPAIGN, data=_assets, effect=assets_set
    ),
    "office:campaign_publish": office_write(allowed=MANAGE, setup=campaigns, args=DRAFT, effect=published),
    "office:campaign_close": office_write(allowed=MANAGE, setup=campaigns, args=CAMPAIGN, effect=closed),
    "portal:campaigns": portal_page(setup=campaigns, contains="Matrix open campaign"),
    "portal:campaign": portal_page(setup=campaigns, args=CAMPAIGN, contains="Matrix brochure"),
    "portal:campaign_join": portal_page(allowed=JOIN, setup=campaigns, args=OPEN, contains="Join Matrix open campaign"),
    "portal:campaign_email": portal_write(
        allowed=JOIN, setup=campaigns, args=CAMPAIGN, data=EMAIL_FIELDS, effect=email_saved
    ),
    "portal:campaign_eml": portal_page(setup=campaigns, args=CAMPAIGN, contains="Matrix subject for Acme Partner 1"),
}
# The create, edit and join pages are GET cases here (a URL has one case); their POSTs go through the
# same view (area, capability, selector), are fuzzed (FORM_VIEWS) and tested in test_campaign_pages.py.


# --- for tests/hostile/test_fuzz_forms.py (merged into its FORM_VIEWS): name -> (who, path, valid data)


def _path(name: str, args):
    return lambda w: reverse(name, args=args(for_world(w, campaigns)))


FORM_VIEWS: dict = {
    "office:campaign_create": (
        lambda w: w.acme.marketing,
        lambda w: reverse("office:campaign_create"),
        lambda w: campaign_fields(),
    ),
    "office:campaign_edit": (
        lambda w: w.acme.marketing,
        _path("office:campaign_edit", CAMPAIGN),
        lambda w: campaign_fields(name="Matrix renamed", code="matrix-campaign"),
    ),
    "office:campaign_assets": (
        lambda w: w.acme.marketing,
        _path("office:campaign_assets", CAMPAIGN),
        lambda w: _assets(for_world(w, campaigns)),
    ),
    "portal:campaign_join": (
        lambda w: w.acme.partner_admin,
        _path("portal:campaign_join", OPEN),
        lambda w: {"email_subject": "Matrix join subject", "email_body": "Matrix join body"},
    ),
    "portal:campaign_email": (
        lambda w: w.acme.partner_admin,
        _path("portal:campaign_email", CAMPAIGN),
        lambda w: dict(EMAIL_FIELDS),
    ),
}
# POSTs without input (a button).
NO_INPUT: set[str] = {"office:campaign_publish", "office:campaign_close"}
