"""Campaigns in a box, the services and selectors: a partner joins once, told to the vendor's
marketing and the partner's account manager; codes are unique per tenant and frozen once published
or cited; joining with MDF submits the request in the same transaction (a request the funds refuse
leaves no participation); leads and deals citing the code are attributed to the campaign, set-based
and per tenant (leads' and deals' selectors by campaign code); the audience decides who sees a
campaign and which of its assets; the e-mail's placeholders are filled as plain text."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from deals.selectors.attribution import deal_figures_by_campaign, deal_rows_citing_campaign
from incentives.models import MdfRequest, MdfStatus
from leads.models import LeadStatus
from leads.selectors.reports import lead_counts_by_campaign, lead_rows_citing_campaign
from marketing import events, notifications
from marketing.models import Campaign, CampaignAsset, CampaignParticipation, PublishStatus
from marketing.selectors.campaigns import (
    campaign_figures,
    campaign_get_for_actor,
    campaign_list_for_partner,
    campaign_page_for_partner,
    email_values,
)
from marketing.services.audience import AudienceChoice
from marketing.services.campaigns import (
    MdfAsk,
    campaign_close,
    campaign_create,
    campaign_email_update,
    campaign_join,
    campaign_publish,
    campaign_set_assets,
    campaign_update,
    email_render,
)
from partners.models import Partner
from prm.accounts.roles import Role
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.models import Event
from prm.notifications.models import Notification
from prm.tenancy.scope import tenant_scope
from prm.tenancy.time import tenant_today
from tests.factories import ContactFactory, DealFactory, PartnerMembershipFactory
from tests.leads.factories import LeadFactory

from .isolation_campaigns import asset, campaign, join, mdf_funds
from .world import tier_held_by

pytestmark = pytest.mark.django_db

D = Decimal


def _details(made: Campaign, **changes) -> dict:
    fields = {
        "name": made.name,
        "code": made.code,
        "summary": made.summary,
        "email_subject": made.email_subject,
        "email_body": made.email_body,
    }
    return {**fields, **changes}


# --- joining ---------------------------------------------------------------------------------------


def test_a_partner_joins_once_and_the_vendor_is_told(acme):
    with tenant_scope(acme.tenant):
        # given a published campaign
        made = campaign(acme, "Spring launch", "spring-launch")
        # when partner 1's admin joins it with a personalised e-mail
        participation = join(acme.partner_admin, made, subject="Spring at {{ partner }}")
        # then its company has joined, the event is recorded for the partner, and the vendor's
        # marketing and the partner's account manager are told
        assert participation.partner_id == acme.partner.pk and participation.joined_by == acme.partner_admin
        assert participation.email_subject == "Spring at {{ partner }}"
        event = Event.objects.get(verb=events.CAMPAIGN_JOINED, object_id=made.pk)
        assert event.partner_id == acme.partner.pk and event.params["partner"] == "Acme Partner 1"
        told = set(Notification.objects.filter(kind=notifications.CAMPAIGN_JOINED).values_list("recipient", flat=True))
        assert told == {acme.marketing.pk, acme.manager.pk}
        # and a second join, by anyone of the company, is refused
        colleague = PartnerMembershipFactory(tenant=acme.tenant, partner=acme.partner, role=Role.PARTNER_MARKETING)
        with pytest.raises(PolicyViolation, match="already joined"):
            join(colleague, made)
        assert CampaignParticipation.objects.filter(campaign=made).count() == 1
        # while the other partner joins on its own
        join(acme.partner_admins[1], made)
        assert CampaignParticipation.objects.filter(campaign=made).count() == 2


def test_only_a_partners_admins_and_marketing_join_a_published_campaign(acme):
    with tenant_scope(acme.tenant):
        made = campaign(acme, "Spring launch", "spring-launch")
        draft = campaign(acme, "Later", "later", publish=False)
        with pytest.raises(NotAllowed):
            join(acme.sales_rep, made)
        with pytest.raises(NotAllowed):
            join(acme.marketing, made)
        with pytest.raises(InvalidTransition, match="not open"):
            join(acme.partner_admin, draft)
        campaign_close(actor=acme.marketing, campaign=made)
        with pytest.raises(InvalidTransition, match="not open"):
            join(acme.partner_admin, made)
        assert not CampaignParticipation.objects.exists()


def test_the_personalised_email_is_within_limits_and_changes_later(acme):
    with tenant_scope(acme.tenant):
        made = campaign(acme, "Spring launch", "spring-launch")
        with pytest.raises(PolicyViolation, match="subject"):
            join(acme.partner_admin, made, subject="  ")
        with pytest.raises(PolicyViolation, match="At most 10000"):
            join(acme.partner_admin, made, body="x" * 10_001)
        participation = join(acme.partner_admin, made, subject="Line one\nline two")
        assert participation.email_subject == "Line one line two"  # a subject is one line
        changed = campaign_email_update(
            actor=acme.partner_admin, participation=participation, email_subject="New", email_body="New text"
        )
        assert (changed.email_subject, changed.email_body) == ("New", "New text")
        with pytest.raises(NotAllowed):
            campaign_email_update(
                actor=acme.partner_admins[1], participation=participation, email_subject="x", email_body="y"
            )


def test_joining_works_under_the_partners_row_level_security(acme):
    # given a campaign, read as a partner user's request reads it (its partner's rows only)
    with tenant_scope(acme.tenant):
        made = campaign(acme, "Spring launch", "spring-launch")
    with tenant_scope(acme.tenant, partner=acme.partner.pk):
        # when its admin joins: the vendor's people are found and told as the tenant
        join(acme.partner_admin, made)
    with tenant_scope(acme.tenant):
        assert Notification.objects.filter(kind=notifications.CAMPAIGN_JOINED).count() == 2


# --- codes ---------------------------------------------------------------------------------------------


def test_codes_are_slugs_unique_in_a_tenant(acme, globex):
    with tenant_scope(acme.tenant):
        made = campaign(acme, "Spring launch", " Spring Launch ", publish=False)
        assert made.code == "spring-launch"
        with pytest.raises(PolicyViolation, match="already has the code spring-launch"):
            campaign(acme, "Another", "SPRING-launch", publish=False)
        with pytest.raises(PolicyViolation, match="Give the campaign a code"):
            campaign(acme, "No code", "!!!", publish=False)
        other = campaign(acme, "Summer", "summer", publish=False)
        with pytest.raises(PolicyViolation, match="already has the code"):
            campaign_update(actor=acme.marketing, campaign=other, **_details(other, code="spring-launch"))
    with tenant_scope(globex.tenant):
        # another tenant has codes of its own
        assert campaign(globex, "Spring", "spring-launch", publish=False).code == "spring-launch"


def test_the_code_is_frozen_once_published_or_cited_and_the_vendor_reads_why(acme):
    with tenant_scope(acme.tenant):
        draft = campaign(acme, "Spring launch", "spring-launch", publish=False)
        # a draft nobody cites changes its code
        change = campaign_update(actor=acme.marketing, campaign=draft, **_details(draft, code="spring-2030"))
        assert change.changed == ("code",) and Campaign.objects.get(pk=draft.pk).code == "spring-2030"
        # a draft a lead cites keeps it, and says why
        LeadFactory(tenant=acme.tenant, campaign="Spring-2030")
        with pytest.raises(PolicyViolation, match="leads or deals already cite it"):
            campaign_update(actor=acme.marketing, campaign=draft, **_details(draft, code="spring-x"))
        # so does a published one, whose other details still change
        running = campaign(acme, "Summer", "summer")
        with pytest.raises(PolicyViolation, match="The code stays summer: the campaign is published"):
            campaign_update(actor=acme.marketing, campaign=running, **_details(running, code="summer-2"))
        change = campaign_update(actor=acme.marketing, campaign=running, **_details(running, name="Summer deals"))
        assert change.changed == ("name",)
        changed = Event.objects.filter(verb=events.CAMPAIGN_CHANGED, object_id=running.pk).get()
        assert changed.data["fields"] == ["name"]
        # nothing changed: no event
        campaign_update(actor=acme.marketing, campaign=running, **_details(Campaign.objects.get(pk=running.pk)))
        assert Event.objects.filter(verb=events.CAMPAIGN_CHANGED, object_id=running.pk).count() == 1
        # a closed one changes no more
        campaign_close(actor=acme.marketing, campaign=running)
        with pytest.raises(InvalidTransition, match="closed"):
            campaign_update(actor=acme.marketing, campaign=running, **_details(running, name="x"))


def test_only_the_vendors_marketing_and_admins_manage_campaigns(acme):
    with tenant_scope(acme.tenant):
        for member in (acme.manager, acme.partner_admin):
            with pytest.raises(NotAllowed):
                campaign_create(actor=member, name="x", code="x")
        made = campaign(acme, "Spring", "spring", publish=False)
        with pytest.raises(NotAllowed):
            campaign_publish(actor=acme.manager, campaign=made)
        campaign_create(actor=acme.admin, name="By the admin", code="by-admin")


def test_publishing_needs_the_email_and_records_the_event(acme):
    with tenant_scope(acme.tenant):
        made = campaign(acme, "Spring", "spring", publish=False, email_subject="", email_body="")
        with pytest.raises(PolicyViolation, match="Write the e-mail"):
            campaign_publish(actor=acme.marketing, campaign=made)
        campaign_update(actor=acme.marketing, campaign=made, **_details(made, email_subject="Hi", email_body="Text"))
        published = campaign_publish(actor=acme.marketing, campaign=made)
        assert published.status == PublishStatus.PUBLISHED
        assert Event.objects.filter(verb=events.CAMPAIGN_PUBLISHED, object_id=made.pk).count() == 1
        campaign_publish(actor=acme.marketing, campaign=made)  # again: nothing happens
        assert Event.objects.filter(verb=events.CAMPAIGN_PUBLISHED, object_id=made.pk).count() == 1
        campaign_close(actor=acme.marketing, campaign=made)
        assert Event.objects.filter(verb=events.CAMPAIGN_CLOSED, object_id=made.pk).count() == 1


def test_assets_are_kept_in_the_order_given(acme, globex):
    with tenant_scope(acme.tenant):
        first, second, third = (asset(acme, title) for title in ("One", "Two", "Three"))
        old = asset(acme, "Old", status=PublishStatus.ARCHIVED)
        made = campaign(acme, "Spring", "spring", publish=False)
        campaign_set_assets(actor=acme.marketing, campaign=made, asset_ids=[third.pk, first.pk, third.pk, second.pk])
        order = CampaignAsset.objects.filter(campaign=made).order_by("position").values_list("asset_id", flat=True)
        assert list(order) == [third.pk, first.pk, second.pk]
        bundled = Event.objects.get(verb=events.CAMPAIGN_CHANGED, object_id=made.pk)
        assert bundled.data["asset_ids"] == [third.pk, first.pk, second.pk]
        assert Event.objects.filter(verb=events.CAMPAIGN_DRAFTED, object_id=made.pk).count() == 1
        with pytest.raises(PolicyViolation, match="Archived"):
            campaign_set_assets(actor=acme.marketing, campaign=made, asset_ids=[old.pk])
    with tenant_scope(globex.tenant):
        foreign = asset(globex, "Globex brochure")
    with tenant_scope(acme.tenant):
        with pytest.raises(PolicyViolation, match="no longer in the library"):
            campaign_set_assets(actor=acme.marketing, campaign=made, asset_ids=[foreign.pk])
        assert CampaignAsset.objects.filter(campaign=made).count() == 3


# --- joining with MDF --------------------------------------------------------------------------------


def _ask(allocation, *, cost: str = "4000.00", **fields) -> MdfAsk:
    today = tenant_today()
    values = {
        "allocation": allocation,
        "title": "Spring launch",
        "description": "Six weeks of posts",
        "starts_on": today,
        "ends_on": today + timedelta(days=10),
        "cost": D(cost),
    }
    return MdfAsk(**{**values, **fields})


def test_joining_with_mdf_submits_the_request_in_the_same_transaction(acme):
    with tenant_scope(acme.tenant):
        fund_type, allocation = mdf_funds(acme, amount="10000.00", share=50)
        made = campaign(acme, "Spring launch", "spring-launch", fund_type=fund_type, suggested_cost=D("4000"))
        participation = campaign_join(
            actor=acme.partner_admin, campaign=made, email_subject="Hi", email_body="Text", mdf=_ask(allocation)
        )
        request = MdfRequest.objects.get(pk=participation.mdf_request_id)
        assert request.activity_type_id == fund_type.pk and request.partner_id == acme.partner.pk
        assert request.requested_amount == D("2000.00") and request.status == MdfStatus.SUBMITTED
        event = Event.objects.get(verb=events.CAMPAIGN_JOINED, object_id=made.pk)
        assert event.data["mdf_request_id"] == request.pk


def test_an_mdf_request_the_funds_refuse_leaves_no_participation(acme):
    with tenant_scope(acme.tenant):
        fund_type, allocation = mdf_funds(acme, amount="1000.00", share=50)
        made = campaign(acme, "Spring launch", "spring-launch", fund_type=fund_type)
        # the vendor's share of 4,000 is 2,000: more than the 1,000 left
        with pytest.raises(PolicyViolation, match=r"more than the .* left in your allocation"):
            campaign_join(
                actor=acme.partner_admin, campaign=made, email_subject="Hi", email_body="Text", mdf=_ask(allocation)
            )
        assert not CampaignParticipation.objects.exists()
        assert not MdfRequest.objects.exists()
        assert not Event.objects.filter(verb=events.CAMPAIGN_JOINED).exists()
        # a smaller plan goes through
        campaign_join(
            actor=acme.partner_admin,
            campaign=made,
            email_subject="Hi",
            email_body="Text",
            mdf=_ask(allocation, cost="2000.00"),
        )
        assert CampaignParticipation.objects.get().mdf_request.requested_amount == D("1000.00")


def test_the_join_offers_mdf_only_when_the_campaign_has_a_fund_type_and_the_partner_open_funds(acme):
    with tenant_scope(acme.tenant):
        fund_type, _allocation = mdf_funds(acme)
        today = tenant_today()
        with_mdf = campaign(acme, "With MDF", "with-mdf", fund_type=fund_type)
        without = campaign(acme, "Without", "without")
        page = campaign_page_for_partner(actor=acme.partner_admin, campaign_id=with_mdf.pk, today=today)
        assert page.may_join and page.offers_mdf
        assert not campaign_page_for_partner(actor=acme.partner_admin, campaign_id=without.pk, today=today).offers_mdf
        # partner 2 has no allocation; a sales rep does not ask for funds (nor join)
        assert not campaign_page_for_partner(actor=acme.partner_admins[1], campaign_id=with_mdf.pk, today=today).funds
        rep = campaign_page_for_partner(actor=acme.sales_rep, campaign_id=with_mdf.pk, today=today)
        assert not rep.may_join and not rep.funds


# --- attribution -------------------------------------------------------------------------------------


def _cited(side, code: str) -> None:
    """Leads and deals of acme's partners citing ``code`` (in various cases), and some that do not."""
    now = timezone.now()
    LeadFactory(tenant=side.tenant, campaign=code.upper())  # new, unrouted
    LeadFactory(
        tenant=side.tenant,
        campaign=code,
        partner=side.partner,
        owner=side.sales_rep,
        status=LeadStatus.ACCEPTED,
        accepted_at=now,
    )
    LeadFactory(
        tenant=side.tenant,
        campaign=code,
        partner=side.partners[1],
        status=LeadStatus.CONVERTED,
        accepted_at=now,
        converted_at=now,
    )
    LeadFactory(tenant=side.tenant, campaign=code, status=LeadStatus.DUPLICATE)  # a flagged repeat: not counted
    LeadFactory(tenant=side.tenant, campaign="another")
    DealFactory(tenant=side.tenant, partner=side.partner, registered_by=side.sales_rep, source_campaign=code)
    DealFactory(
        tenant=side.tenant,
        partner=side.partner,
        source_campaign=code,
        status="won",
        won_amount=D("5000"),
        currency="USD",
    )
    DealFactory(
        tenant=side.tenant,
        partner=side.partners[1],
        source_campaign=code.title(),
        status="won",
        won_amount=D("700"),
        currency="EUR",
    )
    DealFactory(tenant=side.tenant, partner=side.partner, source_campaign=code, status="draft")  # not registered
    DealFactory(tenant=side.tenant, partner=side.partner, source_campaign="another")


