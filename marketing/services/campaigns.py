"""Campaigns in a box: the vendor bundles assets, an e-mail partners personalise, suggested dates
and an MDF activity type; partners join (once each), with an MDF request pre-filled from the
campaign when MDF applies; leads and deals citing the campaign's ``code`` are attributed to it
(``selectors/campaigns.py``).

* Vendor (``MARKETING_MANAGE``): ``campaign_create`` / ``campaign_update`` (a draft's or a running
  campaign's details; the code is unique in the tenant and frozen once the campaign is published
  or once a lead or a deal cites it: changing it would cut them off), ``campaign_set_assets``
  (the ordered bundle of library assets), ``campaign_publish``, ``campaign_close``.
* Partner (``CAMPAIGN_JOIN``: its admins and marketing people): ``campaign_join`` (once per
  partner, with the personalised e-mail and, optionally, an MDF request submitted in the same
  transaction through ``incentives.services.mdf.mdf_request_submit``; the vendor's marketing team
  and the partner's account manager are told), ``campaign_email_update`` (the personalised e-mail
  later).

**Locks.** A vendor's write locks the campaign row, so an edit and a publication take turns (the
edit after the publication sees it published and keeps the code). A join does not lock the
campaign (a partner user's transaction does not write the vendor's rows): the unique constraint
``campaign_participation_unique`` keeps it to once per partner when two join at the same moment,
and the MDF request locks the partner's allocation (its own service's order).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_noop

from deals.selectors.attribution import deal_figures_by_campaign
from incentives.models import MdfActivityType, MdfAllocation
from incentives.services.mdf import mdf_request_submit
from leads.selectors.reports import lead_counts_by_campaign
from partners.models import Partner
from prm.accounts.models import Membership, MembershipKind
from prm.accounts.roles import Role
from prm.accounts.selectors import vendor_admin_list
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation, assert_same_tenant
from prm.events.services import event_record
from prm.notifications.services import notify
from prm.tenancy.scope import step_out_to_tenant

from .. import events, notifications
from ..models import Asset, Campaign, CampaignAsset, CampaignParticipation, PublishStatus
from ..permissions import CAMPAIGN_JOIN, marketing_manage_require
from ..selectors.audience import audience_matches
from .audience import AudienceChoice, audience_fields
from .text import typed_text

NAME_MAX, CODE_MAX, SUMMARY_MAX = 160, 60, 300
DESCRIPTION_MAX = 20_000
SUBJECT_MAX, BODY_MAX = 200, 10_000
# A campaign is a box a partner opens, not a library: a few dozen assets at most.
ASSETS_MAX = 30
# Every e-mail placeholder, and the pattern that finds one ("{{ partner }}", "{{partner}}").
PLACEHOLDERS = ("partner", "contact", "website")
PLACEHOLDER = re.compile(r"\{\{\s*(partner|contact|website)\s*\}\}")


# --- who ------------------------------------------------------------------------------------------


def _require_joiner(actor) -> None:
    if actor is None or actor.partner_id is None or not actor.can(CAMPAIGN_JOIN):
        raise NotAllowed(gettext("Only your company's admins and marketing people join campaigns."))


def campaign_team(partner_id: int) -> list[Membership]:
    """Who hears that a partner joined: its account manager and the vendor's channel marketing (the
    vendor admins where there is none). Read as the tenant (a partner user's join asks it)."""
    with step_out_to_tenant():
        manager_id = Partner.objects.filter(pk=partner_id).values_list("account_manager_id", flat=True).first()
        team = list(
            Membership.objects.filter(kind=MembershipKind.STAFF, role=Role.MARKETING, is_active=True)
            .select_related("user")
            .order_by("pk")
        )
        if not team:
            team = vendor_admin_list()
        if manager_id and manager_id not in {m.pk for m in team}:
            manager = Membership.objects.filter(pk=manager_id, is_active=True).select_related("user").first()
            if manager is not None:
                team.insert(0, manager)
        return team


# --- cleaning -------------------------------------------------------------------------------------


def clean_code(code: str) -> str:
    """A campaign's code as stored: a slug in lower case ("Spring launch" -> "spring-launch")."""
    cleaned = slugify((code or "").strip()).lower()
    if not cleaned:
        raise PolicyViolation(
            gettext("Give the campaign a code: letters, digits and hyphens (leads and deals cite it)."),
            code="campaign_code",
        )
    if len(cleaned) > CODE_MAX:
        raise PolicyViolation(gettext("A code has at most %(limit)s characters.") % {"limit": CODE_MAX})
    return cleaned


def _clean_dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise PolicyViolation(gettext("The campaign ends on or after the day it starts."), code="campaign_dates")


def _clean_cost(cost) -> Decimal | None:
    if cost in (None, ""):
        return None
    try:
        cost = Decimal(cost).quantize(Decimal("0.01"))
    except (TypeError, ArithmeticError):
        raise PolicyViolation(gettext("Enter the suggested cost as an amount.")) from None
    if cost < 0:
        raise PolicyViolation(gettext("A suggested cost is zero or more."))
    return cost


def _refuse_taken(code: str, exclude_id: int | None = None) -> None:
    taken = Campaign.objects.filter(code=code)
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    if taken.exists():
        raise PolicyViolation(
            gettext("Another campaign already has the code %(code)s: codes are unique.") % {"code": code},
            code="campaign_code_taken",
        )


def _saved(save) -> None:
    """``save()`` in a savepoint: the code's unique constraint, when two take it at once, in words."""
    try:
        with transaction.atomic():
            save()
    except IntegrityError as error:
        if "campaign_code_unique" not in str(error):
            raise
        raise PolicyViolation(
            gettext("Another campaign took this code at the same moment: choose another."),
            code="campaign_code_taken",
        ) from None


def _details(
    *,
    name: str,
    summary: str,
    description: str,
    starts_on: date | None,
    ends_on: date | None,
    email_subject: str,
    email_body: str,
    fund_type: MdfActivityType | None,
    suggested_cost,
    audience: AudienceChoice | None,
) -> dict:
    _clean_dates(starts_on, ends_on)
    return {
        "name": typed_text(name, NAME_MAX, empty=gettext("Give the campaign a name."), one_line=True),
        "summary": typed_text(summary, SUMMARY_MAX, one_line=True),
        "description": typed_text(description, DESCRIPTION_MAX),
        "starts_on": starts_on,
        "ends_on": ends_on,
        "email_subject": typed_text(email_subject, SUBJECT_MAX, one_line=True),
        "email_body": typed_text(email_body, BODY_MAX),
        "fund_type": fund_type,
        "suggested_cost": _clean_cost(suggested_cost),
        **audience_fields(audience),
    }


def _lock(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def _refuse_closed(campaign: Campaign) -> None:
    if campaign.status == PublishStatus.ARCHIVED:
        raise InvalidTransition(
            gettext("This campaign is closed: it can no longer be changed."), code="campaign_closed"
        )


# --- the vendor's side ----------------------------------------------------------------------------


@transaction.atomic
def campaign_create(
    *,
    actor,
    name: str,
    code: str,
    summary: str = "",
    description: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    email_subject: str = "",
    email_body: str = "",
    fund_type: MdfActivityType | None = None,
    suggested_cost=None,
    audience: AudienceChoice | None = None,
) -> Campaign:
    """A draft campaign; its assets are bundled and it is published next."""
    marketing_manage_require(actor)
    assert_same_tenant(actor, fund_type)
    code = clean_code(code)
    fields = _details(
        name=name,
        summary=summary,
        description=description,
        starts_on=starts_on,
        ends_on=ends_on,
        email_subject=email_subject,
        email_body=email_body,
        fund_type=fund_type,
        suggested_cost=suggested_cost,
        audience=audience,
    )
    _refuse_taken(code)
    campaign = Campaign(code=code, **fields)
    _saved(campaign.save)
    event_record(
        actor=actor,
        target=campaign,
        verb=events.CAMPAIGN_DRAFTED,
        to_state=campaign.status,
        message=gettext_noop("%(campaign)s drafted (code %(code)s)."),
        params={"campaign": campaign.name, "code": campaign.code},
    )
    return campaign


def code_cited(code: str) -> bool:
    """Whether a lead or a deal registration cites ``code`` (the tenant's, whoever holds them)."""
    return bool(lead_counts_by_campaign([code])) or bool(deal_figures_by_campaign([code]))


@dataclass(frozen=True)
class CampaignChange:
    campaign: Campaign
    changed: tuple[str, ...] = ()


@transaction.atomic
def campaign_update(
    *,
    actor,
    campaign: Campaign,
    name: str,
    code: str,
    summary: str = "",
    description: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    email_subject: str = "",
    email_body: str = "",
    fund_type: MdfActivityType | None = None,
    suggested_cost=None,
    audience: AudienceChoice | None = None,
) -> CampaignChange:
    """A campaign's details, in draft or running (closed: refused). The code changes only while
    the campaign is a draft that no lead or deal cites: partners and imports cite it from the
    moment it is published, and a lead or deal citing the old code would lose its campaign."""
    marketing_manage_require(actor)
    assert_same_tenant(actor, campaign, fund_type)
    campaign = _lock(campaign)
    _refuse_closed(campaign)
    code = clean_code(code)
    fields = _details(
        name=name,
        summary=summary,
        description=description,
        starts_on=starts_on,
        ends_on=ends_on,
        email_subject=email_subject,
        email_body=email_body,
        fund_type=fund_type,
        suggested_cost=suggested_cost,
        audience=audience,
    )
    if code != campaign.code:
        if campaign.status != PublishStatus.DRAFT:
            raise PolicyViolation(
                gettext(
                    "The code stays %(code)s: the campaign is published, so partners, leads and deals may "
                    "already cite it."
                )
                % {"code": campaign.code},
                code="campaign_code_frozen",
            )
        if code_cited(campaign.code):
            raise PolicyViolation(
                gettext("The code stays %(code)s: leads or deals already cite it, and they would lose their campaign.")
                % {"code": campaign.code},
                code="campaign_code_frozen",
            )
        _refuse_taken(code, exclude_id=campaign.pk)
        fields["code"] = code
    changed = tuple(name for name, value in fields.items() if getattr(campaign, name) != value)
    if not changed:
        return CampaignChange(campaign=campaign)
    for name in changed:
        setattr(campaign, name, fields[name])
    _saved(lambda: campaign.save(update_fields=[*changed, "updated_at"]))
    event_record(
        actor=actor,
        target=campaign,
        verb=events.CAMPAIGN_CHANGED,
        message=gettext_noop("The campaign's details were changed."),
        data={"fields": list(changed), "code": campaign.code},
    )
    return CampaignChange(campaign=campaign, changed=changed)


@transaction.atomic
def campaign_set_assets(*, actor, campaign: Campaign, asset_ids: list[int]) -> list[CampaignAsset]:
    """The campaign's assets, in this order (the ids of library assets of the tenant; an id given
    twice counts once, where it first appears). Archived assets are refused; partners see only the
    assets published for them (the library's audience and validity decide)."""
    marketing_manage_require(actor)
    assert_same_tenant(actor, campaign)
    campaign = _lock(campaign)
    _refuse_closed(campaign)
    ordered = list(dict.fromkeys(int(pk) for pk in asset_ids))
    if len(ordered) > ASSETS_MAX:
        raise PolicyViolation(gettext("A campaign bundles at most %(limit)s assets.") % {"limit": ASSETS_MAX})
    found = dict(Asset.objects.filter(pk__in=ordered).values_list("pk", "status"))
    if len(found) != len(ordered):
        raise PolicyViolation(gettext("One of these assets is no longer in the library: reload and choose again."))
    if any(status == PublishStatus.ARCHIVED for status in found.values()):
        raise PolicyViolation(gettext("Archived assets cannot be bundled: choose current ones."))
    before = list(
        CampaignAsset.objects.filter(campaign=campaign).order_by("position", "id").values_list("asset_id", flat=True)
    )
    if before == ordered:
        return list(CampaignAsset.objects.filter(campaign=campaign).order_by("position", "id"))
    CampaignAsset.objects.filter(campaign=campaign).delete()
    items = CampaignAsset.objects.bulk_create(
        [CampaignAsset(campaign=campaign, asset_id=pk, position=n) for n, pk in enumerate(ordered, start=1)]
    )
    campaign.save(update_fields=["updated_at"])
    event_record(
        actor=actor,
        target=campaign,
        verb=events.CAMPAIGN_CHANGED,
        message=gettext_noop("Assets bundled: %(count)s."),
        params={"count": len(ordered)},
        data={"asset_ids": ordered, "before": before},
    )
    return items


@transaction.atomic
def campaign_publish(*, actor, campaign: Campaign) -> Campaign:
    """Partners in the audience see the campaign and may join it; its code is frozen from now on.
    It needs the e-mail partners personalise."""
    marketing_manage_require(actor)
    assert_same_tenant(actor, campaign)
    campaign = _lock(campaign)
    if campaign.status == PublishStatus.PUBLISHED:
        return campaign
    _refuse_closed(campaign)
    if not campaign.email_subject or not campaign.email_body:
        raise PolicyViolation(
            gettext("Write the e-mail partners personalise (its subject and text) before publishing."),
            code="campaign_no_email",
        )
    before, campaign.status = campaign.status, PublishStatus.PUBLISHED
    campaign.save(update_fields=["status", "updated_at"])
    event_record(
        actor=actor,
        target=campaign,
        verb=events.CAMPAIGN_PUBLISHED,
        from_state=before,
        to_state=campaign.status,
        message=gettext_noop("%(campaign)s published (code %(code)s)."),
        params={"campaign": campaign.name, "code": campaign.code},
    )
    return campaign


@transaction.atomic
def campaign_close(*, actor, campaign: Campaign) -> Campaign:
    """The campaign ends: nobody joins any more; the partners that joined keep its page and their
    figures, and leads and deals citing it are still attributed to it."""
    marketing_manage_require(actor)
    assert_same_tenant(actor, campaign)
    campaign = _lock(campaign)
    if campaign.status == PublishStatus.ARCHIVED:
        return campaign
    before, campaign.status = campaign.status, PublishStatus.ARCHIVED
    campaign.save(update_fields=["status", "updated_at"])
    event_record(
        actor=actor,
        target=campaign,
        verb=events.CAMPAIGN_CLOSED,
        from_state=before,
        to_state=campaign.status,
        message=gettext_noop("%(campaign)s closed."),
        params={"campaign": campaign.name},
    )
    return campaign


# --- the partner's side ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MdfAsk:
    """The MDF request a partner joins with (pre-filled from the campaign, as the partner
    adjusted it): from ``allocation``, for the campaign's activity type."""

    allocation: MdfAllocation
    title: str
    description: str
    starts_on: date
    ends_on: date
    cost: Decimal
    expected_leads: int = 0
    expected_pipeline: Decimal = Decimal(0)


def _clean_email(subject: str, body: str) -> tuple[str, str]:
    subject = typed_text(subject, SUBJECT_MAX, empty=gettext("Give the e-mail a subject."), one_line=True)
    body = typed_text(body, BODY_MAX, empty=gettext("Write the e-mail's text."))
    return subject, body


@transaction.atomic
def campaign_join(*, actor, campaign: Campaign, email_subject: str, email_body: str, mdf: MdfAsk | None = None):
    """The actor's company joins a published campaign (once), with its personalised e-mail and,
    when ``mdf`` is given, an MDF request for the campaign's activity type submitted in the same
    transaction: a request the funds refuse (more than is left, outside the fund's period) leaves
    no participation behind, and the partner reads why. The vendor's marketing team and the
    partner's account manager are told."""
    _require_joiner(actor)
    assert_same_tenant(actor, campaign)
    campaign = Campaign.objects.select_related("fund_type").get(pk=campaign.pk)
    if not audience_matches(campaign, actor):  # not meant for this partner: as if it did not exist
        raise Http404
    if campaign.status != PublishStatus.PUBLISHED:
        raise InvalidTransition(gettext("This campaign is not open for joining."), code="campaign_not_open")
    if CampaignParticipation.objects.filter(campaign=campaign, partner_id=actor.partner_id).exists():
        raise PolicyViolation(gettext("Your company has already joined this campaign."), code="campaign_joined")
    subject, body = _clean_email(email_subject, email_body)
    participation = CampaignParticipation(
        campaign=campaign,
        partner_id=actor.partner_id,
        joined_by=actor,
        joined_at=timezone.now(),
        email_subject=subject,
        email_body=body,
    )
    try:
        with transaction.atomic():
            participation.save()
    except IntegrityError as error:
        if "campaign_participation_unique" not in str(error):
            raise
        raise PolicyViolation(
            gettext("Your company has already joined this campaign."), code="campaign_joined"
        ) from None
    if mdf is not None:
        if campaign.fund_type is None:
            raise PolicyViolation(gettext("This campaign has no MDF activity type: join it without MDF."))
        request = mdf_request_submit(
            actor=actor,
            allocation=mdf.allocation,
            activity_type=campaign.fund_type,
            title=mdf.title,
            description=mdf.description,
            starts_on=mdf.starts_on,
            ends_on=mdf.ends_on,
            cost=mdf.cost,
            expected_leads=mdf.expected_leads,
            expected_pipeline=mdf.expected_pipeline,
        )
        participation.mdf_request = request
        participation.save(update_fields=["mdf_request"])
    partner_name = Partner.objects.filter(pk=actor.partner_id).values_list("display_name", flat=True).first()
    event = event_record(
        actor=actor,
        target=campaign,
        verb=events.CAMPAIGN_JOINED,
        partner_id=actor.partner_id,
        message=gettext_noop("%(partner)s joined %(campaign)s.")
        if mdf is None
        else gettext_noop("%(partner)s joined %(campaign)s and asked for MDF."),
        params={"partner": partner_name, "campaign": campaign.name},
        data={"participation_id": participation.pk, "mdf_request_id": participation.mdf_request_id},
    )
    with step_out_to_tenant():
        notify(
            recipients=campaign_team(actor.partner_id),
            kind=notifications.CAMPAIGN_JOINED,
            title=gettext_noop("%(partner)s joined the campaign %(campaign)s"),
            body=gettext_noop("Leads and deals citing %(code)s are attributed to the campaign."),
            params={"partner": partner_name, "campaign": campaign.name, "code": campaign.code},
            url=reverse("office:campaign", args=[campaign.pk]),
            event=event,
        )
    return participation


@transaction.atomic
def campaign_email_update(
    *, actor, participation: CampaignParticipation, email_subject: str, email_body: str
) -> CampaignParticipation:
    """The company's personalised e-mail of a campaign it joined (also after the campaign closed:
    it is the partner's text)."""
    _require_joiner(actor)
    assert_same_tenant(actor, participation)
    if participation.partner_id != actor.partner_id:
        raise NotAllowed(gettext("Only your company's admins and marketing people join campaigns."))
    participation = CampaignParticipation.objects.select_for_update().get(pk=participation.pk)
    subject, body = _clean_email(email_subject, email_body)
    if (participation.email_subject, participation.email_body) == (subject, body):
        return participation
    participation.email_subject, participation.email_body = subject, body
    participation.save(update_fields=["email_subject", "email_body"])
    return participation


# --- the personalised e-mail ----------------------------------------------------------------------


def email_render(text: str, values: dict[str, str]) -> str:
    """``text`` with its placeholders filled from ``values`` ("partner", "contact", "website"),
    as plain text (the page escapes it; an .eml carries it as text/plain). An unknown placeholder
    stays as written."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), ""), text or "")
