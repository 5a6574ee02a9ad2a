"""The back office's deal pages: the review queue, a deal with its conflict compare and the
decisions, the pipeline, the CSV export and registering on a partner's behalf."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import dateformat, timezone

from deals.models import AutoApprovalRule, Deal, DealAttachment, DealMessage, DealStatus, ExtensionStatus
from deals.services import attachment_add, message_post
from prm.accounts.roles import Role
from prm.events.models import Event, OutboxMessage
from prm.events.services import event_record
from prm.events.verbs import verb
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.conftest import csv_rows, make_client
from tests.factories import (
    DealFactory,
    DealLineFactory,
    EnrollmentFactory,
    PartnerFactory,
    ProductFactory,
    StaffMembershipFactory,
    TenantFactory,
    TierFactory,
    give_totp,
)
from tests.query_budget import assert_list_page, assert_pinned, cost

from . import office_setup
from .deal_setup import as_partner, submitted
from .portal_setup import pdf_upload

# A verb only these tests record (event_record refuses undeclared ones).
verb("deal.noted", "Note")

pytestmark = pytest.mark.django_db
S = DealStatus


@pytest.fixture
def ctx(acme):
    return SimpleNamespace(side=acme)


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- the review queue ---------------------------------------------------------------------------------


def test_the_main_navigation_leads_staff_who_see_deals_to_the_queue(acme):
    # Regression: no link anywhere led to the deal pages; staff had to know the URL.
    link = f'<a class="nav-link" href="{reverse("office:deal_reviews")}">Deals</a>'
    assert link in html(make_client(acme.manager).get(reverse("office:dashboard")))


def test_the_queue_shows_a_submitted_deal_with_its_deadline_and_conflict_flag(acme, ctx):
    # given partner 1's registration that conflicts with partner 2's
    office_setup.conflicting(ctx)
    # when the channel manager opens the queue
    page = html(make_client(acme.manager).get(reverse("office:deal_reviews")))
    # then both registrations wait there, with deadline, conflict flag and reviewer
    assert ctx.deal.reference in page and ctx.original.reference in page
    assert "Initech AG" in page and acme.partner.display_name in page
    assert dateformat.format(timezone.localtime(ctx.deal.decision_due_at), "j M Y H:i") in page
    assert "Possible conflict" in page
    assert str(acme.manager.user) in page


def test_the_queue_filters_by_sla_and_marks_overdue_deals(acme):
    # given one overdue registration and one due next week
    now = timezone.now()
    late = DealFactory(partner=acme.partner, customer_name="Late Ltd", decision_due_at=now - timedelta(hours=2))
    DealFactory(partner=acme.partners[1], customer_name="Early Ltd", decision_due_at=now + timedelta(days=7))
    client = make_client(acme.manager)
    # when the queue is filtered to overdue ones
    overdue = html(client.get(reverse("office:deal_reviews"), {"sla": "overdue"}))
    on_time = html(client.get(reverse("office:deal_reviews"), {"sla": "on_time"}, HTTP_HX_REQUEST="true"))
    # then only the late one is there, in red; the on-time filter (an htmx swap) has the other
    assert "Late Ltd" in overdue and "Early Ltd" not in overdue
    assert 'class="text-danger' in overdue and late.reference in overdue
    assert "Early Ltd" in on_time and "Late Ltd" not in on_time
    assert "<html" not in on_time  # the results partial only


def test_the_queue_filters_by_conflict_and_region_and_ignores_nonsense(acme):
    DealFactory(partner=acme.partner, customer_name="Clash Ltd", has_conflict=True, customer_country="FR")
    DealFactory(partner=acme.partner, customer_name="Calm Ltd", has_conflict=False, customer_country="DE")
    client = make_client(acme.marketing)  # deals.view is enough to read the queue
    page = html(client.get(reverse("office:deal_reviews"), {"conflict": "yes"}))
    assert "Clash Ltd" in page and "Calm Ltd" not in page
    page = html(client.get(reverse("office:deal_reviews"), {"region": "de"}))
    assert "Calm Ltd" in page and "Clash Ltd" not in page
    page = html(client.get(reverse("office:deal_reviews"), {"sla": "soon'--", "manager": "x", "conflict": "maybe"}))
    assert "Calm Ltd" in page and "Clash Ltd" in page


# --- query budget -----------------------------------------------------------------------------------


def _deals(n):
    tenant = TenantFactory()
    viewer = StaffMembershipFactory(tenant=tenant, role=Role.ADMIN)
    give_totp(viewer.user)
    tier = TierFactory(tenant=tenant)
    product = ProductFactory(tenant=tenant)
    now = timezone.now()
    for i in range(n):
        partner = PartnerFactory(tenant=tenant, account_manager=viewer)
        EnrollmentFactory(partner=partner, tier=tier)
        deal = DealFactory(
            partner=partner,
            reviewer=viewer,
            decision_due_at=now + timedelta(hours=i - 3),
            has_conflict=bool(i % 2),
            status=S.SUBMITTED if i % 3 else S.APPROVED,
            stage="develop",
        )
        DealLineFactory(deal=deal, product=product)
    return viewer


# page: (path, pinned queries, a row on the page, rows shown of 5 / of 50); "all" reads its saved
# filters in one query more
PAGES = {
    "queue": ("/office/deals/", 6, r'<tr id="deal-', (3, 25)),
    "all": ("/office/deals/all/", 8, r'<tr id="deal-', (5, 25)),
    "pipeline": ("/office/deals/pipeline/", 6, r'<th scope="row" class="fw-normal">', (None, None)),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_the_queue_the_list_and_pipeline_cost_the_same_for_5_and_50_deals(page, no_queries_from_templates):
    path, pinned, row, rows = PAGES[page]
    assert_list_page(cost(_deals(5), path), cost(_deals(50), path), pinned=pinned, row=row, rows=rows, what=page)


# --- one deal: compare and decisions ----------------------------------------------------------------


def test_the_compare_shows_both_customers_the_other_partner_and_the_score(acme, ctx, no_queries_from_templates):
    office_setup.conflicting(ctx)
    page = html(make_client(acme.manager).get(reverse("office:deal_detail", args=[ctx.deal.pk])))
    assert 'id="compare"' in page
    assert "Initech AG" in page and "Initech GmbH" in page
    assert acme.partners[1].display_name in page  # staff may see who the other partner is
    with tenant_scope(acme.tenant):
        conflict = ctx.deal.conflicts.get()
    assert str(conflict.score) in page
    assert conflict.reasons and conflict.reasons[0] in page.replace("&#x27;", "'")


def test_approve_over_a_strong_conflict_needs_the_acknowledgement(acme, ctx):
    # given a registration whose customer another partner registered ("Initech GmbH")
    office_setup.conflicting(ctx)
    client = make_client(acme.manager)
    page = html(client.get(reverse("office:deal_detail", args=[ctx.deal.pk])))
    # the page lists the strong conflict beside the acknowledgement, under the Approve button
    assert 'id="strong-conflicts"' in page and ctx.original.reference in page
    # when the reviewer approves without ticking it, nothing is approved and the page says why
    path = reverse("office:deal_approve", args=[ctx.deal.pk])
    page = html(client.post(path, {"note": "Go"}))
    assert "strong conflict" in page and "tick the acknowledgement" in page
    assert office_setup.status_of(ctx) == S.SUBMITTED
    # when they tick it, the deal is approved and the event records what was acknowledged
    acknowledged = f"deal:{ctx.original.pk}"
    assert f'name="acknowledged" value="{acknowledged}"' in page
    response = client.post(path, {"note": "Go", "conflicts_acknowledged": "on", "acknowledged": acknowledged})
    assert response.status_code == 302 and response["Location"] == reverse("office:deal_detail", args=[ctx.deal.pk])
    assert office_setup.status_of(ctx) == S.APPROVED
    with platform_scope():
        event = Event.objects.filter(object_id=ctx.deal.pk, verb="deal.approved").get()
    assert event.data["conflicts_acknowledged"] is True
    assert [c["other_deal_id"] for c in event.data["strong_conflicts"]] == [ctx.original.pk]


def test_a_conflict_newer_than_the_registration_is_shown_to_acknowledge_once_refused(acme, ctx):
    # given partner 1's registration, then partner 2's of the same customer (only its check saw it)
    office_setup.catalogue(ctx)
    first = submitted(acme.sales[0], ctx.cat, customer_name="Initech GmbH")
    later = submitted(acme.sales[1], ctx.cat, customer_name="Initech AG")
    client = make_client(acme.manager)
    assert 'id="strong-conflicts"' not in html(client.get(reverse("office:deal_detail", args=[first.pk])))
    # when the manager approves the first, the approval is refused and the page shows the conflict
    path = reverse("office:deal_approve", args=[first.pk])
    page = html(client.post(path, {"note": ""}))
    assert "tick the acknowledgement" in page
    assert 'id="strong-conflicts"' in page and later.reference in page
    # and, acknowledged, the approval goes through
    assert client.post(path, {"conflicts_acknowledged": "on", "acknowledged": f"deal:{later.pk}"}).status_code == 302
    with platform_scope():
        assert Deal.objects.get(pk=first.pk).status == S.APPROVED


def test_a_stale_decision_shows_the_services_message(acme, ctx):
    # given a registration another reviewer already approved
    office_setup.conflicting(ctx)
    client = make_client(acme.admin)
    client.post(
        reverse("office:deal_approve", args=[ctx.deal.pk]),
        {"conflicts_acknowledged": "on", "acknowledged": f"deal:{ctx.original.pk}"},
    )
    # when a second reviewer confirms a rejection from the page they still had open
    page = html(
        make_client(acme.manager).post(
            reverse("office:deal_reject", args=[ctx.deal.pk]),
            {"reason_code": "conflict", "message": "Too late", "confirm": "1"},
        )
    )
    # then nothing changes and the page says so
    assert "already approved by someone else" in page or "cannot be rejected now" in page
    assert office_setup.status_of(ctx) == S.APPROVED


def test_reject_needs_a_message_and_keeps_what_was_typed(acme, ctx):
    office_setup.conflicting(ctx)
    client = make_client(acme.manager)
    path = reverse("office:deal_reject", args=[ctx.deal.pk])
    page = html(client.post(path, {"reason_code": "conflict", "message": "   "}))
    assert "Tell the partner why the registration is rejected." in page
    assert 'value="conflict" selected' in page
    assert office_setup.status_of(ctx) == S.SUBMITTED
    # the first valid POST asks for a confirmation that states the consequence; nothing changes yet
    typed = {"reason_code": "conflict", "message": "Partner 2 registered it first."}
    page = html(client.post(path, typed))
    assert 'id="confirmation"' in page and f"Reject {ctx.deal.reference} (" in page
    assert "The partner is told at once and this cannot be undone." in page
    assert 'name="confirm" value="1"' in page and 'value="Partner 2 registered it first."' in page
    assert office_setup.status_of(ctx) == S.SUBMITTED
    response = client.post(path, {**typed, "confirm": "1"})
    assert response.status_code == 302
    with platform_scope():
        deal = Deal.objects.get(pk=ctx.deal.pk)
    assert (deal.status, deal.rejection_reason, deal.decision_message) == (
        S.REJECTED,
        "conflict",
        "Partner 2 registered it first.",
    )


def test_request_info_names_the_fields(acme, ctx):
    office_setup.conflicting(ctx)
    client = make_client(acme.manager)
    path = reverse("office:deal_request_info", args=[ctx.deal.pk])
    page = html(client.post(path, {"message": "Which site?"}))
    assert "Tick the fields the partner should complete." in page and "Which site?" in page
    response = client.post(
        path, {"fields_requested": ["customer_website", "contact_email"], "message": "Which site is it?"}
    )
    assert response.status_code == 302
    with platform_scope():
        deal = Deal.objects.get(pk=ctx.deal.pk)
    assert deal.status == S.INFO_REQUESTED and sorted(deal.info_fields) == ["contact_email", "customer_website"]


def test_mark_duplicate_links_a_conflicting_original_only(acme, ctx):
    office_setup.conflicting(ctx)
    client = make_client(acme.manager)
    path = reverse("office:deal_duplicate", args=[ctx.deal.pk])
    # a registration that is not among the conflicts cannot be chosen
    stranger = DealFactory(partner=acme.partners[1], customer_name="Stranger Ltd")
    page = html(client.post(path, {"original": str(stranger.pk)}))
    assert "Select a valid choice" in page and office_setup.status_of(ctx) == S.SUBMITTED
    page = html(client.post(path, {"original": str(ctx.original.pk)}))
    assert f"as a duplicate of {ctx.original.reference}?" in page and office_setup.status_of(ctx) == S.SUBMITTED
    response = client.post(path, {"original": str(ctx.original.pk), "confirm": "1"})
    assert response.status_code == 302
    with platform_scope():
        deal = Deal.objects.get(pk=ctx.deal.pk)
    assert (deal.status, deal.duplicate_of_id) == (S.DUPLICATE, ctx.original.pk)


def test_an_extension_is_approved_or_refused_with_a_note(acme, ctx, no_queries_from_templates):
    office_setup.pending_extension(ctx)
    client = make_client(acme.manager)
    path = reverse("office:extension_decide", args=[ctx.deal.pk, ctx.extension.pk])
    page = html(client.get(reverse("office:deal_detail", args=[ctx.deal.pk])))
    assert "Board meets late" in page
    page = html(client.post(path, {"decision": "refuse", "note": ""}))
    assert "Tell the partner why the extension is refused." in page
    assert office_setup.extension_status(ctx) == ExtensionStatus.PENDING
    before = ctx.deal.protected_until
    page = html(client.post(path, {"decision": "approve", "note": "Fine"}))
    assert f"Grant 30 more days of protection on {ctx.deal.reference}?" in page
    assert office_setup.extension_status(ctx) == ExtensionStatus.PENDING
    assert client.post(path, {"decision": "approve", "note": "Fine", "confirm": "1"}).status_code == 302
    assert office_setup.extension_status(ctx) == ExtensionStatus.APPROVED
    with platform_scope():
        assert Deal.objects.get(pk=ctx.deal.pk).protected_until == before + timedelta(days=30)
    # deciding it again is told on the deal page: it is no longer pending
    page = html(client.post(path, {"decision": "approve", "confirm": "1"}))
    assert "This extension was already approved by someone else; nothing was changed." in page


def test_the_second_of_two_decisions_on_an_extension_sees_the_deal_with_the_first(acme, ctx):
    # given a pending extension the channel manager and the vendor admin both have open
    office_setup.pending_extension(ctx)
    path = reverse("office:extension_decide", args=[ctx.deal.pk, ctx.extension.pk])
    # when the manager approves it, and then the admin refuses it
    assert make_client(acme.manager).post(path, {"decision": "approve", "note": "", "confirm": "1"}).status_code == 302
    response = make_client(acme.admin).post(path, {"decision": "refuse", "note": "Too long", "confirm": "1"})
    # then the admin sees the deal page (no 404), told the extension was decided already
    page = html(response)
    assert "This extension was already approved by someone else; nothing was changed." in page
    # (the deal as it is now: no extension waits for a decision any more)
    assert ctx.deal.reference in page and 'id="extension-title"' not in page
    # and the first decision stands
    assert office_setup.extension_status(ctx) == ExtensionStatus.APPROVED


def test_a_reported_win_is_confirmed_or_refused_with_a_reason(acme, ctx, no_queries_from_templates):
    office_setup.won_pending(ctx)
    client = make_client(acme.manager)
    path = reverse("office:deal_win", args=[ctx.deal.pk])
    page = html(client.post(path, {"decision": "refuse"}))
    assert "Tell the partner why the win is not confirmed." in page
    page = html(client.post(path, {"decision": "confirm"}))
    assert f"Confirm the win of {ctx.deal.reference}?" in page and office_setup.status_of(ctx) == S.WON_PENDING
    assert client.post(path, {"decision": "confirm", "confirm": "1"}).status_code == 302
    assert office_setup.status_of(ctx) == S.WON


def test_marketing_reads_deals_but_may_not_decide(acme, ctx):
    office_setup.conflicting(ctx)
    client = make_client(acme.marketing)
    page = html(client.get(reverse("office:deal_detail", args=[ctx.deal.pk])))
    assert "Initech AG" in page and 'action="/office/deals/' not in page
    assert client.post(reverse("office:deal_approve", args=[ctx.deal.pk])).status_code == 403


def test_another_tenants_deal_is_a_404(acme, globex, ctx):
    office_setup.conflicting(ctx)
    client = make_client(globex.admin)
    assert client.get(reverse("office:deal_detail", args=[ctx.deal.pk])).status_code == 404
    assert client.post(reverse("office:deal_approve", args=[ctx.deal.pk])).status_code == 404


# --- pipeline and export ----------------------------------------------------------------------------


def test_the_pipeline_shows_counts_amounts_and_sla_breaches(acme, ctx, no_queries_from_templates):
    office_setup.approved(ctx)  # 2 x FW-100 at 5,000: 10,000 USD approved, Silver, Firewalls
    DealFactory(partner=acme.partners[1], amount=700, decision_due_at=timezone.now() - timedelta(hours=1))
    DealFactory(partner=acme.partners[1], status=S.WON, amount=4_000, won_amount=3_250, won_on=timezone.localdate())
    page = html(make_client(acme.marketing).get(reverse("office:deal_pipeline")))
    # a won deal counts at the amount won
    assert re.search(
        r'<th scope="row" class="fw-normal">Won</th><td class="text-end">1</td>'
        r'<td class="text-end text-nowrap">USD 3,250.00</td>',
        page,
    )
    assert re.search(r'id="overdue">1<', page)
    assert re.search(r'id="awaiting">1<', page)
    assert "USD 10,000.00" in page and "USD 700.00" in page
    assert "Resell · Silver" in page and "Firewalls" in page and acme.partner.display_name in page
    assert 'data-chart-source="stage-chart"' in page and 'id="stage-chart"' in page


def test_the_pipeline_tables_come_from_the_background_refresh_and_the_review_counts_are_live(acme, ctx):
    from deals.tasks import deals_sweep_all_task

    # given a dashboard whose figures were computed with one approved deal (10,000 USD)
    office_setup.approved(ctx)
    client = make_client(acme.marketing)
    page = html(client.get(reverse("office:deal_pipeline")))
    assert "USD 10,000.00" in page and re.search(r'id="awaiting">0<', page)
    assert re.search(r'Tables and chart as of <time datetime="[^"]+">', page)
    # when another deal is approved and one is submitted
    office_setup.approved(ctx)
    DealFactory(partner=acme.partners[1], amount=700, decision_due_at=timezone.now() + timedelta(hours=30))
    page = html(client.get(reverse("office:deal_pipeline")))
    # then the review counts show it at once, the tables at the next refresh
    assert re.search(r'id="awaiting">1<', page)
    assert "USD 20,000.00" not in page
    deals_sweep_all_task.apply(throw=True)
    page = html(client.get(reverse("office:deal_pipeline")))
    assert "USD 20,000.00" in page and "USD 700.00" in page


def _csv(response) -> list[list[str]]:
    return csv_rows(response)


def test_the_export_has_the_rows_and_neutralises_formulas(acme, ctx):
    office_setup.approved(ctx)
    DealFactory(partner=acme.partners[1], customer_name='=HYPERLINK("http://evil")', customer_country="FR")
    rows = _csv(make_client(acme.manager).get(reverse("office:deal_export")))
    assert rows[0][:3] == ["reference", "partner", "customer"]
    by_ref = {row[0]: row for row in rows[1:]}
    approved = by_ref[ctx.deal.reference]
    assert approved[1] == acme.partner.display_name and approved[6] == "Approved"
    assert approved[10] == ctx.deal.protected_until.isoformat() and "Firewalls x2" in approved[11]
    assert any(row[2] == '\'=HYPERLINK("http://evil")' for row in rows[1:])
    # filtered like the queue
    rows = _csv(make_client(acme.manager).get(reverse("office:deal_export"), {"region": "FR"}))
    assert len(rows) == 2 and rows[1][3] == "FR"
    rows = _csv(make_client(acme.manager).get(reverse("office:deal_export"), {"queue": "1"}))
    assert [row[3] for row in rows[1:]] == ["FR"]


# --- registering on a partner's behalf ---------------------------------------------------------------


def test_staff_register_on_behalf_and_entered_by_is_recorded(acme, ctx):
    data = office_setup.registration_data(ctx)
    client = make_client(acme.manager)
    assert "Register a deal for a partner" in html(client.get(reverse("office:deal_register")))
    response = client.post(reverse("office:deal_register"), data)
    assert response.status_code == 302
    with platform_scope():
        deal = Deal.objects.get(customer_name="Matrix Customer GmbH")
        lines = sorted((line.product_id, line.quantity) for line in deal.lines.all())
    assert deal.entered_by_id == acme.manager.pk and deal.partner_id == acme.partner.pk
    assert deal.status == S.SUBMITTED and deal.submitted_at is not None
    assert lines == sorted([(ctx.cat.firewall.pk, 2), (ctx.cat.switch.pk, 3)])
    assert response["Location"] == reverse("office:deal_detail", args=[deal.pk])


def test_both_sides_register_from_one_catalogue_without_lines_no_longer_offered(acme, ctx):
    # given the switches line taken out of the catalogue (its products stay active)
    office_setup.catalogue(ctx)
    with platform_scope():
        ctx.cat.switches.is_active = False
        ctx.cat.switches.save()
    # when staff and a partner open their registration forms
    pages = [
        html(make_client(acme.manager).get(reverse("office:deal_register"))),
        html(make_client(acme.sales_rep).get(reverse("portal:deal_create"))),
    ]
    # then both offer the firewall, neither the switch (the policy would refuse its line)
    for page in pages:
        assert "FW-100" in page and "SW-24" not in page


def test_on_behalf_registration_keeps_what_was_typed_on_bad_input(acme, ctx):
    data = {**office_setup.registration_data(ctx), "customer_country": "Germany", "product_1": ""}
    page = html(make_client(acme.manager).post(reverse("office:deal_register"), data))
    assert "Enter a two-letter country code" in page and "Matrix Customer GmbH" in page
    with platform_scope():
        assert not Deal.objects.filter(customer_name="Matrix Customer GmbH").exists()
    assert make_client(acme.marketing).get(reverse("office:deal_register")).status_code == 403


# --- one deal: the conversation, its documents and its history ----------------------------------------


def _office_page(member, deal) -> str:
    return html(make_client(member).get(reverse("office:deal_detail", args=[deal.pk])))


def _portal_page(member, deal) -> str:
    return html(make_client(member).get(reverse("portal:deal_detail", args=[deal.pk])))


def test_a_staff_reply_reaches_the_partners_deal_page_and_notifications(acme, ctx, no_queries_from_templates):
    # given partner 1's registration under review, registered by its sales rep
    office_setup.conflicting(ctx)
    rep = acme.sales[0]
    with as_partner(rep):
        message_post(actor=rep, deal=ctx.deal, body="Is anything missing?")
    # when the reviewer answers on the office deal page
    client = make_client(acme.manager)
    response = client.post(reverse("office:deal_message", args=[ctx.deal.pk]), {"body": "Which branches?"})
    # then the page comes back with the answer below the partner's question
    assert response.status_code == 302
    assert response["Location"] == reverse("office:deal_detail", args=[ctx.deal.pk]) + "#conversation"
    page = html(client.get(response["Location"]))
    assert "Your message was sent to the partner." in page
    assert page.index("Is anything missing?") < page.index("Which branches?")
    # and the partner reads it on its deal page, and its registrant is notified (e-mail through the outbox)
    assert "Which branches?" in _portal_page(rep, ctx.deal)
    with platform_scope():
        notification = Notification.objects.get(recipient=rep, kind="deal.message")
        assert notification.url == reverse("portal:deal_detail", args=[ctx.deal.pk])
        assert OutboxMessage.objects.filter(kwargs__notification_id=notification.pk).exists()
        # the reviewer was told of the rep's question only, not of their own answer
        assert Notification.objects.filter(recipient=acme.manager, kind="deal.message").count() == 1


def test_an_internal_note_is_marked_for_staff_and_never_reaches_the_partner(acme, ctx):
    office_setup.conflicting(ctx)
    rep = acme.sales[0]
    # when the reviewer writes an internal note
    response = make_client(acme.manager).post(
        reverse("office:deal_message", args=[ctx.deal.pk]), {"body": "Check their credit first", "internal": "on"}
    )
    assert response.status_code == 302
    # then colleagues read it, marked as internal
    page = _office_page(acme.marketing, ctx.deal)
    assert "Check their credit first" in page
    note = page.split('id="message-', 1)[1].split("</div>\n      </div>", 1)[0]
    assert "Check their credit first" in note and "Internal note — partners don't see this" in note
    # and the partner neither reads it nor is told about it
    assert "Check their credit first" not in _portal_page(rep, ctx.deal)
    assert "Check their credit first" not in _portal_page(acme.partner_admin, ctx.deal)
    with platform_scope():
        assert DealMessage.objects.get(deal=ctx.deal).internal
        assert not Notification.objects.filter(kind="deal.message").exists()


def test_an_empty_reply_keeps_what_was_typed_and_says_why(acme, ctx):
    office_setup.conflicting(ctx)
    page = html(
        make_client(acme.manager).post(
            reverse("office:deal_message", args=[ctx.deal.pk]), {"body": "   ", "internal": "on"}
        )
    )
    assert "Nothing was sent on" in page and "Write a message first." in page
    assert re.search(r'<input type="checkbox" name="internal"[^>]*checked', page)
    too_long = "x" * 5001
    page = html(make_client(acme.manager).post(reverse("office:deal_message", args=[ctx.deal.pk]), {"body": too_long}))
    assert too_long in page
    with platform_scope():
        assert not DealMessage.objects.filter(deal=ctx.deal).exists()


def test_marketing_reads_the_conversation_but_may_not_write(acme, ctx):
    office_setup.conflicting(ctx)
    with tenant_scope(acme.tenant):
        message_post(actor=acme.manager, deal=ctx.deal, body="Which branches?")
    page = _office_page(acme.marketing, ctx.deal)
    assert "Which branches?" in page and reverse("office:deal_message", args=[ctx.deal.pk]) not in page
    response = make_client(acme.marketing).post(reverse("office:deal_message", args=[ctx.deal.pk]), {"body": "Hi"})
    assert response.status_code == 403


def test_staff_of_the_tenant_download_an_attachment_others_get_a_404(acme, globex, ctx):
    # given a document the partner's rep attached
    office_setup.with_attachment(ctx)
    path = reverse("office:deal_attachment", args=[ctx.deal.pk, ctx.attachment.pk])
    # then the deal page links it, and staff download it (never rendered inline)
    assert f'href="{path}"' in _office_page(acme.marketing, ctx.deal)
    response = make_client(acme.manager).get(path)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    # and nobody else does: another tenant's staff, partner users, another deal's path
    assert make_client(globex.admin).get(path).status_code == 404
    assert make_client(acme.sales[0]).get(path).status_code == 404
    other = reverse("office:deal_attachment", args=[ctx.original.pk, ctx.attachment.pk])
    assert make_client(acme.manager).get(other).status_code == 404


def test_the_office_timeline_shows_every_event_newest_first_with_labels_and_human_dates(acme, ctx):
    # given an approved registration, an internal event and an old event that wrote an ISO date
    office_setup.approved(ctx)
    deal = ctx.deal
    with tenant_scope(acme.tenant):
        event_record(actor=acme.manager, target=deal, verb="deal.noted", message="Credit checked", internal=True)
        event_record(actor=None, target=deal, verb="deal.expiry_reminder", message="Protection ends on 2027-03-03.")
    page = _office_page(acme.manager, deal)
    # then staff see the whole history, newest first, internal events included
    assert page.index("Protection ends on 3 March 2027.") < page.index("Credit checked") < page.index("Deal approved")
    assert page.index("Deal approved") < page.index("Deal submitted")
    # in words: status labels, not codes; dates as people write them
    assert "Under review → Approved" in page and "submitted → approved" not in page
    assert f"protected until {deal.protected_until:%-d %B %Y}" in page
    assert deal.protected_until.isoformat() not in page.split('id="timeline-title"', 1)[1]
    # and the partner reads the same words, without the internal event
    portal = _portal_page(acme.sales[0], deal)
    assert "Under review → Approved" in portal and "Protection ends on 3 March 2027." in portal
    assert f"protected until {deal.protected_until:%-d %B %Y}" in portal
    assert "Credit checked" not in portal
    with platform_scope():  # the stored events are left as they were written
        assert Event.objects.filter(object_id=deal.pk, message="Protection ends on 2027-03-03.").exists()


def test_both_deal_pages_say_when_a_rule_approved_the_deal(acme, ctx):
    office_setup.catalogue(ctx)
    with platform_scope():
        AutoApprovalRule.objects.create(
            tenant_id=acme.tenant.pk, program=ctx.cat.program, name="Small deals", require_no_conflict=False
        )
    deal = submitted(acme.sales[0], ctx.cat, customer_name="Rule Corp", customer_website="https://rule.example")
    assert deal.status == S.APPROVED
    said = "Approved automatically by rule “Small deals”"
    office = _office_page(acme.manager, deal)
    assert said in office.split('id="deal-decision"', 1)[1].split("</div>", 1)[0]
    portal = _portal_page(acme.sales[0], deal)
    assert said in portal.split('aria-label="Where this registration stands"', 1)[1].split("</section>", 1)[0]
    # a reviewer's approval says nothing of the kind
    with platform_scope():
        AutoApprovalRule.objects.update(is_active=False)
    office_setup.approved(ctx)
    assert "Approved automatically" not in _office_page(acme.manager, ctx.deal)


def _busy_deal(acme, n: int) -> Deal:
    """An approved registration with ``n`` messages (every other one an internal note) and
    ``n`` attachments (each with its event)."""
    ctx = SimpleNamespace(side=acme)
    office_setup.approved(ctx)
    with tenant_scope(acme.tenant):
        for i in range(n):
            message_post(actor=acme.manager, deal=ctx.deal, body=f"Message {i}", internal=bool(i % 2))
            attachment_add(actor=acme.manager, deal=ctx.deal, file=pdf_upload(), name=f"Quote {i}")
    return ctx.deal


# The office deal page, whatever the length of its conversation and history.
DEAL_PAGE_QUERIES = 11


def test_the_office_deal_page_costs_the_same_for_2_and_20_messages_and_events(acme, no_queries_from_templates):
    costs = {}
    for n in (2, 20):
        deal = _busy_deal(acme, n)
        costs[n] = cost(acme.manager, reverse("office:deal_detail", args=[deal.pk]))
        assert costs[n].html.count('id="message-') == n and costs[n].html.count(">Quote ") == n
    assert_pinned(costs[2], costs[20], DEAL_PAGE_QUERIES, "the office deal page")


def test_staff_attach_a_document_the_partner_downloads_and_a_bad_file_is_refused_clearly(acme, ctx):
    from .portal_setup import pdf_upload

    office_setup.conflicting(ctx)
    manager = make_client(acme.manager)
    # when the channel manager attaches the vendor's quote
    response = manager.post(
        reverse("office:deal_attachment_add", args=[ctx.deal.pk]), {"file": pdf_upload(), "name": "Vendor quote"}
    )
    assert response.status_code == 302
    # then the partner's rep sees it on the deal and downloads it
    portal_page = html(make_client(acme.sales[0]).get(reverse("portal:deal_detail", args=[ctx.deal.pk])))
    assert "Vendor quote" in portal_page
    href = re.search(r'href="(/portal/deals/\d+/attachments/\d+/)">Vendor quote<', portal_page).group(1)
    download = make_client(acme.sales[0]).get(href)
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    # and a file that is not a document is refused with the name typed kept
    fake = SimpleUploadedFile("quote.pdf", b"<html>not a pdf</html>", "application/pdf")
    page = html(manager.post(reverse("office:deal_attachment_add", args=[ctx.deal.pk]), {"file": fake, "name": "Odd"}))
    assert 'value="Odd"' in page and 'class="alert alert-danger' in page
    with platform_scope():
        assert list(DealAttachment.objects.filter(deal_id=ctx.deal.pk).values_list("name", flat=True)) == [
            "Vendor quote"
        ]


def test_an_acknowledgement_covers_the_conflicts_the_page_showed_and_no_newer_one(acme, ctx):
    # given a registration conflicting with partner 2's, acknowledged on the page
    office_setup.conflicting(ctx)
    client = make_client(acme.manager)
    page = html(client.get(reverse("office:deal_detail", args=[ctx.deal.pk])))
    seen = re.findall(r'name="acknowledged" value="([^"]+)"', page)
    assert seen == [f"deal:{ctx.original.pk}"]
    # when, before the reviewer presses Approve, a third registration of the customer arrives
    newer = submitted(acme.sales[1], ctx.cat, customer_name="Initech Inc")
    # then the approval with the page's acknowledgement is refused, and the page shows the newer one
    path = reverse("office:deal_approve", args=[ctx.deal.pk])
    refused = html(client.post(path, {"conflicts_acknowledged": "on", "acknowledged": seen}))
    assert "tick the acknowledgement" in refused and newer.reference in refused
    assert office_setup.status_of(ctx) == S.SUBMITTED
    # and acknowledging both approves it
    both = re.findall(r'name="acknowledged" value="([^"]+)"', refused)
    assert set(both) == {f"deal:{ctx.original.pk}", f"deal:{newer.pk}"}
    assert client.post(path, {"conflicts_acknowledged": "on", "acknowledged": both}).status_code == 302
    assert office_setup.status_of(ctx) == S.APPROVED
