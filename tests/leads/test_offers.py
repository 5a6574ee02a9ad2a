"""Answering a lead offer: opening it (once), accepting it (the lead is the company's), declining
it (passed on, or flagged to the vendor), refusals once it is over, and two partners never holding
one lead."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from leads import notifications
from leads.models import DeclineReason, Lead, LeadOffer, LeadStatus, OfferStatus, QueueReason
from leads.services.offers import offer_accept, offer_decline, offer_open
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.models import Event
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.concurrency import race

from .offers_setup import as_partner, make_catalogue, offered, reload

pytestmark = pytest.mark.django_db


@pytest.fixture
def cat(acme):
    return make_catalogue(acme)


def verbs(lead) -> list[str]:
    with platform_scope():
        return list(
            Event.objects.filter(object_id=lead.pk, verb__startswith="lead.")
            .order_by("id")
            .values_list("verb", flat=True)
        )


def kinds_for(member) -> list[str]:
    with platform_scope():
        return list(Notification.objects.filter(recipient=member).order_by("id").values_list("kind", flat=True))


def accept(member, offer, **fields):
    with as_partner(member):
        return offer_accept(actor=member, offer=offer, next_step=fields.pop("next_step", "Call the buyer"), **fields)


# --- opening -----------------------------------------------------------------------------------------


def test_the_first_open_by_a_partner_user_is_recorded_once(acme, cat):
    # given an offer to partner 1
    lead, offer = offered(acme)
    # when its sales rep opens it, then its admin, then a channel manager
    with as_partner(acme.sales_rep):
        offer_open(actor=acme.sales_rep, offer=LeadOffer.objects.get(pk=offer.pk))
    with as_partner(acme.partner_admin):
        offer_open(actor=acme.partner_admin, offer=LeadOffer.objects.get(pk=offer.pk))
    with tenant_scope(acme.tenant):
        offer_open(actor=acme.manager, offer=LeadOffer.objects.get(pk=offer.pk))
    # then the rep's opening is the one kept, with one event
    offer = reload(offer)
    assert offer.opened_by_id == acme.sales_rep.pk and offer.opened_at is not None
    assert verbs(lead).count("lead.offer_opened") == 1


# --- accepting ---------------------------------------------------------------------------------------


def test_accepting_makes_the_lead_the_company_s_and_tells_the_vendor_and_the_owner(acme, cat):
    lead, offer = offered(acme, currency="EUR")
    # when partner 1's admin accepts it for its sales rep
    held = accept(acme.partner_admin, offer, expected_value=Decimal("15000"), currency="eur", owner=acme.sales_rep)
    # then partner 1 holds it, the rep owns it, and nobody else is offered it
    lead = reload(lead)
    assert (lead.status, lead.partner_id, lead.owner_id, lead.offered_to_id) == (
        LeadStatus.ACCEPTED,
        acme.partner.pk,
        acme.sales_rep.pk,
        None,
    )
    assert (lead.next_step, lead.expected_value, lead.currency) == ("Call the buyer", Decimal("15000"), "EUR")
    assert held.accepted_at is not None and reload(offer).status == OfferStatus.ACCEPTED
    assert "lead.accepted" in verbs(lead)
    # and the partner's account manager hears of it, the rep is told the lead is theirs
    assert notifications.ACCEPTED in kinds_for(acme.manager)
    assert notifications.ASSIGNED in kinds_for(acme.sales_rep)


def test_a_sales_rep_accepts_for_themself_but_cannot_assign_to_a_colleague(acme, cat):
    _lead, offer = offered(acme)
    with pytest.raises(NotAllowed):
        accept(acme.sales_rep, offer, owner=acme.partner_admin)
    held = accept(acme.sales_rep, offer)
    assert held.owner_id == acme.sales_rep.pk


def test_accepting_needs_a_next_step(acme, cat):
    _lead, offer = offered(acme)
    with pytest.raises(PolicyViolation, match="next step"):
        accept(acme.partner_admin, offer, next_step="  ")
    assert reload(offer).status == OfferStatus.PENDING


def test_accepting_after_the_deadline_is_refused_with_when_it_timed_out(acme, cat):
    # given an offer whose deadline passed (the sweep has not run yet)
    _lead, offer = offered(acme)
    with platform_scope():
        LeadOffer.objects.filter(pk=offer.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    # when partner 1 accepts it
    with pytest.raises(InvalidTransition, match=r"This offer timed out at .*; the lead has moved on"):
        accept(acme.partner_admin, reload(offer))
    # then nothing changed
    assert reload(offer).status == OfferStatus.PENDING


def test_accepting_a_withdrawn_offer_is_refused(acme, cat):
    lead, offer = offered(acme)
    with platform_scope():
        LeadOffer.objects.filter(pk=offer.pk).update(status=OfferStatus.WITHDRAWN)
        Lead.objects.filter(pk=lead.pk).update(offered_to=None)
    with pytest.raises(InvalidTransition, match="withdrew"):
        accept(acme.partner_admin, reload(offer))
    assert reload(lead).partner_id is None


def test_another_partner_cannot_answer_the_offer(acme, cat):
    _lead, offer = offered(acme)
    other = acme.partner_admins[1]
    with pytest.raises(NotAllowed), tenant_scope(acme.tenant, partner=other.partner_id):
        offer_accept(actor=other, offer=offer, next_step="Mine now")
    with pytest.raises(NotAllowed), tenant_scope(acme.tenant):
        offer_accept(actor=acme.manager, offer=offer, next_step="Staff")


def test_after_expiry_and_re_offer_only_the_second_partner_can_hold_the_lead(
    acme, cat, django_capture_on_commit_callbacks
):
    # given partner 1's offer timed out and the sweep passed the lead on to partner 2
    from leads.services.offers import offers_sweep

    lead, first = offered(acme)
    with platform_scope():
        LeadOffer.objects.filter(pk=first.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(acme.tenant):
        assert offers_sweep().expired == 1
    with platform_scope():
        second = LeadOffer.objects.get(lead=lead, status=OfferStatus.PENDING)
    assert second.partner_id == acme.partners[1].pk
    # when both partners accept
    with pytest.raises(InvalidTransition, match="timed out"):
        accept(acme.partner_admin, reload(first))
    accept(acme.partner_admins[1], second)
    # then partner 2 holds it, alone
    lead = reload(lead)
    assert (lead.status, lead.partner_id) == (LeadStatus.ACCEPTED, acme.partners[1].pk)


def test_the_database_refuses_a_second_accepted_offer_for_one_lead(acme, cat):
    lead, offer = offered(acme)
    accept(acme.partner_admin, offer)
    with platform_scope(), pytest.raises(IntegrityError), transaction.atomic():
        LeadOffer.objects.create(
            tenant_id=lead.tenant_id,
            lead=lead,
            partner=acme.partners[1],
            status=OfferStatus.ACCEPTED,
            offered_at=timezone.now(),
            due_at=timezone.now(),
        )


@pytest.mark.django_db(transaction=True)
def test_two_users_accepting_the_same_offer_at_once_one_wins_and_the_other_is_told(world):
    # given an offer to acme partner 1 (committed: each user acts on its own connection)
    acme = world.acme
    make_catalogue(acme)
    lead, offer = offered(acme)

    def accept_as(member):
        return lambda: offer_accept(actor=member, offer=offer, next_step="Me first")

    # when its admin and its sales rep accept at the same instant
    outcomes = race(
        {"admin": accept_as(acme.partner_admin), "rep": accept_as(acme.sales_rep)},
        tenant=acme.tenant,
    )
    # then exactly one of them holds it, and the other is told it was accepted already
    assert sorted(str(type(o).__name__) for o in outcomes.values()) == ["InvalidTransition", "str"]
    loser = next(o for o in outcomes.values() if o != "done")
    assert "accepted this offer already" in str(loser)
    winner = next(name for name, o in outcomes.items() if o == "done")
    lead = reload(lead)
    assert lead.owner_id == {"admin": acme.partner_admin.pk, "rep": acme.sales_rep.pk}[winner]
    with platform_scope():
        assert LeadOffer.objects.filter(lead=lead, status=OfferStatus.ACCEPTED).count() == 1


# --- declining ---------------------------------------------------------------------------------------


def test_declining_passes_the_lead_on_to_the_next_partner_at_once(acme, cat, django_capture_on_commit_callbacks):
    lead, offer = offered(acme)
    with django_capture_on_commit_callbacks(execute=True), as_partner(acme.sales_rep):
        offer_decline(actor=acme.sales_rep, offer=offer, reason=DeclineReason.NOT_A_FIT, note="We sell to banks")
    offer = reload(offer)
    assert (offer.status, offer.decline_reason, offer.decline_note) == (
        OfferStatus.DECLINED,
        DeclineReason.NOT_A_FIT,
        "We sell to banks",
    )
    # the lead was offered to partner 2 straight away
    lead = reload(lead)
    assert (lead.status, lead.offered_to_id) == (LeadStatus.OFFERED, acme.partners[1].pk)
    assert "lead.declined" in verbs(lead)
    # and partner 1 cannot take it back: its offer is over
    with pytest.raises(InvalidTransition, match="declined this offer already"):
        accept(acme.partner_admin, offer)


def test_declining_as_spam_flags_the_lead_to_the_vendor_s_queue(acme, cat, django_capture_on_commit_callbacks):
    lead, offer = offered(acme)
    with django_capture_on_commit_callbacks(execute=True), as_partner(acme.partner_admin):
        offer_decline(actor=acme.partner_admin, offer=offer, reason=DeclineReason.SPAM)
    lead = reload(lead)
    assert (lead.status, lead.queue_reason, lead.offered_to_id) == (LeadStatus.QUEUED, QueueReason.FLAGGED, None)
    with platform_scope():
        assert LeadOffer.objects.filter(lead=lead).count() == 1  # not passed on
    assert notifications.QUEUED in kinds_for(acme.manager)


def test_declining_for_another_reason_needs_a_note(acme, cat):
    _lead, offer = offered(acme)
    with pytest.raises(PolicyViolation, match="note"), as_partner(acme.partner_admin):
        offer_decline(actor=acme.partner_admin, offer=offer, reason=DeclineReason.OTHER)
    with pytest.raises(PolicyViolation), as_partner(acme.partner_admin):
        offer_decline(actor=acme.partner_admin, offer=offer, reason="bogus")
    assert reload(offer).status == OfferStatus.PENDING
