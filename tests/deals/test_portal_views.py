"""The partner portal's deal pages: register (draft, submit, refused), the live conflict hint,
my and company deals, the deal page with its conversation and attachments, and the actions
after approval."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from deals.models import AutoApprovalRule, Deal, DealAttachment, DealExtension, DealMessage, DealStatus
from deals.services import message_post
from prm.accounts.roles import Role
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.conftest import make_client
from tests.factories import DealFactory, DealLineFactory, PartnerMembershipFactory, ProductFactory, refresh
from tests.programs.documents import small_pdf
from tests.query_budget import assert_pinned, cost

from .deal_setup import draft, submitted

pytestmark = pytest.mark.django_db
S = DealStatus


def registration(cat, **overrides) -> dict:
    """What a partner types into "Register a deal": two firewalls for Initech."""
    data = {
        "customer_name": "Initech GmbH",
        "customer_website": "initech.de",
        "customer_country": "DE",
        "customer_address": "Hauptstrasse 1, Berlin",
        "contact_name": "Peter Gibbons",
        "contact_email": "peter@initech.de",
        "contact_phone": "+49 30 1",
        "title": "Branch firewalls",
        "amount": "10000",
        "currency": "USD",
        "expected_close_on": (timezone.localdate() + timedelta(days=60)).isoformat(),
        "stage": "develop",
        "notes": "Met at the fair.",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "20",
        "lines-0-product": str(cat.firewall.pk),
        "lines-0-quantity": "2",
        "lines-0-unit_price": "",
        "lines-1-product": "",
        "lines-1-quantity": "1",
        "lines-1-unit_price": "",
        "lines-2-product": "",
        "lines-2-quantity": "1",
        "lines-2-unit_price": "",
    }
    data.update(overrides)
    return data


def only_deal(partner) -> Deal:
    with platform_scope():
        return Deal.objects.get(partner=partner)


def approved(member, cat, **fields) -> Deal:
    """A registration of ``member`` approved by an auto rule."""
    with platform_scope():
        AutoApprovalRule.objects.get_or_create(
            tenant_id=cat.program.tenant_id, program=cat.program, name="Everything", require_no_conflict=False
        )
    deal = refresh(submitted(member, cat, **fields))
    assert deal.status == S.APPROVED
    return deal


# --- Registering -----------------------------------------------------------------------------------


def test_the_register_page_offers_the_catalogue_by_line_and_presets_the_currency(acme, cat):
    page = make_client(acme.sales_rep).get(reverse("portal:deal_create")).content.decode()
    assert '<optgroup label="Firewalls">' in page and '<optgroup label="Switches">' in page
    assert "FW-100" in page and "USD 5,000.00" in page
    assert 'name="currency" value="USD"' in page
    assert "Save draft" in page and "Submit" in page
    assert 'hx-trigger="keyup changed delay:400ms' in page


def test_a_role_the_program_does_not_let_register_is_told_before_typing_anything(acme, cat):
    # given a program in which only partner admins register deals
    with platform_scope():
        cat.program.deal_registration_roles = [Role.PARTNER_ADMIN]
        cat.program.save()
    # when a sales rep opens "Register a deal"
    client = make_client(acme.sales_rep)
    response = client.get(reverse("portal:deal_create"))
    # then no form is offered: the deals list says why
    assert response.status_code == 302 and response["Location"] == reverse("portal:deal_list")
    page = client.get(response["Location"]).content.decode()
    assert "Your role may not register deals in your company&#x27;s program" in page
    # and a partner admin gets the form
    page = make_client(acme.partner_admin).get(reverse("portal:deal_create")).content.decode()
    assert "Save draft" in page


def test_the_main_navigation_leads_partner_users_who_register_deals_to_them(acme, cat):
    # Regression: no link anywhere led to the deal pages; partners had to know the URL.
    link = f'<a class="nav-link" href="{reverse("portal:deal_list")}">Deals</a>'
    assert link in make_client(acme.sales_rep).get(reverse("portal:home")).content.decode()
    technical = PartnerMembershipFactory(partner=acme.partner, role=Role.TECHNICAL)
    assert link not in make_client(technical).get(reverse("portal:home")).content.decode()


def test_the_product_rows_are_not_pushed_beside_the_products_legend(acme, cat):
    # Regression: Bootstrap floats a fieldset's legend and clears it only with "legend + *"; the
    # formset's hidden inputs came first, so the product table sat beside the legend, zero pixels
    # wide and off the card's right edge (the page scrolled sideways and no product could be seen).
    page = make_client(acme.sales_rep).get(reverse("portal:deal_create")).content.decode()
    after_legend = page.split('<legend class="h5">Products</legend>', 1)[1].lstrip()
    assert after_legend.startswith("<div>") and "lines-TOTAL_FORMS" in after_legend.split("</div>", 1)[0]


def test_save_draft_registers_a_draft_priced_from_the_catalogue(acme, cat):
    # when the sales rep saves the form as a draft
    client = make_client(acme.sales_rep)
    response = client.post(reverse("portal:deal_create"), registration(cat, intent="save"))
    # then a draft exists with the list price, and its page says so
    deal = only_deal(acme.partner)
    assert response.status_code == 302 and response["Location"] == reverse("portal:deal_detail", args=[deal.pk])
    assert (deal.status, deal.stage, deal.amount, deal.registered_by_id) == (
        S.DRAFT,
        "develop",
        Decimal("10000.00"),
        acme.sales_rep.pk,
    )
    with platform_scope():
        assert list(deal.lines.values_list("quantity", "unit_price")) == [(2, Decimal("5000.00"))]
    page = client.get(response["Location"]).content.decode()
    assert "saved as a draft" in page and "Initech GmbH" in page and "FW-100" in page


def test_submit_with_an_auto_rule_approves_at_once_and_shows_the_protection(acme, cat):
    with platform_scope():
        AutoApprovalRule.objects.create(tenant_id=acme.tenant.pk, program=cat.program, name="Small deals")
    client = make_client(acme.sales_rep)
    response = client.post(reverse("portal:deal_create"), registration(cat, intent="submit"))
    deal = only_deal(acme.partner)
    assert deal.status == S.APPROVED
    page = client.get(response["Location"]).content.decode()
    assert f"Protected until {date_format(deal.protected_until, 'DATE_FORMAT')}" in page
    assert "Update stage" in page and "Request an extension" in page and "Mark won" in page


def test_submit_without_a_rule_goes_to_review_with_the_decision_due_date(acme, cat):
    client = make_client(acme.sales_rep)
    response = client.post(reverse("portal:deal_create"), registration(cat, intent="submit"))
    deal = only_deal(acme.partner)
    assert deal.status == S.SUBMITTED and deal.decision_due_at is not None
    page = client.get(response["Location"]).content.decode()
    assert "Decision due by" in page and "Under review" in page
    # and the list shows the deadline too
    listing = client.get(reverse("portal:deal_list")).content.decode()
    assert deal.reference in listing and "Under review" in listing


def test_a_refused_submission_shows_the_reasons_keeps_what_was_typed_and_saves_nothing(acme, cat):
    with platform_scope():
        cat.program.deal_min_amount = Decimal("25000")
        cat.program.save()
    response = make_client(acme.sales_rep).post(reverse("portal:deal_create"), registration(cat, intent="submit"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "cannot be submitted" in page and "at least USD 25,000.00" in page
    assert 'value="Initech GmbH"' in page and 'value="Hauptstrasse 1, Berlin"' in page and "Met at the fair." in page
    assert f'<option value="{cat.firewall.pk}" selected>' in page
    with platform_scope():
        assert not Deal.objects.filter(partner=acme.partner).exists()


def test_an_invalid_form_marks_the_fields_and_keeps_the_rest(acme, cat):
    data = registration(cat, customer_name="", amount="-5", **{"lines-0-product": ""})
    page = make_client(acme.sales_rep).post(reverse("portal:deal_create"), data).content.decode()
    assert "correct the fields marked below" in page and 'aria-invalid="true"' in page
    assert "Add at least one product." in page and 'value="initech.de"' in page


def test_a_draft_is_edited_then_submitted_from_its_page(acme, cat):
    deal = draft(acme.sales_rep, cat)
    client = make_client(acme.sales_rep)
    form = client.get(reverse("portal:deal_edit", args=[deal.pk])).content.decode()
    assert 'value="Initech GmbH"' in form
    data = registration(
        cat, customer_name="Initech AG", **{"lines-TOTAL_FORMS": "4", "lines-INITIAL_FORMS": "1", "lines-3-product": ""}
    )
    assert client.post(reverse("portal:deal_edit", args=[deal.pk]), {**data, "intent": "save"}).status_code == 302
    assert refresh(deal).customer_name == "Initech AG"
    client.post(reverse("portal:deal_submit", args=[deal.pk]))
    assert refresh(deal).status == S.SUBMITTED


def test_an_info_request_names_the_fields_and_only_those_change_before_resubmitting(acme, cat):
    from deals.services import deal_request_info

    deal = submitted(acme.sales_rep, cat)
    with tenant_scope(acme.tenant):
        deal_request_info(actor=acme.manager, deal=deal, fields=["contact_email"], message="Whom do we call?")
    client = make_client(acme.sales_rep)
    page = client.get(reverse("portal:deal_detail", args=[deal.pk])).content.decode()
    assert "Whom do we call?" in page and "Contact e-mail" in page and "Resubmit" in page
    # when the partner tries to change the name too and resubmits
    data = registration(cat, customer_name="Other Co", contact_email="ceo@initech.de", intent="submit")
    response = client.post(reverse("portal:deal_edit", args=[deal.pk]), data)
    # then only the asked field changed (the other is read-only) and the deal is back in review
    deal = refresh(deal)
    assert response.status_code == 302
    assert (deal.status, deal.contact_email, deal.customer_name) == (S.SUBMITTED, "ceo@initech.de", "Initech GmbH")


# --- The conflict hint ---------------------------------------------------------------------------------


def test_the_hint_says_possible_conflict_without_naming_anyone(acme, cat):
    # given partner 2's registration for Initech under review
    other = submitted(acme.sales[1], cat)
    url = reverse("portal:deal_conflict_hint")
    client = make_client(acme.sales_rep)
    # when partner 1's rep types the same customer
    hit = client.get(url, {"customer_name": "Initech", "customer_website": "www.initech.de"}, HTTP_HX_REQUEST="true")
    miss = client.get(url, {"customer_name": "Completely Different Co"}, HTTP_HX_REQUEST="true")
    # then the hint warns, names nobody, and has the same shape either way
    body = hit.content.decode()
    assert "Possible conflict" in body and "the vendor will review it" in body
    for secret in (acme.partners[1].display_name, acme.partners[1].legal_name, other.reference, "Gold", "score"):
        assert secret not in body
    assert "Possible conflict" not in miss.content.decode()
    assert body.count('id="conflict-hint"') == miss.content.decode().count('id="conflict-hint"') == 1
    assert "<html" not in body


# --- Lists --------------------------------------------------------------------------------------------


def test_a_rep_sees_only_their_own_deals_and_not_a_colleagues(acme, cat):
    colleague = PartnerMembershipFactory(partner=acme.partner, role=Role.SALES)
    mine = draft(acme.sales_rep, cat, customer_name="Mine Corp")
    theirs = draft(colleague, cat, customer_name="Colleague Corp")
    client = make_client(acme.sales_rep)
    listing = client.get(reverse("portal:deal_list"), {"tab": "company"}).content.decode()
    assert "Mine Corp" in listing and "Colleague Corp" not in listing and "Company deals" not in listing
    assert client.get(reverse("portal:deal_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("portal:deal_edit", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("portal:deal_detail", args=[mine.pk])).status_code == 200


def test_the_partner_admin_has_a_company_tab_with_every_colleagues_deal_and_filters(acme, cat):
    draft(acme.sales_rep, cat, customer_name="Rep Corp")
    submitted(acme.sales_rep, cat, customer_name="Submitted Corp", customer_website="submitted.example")
    draft(acme.sales[1], cat, customer_name="Other Partner Corp")
    client = make_client(acme.partner_admin)
    mine = client.get(reverse("portal:deal_list"), {"tab": "mine"}).content.decode()
    assert "Company deals" in mine and "Rep Corp" not in mine
    # the company's registrations are the partner admin's start page
    company = client.get(reverse("portal:deal_list")).content.decode()
    assert "Rep Corp" in company and "Submitted Corp" in company and "Other Partner Corp" not in company
    only = client.get(
        reverse("portal:deal_list"), {"tab": "company", "status": "submitted"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Submitted Corp" in only and "Rep Corp" not in only and "<html" not in only
    searched = client.get(reverse("portal:deal_list"), {"tab": "company", "q": "rep co"}).content.decode()
    assert "Rep Corp" in searched and "Submitted Corp" not in searched


# --- The deal page: conversation and attachments ---------------------------------------------------------


def test_the_conversation_reaches_the_vendor_and_hides_internal_notes(acme, cat):
    deal = submitted(acme.sales_rep, cat)
    with tenant_scope(acme.tenant):
        message_post(actor=acme.manager, deal=deal, body="Internal: check their credit", internal=True)
        message_post(actor=acme.manager, deal=deal, body="Which branches?")
    client = make_client(acme.sales_rep)
    page = client.get(reverse("portal:deal_detail", args=[deal.pk])).content.decode()
    assert "Which branches?" in page and "check their credit" not in page
    # when the rep answers through htmx
    response = client.post(
        reverse("portal:deal_message", args=[deal.pk]), {"body": "Berlin and Munich"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    # then the conversation comes back with the answer, and the reviewer is told
    assert "Berlin and Munich" in body and 'id="conversation"' in body and "<html" not in body
    assert "check their credit" not in body
    with platform_scope():
        assert Notification.objects.filter(recipient=acme.manager, kind="deal.message").count() == 1
        assert Notification.objects.filter(recipient=acme.sales_rep, kind="deal.message").count() == 1
        assert DealMessage.objects.filter(deal=deal).count() == 3


def test_an_attachment_is_uploaded_listed_and_downloaded_and_a_fake_one_refused(acme, cat):
    deal = draft(acme.sales_rep, cat)
    client = make_client(acme.sales_rep)
    url = reverse("portal:deal_attachment_add", args=[deal.pk])
    fake = SimpleUploadedFile("quote.pdf", b"<script>alert(1)</script>", "application/pdf")
    refused = client.post(url, {"file": fake, "name": "Fake"})
    assert refused.status_code == 200 and "Attach a PDF, PNG or JPEG file" in refused.content.decode()
    response = client.post(url, {"file": SimpleUploadedFile("quote.pdf", small_pdf(), "application/pdf")})
    assert response.status_code == 302
    with platform_scope():
        attachment = DealAttachment.objects.get(deal=deal)
    page = client.get(reverse("portal:deal_detail", args=[deal.pk])).content.decode()
    assert (
        "Attached quote." in page and f'href="/portal/deals/{deal.pk}/attachments/{attachment.pk}/">quote</a>' in page
    )
    download = client.get(reverse("portal:deal_attachment", args=[deal.pk, attachment.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert make_client(acme.partner_admins[1]).get(download.wsgi_request.path).status_code == 404


# --- After approval -----------------------------------------------------------------------------------


def test_after_approval_the_partner_updates_the_stage_asks_for_an_extension_and_marks_it_won(acme, cat):
    deal = approved(acme.sales_rep, cat)
    client = make_client(acme.sales_rep)
    assert client.post(reverse("portal:deal_stage", args=[deal.pk]), {"stage-stage": "negotiate"}).status_code == 302
    assert refresh(deal).stage == "negotiate"
    response = client.post(
        reverse("portal:deal_extension", args=[deal.pk]), {"extension-days": "30", "extension-reason": "Budget moved"}
    )
    assert response.status_code == 302
    with platform_scope():
        assert DealExtension.objects.get(deal=deal).days == 30
    page = client.get(reverse("portal:deal_detail", args=[deal.pk])).content.decode()
    assert "waiting for the vendor" in page and "Stage Negotiate" not in page and "Stage: Negotiate" in page
    today = timezone.localdate().isoformat()
    client.post(reverse("portal:deal_won", args=[deal.pk]), {"won-amount": "9500", "won-won_on": today})
    deal = refresh(deal)
    assert deal.status in (S.WON_PENDING, S.WON) and deal.won_amount == Decimal("9500.00")


def test_bad_action_input_rerenders_the_page_with_what_was_typed(acme, cat):
    deal = approved(acme.sales_rep, cat)
    client = make_client(acme.sales_rep)
    future = (timezone.localdate() + timedelta(days=10)).isoformat()
    response = client.post(reverse("portal:deal_won", args=[deal.pk]), {"won-amount": "123", "won-won_on": future})
    page = response.content.decode()
    assert response.status_code == 200 and "cannot be in the future" in page and 'value="123"' in page
    response = client.post(reverse("portal:deal_extension", args=[deal.pk]), {"extension-days": "999"})
    assert response.status_code == 200 and 'value="999"' in response.content.decode()
    assert refresh(deal).status == S.APPROVED


def test_the_partner_marks_an_approved_deal_lost_or_withdraws_a_draft_with_a_reason(acme, cat):
    deal = approved(acme.sales_rep, cat)
    client = make_client(acme.sales_rep)
    client.post(reverse("portal:deal_lost", args=[deal.pk]), {"lost-reason": "Went with a competitor"})
    assert (refresh(deal).status, refresh(deal).closed_reason) == (S.LOST, "Went with a competitor")
    other = draft(acme.sales_rep, cat, customer_name="Draft Co")
    client.post(reverse("portal:deal_withdraw", args=[other.pk]), {"withdraw-reason": "Duplicate of mine"})
    assert refresh(other).status == S.WITHDRAWN


# --- The query budget -------------------------------------------------------------------------------


def _deals(n):
    admin = PartnerMembershipFactory(role=Role.PARTNER_ADMIN)
    for i in range(n):
        registrant = admin if i % 2 else PartnerMembershipFactory(partner=admin.partner, role=Role.SALES)
        status = ("submitted", "approved", "draft")[i % 3]
        deal = DealFactory(
            partner=admin.partner,
            registered_by=registrant,
            status=status,
            decision_due_at=timezone.now() if status == "submitted" else None,
            protected_until=timezone.localdate() if status == "approved" else None,
        )
        DealLineFactory(deal=deal, product=ProductFactory(tenant=admin.tenant))
    return admin, reverse("portal:deal_list") + "?tab=company"


def test_the_deal_list_costs_the_same_for_5_and_50_deals(no_queries_from_templates):
    few, many = cost(*_deals(5)), cost(*_deals(50))
    assert few.rows(r'<tr id="deal-\d+">') == 5
    assert many.rows(r'<tr id="deal-\d+">') == 25
    assert_pinned(few, many, 5, "the company's deals")


def test_partner_users_never_write_internal_notes_nor_on_a_colleagues_deal(acme, cat):
    from prm.errors import NotAllowed

    from .deal_setup import as_partner

    colleague = PartnerMembershipFactory(partner=acme.partner, role=Role.SALES)
    deal = submitted(acme.sales_rep, cat)
    with as_partner(acme.sales_rep), pytest.raises(NotAllowed):
        message_post(actor=acme.sales_rep, deal=deal, body="Psst", internal=True)
    with as_partner(colleague), pytest.raises(NotAllowed):
        message_post(actor=colleague, deal=deal, body="Not mine")
    # the partner admin reads and writes on every deal of the company
    with as_partner(acme.partner_admin):
        assert message_post(actor=acme.partner_admin, deal=deal, body="Admin here").pk


def test_a_partner_user_who_may_not_register_deals_is_refused_the_pages(acme, cat):
    technical = PartnerMembershipFactory(partner=acme.partner, role=Role.TECHNICAL)
    client = make_client(technical)
    assert client.get(reverse("portal:deal_list")).status_code == 403
    assert client.get(reverse("portal:deal_create")).status_code == 403