def test_leads_and_deals_citing_the_code_are_counted_per_campaign_and_tenant(acme, globex):
    with tenant_scope(globex.tenant):
        _cited(globex, "spring-launch")  # the same code in another tenant: not acme's
    with tenant_scope(acme.tenant):
        _cited(acme, "spring-launch")
        # the leads' and deals' selectors, by code
        assert lead_counts_by_campaign(["Spring-Launch", "nobody"]) == {
            "spring-launch": {"leads": 3, "accepted": 2, "converted": 1}
        }
        deals = deal_figures_by_campaign(["spring-launch"])
        assert deals == {
            "spring-launch": {"registered": 3, "won": 2, "won_amounts": {"USD": D("5000"), "EUR": D("700")}}
        }
        by_partner = lead_counts_by_campaign(["spring-launch"], by_partner=True)
        assert by_partner[("spring-launch", acme.partner.pk)]["accepted"] == 1
        assert by_partner[("spring-launch", None)]["leads"] == 1
        assert deal_figures_by_campaign(["spring-launch"], by_partner=True)[("spring-launch", acme.partners[1].pk)][
            "won_amounts"
        ] == {"EUR": D("700")}
        assert lead_counts_by_campaign([]) == {} and deal_figures_by_campaign(["", " "]) == {}

        # the campaign's figures: the same, with its participants and their MDF
        fund_type, allocation = mdf_funds(acme)
        made = campaign(acme, "Spring launch", "spring-launch", fund_type=fund_type)
        quiet = campaign(acme, "Quiet", "quiet")
        campaign_join(
            actor=acme.partner_admin, campaign=made, email_subject="Hi", email_body="Text", mdf=_ask(allocation)
        )
        join(acme.partner_admins[1], made)
        figures = campaign_figures([made, quiet])
        f = figures[made.pk]
        assert (f.leads, f.accepted, f.converted, f.registered, f.won) == (3, 2, 1, 3, 2)
        assert f.participants == 2 and f.mdf_requested == {"USD": D("2000.00")} and f.mdf_approved == {}
        assert f.won_text == "€700.00 · $5,000.00"
        quiet_figures = figures[quiet.pk]
        assert (quiet_figures.leads, quiet_figures.participants, quiet_figures.won_text) == (0, 0, "\N{EN DASH}")


