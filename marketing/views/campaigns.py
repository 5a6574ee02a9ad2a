"""Pages of campaigns in a box.

* office (``MARKETING_VIEW`` reads, ``MARKETING_MANAGE`` writes): ``office:campaigns`` (the list with
  each campaign's attribution; ``office:campaigns_export``: the same as CSV),
  ``office:campaign_create``, ``office:campaign`` (participants, attribution, assets, history and the
  actions), ``office:campaign_edit``, ``office:campaign_assets`` (the ordered bundle),
  ``office:campaign_publish``, ``office:campaign_close``;
* portal (``CONTENT_VIEW`` reads, ``CAMPAIGN_JOIN`` writes): ``portal:campaigns`` (published
  campaigns for the person, joined ones marked), ``portal:campaign`` (summary, dates, assets, the
  personalised e-mail to copy, the company's attributed leads and deals), ``portal:campaign_join``
  (the e-mail and, when MDF applies, the MDF request pre-filled from the campaign),
  ``portal:campaign_email`` (the personalised e-mail, later), ``portal:campaign_eml`` (the e-mail
  as an .eml file to open in a mail program).

The services check again.
"""

from __future__ import annotations

import csv
import io
from email.message import EmailMessage
from email.policy import SMTP

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext, gettext_lazy
from django.views import View

from deals.models import Deal, DealStatus
from leads.models import LeadStatus
from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.errors import PolicyViolation
from prm.l10n import money
from prm.tenancy.time import tenant_clock
from prm.web.exports import csv_safe
from prm.web.views import ServiceView, paginate, query_without_page, url_pattern

from ..forms_campaigns import AddAssetForm, AssetsForm, CampaignFilterForm, CampaignForm, EmailForm, JoinForm
from ..models import PublishStatus
from ..permissions import CAMPAIGN_JOIN, CONTENT_VIEW, MARKETING_MANAGE, MARKETING_VIEW
from ..selectors.audience import audience_labels
from ..selectors.campaigns import (
    asset_options,
    campaign_asset_ids,
    campaign_figures,
    campaign_get_for_actor,
    campaign_list_for_actor,
    campaign_list_for_partner,
    campaign_page_for_office,
    campaign_page_for_partner,
    email_for,
    email_values,
    fund_type_get,
    fund_type_options,
    has_joined,
    mdf_funds_for_join,
    participation_get_for_actor,
)
from ..services.campaigns import (
    MdfAsk,
    campaign_close,
    campaign_create,
    campaign_email_update,
    campaign_join,
    campaign_publish,
    campaign_set_assets,
    campaign_update,
)

T = "marketing/campaigns/"
EXPORT_MAX = 5000


def _status_label(status: str) -> str:
    return PublishStatus(status).label


# --- the back office: the list --------------------------------------------------------------------


def _office_rows(rows) -> None:
    detail = url_pattern("office:campaign", "campaign_id")
    figures = campaign_figures(rows)
    for row in rows:
        row["url"] = detail(row["id"])
        row["status_label"] = _status_label(row["status"])
        row["figures"] = figures[row["id"]]


class OfficeCampaignsView(MemberRequiredMixin, View):
    """Every campaign with what it brought: leads and deals citing its code, partners joined, MDF."""

    area, capability = OFFICE, MARKETING_VIEW

    def get(self, request):
        filter_form = CampaignFilterForm(request.GET)
        rows, counted = campaign_list_for_actor(actor=self.actor, **filter_form.values())
        page = paginate(request, rows, count_from=counted)
        _office_rows(page.object_list)
        context = {
            "filter_form": filter_form,
            "page": page,
            "query": query_without_page(request),
            "may_manage": self.actor.can(MARKETING_MANAGE),
        }
        return render(request, f"{T}office_list.html", context)


