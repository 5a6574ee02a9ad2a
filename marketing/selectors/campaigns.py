"""Reads of campaigns in a box: the back office's list with each campaign's attribution, one
campaign's page in each area, the portal's list for a partner user, the personalised e-mail.

**Attribution** (``campaign_figures``). A lead or a deal registration is attributed to a campaign
when it cites its code (``Lead.campaign``, ``Deal.source_campaign``, compared without case). For a
page of campaigns: one statement for the leads (``leads.selectors.reports.lead_counts_by_campaign``),
one for the deals (``deals.selectors.attribution.deal_figures_by_campaign``) and one for the
participations with their MDF requests, whatever the number of campaigns.

* *Leads*: leads citing the code (flagged or merged duplicates left out); *accepted*: of them, held
  by a partner (accepted at some point); *converted*: of them, turned into a deal registration.
* *Deals*: registrations citing the code (drafts left out); *won*: of them, won, with the won
  amounts per currency (never converted).
* *Partners*: partners that joined. *MDF requested*: what the requests they joined with asked for
  (cancelled ones left out); *MDF approved*: what is pre-approved of them and not released
  (pre-approved, claimed, reimbursed), per currency.

A partner user sees only its own: the leads and deals it may see (their apps' guards) and its
company's participation.

**What partners see.** A published campaign whose audience holds the person (``audience.py``), and
a campaign its company joined (also once closed: its e-mail and its figures stay). Of a campaign's
assets, those the library shows the person: published, valid today and meant for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.http import Http404

from deals.selectors.attribution import deal_figures_by_campaign, deal_rows_citing_campaign
from incentives.models import MdfActivityType, MdfStatus
from incentives.permissions import MDF_REQUEST
from incentives.selectors.mdf import partner_funds
from leads.selectors.reports import lead_counts_by_campaign, lead_rows_citing_campaign
from partners.models import Partner, PartnerContact
from prm.accounts.selectors import person_name
from prm.events.selectors import events_for_object
from prm.l10n import money
from prm.tenancy.search import contains_ignoring_case

from ..models import Asset, Campaign, CampaignAsset, CampaignParticipation, PublishStatus
from ..permissions import CAMPAIGN_JOIN
from ..services.campaigns import email_render
from .audience import audience_filter
from .library import available_filter

LIST_FIELDS = ("id", "name", "code", "status", "starts_on", "ends_on", "summary", "fund_type__name")
# The newest leads and deals a campaign's portal page lists (the counts cover every one).
ROWS_SHOWN = 25
# Library assets offered when bundling (the newest current ones).
ASSET_CHOICES = 300
EVENTS_SHOWN = 50
MDF_REQUESTED = ~Q(mdf_request__status=MdfStatus.CANCELLED)
MDF_APPROVED = Q(mdf_request__status__in=[MdfStatus.PRE_APPROVED, MdfStatus.CLAIMED, MdfStatus.APPROVED])
DASH = "\N{EN DASH}"


def amounts_text(amounts: dict[str, Decimal]) -> str:
    """Amounts per currency as a reader writes them ("$1,200.00 · €300.00"); a dash for none."""
    shown = [money(amount, currency) for currency, amount in sorted(amounts.items()) if amount]
    return " · ".join(shown) or DASH


@dataclass
class Figures:
    """What a campaign brought (see the module), formatted here, not while rendering."""

    leads: int = 0
    accepted: int = 0
    converted: int = 0
    registered: int = 0
    won: int = 0
    won_amounts: dict = field(default_factory=dict)
    participants: int = 0
    mdf_requested: dict = field(default_factory=dict)
    mdf_approved: dict = field(default_factory=dict)

    @property
    def won_text(self) -> str:
        return amounts_text(self.won_amounts)

    @property
    def mdf_requested_text(self) -> str:
        return amounts_text(self.mdf_requested)

    @property
    def mdf_approved_text(self) -> str:
        return amounts_text(self.mdf_approved)

    def add_leads(self, counts: dict | None) -> None:
        if counts:
            self.leads, self.accepted, self.converted = counts["leads"], counts["accepted"], counts["converted"]

    def add_deals(self, figures: dict | None) -> None:
        if figures:
            self.registered, self.won = figures["registered"], figures["won"]
            self.won_amounts = dict(figures["won_amounts"])


def _participation_figures(campaign_ids, *, partner_id: int | None = None) -> dict[int, dict]:
    """{campaign id: {"participants": n, "requested": {currency: amount}, "approved": {...}}} in
    one statement (participations grouped by campaign and their MDF request's currency)."""
    rows = CampaignParticipation.objects.filter(campaign_id__in=list(campaign_ids))
    if partner_id is not None:
        rows = rows.filter(partner_id=partner_id)
    rows = (
        rows.values("campaign_id", currency=F("mdf_request__currency"))
        .annotate(
            n=Count("id"),
            requested=Sum("mdf_request__requested_amount", filter=MDF_REQUESTED),
            approved=Sum("mdf_request__approved_amount", filter=MDF_APPROVED),
        )
        .order_by()
    )
    found: dict[int, dict] = {}
    for row in rows:
        entry = found.setdefault(row["campaign_id"], {"participants": 0, "requested": {}, "approved": {}})
        entry["participants"] += row["n"]
        if row["currency"]:
            for key in ("requested", "approved"):
                if row[key]:
                    entry[key][row["currency"]] = entry[key].get(row["currency"], Decimal(0)) + row[key]
    return found


def campaign_figures(campaigns) -> dict[int, Figures]:
    """{campaign id: Figures} of ``campaigns`` (rows or objects with ``id`` and ``code``): the
    tenant's attribution, three statements whatever their number."""
    pairs = [(c["id"], c["code"]) if isinstance(c, dict) else (c.pk, c.code) for c in campaigns]
    if not pairs:
        return {}
    codes = [code for _pk, code in pairs]
    leads = lead_counts_by_campaign(codes)
    deals = deal_figures_by_campaign(codes)
    joined = _participation_figures([pk for pk, _code in pairs])
    figures = {}
    for pk, code in pairs:
        f = Figures()
        f.add_leads(leads.get(code.lower()))
        f.add_deals(deals.get(code.lower()))
        part = joined.get(pk)
        if part:
            f.participants, f.mdf_requested, f.mdf_approved = part["participants"], part["requested"], part["approved"]
        figures[pk] = f
    return figures


# --- the back office ----------------------------------------------------------------------------------


def campaign_list_for_actor(*, actor, status: str = "", search: str = ""):
    """The back office's campaigns (rows of ``LIST_FIELDS``), the latest suggested start first
    (campaigns without dates after them), and the same without the joined names to count."""
    if actor is None or actor.partner_id is not None:
        raise Http404
    campaigns = Campaign.objects.all()
    if status in PublishStatus.values:
        campaigns = campaigns.filter(status=status)
    if search:
        campaigns = campaigns.filter(Q(contains_ignoring_case("name", search)) | Q(code__icontains=search.lower()))
    ordered = campaigns.order_by(F("starts_on").desc(nulls_last=True), "name", "id")
    return ordered.values(*LIST_FIELDS), campaigns


def campaign_get_for_actor(*, actor, campaign_id: int) -> Campaign:
    """One campaign: staff see any of their tenant's; a partner user one its audience holds when
    published, or one its company joined; anything else is a 404."""
    campaigns = Campaign.objects.all() if actor.partner_id is None else _portal_visible().filter(_for(actor))
    campaign = campaigns.filter(pk=campaign_id).select_related("fund_type").first()
    if campaign is None:
        raise Http404
    return campaign


def asset_options() -> list[tuple[int, str]]:
    """Library assets a campaign may bundle (not archived), newest first: (id, title)."""
    assets = Asset.objects.exclude(status=PublishStatus.ARCHIVED).order_by("-created_at", "-id")
    return [(pk, title) for pk, title in assets.values_list("id", "title")[:ASSET_CHOICES]]


@dataclass
class OfficeCampaignPage:
    campaign: Campaign
    figures: Figures
    assets: list[dict]
    participants: list[dict]
    events: list
    asset_ids: list[int]


def campaign_page_for_office(*, actor, campaign_id: int) -> OfficeCampaignPage:
    """A campaign's back-office page: its assets (in order, with their state in the library), the
    partners that joined with their MDF request and what each brought, the campaign's figures and
    its history."""
    campaign = campaign_get_for_actor(actor=actor, campaign_id=campaign_id)
    if actor.partner_id is not None:
        raise Http404
    assets = list(
        CampaignAsset.objects.filter(campaign=campaign)
        .order_by("position", "id")
        .values("asset_id", "asset__title", "asset__kind", "asset__status", "asset__valid_until")
    )
    participants = list(
        CampaignParticipation.objects.filter(campaign=campaign)
        .order_by("-joined_at", "-id")
        .values(
            "id",
            "partner_id",
            "joined_at",
            "email_subject",
            partner_name=F("partner__display_name"),
            joined_by_name=person_name("joined_by"),
            mdf_id=F("mdf_request_id"),
            mdf_status=F("mdf_request__status"),
            mdf_currency=F("mdf_request__currency"),
            mdf_requested=F("mdf_request__requested_amount"),
            mdf_approved=F("mdf_request__approved_amount"),
        )
    )
    code = campaign.code.lower()
    leads = lead_counts_by_campaign([code], by_partner=True)
    deals = deal_figures_by_campaign([code], by_partner=True)
    for row in participants:
        f = Figures()
        f.add_leads(leads.get((code, row["partner_id"])))
        f.add_deals(deals.get((code, row["partner_id"])))
        row["figures"] = f
        row["mdf_status_label"] = MdfStatus(row["mdf_status"]).label if row["mdf_status"] else ""
        row["mdf_requested_text"] = money(row["mdf_requested"], row["mdf_currency"]) if row["mdf_id"] else ""
        row["mdf_approved_text"] = (
            money(row["mdf_approved"], row["mdf_currency"]) if row["mdf_approved"] is not None else ""
        )
    # The campaign's totals from the same statements (every partner's, and the leads nobody holds).
    figures = Figures()
    for counts in leads.values():
        figures.leads += counts["leads"]
        figures.accepted += counts["accepted"]
        figures.converted += counts["converted"]
    for found in deals.values():
        figures.registered += found["registered"]
        figures.won += found["won"]
        for currency, amount in found["won_amounts"].items():
            figures.won_amounts[currency] = figures.won_amounts.get(currency, Decimal(0)) + amount
    joined = _participation_figures([campaign.pk]).get(campaign.pk)
    if joined:
        figures.participants, figures.mdf_requested, figures.mdf_approved = (
            joined["participants"],
            joined["requested"],
            joined["approved"],
        )
    return OfficeCampaignPage(
        campaign=campaign,
        figures=figures,
        assets=assets,
        participants=participants,
        events=list(events_for_object(actor=actor, target=campaign)[:EVENTS_SHOWN]),
        asset_ids=[row["asset_id"] for row in assets],
    )


# --- the portal ---------------------------------------------------------------------------------------


def _portal_visible():
    return Campaign.objects.exclude(status=PublishStatus.DRAFT)


def _joined(actor):
    return CampaignParticipation.objects.filter(campaign_id=OuterRef("pk"), partner_id=actor.partner_id)


def _for(actor) -> Q:
    """Published for the actor's audience, or joined by its company (published or closed)."""
    return (Q(status=PublishStatus.PUBLISHED) & audience_filter(actor)) | Q(Exists(_joined(actor)))


def campaign_list_for_partner(*, actor):
    """The campaigns a partner user sees (``_for``), the running ones first, the latest suggested
    start first; each row says whether its company joined (``joined``)."""
    if actor is None or actor.partner_id is None:
        raise Http404
    campaigns = _portal_visible().filter(_for(actor))
    rows = campaigns.annotate(joined=Exists(_joined(actor))).order_by(
        "-status", F("starts_on").desc(nulls_last=True), "name", "id"
    )
    return rows.values(*LIST_FIELDS, "joined"), campaigns


def email_values(*, partner_id: int, actor=None) -> dict[str, str]:
    """What the e-mail's placeholders are filled with: the partner's name, its primary contact (the
    person writing when it has none) and its website."""
    partner = Partner.objects.filter(pk=partner_id).values("display_name", "website").first() or {}
    contact = (
        PartnerContact.objects.filter(partner_id=partner_id, role=PartnerContact.ContactRole.PRIMARY)
        .order_by("name", "id")
        .values("name", "email", "phone")
        .first()
    )
    if contact is None and actor is not None:
        user = actor.user
        contact = {"name": user.get_full_name(), "email": user.email, "phone": ""}
    parts = [contact.get(key) for key in ("name", "email", "phone")] if contact else []
    return {
        "partner": partner.get("display_name", ""),
        "contact": ", ".join(part for part in parts if part),
        "website": partner.get("website", ""),
    }


@dataclass
class Email:
    """A personalised e-mail: as the partner wrote it (with placeholders) and as it is sent."""

    subject: str
    body: str
    rendered_subject: str
    rendered_body: str


def email_for(subject: str, body: str, values: dict[str, str]) -> Email:
    return Email(
        subject=subject,
        body=body,
        rendered_subject=" ".join(email_render(subject, values).split()),
        rendered_body=email_render(body, values),
    )


@dataclass
class PortalCampaignPage:
    campaign: Campaign
    assets: list[dict]
    participation: CampaignParticipation | None
    email: Email
    figures: Figures
    leads: list[dict]
    deals: list[dict]
    may_join: bool
    may_edit_email: bool
    # The partner's open MDF funds for this campaign's activity type: [(allocation, label)].
    funds: list = field(default_factory=list)

    @property
    def joined(self) -> bool:
        return self.participation is not None

    @property
    def offers_mdf(self) -> bool:
        return bool(self.funds)


def mdf_funds_for_join(*, actor, campaign: Campaign) -> list[dict]:
    """The partner's open allocations a join may ask MDF from (``incentives.selectors.mdf``):
    none unless the campaign has an active MDF activity type and the person asks for funds."""
    fund_type = campaign.fund_type
    if fund_type is None or not fund_type.is_active or not actor.can(MDF_REQUEST):
        return []
    return partner_funds(partner_id=actor.partner_id, shown=0)["open_funds"]


def campaign_page_for_partner(*, actor, campaign_id: int, today: date) -> PortalCampaignPage:
    """A campaign's portal page: its summary and dates, the assets the person may open, its
    company's participation and personalised e-mail (the campaign's when it has not joined), and
    the leads and deals citing it that the person may see."""
    campaign = campaign_get_for_actor(actor=actor, campaign_id=campaign_id)
    if actor.partner_id is None:
        raise Http404
    assets = list(
        CampaignAsset.objects.filter(campaign=campaign)
        .filter(available_filter(actor, today=today, prefix="asset__"))
        .order_by("position", "id")
        .values("asset_id", "asset__title", "asset__kind", "asset__description")
    )
    participation = CampaignParticipation.objects.filter(campaign=campaign, partner_id=actor.partner_id).first()
    values = email_values(partner_id=actor.partner_id, actor=actor)
    if participation is not None:
        email = email_for(participation.email_subject, participation.email_body, values)
    else:
        email = email_for(campaign.email_subject, campaign.email_body, values)
    figures = Figures()
    figures.add_leads(lead_counts_by_campaign([campaign.code], actor=actor).get(campaign.code.lower()))
    figures.add_deals(deal_figures_by_campaign([campaign.code], actor=actor).get(campaign.code.lower()))
    may_join = participation is None and campaign.status == PublishStatus.PUBLISHED and actor.can(CAMPAIGN_JOIN)
    return PortalCampaignPage(
        campaign=campaign,
        assets=assets,
        participation=participation,
        email=email,
        figures=figures,
        leads=lead_rows_citing_campaign(actor=actor, code=campaign.code, limit=ROWS_SHOWN),
        deals=deal_rows_citing_campaign(actor=actor, code=campaign.code, limit=ROWS_SHOWN),
        may_join=may_join,
        may_edit_email=participation is not None and actor.can(CAMPAIGN_JOIN),
        funds=mdf_funds_for_join(actor=actor, campaign=campaign) if may_join else [],
    )


def participation_get_for_actor(*, actor, campaign_id: int) -> CampaignParticipation:
    """The actor's company's participation in a campaign it may see; a 404 when it has not joined."""
    campaign = campaign_get_for_actor(actor=actor, campaign_id=campaign_id)
    participation = (
        CampaignParticipation.objects.filter(campaign=campaign, partner_id=actor.partner_id)
        .select_related("campaign")
        .first()
    )
    if participation is None or actor.partner_id is None:
        raise Http404
    return participation


def fund_type_options(*, campaign: Campaign | None = None) -> list[tuple[int, str]]:
    """The MDF activity types a campaign form offers: the active ones, and the campaign's own."""
    types = MdfActivityType.objects.filter(is_active=True)
    if campaign is not None and campaign.fund_type_id:
        types = MdfActivityType.objects.filter(Q(is_active=True) | Q(pk=campaign.fund_type_id))
    return [
        (pk, f"{name} ({format(share.normalize(), 'f')}%)")
        for pk, name, share in types.order_by("name", "id").values_list("id", "name", "vendor_share_percent")
    ]


def fund_type_get(fund_type_id: int | None) -> MdfActivityType | None:
    """The MDF activity type a campaign form chose (its choices came from ``fund_type_options``)."""
    if not fund_type_id:
        return None
    return MdfActivityType.objects.filter(pk=fund_type_id).first()


def campaign_asset_ids(campaign: Campaign) -> list[int]:
    """The ids of the assets a campaign bundles now, in order."""
    return list(
        CampaignAsset.objects.filter(campaign=campaign).order_by("position", "id").values_list("asset_id", flat=True)
    )


def has_joined(*, actor, campaign: Campaign) -> bool:
    return CampaignParticipation.objects.filter(campaign=campaign, partner_id=actor.partner_id).exists()
