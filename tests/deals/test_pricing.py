"""Special pricing: a partner asks for a discount on its approved deal; the vendor's roles approve
it band by band (channel manager, channel director, finance), each step recorded; the answer
comes back on the deal page."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from deals.models import (
    DEFAULT_PRICING_BANDS,
    PricingBand,
    PricingStatus,
    SpecialPricingRequest,
    SpecialPricingStep,
)
from deals.services import (
    deal_mark_lost,
    pricing_chain,
    pricing_decide,
    pricing_request,
    pricing_withdraw,
)
from prm.accounts.roles import STAFF_ROLES, Role, capabilities_for
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.models import Event, OutboxMessage
from prm.notifications.models import Notification
from prm.notifications.services import EMAIL_TASK
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.concurrency import race
from tests.conftest import make_client
from tests.factories import DealFactory, StaffMembershipFactory, TenantFactory, give_totp, refresh
from tests.query_budget import assert_pinned, cost

from . import office_setup
from .deal_setup import as_partner, submitted
from .pricing_setup import ask

pytestmark = pytest.mark.django_db
CM, DIRECTOR, FINANCE = Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR, Role.FINANCE


@pytest.fixture
def staff(acme):
    """acme's deciders: its channel manager, a second one, a channel director and finance."""
    return SimpleNamespace(
        manager=acme.manager,
        manager2=StaffMembershipFactory(tenant=acme.tenant, role=CM, user__email="cam2@acme.example"),
        director=StaffMembershipFactory(tenant=acme.tenant, role=DIRECTOR, user__email="director@acme.example"),
        finance=StaffMembershipFactory(tenant=acme.tenant, role=FINANCE, user__email="finance@acme.example"),
        admin=acme.admin,
    )


@pytest.fixture
def deal(approved):
    """Partner 1's registration (by its sales rep), approved by the channel manager."""
    return approved


def decide(actor, pricing, approve=True, note="", **kwargs):
    with tenant_scope(actor.tenant_id):
        return pricing_decide(actor=actor, pricing=pricing, approve=approve, note=note, **kwargs)


def steps_of(pricing) -> list[tuple[str, str, int]]:
    with platform_scope():
        return list(
            SpecialPricingStep.objects.filter(request=pricing)
            .order_by("decided_at", "id")
            .values_list("role", "decision", "decided_by_id")
        )


def notified(member, kind: str) -> list[Notification]:
    with platform_scope():
        return list(Notification.objects.filter(recipient=member, kind=kind))


# --- the chain ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("discount", "chain"),
    [
        ("0.01", [CM]),
        ("8", [CM]),
        ("10", [CM]),
        ("10.01", [CM, DIRECTOR]),
        ("20", [CM, DIRECTOR]),
        ("25", [CM, DIRECTOR]),
        ("40", [CM, DIRECTOR, FINANCE]),
        ("100", [CM, DIRECTOR, FINANCE]),
    ],
)
def test_the_default_bands_escalate_by_discount(discount, chain):
    assert pricing_chain(discount=Decimal(discount), bands=list(DEFAULT_PRICING_BANDS)) == chain


def test_the_highest_band_decides_anything_above_it_and_a_role_decides_once():
    bands = [(Decimal(5), CM), (Decimal(15), CM), (Decimal(30), Role.FINANCE)]
    assert pricing_chain(discount=Decimal(12), bands=bands) == [CM]
    assert pricing_chain(discount=Decimal(60), bands=bands) == [CM, FINANCE]


def test_the_channel_director_is_a_staff_role_that_decides_pricing():
    assert Role.CHANNEL_DIRECTOR in STAFF_ROLES
    caps = capabilities_for(Role.CHANNEL_DIRECTOR)
    assert {"office.access", "deals.view", "pricing.decide"} <= caps
    assert "deals.register" not in caps and "staff.invite" not in caps


def test_a_programs_own_bands_replace_the_defaults(acme, cat, deal, staff):
    # given the Resell program: up to 5 % the manager, above it finance
    with tenant_scope(acme.tenant):
        PricingBand.objects.create(program=cat.program, up_to_percent=Decimal(5), approver_role=CM)
        PricingBand.objects.create(program=cat.program, up_to_percent=Decimal(100), approver_role=FINANCE)
    # when 8 % is asked
    pricing = ask(acme, deal, "8")
    # then it needs the manager, then finance
    assert pricing.approval_chain == [CM, FINANCE]
    decide(staff.manager, pricing)
    assert refresh(pricing).current_role == FINANCE


# --- the escalation paths ----------------------------------------------------------------------------