def test_a_partner_user_sees_its_own_attribution_as_its_role_allows(acme):
    with tenant_scope(acme.tenant):
        _cited(acme, "spring-launch")
        made = campaign(acme, "Spring launch", "spring-launch")
        today = tenant_today()
        # the admin: the company's held leads and registrations
        admin = campaign_page_for_partner(actor=acme.partner_admin, campaign_id=made.pk, today=today)
        assert (admin.figures.leads, admin.figures.registered, admin.figures.won) == (1, 2, 1)
        assert len(admin.leads) == 1 and len(admin.deals) == 2
        # the rep: its own
        rep = campaign_page_for_partner(actor=acme.sales_rep, campaign_id=made.pk, today=today)
        assert (rep.figures.leads, rep.figures.registered) == (1, 1)
        assert [row["customer_name"] for row in rep.deals] == [
            row["customer_name"] for row in deal_rows_citing_campaign(actor=acme.sales_rep, code="spring-launch")
        ]
        # the other partner: its own only
        other = campaign_page_for_partner(actor=acme.partner_admins[1], campaign_id=made.pk, today=today)
        assert (other.figures.leads, other.figures.converted, other.figures.won) == (1, 1, 1)
        assert other.figures.won_amounts == {"EUR": D("700")}
        assert len(lead_rows_citing_campaign(actor=acme.partner_admins[1], code="SPRING-LAUNCH")) == 1