class OfficeCampaignsExportView(MemberRequiredMixin, View):
    """The list as CSV, with the same filters and figures (at most ``EXPORT_MAX`` campaigns)."""

    area, capability = OFFICE, MARKETING_VIEW

    def get(self, request):
        filter_form = CampaignFilterForm(request.GET)
        rows, _counted = campaign_list_for_actor(actor=self.actor, **filter_form.values())
        rows = list(rows[:EXPORT_MAX])
        figures = campaign_figures(rows)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [
                gettext("Name"),
                gettext("Code"),
                gettext("Status"),
                gettext("Suggested start"),
                gettext("Suggested end"),
                gettext("Partners joined"),
                gettext("Leads"),
                gettext("Leads accepted"),
                gettext("Leads converted"),
                gettext("Deals registered"),
                gettext("Deals won"),
                gettext("Won amount"),
                gettext("MDF requested"),
                gettext("MDF approved"),
            ]
        )
        for row in rows:
            f = figures[row["id"]]
            writer.writerow(
                [
                    csv_safe(row["name"]),
                    row["code"],
                    _status_label(row["status"]),
                    row["starts_on"].isoformat() if row["starts_on"] else "",
                    row["ends_on"].isoformat() if row["ends_on"] else "",
                    f.participants,
                    f.leads,
                    f.accepted,
                    f.converted,
                    f.registered,
                    f.won,
                    " ".join(f"{amount} {currency}" for currency, amount in sorted(f.won_amounts.items())),
                    " ".join(f"{amount} {currency}" for currency, amount in sorted(f.mdf_requested.items())),
                    " ".join(f"{amount} {currency}" for currency, amount in sorted(f.mdf_approved.items())),
                ]
            )
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="campaigns.csv"'
        return response


# --- the back office: one campaign ----------------------------------------------------------------


def _form(data=None, *, campaign=None, **kwargs) -> CampaignForm:
    return CampaignForm(data, fund_types=fund_type_options(campaign=campaign), **kwargs)


def _details(form: CampaignForm) -> dict:
    """The form's fields as the services take them, with the MDF activity type it chose."""
    fields = form.campaign_fields()
    fields["fund_type"] = fund_type_get(fields.pop("fund_type_id"))
    return fields


class CampaignCreateView(ServiceView):
    """A new draft campaign: its details, then its page to bundle assets and publish it."""

    area, capability = OFFICE, MARKETING_MANAGE
    invalid_message = gettext_lazy("The campaign was not created: correct the fields marked below.")

    def get_form(self):
        return _form(self.request.POST)

    def get(self, request):
        return self.render_invalid(_form())

    def perform(self, data):
        return campaign_create(actor=self.actor, **_details(self.form))

    def success_message(self, campaign) -> str:
        return gettext("%(campaign)s is drafted: bundle its assets, then publish it.") % {"campaign": campaign.name}

    def success_url(self, campaign) -> str:
        return reverse("office:campaign", args=[campaign.pk])

    def render_invalid(self, form):
        return render(self.request, f"{T}office_form.html", {"form": form, "campaign": None})


def _asset_rows(page) -> list[dict]:
    """The campaign's assets with the orders their "move up" and "remove" buttons post."""
    ids = page.asset_ids
    rows = []
    for n, row in enumerate(page.assets):
        up = None
        if n:
            up = [*ids[: n - 1], ids[n], ids[n - 1], *ids[n + 1 :]]
        rows.append(
            {
                **row,
                "status_label": _status_label(row["asset__status"]),
                "up": up,
                "without": [*ids[:n], *ids[n + 1 :]],
            }
        )
    return rows


def _office_context(actor, campaign_id: int, **bound) -> dict:
    page = campaign_page_for_office(actor=actor, campaign_id=campaign_id)
    campaign = page.campaign
    context = {
        "page": page,
        "campaign": campaign,
        "figures": page.figures,
        "audience": audience_labels(campaign),
        "status_label": _status_label(campaign.status),
        "may_manage": actor.can(MARKETING_MANAGE),
        "asset_rows": _asset_rows(page),
        "assets_error": bound.get("assets_error"),
    }
    if context["may_manage"] and campaign.status != PublishStatus.ARCHIVED:
        current = set(page.asset_ids)
        choices = [(pk, title) for pk, title in asset_options() if pk not in current]
        context["add_form"] = AddAssetForm(assets=choices, auto_id="add_%s") if choices else None
    return context


