"""The deal-registration state machine: registering, submitting (policy, conflicts, auto rules,
review deadline), deciding, closing, extending, and the database's one-protection rule."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deals import notifications
from deals.models import AutoApprovalRule, Deal, DealConflict, DealExtension, DealProtection, DealStatus
from deals.services import (
    business_deadline,
    deal_approve,
    deal_confirm_win,
    deal_mark_duplicate,
    deal_mark_lost,
    deal_mark_won,
    deal_refuse_win,
    deal_register,
    deal_reject,
    deal_request_info,
    deal_submit,
    deal_update,
    deal_update_stage,
    deal_withdraw,
    extension_decide,
    extension_request,
)
from deals.services.common import tell
from prm.accounts.roles import Role
from prm.errors import CrossTenantReference, InvalidTransition, NotAllowed, PolicyViolation
from prm.events.models import Event, OutboxMessage
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import tenant_today
from tests.concurrency import race
from tests.factories import (
    AuthorizationRuleFactory,
    LicenceTypeFactory,
    PartnerMembershipFactory,
    ProductFactory,
    refresh,
)

from .deal_setup import as_partner, draft, submitted

pytestmark = pytest.mark.django_db
S = DealStatus


def events_of(deal) -> list[str]:
    with platform_scope():
        return list(
            Event.objects.filter(object_id=deal.pk, verb__startswith="deal.")
            .order_by("id")
            .values_list("verb", flat=True)
        )


def rule(cat, **fields) -> AutoApprovalRule:
    with platform_scope():
        return AutoApprovalRule.objects.create(tenant_id=cat.program.tenant_id, program=cat.program, **fields)


# --- Registering ------------------------------------------------------------------------------------


def test_a_sales_rep_registers_a_draft_priced_from_the_catalogue_with_a_normalised_customer(acme, cat):
    # when partner 1's sales rep registers two firewalls for a customer typed with its website
    deal = draft(acme.sales_rep, cat, customer_name="  Initech GmbH ", customer_website="https://shop.initech.de/x")
    # then it is a draft of partner 1, the identity is normalised and the price is the list price
    with tenant_scope(acme.tenant):
        deal = Deal.objects.get(pk=deal.pk)
        line = deal.lines.get()
    assert (deal.status, deal.partner_id, deal.registered_by_id, deal.entered_by_id) == (
        S.DRAFT,
        acme.partner.pk,
        acme.sales_rep.pk,
        None,
    )
    assert (deal.customer_name, deal.customer_key, deal.customer_domain) == ("Initech GmbH", "initech", "initech.de")
    assert (line.product_line_id, line.quantity, line.unit_price) == (cat.firewalls.pk, 2, Decimal("5000.00"))
    assert events_of(deal) == ["deal.created"]


def test_only_the_partners_own_users_in_a_registering_role_may_register(acme, cat):
    technical = PartnerMembershipFactory(partner=acme.partner, role=Role.TECHNICAL)
    with platform_scope():
        cat.program.deal_registration_roles = [Role.PARTNER_ADMIN]
        cat.program.save()
    line = [(cat.firewall, 1, None)]
    common = dict(customer_name="X", customer_country="DE", amount=1, currency="USD", expected_close_on=tenant_day())
    # a technical user lacks the capability; a sales rep is not in the program's roles
    for member in (technical, acme.sales_rep):
        with as_partner(member), pytest.raises(NotAllowed):
            deal_register(actor=member, partner=acme.partner, lines=line, **common)
    # nobody registers for another partner
    with tenant_scope(acme.tenant), pytest.raises(NotAllowed):
        deal_register(actor=acme.partner_admin, partner=acme.partners[1], lines=line, **common)
    # the program's role may
    with as_partner(acme.partner_admin):
        assert deal_register(actor=acme.partner_admin, partner=acme.partner, lines=line, **common).pk


def tenant_day():
    return timezone.localdate() + timedelta(days=30)


def test_staff_register_on_behalf_of_a_partner_and_marketing_may_not(acme, globex, cat):
    line = [(cat.switch, 3, Decimal("700"))]
    common = dict(
        customer_name="Umbrella", customer_country="fr", amount=2100, currency="usd", expected_close_on=tenant_day()
    )
    with tenant_scope(acme.tenant):
        deal = deal_register(actor=acme.manager, partner=acme.partners[1], lines=line, **common)
        with pytest.raises(NotAllowed):
            deal_register(actor=acme.marketing, partner=acme.partner, lines=line, **common)
        # a product of another portal is never honoured
        foreign = ProductFactory(tenant=globex.tenant)
        with pytest.raises(CrossTenantReference):
            deal_register(actor=acme.manager, partner=acme.partner, lines=[(foreign, 1, None)], **common)
        # an inactive product cannot be registered
        cat.switch.is_active = False
        with pytest.raises(PolicyViolation, match="no longer sold"):
            deal_register(actor=acme.manager, partner=acme.partner, lines=line, **common)
    assert (deal.entered_by_id, deal.partner_id, deal.customer_country, deal.currency) == (
        acme.manager.pk,
        acme.partners[1].pk,
        "FR",
        "USD",
    )


# --- Submitting ---------------------------------------------------------------------------------


def test_the_first_matching_auto_rule_by_priority_approves_and_is_recorded(acme, cat):
    # given a rule tried first that needs Gold, and a second one for firewalls up to 20,000
    rule(cat, name="Gold partners", priority=1, min_tier=cat.gold)
    small = rule(
        cat, name="Small firewall deals", priority=5, max_amount=Decimal("20000"), product_line_ids=[cat.firewalls.pk]
    )
    rule(cat, name="Anything", priority=9)
    # when Silver partner 1 submits a 10,000 USD firewall deal without conflict
    deal = submitted(acme.sales_rep, cat)
    # then the second rule approved it at once, for the Silver protection of 90 days
    deal = refresh(deal)
    assert (deal.status, deal.decided_by_rule_id, deal.decided_by_id) == (S.APPROVED, small.pk, None)
    with tenant_scope(acme.tenant):
        assert deal.protected_until == tenant_today() + timedelta(days=90)
        approved = Event.objects.get(object_id=deal.pk, verb="deal.approved")
    assert approved.data["rule_id"] == small.pk and "Small firewall deals" in approved.text
    assert events_of(deal) == ["deal.created", "deal.submitted", "deal.approved"]
    with platform_scope():
        assert list(DealProtection.objects.filter(deal=deal).values_list("customer", "product_line_id", "active")) == [
            ("initech.de", cat.firewalls.pk, True)
        ]


def test_auto_rules_do_not_apply_to_conflicts_other_currencies_or_other_lines(acme, cat):
    rule(cat, name="Firewalls up to 20,000", max_amount=Decimal("20000"), product_line_ids=[cat.firewalls.pk])
    # a deal with a switch line, one in EUR, and a conflicting one all go to review
    mixed = submitted(
        acme.sales_rep, cat, customer_name="Alpha", customer_website="alpha.com", products=[cat.firewall, cat.switch]
    )
    euros = submitted(acme.sales_rep, cat, customer_name="Beta", customer_website="beta.com", currency="EUR")
    submitted(acme.sales[1], cat, customer_name="Gamma", customer_website="gamma.com", amount=Decimal("50000"))
    conflicting = submitted(acme.sales_rep, cat, customer_name="Gamma Corp", customer_website="www.gamma.com")
    assert [refresh(d).status for d in (mixed, euros, conflicting)] == [S.SUBMITTED] * 3
    assert refresh(conflicting).has_conflict is True


def test_without_a_rule_the_deal_waits_for_the_account_manager_until_a_business_hours_deadline(acme, cat):
    # when partner 1 submits (no auto rules; the program gives 48 hours)
    deal = submitted(acme.sales_rep, cat)
    # then the partner's account manager reviews it, by submission + 48 weekday hours
    deal = refresh(deal)
    assert (deal.status, deal.reviewer_id, deal.program_id) == (S.SUBMITTED, acme.manager.pk, cat.program.pk)
    assert deal.decision_due_at == business_deadline(deal.submitted_at, 48, "UTC")
    assert deal.decision_due_at - deal.submitted_at >= timedelta(hours=48)
    with platform_scope():
        note = Notification.objects.get(recipient=acme.manager, kind="deal.submitted")
    assert deal.reference in note.title


def test_a_partner_without_an_active_account_manager_is_reviewed_by_a_vendor_admin(acme, cat):
    with platform_scope():
        acme.manager.is_active = False
        acme.manager.save()
        cat.program.deal_review_hours = 8
        cat.program.save()
    deal = refresh(submitted(acme.sales_rep, cat))
    assert deal.reviewer_id == acme.admin.pk
    assert deal.decision_due_at == business_deadline(deal.submitted_at, 8, "UTC")


def test_the_policy_refuses_with_every_reason_and_nothing_changes(acme, cat):
    # given a program minimum of 25,000 and a licence the partner lacks for switches
    with platform_scope():
        cat.program.deal_min_amount = Decimal("25000")
        cat.program.save()
    licence = LicenceTypeFactory(tenant=acme.tenant, name="Switching licence")
    AuthorizationRuleFactory(product_line=cat.switches, required_licence_type=licence)
    deal = draft(acme.sales_rep, cat, products=[cat.firewall, cat.switch])
    # when it is submitted
    with as_partner(acme.sales_rep), pytest.raises(PolicyViolation) as refused:
        deal_submit(actor=acme.sales_rep, deal=deal)
    # then both reasons are given, once each, and the deal is still a draft
    assert "at least USD 25,000.00" in str(refused.value) and "Switching licence" in str(refused.value)
    assert len(refused.value.reasons) == 2
    assert refresh(deal).status == S.DRAFT


def test_registering_or_editing_with_submit_is_one_transaction_a_refused_submission_keeps_nothing(acme, cat):
    # given a program minimum of 25,000 the registration does not reach
    with platform_scope():
        cat.program.deal_min_amount = Decimal("25000")
        cat.program.save()
    line = [(cat.firewall, 1, None)]
    common = dict(
        customer_name="Umbrella", customer_country="DE", amount=1, currency="USD", expected_close_on=tenant_day()
    )
    # when the rep registers and submits at once, then the refusal leaves no draft behind
    with as_partner(acme.sales_rep), pytest.raises(PolicyViolation, match=r"at least USD 25,000\.00"):
        deal_register(actor=acme.sales_rep, partner=acme.partner, lines=line, submit=True, **common)
    with platform_scope():
        assert not Deal.objects.filter(customer_name="Umbrella").exists()
    # and when a draft is edited and submitted at once, the refusal keeps none of the edit
    deal = draft(acme.sales_rep, cat, amount=Decimal("100"))
    with as_partner(acme.sales_rep), pytest.raises(PolicyViolation, match=r"at least USD 25,000\.00"):
        deal_update(actor=acme.sales_rep, deal=deal, changes={"notes": "Edited"}, submit=True)
    assert (refresh(deal).status, refresh(deal).notes) == (S.DRAFT, "")
    assert events_of(deal) == ["deal.created"]
    # while an edit that reaches the minimum (the amount is the lines' total) is saved and
    # submitted in the one call
    with as_partner(acme.sales_rep):
        deal = deal_update(actor=acme.sales_rep, deal=deal, changes={}, lines=[(cat.firewall, 6, None)], submit=True)
    assert (refresh(deal).status, refresh(deal).amount) == (S.SUBMITTED, Decimal("30000.00"))


# --- Deciding ----------------------------------------------------------------------------------------


def test_approval_protects_the_customer_and_tells_the_partner(acme, cat):
    deal = submitted(acme.sales[1], cat)  # Gold partner 2: 120 days
    with tenant_scope(acme.tenant):
        deal_approve(actor=acme.manager, deal=deal, note="Go for it")
    deal = refresh(deal)
    with tenant_scope(acme.tenant):
        assert deal.protected_until == tenant_today() + timedelta(days=120)
    assert (deal.status, deal.decided_by_id, deal.decision_message) == (S.APPROVED, acme.manager.pk, "Go for it")
    with platform_scope():
        told = set(Notification.objects.filter(kind="deal.decided").values_list("recipient_id", flat=True))
        assert DealConflict.objects.filter(deal=deal, phase="approval").count() == 0
    assert told == {acme.partner_admins[1].pk, acme.sales[1].pk}
    # a second approval is told the deal was approved by someone else
    with tenant_scope(acme.tenant), pytest.raises(InvalidTransition, match="already approved by someone else"):
        deal_approve(actor=acme.admin, deal=deal)


def test_a_second_approval_for_the_same_customer_and_line_is_refused_by_the_database(acme, cat):
    # given two partners registering the same customer's firewalls (a conflict the reviewer sees)
    first = submitted(acme.sales_rep, cat)
    second = submitted(acme.sales[1], cat, customer_name="Initech", customer_website="initech.de")
    assert refresh(second).has_conflict
    with tenant_scope(acme.tenant):
        deal_approve(actor=acme.manager, deal=first, conflicts_acknowledged=True)
    # when the second is approved too
    with tenant_scope(acme.tenant), pytest.raises(PolicyViolation, match="already protected for another registration"):
        deal_approve(actor=acme.manager, deal=second)
    # then nothing of the second approval was written
    second = refresh(second)
    assert (second.status, second.protected_until, second.decided_at) == (S.SUBMITTED, None, None)
    with platform_scope():
        assert not DealProtection.objects.filter(deal=second).exists()
        assert not DealConflict.objects.filter(deal=second, phase="approval").exists()
    # and once the first is withdrawn its claim is released and the second can be approved
    with as_partner(acme.sales_rep):
        deal_withdraw(actor=acme.sales_rep, deal=first, reason="Customer went elsewhere")
    with platform_scope():
        assert list(DealProtection.objects.filter(deal=first).values_list("active", flat=True)) == [False]
    with tenant_scope(acme.tenant):
        deal_approve(actor=acme.manager, deal=second)
    assert refresh(second).status == S.APPROVED


def test_reject_needs_a_reason_and_a_message(acme, cat):
    deal = submitted(acme.sales_rep, cat)
    with tenant_scope(acme.tenant):
        with pytest.raises(PolicyViolation):
            deal_reject(actor=acme.manager, deal=deal, reason_code="conflict", message=" ")
        with pytest.raises(NotAllowed):
            deal_reject(actor=acme.marketing, deal=deal, reason_code="conflict", message="No")
        deal_reject(actor=acme.manager, deal=deal, reason_code="conflict", message="Direct account.")
    deal = refresh(deal)
    assert (deal.status, deal.rejection_reason, deal.decision_message) == (S.REJECTED, "conflict", "Direct account.")
    with tenant_scope(acme.tenant), pytest.raises(InvalidTransition):
        deal_approve(actor=acme.manager, deal=deal)


def test_info_request_lets_the_partner_change_only_the_named_fields_and_resubmit(acme, cat):
    deal = submitted(acme.sales_rep, cat)
    first_due = refresh(deal).decision_due_at
    with tenant_scope(acme.tenant):
        with pytest.raises(PolicyViolation):
            deal_request_info(actor=acme.manager, deal=deal, fields=["status"], message="?")
        deal_request_info(actor=acme.manager, deal=deal, fields=["amount", "contact_name"], message="Budget?")
    deal = refresh(deal)
    assert (deal.status, deal.info_fields, deal.decision_due_at) == (S.INFO_REQUESTED, ["amount", "contact_name"], None)
    with as_partner(acme.sales_rep):
        with pytest.raises(PolicyViolation, match="customer_name cannot change"):
            deal_update(actor=acme.sales_rep, deal=deal, changes={"customer_name": "Other"})
        # asked about the amount, the partner changes the products it is the total of
        deal_update(
            actor=acme.sales_rep,
            deal=deal,
            changes={"contact_name": "Peter"},
            lines=[(cat.firewall, 2, Decimal("6000"))],
        )
        deal_submit(actor=acme.sales_rep, deal=deal)
    deal = refresh(deal)
    assert (deal.status, deal.amount, deal.info_fields) == (S.SUBMITTED, Decimal("12000.00"), [])
    assert deal.decision_due_at >= first_due
    assert events_of(deal)[-4:] == ["deal.info_requested", "deal.edited", "deal.resubmitted", "deal.assigned"]


def test_a_duplicate_links_its_original(acme, cat):
    original = submitted(acme.sales_rep, cat)
    copy = submitted(acme.sales_rep, cat)
    with tenant_scope(acme.tenant):
        with pytest.raises(PolicyViolation):
            deal_mark_duplicate(actor=acme.manager, deal=copy, original=copy)
        deal_mark_duplicate(actor=acme.manager, deal=copy, original=original)
    copy = refresh(copy)
    assert (copy.status, copy.duplicate_of_id) == (S.DUPLICATE, original.pk)


# --- After approval -----------------------------------------------------------------------------------


def test_a_confirmed_win_emits_the_event_incentives_consume_and_releases_the_customer(acme, cat, approved):
    with as_partner(acme.sales_rep):
        deal_update_stage(actor=acme.sales_rep, deal=approved, stage="negotiate")
        deal_mark_won(actor=acme.sales_rep, deal=approved, amount=Decimal("9500"), won_on=timezone.localdate())
    # the program wants confirmation: the win waits, still protected
    assert refresh(approved).status == S.WON_PENDING
    with platform_scope():
        assert DealProtection.objects.get(deal=approved).active
    with tenant_scope(acme.tenant):
        deal_confirm_win(actor=acme.manager, deal=approved)
    deal = refresh(approved)
    assert (deal.status, deal.won_amount, deal.stage) == (S.WON, Decimal("9500.00"), "negotiate")
    with platform_scope():
        won = Event.objects.get(object_id=deal.pk, verb="deal.won")
        assert not DealProtection.objects.get(deal=deal).active
        assert OutboxMessage.objects.filter(
            task_name="programs.tier_evaluate", kwargs__partner_ids=[acme.partner.pk]
        ).exists()
    assert won.data == {
        "amount": "9500.00",
        "currency": "USD",
        "partner_id": acme.partner.pk,
        "product_line_ids": [cat.firewalls.pk],
    }
    assert won.actor_id == acme.manager.pk


def test_a_win_without_confirmation_is_won_at_once_and_a_refused_win_is_approved_again(acme, cat, approved):
    with as_partner(acme.sales_rep):
        deal_mark_won(actor=acme.sales_rep, deal=approved, amount=Decimal("1"), won_on=timezone.localdate())
    with tenant_scope(acme.tenant):
        deal_refuse_win(actor=acme.manager, deal=approved, reason="No invoice yet")
    deal = refresh(approved)
    assert (deal.status, deal.won_amount) == (S.APPROVED, None)
    with platform_scope():
        cat.program.deal_win_needs_confirmation = False
        cat.program.save()
        deal.program.refresh_from_db()
    with as_partner(acme.sales_rep):
        deal_mark_won(actor=acme.sales_rep, deal=deal, amount=Decimal("2"), won_on=timezone.localdate())
    assert refresh(deal).status == S.WON
    assert events_of(deal).count("deal.won") == 1


def test_a_lost_deal_releases_its_protection_and_stage_changes_need_an_approved_deal(acme, cat, approved):
    with as_partner(acme.sales_rep):
        deal_mark_lost(actor=acme.sales_rep, deal=approved, reason="Budget cut")
        with pytest.raises(InvalidTransition):
            deal_update_stage(actor=acme.sales_rep, deal=approved, stage="close")
    assert (refresh(approved).status, refresh(approved).closed_reason) == (S.LOST, "Budget cut")
    with platform_scope():
        assert not DealProtection.objects.get(deal=approved).active


def test_extensions_one_pending_at_a_time_approved_adds_days_refused_needs_a_note(acme, cat, approved):
    until = refresh(approved).protected_until
    with as_partner(acme.sales_rep):
        extension = extension_request(actor=acme.sales_rep, deal=approved, days=30, reason="Board meets in June")
        with pytest.raises(PolicyViolation, match="already waiting"):
            extension_request(actor=acme.sales_rep, deal=approved, days=10, reason="Again")
    with tenant_scope(acme.tenant):
        with pytest.raises(PolicyViolation):
            extension_decide(actor=acme.manager, extension=extension, approve=False)
        extension_decide(actor=acme.manager, extension=extension, approve=True)
        with pytest.raises(InvalidTransition):
            extension_decide(actor=acme.admin, extension=extension, approve=False, note="late")
    assert refresh(approved).protected_until == until + timedelta(days=30)
    with as_partner(acme.sales_rep):
        second = extension_request(actor=acme.sales_rep, deal=approved, days=10, reason="Again")
    with tenant_scope(acme.tenant):
        extension_decide(actor=acme.manager, extension=second, approve=False, note="Enough")
    assert refresh(second).status == "refused"
    assert refresh(approved).protected_until == until + timedelta(days=30)
    with platform_scope():
        assert DealExtension.objects.filter(deal=approved).count() == 2


# --- Concurrency -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_one_wins_the_other_is_told(acme, cat):
    deal = submitted(acme.sales_rep, cat)
    outcomes = race(
        {
            "manager": lambda: deal_approve(actor=acme.manager, deal=deal),
            "admin": lambda: deal_approve(actor=acme.admin, deal=deal),
        },
        tenant=acme.tenant,
    )
    assert sorted(map(str, outcomes.values())).count("done") == 1
    loser = next(r for r in outcomes.values() if r != "done")
    assert isinstance(loser, InvalidTransition) and "already approved by someone else" in str(loser)
    with platform_scope():
        assert DealProtection.objects.filter(deal=deal, active=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_registrations_of_one_customer_approved_at_once_only_one_is_protected(acme, cat):
    first = submitted(acme.sales_rep, cat)
    second = submitted(acme.sales[1], cat)
    outcomes = race(
        {
            "first": lambda: deal_approve(actor=acme.manager, deal=first, conflicts_acknowledged=True),
            "second": lambda: deal_approve(actor=acme.admin, deal=second, conflicts_acknowledged=True),
        },
        tenant=acme.tenant,
    )
    assert list(outcomes.values()).count("done") == 1
    loser = next(r for r in outcomes.values() if r != "done")
    assert isinstance(loser, PolicyViolation) and "already protected" in str(loser)
    with platform_scope():
        assert DealProtection.objects.filter(active=True, customer="initech.de").count() == 1
        assert sorted(Deal.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == [
            S.APPROVED,
            S.SUBMITTED,
        ]


def test_an_auto_rule_cannot_approve_a_customer_protected_for_another_partner_it_goes_to_review(acme, cat):
    # given a rule that does not mind conflicts, and partner 2's approved registration of Initech
    rule(cat, name="Anything goes", require_no_conflict=False)
    first = submitted(acme.sales[1], cat)
    assert refresh(first).status == S.APPROVED
    # when partner 1 registers the same customer and line
    second = refresh(submitted(acme.sales_rep, cat))
    # then the rule could not claim the customer: a reviewer decides, nothing was protected
    assert (second.status, second.decided_by_rule_id, second.reviewer_id) == (S.SUBMITTED, None, acme.manager.pk)
    assert second.has_conflict
    with platform_scope():
        assert not DealProtection.objects.filter(deal=second).exists()


def test_another_partners_user_cannot_touch_the_registration(acme, cat):
    deal = draft(acme.sales_rep, cat)
    other = acme.sales[1]
    with tenant_scope(acme.tenant):
        for call in (
            lambda: deal_submit(actor=other, deal=deal),
            lambda: deal_update(actor=other, deal=deal, changes={"notes": "x"}),
            lambda: deal_withdraw(actor=other, deal=deal, reason="x"),
            lambda: deal_approve(actor=acme.partner_admin, deal=deal),
        ):
            with pytest.raises(NotAllowed):
                call()
    assert refresh(deal).status == S.DRAFT


def test_an_audience_of_both_sides_follows_each_its_own_sides_link(acme, cat):
    # given a submitted registration of partner 1
    deal = submitted(acme.sales_rep, cat)
    # when a deal service tells the reviewer and the registrant at once
    with tenant_scope(acme.tenant):
        tell(deal, to=[acme.sales_rep, acme.manager], kind=notifications.DECIDED, title="told")
    # then the staff member's link opens the back office, the partner user's the portal
    with platform_scope():
        told = dict(Notification.objects.filter(kind="deal.decided").values_list("recipient_id", "url"))
    assert told == {
        acme.manager.pk: reverse("office:deal_detail", args=[deal.pk]),
        acme.sales_rep.pk: reverse("portal:deal_detail", args=[deal.pk]),
    }