def test_8_percent_is_approved_by_the_channel_manager_alone(acme, deal, staff):
    # given 8 % asked: the manager's band
    pricing = ask(acme, deal, "8")
    assert (pricing.status, pricing.current_role, pricing.approval_chain) == ("pending", CM, [CM])
    # when the manager approves
    decide(staff.manager, pricing, note="Go ahead")
    # then it is approved, with one step and the note as the answer
    pricing = refresh(pricing)
    assert pricing.status == PricingStatus.APPROVED and pricing.current_role == ""
    assert pricing.decision_note == "Go ahead" and pricing.decided_at is not None
    assert steps_of(pricing) == [(CM, "approved", staff.manager.pk)]


def test_20_percent_climbs_to_the_director_who_approves_it(acme, deal, staff):
    # given 20 % asked
    pricing = ask(acme, deal, "20")
    # when the manager approves it
    decide(staff.manager, pricing, note="Fine by me")
    # then it still waits, now for the director, who is told
    pricing = refresh(pricing)
    assert (pricing.status, pricing.current_role) == ("pending", DIRECTOR)
    assert pricing.step_number == 2
    assert [n.url for n in notified(staff.director, "pricing.awaiting")] == [f"/office/deals/{deal.pk}/"]
    assert notified(acme.sales_rep, "pricing.decided") == []
    # when the director approves it too
    decide(staff.director, pricing, note="Approved for this quarter")
    # then it is approved, both steps recorded
    pricing = refresh(pricing)
    assert pricing.status == PricingStatus.APPROVED
    assert steps_of(pricing) == [(CM, "approved", staff.manager.pk), (DIRECTOR, "approved", staff.director.pk)]
    with platform_scope():
        events = {e.verb: e.text for e in Event.objects.filter(object_id=deal.pk, verb__startswith="deal.pricing")}
    assert sorted(events) == ["deal.pricing_approved", "deal.pricing_escalated", "deal.pricing_requested"]
    # the timeline says the discount as the pages do
    assert events["deal.pricing_escalated"].startswith("Special pricing of 20 % approved at the channel account")


def test_40_percent_needs_finance_after_the_manager_and_the_director(acme, deal, staff):
    pricing = ask(acme, deal, "40")
    assert pricing.approval_chain == [CM, DIRECTOR, FINANCE]
    decide(staff.manager, pricing)
    decide(staff.director, pricing)
    assert refresh(pricing).current_role == FINANCE
    assert notified(staff.finance, "pricing.awaiting")
    decide(staff.finance, pricing, note="Within margin")
    assert refresh(pricing).status == PricingStatus.APPROVED
    assert [role for role, _, _ in steps_of(pricing)] == [CM, DIRECTOR, FINANCE]


def test_a_rejection_at_the_second_step_needs_a_note_and_ends_the_request(acme, deal, staff):
    pricing = ask(acme, deal, "20")
    decide(staff.manager, pricing)
    # a rejection without a note is refused
    with pytest.raises(PolicyViolation, match="why"):
        decide(staff.director, pricing, approve=False, note="  ")
    # with one, it ends the request
    decide(staff.director, pricing, approve=False, note="Margin too thin; 12 % is possible.")
    pricing = refresh(pricing)
    assert pricing.status == PricingStatus.REJECTED and pricing.current_role == ""
    assert pricing.decision_note == "Margin too thin; 12 % is possible."
    assert steps_of(pricing) == [(CM, "approved", staff.manager.pk), (DIRECTOR, "rejected", staff.director.pk)]
    # and the partner is told the answer (its admin and the rep who registered the deal)
    for member in (acme.partner_admin, acme.sales_rep):
        (notification,) = notified(member, "pricing.decided")
        assert "rejected" in notification.title and notification.body == "Margin too thin; 12 % is possible."
    # nothing more can be decided on it
    with pytest.raises(InvalidTransition, match="already rejected"):
        decide(staff.admin, pricing)


def test_only_the_awaited_role_or_an_admin_decides(acme, deal, staff):
    pricing = ask(acme, deal, "40")
    # the director and finance may not decide the manager's step; marketing and partners never
    for who in (staff.director, staff.finance, acme.marketing):
        with pytest.raises(NotAllowed):
            decide(who, pricing)
    with as_partner(acme.partner_admin), pytest.raises(NotAllowed):
        pricing_decide(actor=acme.partner_admin, pricing=pricing, approve=True)
    assert steps_of(pricing) == []
    # a vendor admin decides whichever step is awaited (recorded as that role's step)
    decide(staff.admin, pricing)
    decide(staff.admin, pricing)
    assert steps_of(pricing) == [(CM, "approved", staff.admin.pk), (DIRECTOR, "approved", staff.admin.pk)]
    assert refresh(pricing).current_role == FINANCE
    # the manager, whose step is past, is told it moved on
    with pytest.raises(InvalidTransition, match=r"moved on|already decided"):
        decide(staff.manager, pricing)