class OfficeCampaignView(MemberRequiredMixin, View):
    area, capability = OFFICE, MARKETING_VIEW

    def get(self, request, campaign_id: int):
        return render(request, f"{T}office_detail.html", _office_context(self.actor, campaign_id))


class _CampaignAction(ServiceView):
    """A write on one campaign from its page: back to the page, or the page again with the error."""

    area, capability = OFFICE, MARKETING_MANAGE

    def get_object(self):
        return campaign_get_for_actor(actor=self.actor, campaign_id=self.kwargs["campaign_id"])

    def success_url(self, result) -> str:
        return reverse("office:campaign", args=[self.kwargs["campaign_id"]])

    def render_invalid(self, form):
        bound = {"assets_error": form.errors.get("assets")} if form is not None and form.errors else {}
        context = _office_context(self.actor, self.kwargs["campaign_id"], **bound)
        return render(self.request, f"{T}office_detail.html", context)


class CampaignEditView(_CampaignAction):
    """A campaign's details (a page of its own)."""

    def get_form(self):
        return _form(self.request.POST, campaign=self.object)

    def get(self, request, campaign_id: int):
        self.object = campaign = self.get_object()
        return self.render_invalid(_form(campaign=campaign, initial=CampaignForm.initial_from(campaign)))

    def perform(self, data):
        return campaign_update(actor=self.actor, campaign=self.object, **_details(self.form))

    def success_message(self, change) -> str:
        if not change.changed:
            return gettext("Nothing was changed.")
        return gettext("The campaign is saved.")

    def render_invalid(self, form):
        return render(self.request, f"{T}office_form.html", {"form": form, "campaign": self.object})


class CampaignAssetsView(_CampaignAction):
    """The campaign's assets, in the order posted (add, move up, remove: each posts the whole list)."""

    def get_form(self):
        current = [(pk, "") for pk in campaign_asset_ids(self.object)]
        return AssetsForm(self.request.POST, assets=[*asset_options(), *current])

    def perform(self, data):
        return campaign_set_assets(actor=self.actor, campaign=self.object, asset_ids=data["assets"])

    def success_message(self, items) -> str:
        return gettext("The campaign's assets are saved.")


class CampaignPublishView(_CampaignAction):
    def perform(self, data):
        return campaign_publish(actor=self.actor, campaign=self.object)

    def success_message(self, campaign) -> str:
        return gettext("%(campaign)s is published: partners in its audience see it and may join.") % {
            "campaign": campaign.name
        }


class CampaignCloseView(_CampaignAction):
    def perform(self, data):
        return campaign_close(actor=self.actor, campaign=self.object)

    def success_message(self, campaign) -> str:
        return gettext("%(campaign)s is closed: nobody joins any more.") % {"campaign": campaign.name}


# --- the portal -----------------------------------------------------------------------------------


class PortalCampaignsView(MemberRequiredMixin, View):
    """The campaigns for the person: the running ones first, those its company joined marked."""

    area, capability = PORTAL, CONTENT_VIEW

    def get(self, request):
        rows, counted = campaign_list_for_partner(actor=self.actor)
        page = paginate(request, rows, count_from=counted)
        detail = url_pattern("portal:campaign", "campaign_id")
        for row in page.object_list:
            row["url"] = detail(row["id"])
        context = {"page": page, "query": query_without_page(request)}
        return render(request, f"{T}portal_list.html", context)


def _lead_rows(rows) -> None:
    detail = url_pattern("portal:lead", "lead_id")
    for row in rows:
        row["url"] = detail(row["id"])
        row["status_label"] = LeadStatus(row["status"]).label


def _deal_rows(rows) -> None:
    detail = url_pattern("portal:deal_detail", "deal_id")
    for row in rows:
        row["url"] = detail(row["id"])
        row["reference"] = Deal(pk=row["id"]).reference
        row["status_label"] = DealStatus(row["status"]).label


