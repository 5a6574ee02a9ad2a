"""Campaigns' pages as people use them: marketing drafts a campaign, bundles assets in order and
publishes it; a partner's admin finds it, joins with an MDF request pre-filled from the campaign,
copies its personalised e-mail or downloads it as .eml; an MDF request the funds refuse brings the
join form back with what was typed; the office list shows each campaign's attribution and exports
it; the code stays once published, and the page says why."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from email import message_from_bytes
from email.policy import default
from html import unescape

import pytest
from django.urls import reverse

from incentives.models import MdfRequest
from marketing.models import Campaign, CampaignAsset, CampaignParticipation, PublishStatus
from partners.models import Partner
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import tenant_today
from tests.conftest import body, csv_rows, make_client
from tests.factories import DealFactory
from tests.leads.factories import LeadFactory

from .isolation_campaigns import asset, campaign, campaign_fields, join, mdf_funds
from .world import page_text

pytestmark = pytest.mark.django_db


def _value(html: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    return unescape(found.group(1)) if found else ""


def test_marketing_drafts_bundles_and_publishes_a_partner_joins_with_mdf(acme):
    vendor, partner = make_client(acme.marketing), make_client(acme.partner_admin)
    with tenant_scope(acme.tenant):
        fund_type, allocation = mdf_funds(acme, amount="10000.00", share=50)
        brochure, video = asset(acme, "Brochure"), asset(acme, "Launch video")
        today = tenant_today()
    # given marketing drafting a campaign with an MDF activity type
    fields = {
        **campaign_fields(name="Spring launch", code="Spring Launch"),
        "summary": "Storage for mid-size banks",
        "starts_on": (today + timedelta(days=5)).isoformat(),
        "ends_on": (today + timedelta(days=40)).isoformat(),
        "email_subject": "Spring news from {{ partner }}",
        "email_body": "Hello,\nsee {{ website }} or write to {{ contact }}.",
        "fund_type": str(fund_type.pk),
        "suggested_cost": "3000",
    }
    form = page_text(vendor.get(reverse("office:campaign_create")))
    assert "Digital campaign (50%)" in form
    response = vendor.post(reverse("office:campaign_create"), fields)
    with tenant_scope(acme.tenant):
        made = Campaign.objects.get(code="spring-launch")
    detail = reverse("office:campaign", args=[made.pk])
    assert response.status_code == 302 and response["Location"] == detail
    # ... bundles two assets, the video first
    vendor.post(reverse("office:campaign_assets", args=[made.pk]), {"assets": [str(brochure.pk)]})
    vendor.post(reverse("office:campaign_assets", args=[made.pk]), {"assets": [str(brochure.pk), str(video.pk)]})
    page = page_text(vendor.get(detail))
    assert page.index("Brochure") < page.index("Launch video") and "Move up" in page
    vendor.post(reverse("office:campaign_assets", args=[made.pk]), {"assets": [str(video.pk), str(brochure.pk)]})
    with tenant_scope(acme.tenant):
        order = CampaignAsset.objects.filter(campaign=made).order_by("position").values_list("asset_id", flat=True)
        assert list(order) == [video.pk, brochure.pk]
    # ... and publishes it
    response = vendor.post(reverse("office:campaign_publish", args=[made.pk]))
    assert "is published" in page_text(vendor.get(response["Location"]))

    # when partner 1's admin finds it and opens the join form
    listed = page_text(partner.get(reverse("portal:campaigns")))
    assert "Spring launch" in listed and "With MDF" in listed
    portal_page = page_text(partner.get(reverse("portal:campaign", args=[made.pk])))
    assert "Join the campaign" in portal_page and "you can ask for market development funds" in portal_page
    assert portal_page.index("Launch video") < portal_page.index("Brochure")
    assert reverse("portal:asset", args=[video.pk]) in portal_page
    join_url = reverse("portal:campaign_join", args=[made.pk])
    form = page_text(partner.get(join_url))
    # then the MDF request is pre-filled from the campaign
    assert _value(form, "mdf_title") == "Spring launch"
    assert _value(form, "mdf_cost") == "3000.00"
    assert _value(form, "mdf_starts_on") == fields["starts_on"] and _value(form, "mdf_ends_on") == fields["ends_on"]
    assert "Storage for mid-size banks</textarea>" in form
    assert f'<option value="{allocation.pk}" selected>' in form
    assert "Spring news from Acme Partner 1" in form  # how the e-mail reads
    # and joining with it (the cost adjusted) submits the request
    response = partner.post(
        join_url,
        {
            "email_subject": "Spring at {{ partner }}",
            "email_body": "Dear customer,\nvisit us at {{ website }}.\n{{ contact }}",
            "with_mdf": "on",
            "allocation": str(allocation.pk),
            "mdf_title": "Spring launch",
            "mdf_description": "Storage for mid-size banks",
            "mdf_starts_on": fields["starts_on"],
            "mdf_ends_on": fields["ends_on"],
            "mdf_cost": "2500",
            "mdf_expected_leads": "10",
            "mdf_expected_pipeline": "50000",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("portal:campaign", args=[made.pk])
    with tenant_scope(acme.tenant):
        participation = CampaignParticipation.objects.get(campaign=made)
        request = MdfRequest.objects.get(pk=participation.mdf_request_id)
        assert (request.cost, request.requested_amount, request.activity_type_id) == (
            Decimal("2500.00"),
            Decimal("1250.00"),
            fund_type.pk,
        )
        Partner.objects.filter(pk=acme.partner.pk).update(website="https://p1.example")
    page = page_text(partner.get(response["Location"]))
    assert "your MDF request is sent for pre-approval" in page and "Your MDF request" in page
    # the e-mail, ready to copy, with the company's details
    assert 'value="Spring at Acme Partner 1"' in page
    assert "Dear customer,\nvisit us at https://p1.example.\n" in page
    # and as an .eml draft
    eml = partner.get(reverse("portal:campaign_eml", args=[made.pk]))
    assert eml["Content-Type"] == "message/rfc822" and 'filename="spring-launch.eml"' in eml["Content-Disposition"]
    message = message_from_bytes(eml.content, policy=default)
    assert message["Subject"] == "Spring at Acme Partner 1" and message["X-Unsent"] == "1"
    assert "visit us at https://p1.example." in message.get_content()
    # the personalised e-mail changes later
    partner.post(
        reverse("portal:campaign_email", args=[made.pk]), {"email_subject": "Now: {{ partner }}", "email_body": "New"}
    )
    assert 'value="Now: Acme Partner 1"' in page_text(partner.get(reverse("portal:campaign", args=[made.pk])))
    # the list marks it joined; the vendor sees the partner with its request
    assert "campaign-joined" in body(partner.get(reverse("portal:campaigns")))
    office = page_text(vendor.get(detail))
    assert "Acme Partner 1" in office and reverse("office:mdf_request", args=[request.pk]) in office


def test_an_mdf_request_the_funds_refuse_brings_the_form_back_with_what_was_typed(acme):
    with tenant_scope(acme.tenant):
        fund_type, allocation = mdf_funds(acme, amount="1000.00", share=50)
        made = campaign(acme, "Spring launch", "spring-launch", fund_type=fund_type, suggested_cost=Decimal("3000"))
        today = tenant_today()
    partner = make_client(acme.partner_admin)
    fields = {
        "email_subject": "My own subject",
        "email_body": "My own text",
        "with_mdf": "on",
        "allocation": str(allocation.pk),
        "mdf_title": "My activity",
        "mdf_description": "My plan",
        "mdf_starts_on": today.isoformat(),
        "mdf_ends_on": (today + timedelta(days=3)).isoformat(),
        "mdf_cost": "3000",
    }
    # when the partner asks for more than its allocation holds
    response = partner.post(reverse("portal:campaign_join", args=[made.pk]), fields)
    # then the join form comes back with the reason and what was typed, and nothing is joined
    html = page_text(response)
    assert response.status_code == 200
    assert "left in your allocation: lower the cost" in html
    assert _value(html, "email_subject") == "My own subject" and _value(html, "mdf_title") == "My activity"
    assert _value(html, "mdf_cost") == "3000" and "My plan</textarea>" in html
    with platform_scope():
        assert not CampaignParticipation.objects.exists() and not MdfRequest.objects.exists()
    # a missing MDF field is a form error; without MDF, the same join goes through
    response = partner.post(reverse("portal:campaign_join", args=[made.pk]), {**fields, "mdf_title": ""})
    assert response.status_code == 200 and "Needed for the MDF request." in page_text(response)
    response = partner.post(reverse("portal:campaign_join", args=[made.pk]), {**fields, "with_mdf": ""})
    assert response.status_code == 302
    with platform_scope():
        assert CampaignParticipation.objects.get().mdf_request_id is None
    # a second join is refused on the page
    response = partner.get(reverse("portal:campaign_join", args=[made.pk]))
    assert "already joined" in page_text(response)


def test_the_partners_details_in_the_email_are_shown_inert(acme):
    with tenant_scope(acme.tenant):
        Partner.objects.filter(pk=acme.partner.pk).update(display_name="<script>alert(1)</script> & Co")
        made = campaign(acme, "Spring", "spring", email_body="From {{ partner }}")
        join(acme.partner_admin, made, subject="{{ partner }}", body="From {{ partner }}")
    html = body(make_client(acme.partner_admin).get(reverse("portal:campaign", args=[made.pk])))
    assert "<script>alert(1)</script>" not in html
    assert "From &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co</textarea>" in html


def test_the_office_list_shows_and_exports_each_campaigns_attribution(acme):
    with tenant_scope(acme.tenant):
        made = campaign(acme, "Spring launch", "spring-launch")
        campaign(acme, "Draft", "draft", publish=False)
        join(acme.partner_admin, made)
        LeadFactory(tenant=acme.tenant, campaign="spring-launch")
        DealFactory(
            tenant=acme.tenant, partner=acme.partner, source_campaign="spring-launch", status="won", won_amount=900
        )
    vendor = make_client(acme.manager)
    html = page_text(vendor.get(reverse("office:campaigns")))
    row = html[html.index(f'id="campaign-{made.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "spring-launch" in row and "$900.00" in row
    assert "New campaign" not in html  # a channel manager reads, marketing writes
    published = page_text(vendor.get(reverse("office:campaigns") + "?status=published"))
    assert "Spring launch" in published and "Draft" not in published.split("</h1>", 1)[1].split("<table")[1]
    rows = csv_rows(vendor.get(reverse("office:campaigns_export") + "?q=spring"))
    assert rows[0][:3] == ["Name", "Code", "Status"]
    assert rows[1][:3] == ["Spring launch", "spring-launch", "Published"]
    assert rows[1][5:11] == ["1", "1", "0", "0", "1", "1"] and rows[1][11] == "900.00 USD"
    assert len(rows) == 2


def test_the_code_of_a_published_campaign_stays_and_the_page_says_why(acme):
    with tenant_scope(acme.tenant):
        made = campaign(acme, "Spring launch", "spring-launch")
    vendor = make_client(acme.marketing)
    edit = reverse("office:campaign_edit", args=[made.pk])
    assert "its code stays spring-launch" in page_text(vendor.get(edit))
    response = vendor.post(edit, campaign_fields(name="Spring 2030", code="spring-2030"))
    html = page_text(response)
    assert response.status_code == 200 and "the campaign is published, so partners, leads and deals" in html
    assert _value(html, "name") == "Spring 2030"
    response = vendor.post(edit, campaign_fields(name="Spring 2030", code="spring-launch"))
    assert response.status_code == 302
    with tenant_scope(acme.tenant):
        assert Campaign.objects.get(pk=made.pk).name == "Spring 2030"
    # closing: nobody joins any more
    vendor.post(reverse("office:campaign_close", args=[made.pk]))
    with tenant_scope(acme.tenant):
        assert Campaign.objects.get(pk=made.pk).status == PublishStatus.ARCHIVED
    response = make_client(acme.partner_admin).get(reverse("portal:campaign", args=[made.pk]))
    assert response.status_code == 404


def test_a_sales_rep_reads_the_campaign_but_does_not_join(acme):
    with tenant_scope(acme.tenant):
        made = campaign(acme, "Spring launch", "spring-launch")
    page = page_text(make_client(acme.sales_rep).get(reverse("portal:campaign", args=[made.pk])))
    assert "Spring launch summary" in page and "Join the campaign" not in page
    assert make_client(acme.sales_rep).get(reverse("portal:campaign_join", args=[made.pk])).status_code == 403