# --- audience -----------------------------------------------------------------------------------------


def test_the_audience_decides_who_sees_a_campaign_and_which_of_its_assets(acme):
    with tenant_scope(acme.tenant):
        today = tenant_today()
        program = tier_held_by(acme.partner).program
        shown = asset(acme, "For everyone")
        hidden = [
            asset(acme, "A draft", status=PublishStatus.DRAFT),
            asset(acme, "Expired", valid_until=today - timedelta(days=1)),
            asset(acme, "Not yet", valid_from=today + timedelta(days=1)),
            asset(acme, "For marketing people", audience_roles=[Role.PARTNER_MARKETING]),
        ]
        for_program = campaign(
            acme,
            "For the program",
            "program-only",
            assets=[*hidden, shown],
            audience=AudienceChoice(program_ids=(program.pk,)),
        )
        for_marketing = campaign(
            acme, "For marketing", "marketing-only", audience=AudienceChoice(roles=(Role.PARTNER_MARKETING,))
        )
        draft = campaign(acme, "Draft", "draft", publish=False)

        def listed(member) -> set[str]:
            rows, _counted = campaign_list_for_partner(actor=member)
            return {row["name"] for row in rows}

        assert listed(acme.partner_admin) == {"For the program"}
        assert listed(acme.partner_admins[1]) == set()
        marketer = PartnerMembershipFactory(tenant=acme.tenant, partner=acme.partners[1], role=Role.PARTNER_MARKETING)
        assert listed(marketer) == {"For marketing"}
        for member, made in ((acme.partner_admins[1], for_program), (acme.partner_admin, for_marketing)):
            with pytest.raises(Http404):
                campaign_get_for_actor(actor=member, campaign_id=made.pk)
        with pytest.raises(Http404):
            campaign_get_for_actor(actor=acme.partner_admin, campaign_id=draft.pk)
        page = campaign_page_for_partner(actor=acme.partner_admin, campaign_id=for_program.pk, today=today)
        assert [row["asset__title"] for row in page.assets] == ["For everyone"]
        # staff see every campaign
        assert campaign_get_for_actor(actor=acme.manager, campaign_id=draft.pk) == draft