def _portal_context(request, actor, campaign_id: int, *, email_form=None) -> dict:
    today = tenant_clock(request.tenant)[0]
    page = campaign_page_for_partner(actor=actor, campaign_id=campaign_id, today=today)
    link = url_pattern("portal:asset", "asset_id") if page.assets else None
    for row in page.assets:
        row["url"] = link(row["asset_id"])
    _lead_rows(page.leads)
    _deal_rows(page.deals)
    context = {
        "page": page,
        "campaign": page.campaign,
        "status_label": _status_label(page.campaign.status),
    }
    if page.may_edit_email:
        context["email_form"] = email_form or EmailForm(
            initial={"email_subject": page.email.subject, "email_body": page.email.body}, auto_id="email_%s"
        )
    return context


class PortalCampaignView(MemberRequiredMixin, View):
    area, capability = PORTAL, CONTENT_VIEW

    def get(self, request, campaign_id: int):
        return render(request, f"{T}portal_detail.html", _portal_context(request, self.actor, campaign_id))


def _fund_choices(funds) -> list[tuple[int, str]]:
    return [
        (f["allocation"].pk, f"{f['budget'].name} ({money(f['mdf_allocated'], f['budget'].currency)})") for f in funds
    ]


class CampaignJoinView(ServiceView):
    """Joining: the personalised e-mail (the campaign's to start from) and, when the campaign has an
    MDF activity type and the company open funds, an MDF request pre-filled from the campaign."""

    area, capability = PORTAL, CAMPAIGN_JOIN
    invalid_message = gettext_lazy("You have not joined yet: correct the fields marked below.")

    def get_object(self):
        campaign = campaign_get_for_actor(actor=self.actor, campaign_id=self.kwargs["campaign_id"])
        self.joined = has_joined(actor=self.actor, campaign=campaign)
        self.funds = [] if self.joined else mdf_funds_for_join(actor=self.actor, campaign=campaign)
        return campaign

    def get_form(self):
        return JoinForm(self.request.POST, funds=_fund_choices(self.funds))

    def get(self, request, campaign_id: int):
        self.object = campaign = self.get_object()
        today = tenant_clock(request.tenant)[0]
        starts_on = campaign.starts_on if campaign.starts_on and campaign.starts_on >= today else today
        ends_on = campaign.ends_on if campaign.ends_on and campaign.ends_on >= starts_on else starts_on
        initial = {
            "email_subject": campaign.email_subject,
            "email_body": campaign.email_body,
            "with_mdf": bool(self.funds),
            "allocation": self.funds[0]["allocation"].pk if len(self.funds) == 1 else None,
            "mdf_title": campaign.name,
            "mdf_description": campaign.summary or campaign.description or campaign.name,
            "mdf_starts_on": starts_on,
            "mdf_ends_on": ends_on,
            "mdf_cost": campaign.suggested_cost,
            "mdf_expected_leads": 0,
            "mdf_expected_pipeline": 0,
        }
        return self.render_invalid(JoinForm(initial=initial, funds=_fund_choices(self.funds)))

    def _mdf(self, data) -> MdfAsk | None:
        if not self.funds or not data.get("with_mdf"):
            return None
        allocation = next((f["allocation"] for f in self.funds if f["allocation"].pk == data["allocation"]), None)
        if allocation is None:
            raise PolicyViolation(gettext("Choose funds your company may still ask from."))
        return MdfAsk(
            allocation=allocation,
            title=data["mdf_title"],
            description=data["mdf_description"],
            starts_on=data["mdf_starts_on"],
            ends_on=data["mdf_ends_on"],
            cost=data["mdf_cost"],
            expected_leads=data.get("mdf_expected_leads") or 0,
            expected_pipeline=data.get("mdf_expected_pipeline") or 0,
        )

    def perform(self, data):
        return campaign_join(
            actor=self.actor,
            campaign=self.object,
            email_subject=data["email_subject"],
            email_body=data["email_body"],
            mdf=self._mdf(data),
        )

    def success_message(self, participation) -> str:
        if participation.mdf_request_id:
            return gettext("Your company joined the campaign, and your MDF request is sent for pre-approval.")
        return gettext("Your company joined the campaign: your e-mail is ready below.")

    def success_url(self, participation) -> str:
        return reverse("portal:campaign", args=[self.object.pk])

    def render_invalid(self, form):
        campaign = self.object
        values = email_values(partner_id=self.actor.partner_id, actor=self.actor)
        context = {
            "campaign": campaign,
            "form": form,
            "funds": self.funds,
            "preview": email_for(form["email_subject"].value() or "", form["email_body"].value() or "", values),
            "open": campaign.status == PublishStatus.PUBLISHED,
            "joined": self.joined,
        }
        return render(self.request, f"{T}portal_join.html", context)