def test_a_decision_on_a_step_that_moved_on_changes_nothing(acme, deal, staff):
    pricing = ask(acme, deal, "20")
    decide(staff.manager, pricing, step_role=CM)
    with pytest.raises(InvalidTransition, match="moved on"):
        decide(staff.admin, pricing, step_role=CM)
    assert len(steps_of(pricing)) == 1


def test_special_pricing_on_a_deal_that_is_not_approved_is_refused_clearly(acme, cat):
    deal = submitted(acme.sales_rep, cat)
    with pytest.raises(InvalidTransition, match="only on an approved registration"):
        ask(acme, deal, "8")
    with platform_scope():
        assert not SpecialPricingRequest.objects.exists()


def test_one_request_waits_at_a_time_per_deal(acme, deal, staff):
    first = ask(acme, deal, "8")
    with pytest.raises(PolicyViolation, match="already waiting"):
        ask(acme, deal, "5")
    # once withdrawn (by the partner: staff may not), a new one may be asked
    with tenant_scope(acme.tenant), pytest.raises(NotAllowed):
        pricing_withdraw(actor=staff.manager, pricing=first)
    with as_partner(acme.sales_rep):
        pricing_withdraw(actor=acme.sales_rep, pricing=first)
    assert refresh(first).status == PricingStatus.WITHDRAWN
    assert any(n.title.endswith("withdrawn") for n in notified(staff.manager, "pricing.awaiting"))
    second = ask(acme, deal, "5")
    with pytest.raises(InvalidTransition, match="already withdrawn"):
        decide(staff.manager, first)
    decide(staff.manager, second)
    assert refresh(second).status == PricingStatus.APPROVED


def test_bad_requests_are_refused(acme, deal):
    for discount in ("0", "-1", "100.5", "12.345"):
        with pytest.raises(PolicyViolation):
            ask(acme, deal, discount)
    with pytest.raises(PolicyViolation, match="why"):
        ask(acme, deal, "8", justification="   ")
    # another partner's user may not ask on partner 1's deal
    with as_partner(acme.sales[1]), pytest.raises(NotAllowed):
        pricing_request(actor=acme.sales[1], deal=deal, discount_percent=Decimal(8), justification="x")


def test_a_lost_deals_pending_pricing_leaves_the_queue_closed_with_the_reason(acme, deal, staff):
    # given a request waiting for the channel manager
    pricing = ask(acme, deal, "8")
    # when the partner marks the deal lost
    with as_partner(acme.sales_rep):
        deal_mark_lost(actor=acme.sales_rep, deal=deal, reason="Budget cut")
    # then the request is closed, says why, and no one can decide it any more
    pricing = refresh(pricing)
    assert pricing.status == PricingStatus.WITHDRAWN and pricing.current_role == ""
    assert pricing.decision_note == "Closed without a decision: the registration is lost."
    with platform_scope():
        closed = Event.objects.get(object_id=deal.pk, verb="deal.pricing_closed")
    assert closed.text == "Special pricing of 8 % closed without a decision."
    with pytest.raises(InvalidTransition):
        decide(staff.manager, pricing)
    page = make_client(staff.manager).get(reverse("office:pricing_queue")).content.decode()
    assert deal.reference not in page


def test_notifications_are_queued_in_the_outbox(acme, deal, staff):
    # given the manager and the partner's admin want e-mails (the default)
    pricing = ask(acme, deal, "8")
    (awaiting,) = notified(staff.manager, "pricing.awaiting")
    decide(staff.manager, pricing, note="OK")
    (answer,) = notified(acme.partner_admin, "pricing.decided")
    assert answer.url == f"/portal/deals/{deal.pk}/"
    with platform_scope():
        queued = {m.kwargs["notification_id"] for m in OutboxMessage.objects.filter(task_name=EMAIL_TASK)}
    assert {awaiting.pk, answer.pk} <= queued