def test_a_closed_campaign_stays_with_the_partners_that_joined_it(acme):
    with tenant_scope(acme.tenant):
        made = campaign(acme, "Spring", "spring")
        join(acme.partner_admin, made)
        campaign_close(actor=acme.marketing, campaign=made)
        rows, _counted = campaign_list_for_partner(actor=acme.partner_admin)
        assert [(row["name"], row["joined"]) for row in rows] == [("Spring", True)]
        assert campaign_get_for_actor(actor=acme.partner_admin, campaign_id=made.pk) == made
        with pytest.raises(Http404):
            campaign_get_for_actor(actor=acme.partner_admins[1], campaign_id=made.pk)


# --- the e-mail ---------------------------------------------------------------------------------------


def test_the_placeholders_are_filled_from_the_partner_as_plain_text(acme):
    with tenant_scope(acme.tenant):
        values = email_values(partner_id=acme.partner.pk, actor=acme.partner_admin)
        # no primary contact: the person writing
        assert values["partner"] == "Acme Partner 1" and acme.partner_admin.user.email in values["contact"]
        ContactFactory(tenant=acme.tenant, partner=acme.partner, name="Jo <b>Bloggs</b>", email="jo@p1.example")
        values = email_values(partner_id=acme.partner.pk, actor=acme.partner_admin)
        assert values["contact"] == "Jo <b>Bloggs</b>, jo@p1.example"
    text = "Hi from {{partner}} ({{ website }}); ask {{  contact }}. {{ unknown }} stays."
    assert email_render(text, {"partner": "A & B", "website": "https://a.example", "contact": "Jo"}) == (
        "Hi from A & B (https://a.example); ask Jo. {{ unknown }} stays."
    )