class CampaignEmailView(ServiceView):
    """The company's personalised e-mail of a campaign it joined."""

    area, capability = PORTAL, CAMPAIGN_JOIN

    def get_object(self):
        return participation_get_for_actor(actor=self.actor, campaign_id=self.kwargs["campaign_id"])

    def get_form(self):
        return EmailForm(self.request.POST, auto_id="email_%s")

    def perform(self, data):
        return campaign_email_update(
            actor=self.actor,
            participation=self.object,
            email_subject=data["email_subject"],
            email_body=data["email_body"],
        )

    def success_message(self, participation) -> str:
        return gettext("Your e-mail is saved.")

    def success_url(self, participation) -> str:
        return reverse("portal:campaign", args=[self.kwargs["campaign_id"]]) + "#email"

    def render_invalid(self, form):
        context = _portal_context(self.request, self.actor, self.kwargs["campaign_id"], email_form=form)
        return render(self.request, f"{T}portal_detail.html", context)


class CampaignEmlView(MemberRequiredMixin, View):
    """The company's personalised e-mail as an .eml file (a draft to open in a mail program: no
    recipient, plain text)."""

    area, capability = PORTAL, CONTENT_VIEW

    def get(self, request, campaign_id: int):
        participation = participation_get_for_actor(actor=self.actor, campaign_id=campaign_id)
        values = email_values(partner_id=self.actor.partner_id, actor=self.actor)
        email = email_for(participation.email_subject, participation.email_body, values)
        message = EmailMessage(policy=SMTP)
        message["Subject"] = email.rendered_subject
        message["X-Unsent"] = "1"  # mail programs open it as a draft to send
        message.set_content(email.rendered_body)
        response = HttpResponse(message.as_bytes(), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="{participation.campaign.code}.eml"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


_CAMPAIGN = "campaigns/<int:campaign_id>/"

office_urlpatterns: list = [
    path("campaigns/", OfficeCampaignsView.as_view(), name="campaigns"),
    path("campaigns/export/", OfficeCampaignsExportView.as_view(), name="campaigns_export"),
    path("campaigns/new/", CampaignCreateView.as_view(), name="campaign_create"),
    path(_CAMPAIGN, OfficeCampaignView.as_view(), name="campaign"),
    path(f"{_CAMPAIGN}edit/", CampaignEditView.as_view(), name="campaign_edit"),
    path(f"{_CAMPAIGN}assets/", CampaignAssetsView.as_view(), name="campaign_assets"),
    path(f"{_CAMPAIGN}publish/", CampaignPublishView.as_view(), name="campaign_publish"),
    path(f"{_CAMPAIGN}close/", CampaignCloseView.as_view(), name="campaign_close"),
]
portal_urlpatterns: list = [
    path("campaigns/", PortalCampaignsView.as_view(), name="campaigns"),
    path(_CAMPAIGN, PortalCampaignView.as_view(), name="campaign"),
    path(f"{_CAMPAIGN}join/", CampaignJoinView.as_view(), name="campaign_join"),
    path(f"{_CAMPAIGN}email/", CampaignEmailView.as_view(), name="campaign_email"),
    path(f"{_CAMPAIGN}email.eml", CampaignEmlView.as_view(), name="campaign_eml"),
]
