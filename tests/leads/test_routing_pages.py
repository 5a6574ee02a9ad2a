"""Routing by hand, the routing log page and the partner's capacity page, as people use them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leads import events, notifications
from leads.models import Lead, LeadCapacity, LeadOffer, LeadStatus, OfferStatus, QueueReason
from leads.selectors.intake import lead_intake_notes
from leads.services.routing_manual import capacity_save, lead_offer_to, lead_offer_withdraw, lead_route_now
from partners.models import PartnerLocation
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.models import Event
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.concurrency import race
from tests.factories import EnrollmentFactory

from ..conftest import body
from .factories import LeadFactory
from .routing_setup import decline, enrolled, offer_of, program_with_tiers, route, rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed(world):
    """Acme partner 1 (weight 3) and a second partner (weight 1), a rule for all, a routed lead."""
    acme = world.acme
    ladder = program_with_tiers(acme.tenant, weights=(1, 3))
    EnrollmentFactory(tenant=acme.tenant, partner=acme.partner, tier=ladder.tiers[1])
    other = enrolled(acme.tenant, ladder.tiers[0], name="Second Choice")
    enrolled(acme.tenant, ladder.tiers[0], name="Paused Partner")
    with platform_scope():
        paused = LeadCapacity.objects.create(
            tenant=acme.tenant, partner=other.__class__.objects.get(display_name="Paused Partner"), paused=True
        )
    rule(acme.tenant, ladder.program, name="Everyone")
    lead, _ = route(acme.tenant, company="Routed Prospect")
    return acme, lead, other, paused


def test_the_routing_log_names_the_rule_the_exclusions_and_the_rotation(routed, client_for):
    acme, lead, _other, _ = routed
    page = body(client_for(acme.marketing).get(reverse("office:lead_routing", args=[lead.pk])))
    assert "Routing of" in page and "Everyone" in page
    assert "Capacity: paused" in page and "Paused Partner" in page
    assert acme.partner.display_name in page and "Rotation clock" in page
    # marketing reads; with LEADS_MANAGE it may also route by hand: it holds it
    assert "Withdraw the offer" in page


def test_the_routing_log_says_in_words_why_the_policy_refused_a_partner(world, client_for):
    # given Germany held exclusively for a line by one partner, and another partner enrolled
    from tests.factories import ProductLineFactory, TerritoryGrantFactory

    acme = world.acme
    ladder = program_with_tiers(acme.tenant, weights=(1,))
    line = ProductLineFactory(tenant=acme.tenant, name="Secure storage")
    holder = enrolled(acme.tenant, ladder.tiers[0], name="Holder")
    enrolled(acme.tenant, ladder.tiers[0], name="Outsider")
    TerritoryGrantFactory(partner=holder, product_line=line, country="DE", exclusive=True)
    rule(acme.tenant, ladder.program, name="Everyone")
    lead, _ = route(acme.tenant, country="DE", product_line=line)
    # when staff read the lead's routing log
    page = body(client_for(acme.manager).get(reverse("office:lead_routing", args=[lead.pk])))
    # then the refusal is named in words, not as the policy's code
    assert "Refused by the policy" in page and "Outsider" in page
    assert "another partner&#x27;s exclusive territory" in page and "territory_exclusive" not in page


def test_the_routing_log_page_costs_the_same_whatever_the_decisions(routed, client_for, django_assert_max_num_queries):
    acme, lead, _other, _ = routed
    client = client_for(acme.manager)
    url = reverse("office:lead_routing", args=[lead.pk])
    client.get(url)
    for _round in range(3):
        decline(lead)
        route(acme.tenant, lead, trigger="declined")
    with django_assert_max_num_queries(PAGE_QUERIES):
        assert client.get(url).status_code == 200


PAGE_QUERIES = 22  # the middleware's, the lead, decisions, programs, lines, offers, the partner options


def test_staff_withdraw_an_offer_and_the_lead_waits_in_the_queue(routed, client_for):
    acme, lead, _other, _ = routed
    response = client_for(acme.manager).post(reverse("office:lead_offer_withdraw", args=[lead.pk]), follow=True)
    assert "is withdrawn" in body(response)
    with platform_scope():
        lead.refresh_from_db()
        assert (lead.status, lead.queue_reason, lead.offered_to_id) == (LeadStatus.QUEUED, QueueReason.MANUAL, None)
        assert LeadOffer.objects.get(lead=lead).status == OfferStatus.WITHDRAWN
        told = set(
            Notification.objects.filter(kind=notifications.OFFER_WITHDRAWN).values_list("recipient_id", flat=True)
        )
    assert told == {acme.partner_admin.pk, acme.sales_rep.pk}
    # withdrawing again: the message says it happened meanwhile
    again = client_for(acme.admin).post(reverse("office:lead_offer_withdraw", args=[lead.pk]), follow=True)
    assert "has no open offer any more" in body(again)


@pytest.mark.django_db(transaction=True)
def test_two_staff_withdrawing_at_once_one_wins_the_other_is_told(routed):
    acme, lead, _other, _ = routed
    outcomes = race(
        {
            "admin": lambda: lead_offer_withdraw(actor=acme.admin, lead=lead),
            "manager": lambda: lead_offer_withdraw(actor=acme.manager, lead=lead),
        },
        tenant=acme.tenant,
    )
    assert sorted(type(o).__name__ if o != "done" else o for o in outcomes.values()) == ["InvalidTransition", "done"]


def test_route_now_offers_a_queued_lead_and_refuses_one_with_an_open_offer(routed):
    acme, lead, other, _ = routed
    with tenant_scope(acme.tenant):
        with pytest.raises(InvalidTransition, match="open offer"):
            lead_route_now(actor=acme.manager, lead=lead)
        lead_offer_withdraw(actor=acme.manager, lead=lead)
        decision = lead_route_now(actor=acme.manager, lead=lead)
    # partner 1 had it (withdrawn counts as offered): the next partner gets it
    assert decision.partner_id == other.pk and offer_of(lead).partner == other


def test_a_flagged_duplicate_is_released_into_routing(world):
    acme = world.acme
    ladder = program_with_tiers(acme.tenant, weights=(1,))
    EnrollmentFactory(tenant=acme.tenant, partner=acme.partner, tier=ladder.tiers[0])
    rule(acme.tenant, ladder.program, name="Everyone")
    with tenant_scope(acme.tenant):
        lead = LeadFactory(tenant=acme.tenant, status=LeadStatus.DUPLICATE)
        lead_route_now(actor=acme.manager, lead=lead)
        verbs = list(Event.objects.filter(object_id=lead.pk).order_by("id").values_list("verb", flat=True))
        notes = [event.verb for event in lead_intake_notes(lead=lead)]
    assert offer_of(lead).partner == acme.partner
    # released as the review page's button does: the same event, listed on the review page
    assert verbs == [events.RELEASED, events.OFFERED] and notes == [events.RELEASED]


def test_offering_to_a_chosen_partner_never_twice_and_only_as_staff(routed):
    acme, lead, other, _ = routed
    with tenant_scope(acme.tenant):
        lead_offer_withdraw(actor=acme.manager, lead=lead)
        with pytest.raises(PolicyViolation, match="never offered a lead twice"):
            lead_offer_to(actor=acme.manager, lead=lead, partner=acme.partner)
        offer = lead_offer_to(actor=acme.manager, lead=lead, partner=other, note="Knows them")
    assert offer.partner == other and offer.status == OfferStatus.PENDING
    with tenant_scope(acme.tenant), pytest.raises(NotAllowed):
        lead_offer_to(actor=world_sales(acme), lead=lead, partner=other)


def world_sales(acme):
    return acme.sales_rep


def test_a_refused_partner_choice_shows_the_form_again_with_the_message(routed, client_for):
    acme, lead, _other, _ = routed
    client = client_for(acme.manager)
    client.post(reverse("office:lead_offer_withdraw", args=[lead.pk]))
    response = client.post(reverse("office:lead_offer_to", args=[lead.pk]), {"partner": "999999", "note": "typed"})
    assert response.status_code == 200
    assert 'value="typed"' in body(response)


def test_the_partner_admin_sets_capacity_and_bad_input_keeps_what_was_typed(world, client_for):
    acme = world.acme
    client = client_for(acme.partner_admin)
    url = reverse("portal:lead_capacity")
    assert "Lead capacity" in body(client.get(url))
    bad = client.post(url, {"monthly_cap": "40", "daily_quota": "3", "paused": "on", "paused_reason": ""})
    assert bad.status_code == 200 and "Say why you pause" in body(bad) and 'value="40"' in body(bad)
    good = client.post(url, {"monthly_cap": "40", "daily_quota": "3", "paused": "on", "paused_reason": "Hiring"})
    assert good.status_code == 302
    with platform_scope():
        capacity = LeadCapacity.objects.get(partner=acme.partner)
        changed = Event.objects.get(verb=events.CAPACITY_CHANGED)
    assert (capacity.monthly_cap, capacity.daily_quota, capacity.paused_reason) == (40, 3, "Hiring")
    assert changed.partner_id == acme.partner.pk and changed.data["changes"]["paused"] == [False, True]
    assert "Paused: Hiring" in body(client.get(url))


def test_capacity_is_the_partner_admins_alone(world):
    acme = world.acme
    with tenant_scope(acme.tenant, partner=acme.partner.pk), pytest.raises(NotAllowed):
        capacity_save(actor=acme.sales_rep, partner=acme.partner, daily_quota=1)
    with tenant_scope(acme.tenant), pytest.raises(NotAllowed):
        capacity_save(actor=acme.partner_admins[1], partner=acme.partner, daily_quota=1)


def test_the_partner_admin_adds_and_removes_a_location(world, client_for):
    acme = world.acme
    client = client_for(acme.partner_admin)
    response = client.post(
        reverse("portal:lead_location_add"),
        {"label": "North", "city": "Bremen", "country": "DE", "postal_code": "", "latitude": "", "longitude": ""},
        follow=True,
    )
    assert "Bremen, DE is added." in body(response)
    with platform_scope():
        bremen = PartnerLocation.objects.get(partner=acme.partner, city="Bremen")
    assert round(bremen.latitude, 1) == 53.1
    half = client.post(
        reverse("portal:lead_location_add"), {"city": "Kiel", "country": "DE", "latitude": "54.3", "longitude": ""}
    )
    assert half.status_code == 200 and "Give both coordinates" in body(half) and 'value="Kiel"' in body(half)
    client.post(reverse("portal:lead_location_remove", args=[bremen.pk]))
    with platform_scope():
        assert not PartnerLocation.objects.filter(pk=bremen.pk).exists()


def test_a_declined_lead_routed_from_a_partner_users_action_still_sees_every_partner(routed):
    # the offers part routes on from the partner's own request: the engine steps out of its scope
    acme, lead, other, _ = routed
    decline(lead)
    with tenant_scope(acme.tenant, partner=acme.partner.pk):
        from leads.services.routing import lead_route

        lead_route(lead=Lead.objects.get(pk=lead.pk), trigger="declined")
    assert offer_of(lead).partner == other
