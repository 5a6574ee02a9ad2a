"""Working an accepted lead: assigning and handing on, progress, giving it back, losing it, the
conversation, conversion into a deal registration and the win coming back to the lead."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from deals.models import Deal, DealSource, DealStatus
from deals.services import deal_approve, deal_confirm_win, deal_mark_won
from leads import notifications
from leads.models import LeadSource, LeadStage, LeadStatus, OfferStatus, QueueReason
from leads.selectors.offers import lead_conversion_draft, lead_get_for_actor, message_list_for_actor
from leads.services.work import (
    lead_assign,
    lead_convert,
    lead_hand_on,
    lead_mark_lost,
    lead_message_post,
    lead_return,
    lead_update,
)
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.models import Event
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope

from .offers_setup import accepted, as_partner, make_catalogue, reload

pytestmark = pytest.mark.django_db


@pytest.fixture
def cat(acme):
    return make_catalogue(acme)


def kinds_for(member) -> list[str]:
    with platform_scope():
        return list(Notification.objects.filter(recipient=member).values_list("kind", flat=True))


# --- who owns it ----------------------------------------------------------------------------------------


def test_the_admin_assigns_and_the_owner_hands_on(acme, cat):
    # given a lead partner 1 accepted, owned by its admin
    lead = accepted(acme, owner=acme.partner_admin)
    # when the admin assigns it to the sales rep
    with as_partner(acme.partner_admin):
        lead = lead_assign(actor=acme.partner_admin, lead=lead, owner=acme.sales_rep, note="Yours")
    # then the rep owns it and is told
    assert reload(lead).owner_id == acme.sales_rep.pk
    assert notifications.ASSIGNED in kinds_for(acme.sales_rep)
    # and the rep may not assign, but hands it on to the admin, and then no longer sees it
    with as_partner(acme.sales_rep), pytest.raises(NotAllowed):
        lead_assign(actor=acme.sales_rep, lead=lead, owner=acme.partner_admin)
    with as_partner(acme.sales_rep):
        lead_hand_on(actor=acme.sales_rep, lead=lead, owner=acme.partner_admin)
    assert reload(lead).owner_id == acme.partner_admin.pk
    with as_partner(acme.sales_rep), pytest.raises(Http404):
        lead_get_for_actor(actor=acme.sales_rep, lead_id=lead.pk)


def test_a_lead_goes_only_to_the_company_s_users_who_receive_leads(acme, cat):
    lead = accepted(acme)
    with as_partner(acme.partner_admin), pytest.raises(PolicyViolation):
        lead_assign(actor=acme.partner_admin, lead=lead, owner=acme.sales[1])  # partner 2's rep


# --- progress, return, lost -------------------------------------------------------------------------


def test_a_stage_beyond_not_contacted_makes_the_lead_worked(acme, cat):
    lead = accepted(acme)
    with as_partner(acme.sales_rep):
        lead_update(
            actor=acme.sales_rep,
            lead=lead,
            stage=LeadStage.MEETING,
            next_step="Demo on Friday",
            expected_value=Decimal("20000"),
            currency="USD",
        )
    lead = reload(lead)
    assert (lead.status, lead.stage, lead.next_step, lead.expected_value) == (
        LeadStatus.WORKING,
        LeadStage.MEETING,
        "Demo on Friday",
        Decimal("20000"),
    )


def test_a_returned_lead_is_routed_on_and_never_offered_to_the_company_again(
    acme, cat, django_capture_on_commit_callbacks
):
    lead = accepted(acme)
    with django_capture_on_commit_callbacks(execute=True), as_partner(acme.sales_rep):
        lead_return(actor=acme.sales_rep, lead=lead, reason="Not our market after all")
    lead = reload(lead)
    # offered to partner 2 now; partner 1's offer is marked returned
    assert (lead.status, lead.offered_to_id, lead.partner_id, lead.owner_id) == (
        LeadStatus.OFFERED,
        acme.partners[1].pk,
        None,
        None,
    )
    with platform_scope():
        assert set(lead.offers.values_list("partner_id", "status")) == {
            (acme.partner.pk, OfferStatus.RETURNED),
            (acme.partners[1].pk, OfferStatus.PENDING),
        }
    assert "lead.queued" in kinds_for(acme.manager)
    # and partner 1 no longer sees it
    with as_partner(acme.partner_admin), pytest.raises(Http404):
        lead_get_for_actor(actor=acme.partner_admin, lead_id=lead.pk)


def test_a_lead_returned_with_no_partner_left_waits_in_the_queue(acme, cat, django_capture_on_commit_callbacks):
    # given a lead partner 2 declined before partner 1 accepted it... simplest: only one partner enrolled
    with platform_scope():
        from programs.models import Enrollment

        Enrollment.objects.filter(partner=acme.partners[1]).delete()
    lead = accepted(acme)
    with django_capture_on_commit_callbacks(execute=True), as_partner(acme.partner_admin):
        lead_return(actor=acme.partner_admin, lead=lead, reason="No capacity")
    lead = reload(lead)
    assert (lead.status, lead.offered_to_id) == (LeadStatus.QUEUED, None)
    assert lead.queue_reason in (QueueReason.RETURNED, QueueReason.NO_CANDIDATE)


def test_marking_lost_closes_the_lead_and_a_closed_lead_is_not_worked(acme, cat):
    lead = accepted(acme)
    with as_partner(acme.sales_rep):
        lead_mark_lost(actor=acme.sales_rep, lead=lead, reason="Bought elsewhere")
        with pytest.raises(InvalidTransition):
            lead_update(actor=acme.sales_rep, lead=lead, stage="contacted", next_step="", expected_value=None)
    assert reload(lead).status == LeadStatus.LOST


# --- the conversation ---------------------------------------------------------------------------------


def test_the_conversation_tells_the_other_side_and_keeps_internal_notes_from_the_partner(acme, cat):
    lead = accepted(acme)
    # when the rep writes, the channel manager answers and writes an internal note
    with as_partner(acme.sales_rep):
        lead_message_post(actor=acme.sales_rep, lead=lead, body="Is there a budget?")
    with tenant_scope(acme.tenant):
        lead_message_post(actor=acme.manager, lead=lead, body="Yes, 20k")
        lead_message_post(actor=acme.manager, lead=lead, body="Their CFO is difficult", internal=True)
    # then each side is told of the other's message, nobody of the note
    assert kinds_for(acme.manager).count("lead.message") == 1
    assert kinds_for(acme.sales_rep).count("lead.message") == 1
    with as_partner(acme.sales_rep):
        seen = [m.body for m in message_list_for_actor(actor=acme.sales_rep, lead=lead)]
    assert seen == ["Is there a budget?", "Yes, 20k"]
    # and partner users may not write internal notes
    with as_partner(acme.partner_admin), pytest.raises(NotAllowed):
        lead_message_post(actor=acme.partner_admin, lead=lead, body="psst", internal=True)


# --- conversion and attribution -------------------------------------------------------------------------


def _convert(member, lead, cat, *, submit=True):
    with as_partner(member):
        return lead_convert(
            actor=member,
            lead=lead,
            customer_name=lead.company,
            customer_country="DE",
            currency="USD",
            expected_close_on=timezone.localdate() + timedelta(days=30),
            lines=[(cat.firewall, 2, None)],
            submit=submit,
        )


def test_the_conversion_draft_is_pre_filled_from_the_lead(acme, cat):
    lead = accepted(
        acme,
        company="Initech GmbH",
        website="https://initech.example",
        contact_name="Ada",
        email="ada@initech.example",
        phone="+49 30 1",
        postal_code="10115",
        product_line=cat.firewalls,
        description="Needs 20 firewalls",
        campaign="Spring fair",
    )
    draft = lead_conversion_draft(lead=lead, products=[cat.switch, cat.firewall], default_currency="EUR")
    assert draft.initial["customer_name"] == "Initech GmbH"
    assert draft.initial["customer_website"] == "https://initech.example"
    assert (draft.initial["contact_name"], draft.initial["contact_email"], draft.initial["contact_phone"]) == (
        "Ada",
        "ada@initech.example",
        "+49 30 1",
    )
    assert draft.initial["customer_address"] == "10115, Berlin"
    assert "Needs 20 firewalls" in draft.initial["notes"] and "Spring fair" in draft.initial["notes"]
    assert draft.line_initial == [{"product": cat.firewall.pk, "quantity": 1, "unit_price": Decimal("12000")}]


def test_conversion_registers_a_deal_carrying_the_lead_s_source_once(acme, cat):
    lead = accepted(acme, campaign="Spring fair", source=LeadSource.REFERRAL, source_partner=acme.partners[1])
    deal = _convert(acme.sales_rep, lead, cat)
    deal = reload(deal)
    assert (deal.source, deal.source_lead_id, deal.source_reference, deal.source_campaign, deal.source_partner_id) == (
        DealSource.REFERRAL,
        lead.pk,
        lead.reference,
        "Spring fair",
        acme.partners[1].pk,
    )
    assert deal.status == DealStatus.SUBMITTED and deal.partner_id == acme.partner.pk
    lead = reload(lead)
    assert (lead.status, lead.deal_id) == (LeadStatus.CONVERTED, deal.pk)
    # a second conversion is refused
    with pytest.raises(InvalidTransition, match="converted"):
        _convert(acme.sales_rep, lead, cat)
    # and the deal's source cannot be changed, whoever tries
    with platform_scope(), pytest.raises(IntegrityError), transaction.atomic():
        Deal.objects.filter(pk=deal.pk).update(source=DealSource.PARTNER)


def test_the_deal_s_win_is_attributed_to_the_lead(acme, cat, django_capture_on_commit_callbacks):
    # given a lead converted to a deal that the vendor approved
    lead = accepted(acme, campaign="Spring fair")
    deal = _convert(acme.partner_admin, lead, cat)
    with tenant_scope(acme.tenant):
        deal_approve(actor=acme.manager, deal=deal)
    # when the partner reports it won and the vendor confirms (or it is won at once)
    with django_capture_on_commit_callbacks(execute=True):
        with as_partner(acme.partner_admin):
            deal = deal_mark_won(
                actor=acme.partner_admin, deal=reload(deal), amount=Decimal("9500"), won_on=timezone.localdate()
            )
        if deal.status != DealStatus.WON:
            with tenant_scope(acme.tenant):
                deal_confirm_win(actor=acme.manager, deal=deal)
    # then the lead is won with the deal's amount
    lead = reload(lead)
    assert (lead.status, lead.won_amount, lead.won_on) == (LeadStatus.WON, Decimal("9500"), timezone.localdate())


def test_a_lost_deal_closes_its_lead_as_lost(acme, cat, django_capture_on_commit_callbacks):
    from deals.services import deal_mark_lost

    lead = accepted(acme)
    deal = _convert(acme.partner_admin, lead, cat)
    with tenant_scope(acme.tenant):
        deal_approve(actor=acme.manager, deal=deal)
    with django_capture_on_commit_callbacks(execute=True), as_partner(acme.partner_admin):
        deal_mark_lost(actor=acme.partner_admin, deal=reload(deal), reason="Budget cut")
    assert reload(lead).status == LeadStatus.LOST


@pytest.mark.parametrize("how", ["rejected", "withdrawn"])
def test_a_deal_that_ends_hands_its_lead_back_to_be_worked_and_converted_again(
    acme, cat, django_capture_on_commit_callbacks, how
):
    from deals.services import deal_reject, deal_withdraw

    # given a lead converted into a submitted deal registration
    lead = accepted(acme)
    deal = _convert(acme.partner_admin, lead, cat)
    # when the vendor rejects it, or the partner withdraws it
    with django_capture_on_commit_callbacks(execute=True):
        if how == "rejected":
            with tenant_scope(acme.tenant):
                deal_reject(actor=acme.manager, deal=reload(deal), reason_code="other", message="Not a fit.")
        else:
            with as_partner(acme.partner_admin):
                deal_withdraw(actor=acme.partner_admin, deal=reload(deal), reason="Customer went quiet")
    # then the lead is the partner's to work again, with no deal, and its timeline says why
    lead = reload(lead)
    assert (lead.status, lead.deal_id, lead.partner_id) == (LeadStatus.WORKING, None, acme.partner.pk)
    with tenant_scope(acme.tenant):
        ended = Event.objects.filter(object_id=lead.pk, verb="lead.deal_ended").get()
    assert ended.data == {"deal_id": deal.pk, "how": how}
    # and it can be converted again, into a new registration that cites it
    again = _convert(acme.partner_admin, lead, cat)
    assert again.pk != deal.pk and reload(again).source_lead_id == lead.pk