# --- concurrency -------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_managers_approving_the_same_step_at_once_one_wins_the_other_is_told(acme, deal, staff):
    pricing = ask(acme, deal, "20")
    outcomes = race(
        {
            "manager": lambda: decide(staff.manager, pricing, step_role=CM),
            "manager2": lambda: decide(staff.manager2, pricing, step_role=CM),
        }
    )
    assert list(outcomes.values()).count("done") == 1
    loser = next(r for r in outcomes.values() if r != "done")
    assert isinstance(loser, InvalidTransition) and "moved on" in str(loser)
    assert len(steps_of(pricing)) == 1
    assert refresh(pricing).current_role == DIRECTOR


@pytest.mark.django_db(transaction=True)
def test_an_approval_and_a_rejection_at_once_leave_one_answer(acme, deal, staff):
    pricing = ask(acme, deal, "8")
    outcomes = race(
        {
            "manager": lambda: decide(staff.manager, pricing, step_role=CM),
            "admin": lambda: decide(staff.admin, pricing, approve=False, note="No", step_role=CM),
        }
    )
    assert list(outcomes.values()).count("done") == 1
    loser = next(r for r in outcomes.values() if r != "done")
    assert isinstance(loser, InvalidTransition) and "already" in str(loser)
    assert len(steps_of(pricing)) == 1


# --- the portal ---------------------------------------------------------------------------------------


def test_the_partner_asks_on_the_deal_page_and_sees_the_answer(acme, deal, staff, no_queries_from_templates):
    client = make_client(acme.sales_rep)
    page = client.get(reverse("portal:deal_detail", args=[deal.pk])).content.decode()
    assert "Ask for special pricing" in page
    # when the rep asks for 20 %
    response = client.post(
        reverse("portal:deal_pricing", args=[deal.pk]),
        {
            "pricing-discount_percent": "20",
            "pricing-justification": "Initrode offers 15 % less",
            "pricing-competitor": "Initrode",
            "pricing-competitor_price": "8500",
        },
    )
    assert response.status_code == 302
    with platform_scope():
        pricing = SpecialPricingRequest.objects.get(deal=deal)
    assert (pricing.discount_percent, pricing.competitor, pricing.requested_by_id) == (
        Decimal(20),
        "Initrode",
        acme.sales_rep.pk,
    )
    page = client.get(reverse("portal:deal_detail", args=[deal.pk])).content.decode()
    assert "Awaiting the channel account manager (step 1 of 2)" in page
    assert "Ask for special pricing" not in page
    # when the manager approves and the director rejects with a note
    decide(staff.manager, pricing)
    decide(staff.director, pricing, approve=False, note="We can do 12 %.")
    # then the deal page shows the answer, the steps by role and never the staff's names
    page = client.get(reverse("portal:deal_detail", args=[deal.pk])).content.decode()
    section = page[page.index('id="pricing"') :]
    assert "Rejected" in section and "We can do 12 %." in section
    assert "Channel account manager: approved" in section and "Channel director: rejected" in section
    assert str(staff.director.user) not in section and str(staff.manager.user) not in section
    assert "Ask for special pricing" in page  # the next one may be asked


def test_the_portal_refuses_special_pricing_on_a_deal_in_review(acme, cat):
    deal = submitted(acme.sales_rep, cat)
    client = make_client(acme.sales_rep)
    page = client.get(reverse("portal:deal_detail", args=[deal.pk])).content.decode()
    assert "Ask for special pricing" not in page
    response = client.post(
        reverse("portal:deal_pricing", args=[deal.pk]),
        {"pricing-discount_percent": "8", "pricing-justification": "Please"},
    )
    assert response.status_code == 200
    assert "special pricing can be asked only on an approved registration" in response.content.decode()