# --- the demo -----------------------------------------------------------------------------------------


def test_the_demo_loads_campaigns_a_join_with_mdf_and_citing_leads_once(acme):
    from marketing.demo_parts import campaigns as campaigns_demo
    from prm.web.demo_kit import Demo

    with tenant_scope(acme.tenant):
        Partner.objects.filter(pk=acme.partner.pk).update(display_name="Northwind")
        mdf_funds(acme)  # the incentives demo's "Digital campaign" type and Northwind's allocation
        asset(acme, "Storage brochure")
        loaded = Demo(
            tenant=acme.tenant, seed=1, staff={"admin": acme.admin, "marketing": acme.marketing, "cam": acme.manager}
        )
        campaigns_demo.load(loaded)
        campaigns_demo.load(loaded)
        statuses = dict(Campaign.objects.values_list("code", "status"))
        assert statuses == {
            "storage-launch": PublishStatus.PUBLISHED,
            "backup-month": PublishStatus.PUBLISHED,
            "webinar-series": PublishStatus.DRAFT,
        }
        participation = CampaignParticipation.objects.get()
        assert participation.partner_id == acme.partner.pk and participation.mdf_request_id is not None
        launch = Campaign.objects.get(code="storage-launch")
        figures = campaign_figures([launch])[launch.pk]
        assert figures.leads == 4 and figures.accepted == 1 and figures.participants == 1
        assert loaded.notes and "with an MDF request" in loaded.notes[-1]