def test_the_portal_form_refuses_bad_input_and_keeps_it(acme, deal):
    response = make_client(acme.sales_rep).post(
        reverse("portal:deal_pricing", args=[deal.pk]),
        {"pricing-discount_percent": "140", "pricing-justification": "Deep cut"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Deep cut" in page and "Nothing was sent" in page
    with platform_scope():
        assert not SpecialPricingRequest.objects.exists()


def test_the_partner_withdraws_its_pending_request(acme, deal):
    pricing = ask(acme, deal, "8")
    response = make_client(acme.partner_admin).post(reverse("portal:deal_pricing_withdraw", args=[deal.pk, pricing.pk]))
    assert response.status_code == 302
    assert refresh(pricing).status == PricingStatus.WITHDRAWN


# --- the back office ----------------------------------------------------------------------------------


def test_the_office_deal_page_shows_every_step_and_the_form_to_whoever_decides(
    acme, deal, staff, no_queries_from_templates
):
    pricing = ask(acme, deal, "20")
    path = reverse("office:deal_detail", args=[deal.pk])
    # the manager may decide the first step; the director may not yet
    page = make_client(staff.manager).get(path).content.decode()
    assert reverse("office:pricing_decide", args=[deal.pk, pricing.pk]) in page
    page = make_client(staff.director).get(path).content.decode()
    assert reverse("office:pricing_decide", args=[deal.pk, pricing.pk]) not in page
    # when the manager clicks "Approve 20 %" on the page, a confirmation states the consequence
    client, decide_path = make_client(staff.manager), reverse("office:pricing_decide", args=[deal.pk, pricing.pk])
    typed = {"decision": "approve", "note": "Strategic logo", "step": CM}
    page = client.post(decide_path, typed).content.decode()
    assert f"Approve 20 % discount on {deal.reference}?" in page and "goes on to the next approver" in page
    assert steps_of(pricing) == []  # nothing is decided before the confirmation
    response = client.post(decide_path, {**typed, "confirm": "1"})
    assert response.status_code == 302
    # then the director sees the step (who, role, note) and the form
    page = make_client(staff.director).get(path).content.decode()
    assert str(staff.manager.user) in page and "Strategic logo" in page and "Channel account manager" in page
    assert reverse("office:pricing_decide", args=[deal.pk, pricing.pk]) in page
    assert "Awaited (step 2 of 2)" in page


def test_a_stale_decision_through_the_page_is_refused_with_a_message(acme, deal, staff):
    pricing = ask(acme, deal, "20")
    decide(staff.manager, pricing)
    response = make_client(staff.admin).post(
        reverse("office:pricing_decide", args=[deal.pk, pricing.pk]),
        {"decision": "approve", "note": "", "step": CM, "confirm": "1"},
    )
    assert response.status_code == 200
    assert "moved on" in response.content.decode()
    assert len(steps_of(pricing)) == 1


def test_a_rejection_without_a_note_is_a_form_error(acme, deal, staff):
    pricing = ask(acme, deal, "8")
    response = make_client(staff.manager).post(
        reverse("office:pricing_decide", args=[deal.pk, pricing.pk]), {"decision": "reject", "step": CM}
    )
    assert response.status_code == 200
    assert "Tell the partner why" in response.content.decode()
    assert refresh(pricing).status == PricingStatus.PENDING


def test_the_queue_lists_what_awaits_the_users_role(acme, staff, no_queries_from_templates):
    # given one request at the manager's step and one at the director's
    ctx = SimpleNamespace(side=acme)
    office_setup.approved(ctx)
    small = ask(acme, ctx.deal, "8")
    office_setup.approved(ctx)
    large = ask(acme, ctx.deal, "20")
    decide(staff.manager, large)
    queue = reverse("office:pricing_queue")
    # then each role sees its own; the admin sees both
    manager_page = make_client(staff.manager).get(queue).content.decode()
    director_page = make_client(staff.director).get(queue).content.decode()
    admin_page = make_client(staff.admin).get(queue).content.decode()
    assert f'id="pricing-{small.pk}"' in manager_page and f'id="pricing-{large.pk}"' not in manager_page
    assert f'id="pricing-{large.pk}"' in director_page and f'id="pricing-{small.pk}"' not in director_page
    assert f'id="pricing-{small.pk}"' in admin_page and f'id="pricing-{large.pk}"' in admin_page
    assert "Channel director <span" in director_page and "(2 of 2)" in director_page
    # marketing may not decide pricing
    assert make_client(acme.marketing).get(queue).status_code == 403


def _queue(n):
    tenant = TenantFactory()
    viewer = StaffMembershipFactory(tenant=tenant, role=Role.ADMIN)
    give_totp(viewer.user)
    with tenant_scope(tenant):
        for i in range(n):
            deal = DealFactory(tenant=tenant, status="approved")
            SpecialPricingRequest.objects.create(
                deal=deal,
                partner_id=deal.partner_id,
                requested_by=deal.registered_by,
                discount_percent=Decimal(5 + i % 30),
                justification="Bid",
                competitor="Initrode",
                approval_chain=[CM, DIRECTOR],
                current_role=CM if i % 2 else DIRECTOR,
            )
    return viewer


PINNED_QUEUE_QUERIES = 6


def test_the_queue_costs_the_same_for_5_and_50_requests(no_queries_from_templates):
    queue = reverse("office:pricing_queue")
    few, many = cost(_queue(5), queue), cost(_queue(50), queue)
    assert few.rows(r'<tr id="pricing-') == 5
    assert many.rows(r'<tr id="pricing-') == 25
    assert_pinned(few, many, PINNED_QUEUE_QUERIES, "the pricing queue")
