"""Who may act on a deal registration: every action for every role, on the actor's own
registration, a colleague's and another partner's, asked of the guard and of the services.

The expectations below are written out by hand (not read from ``deals.permissions``): a change
to the table shows up here as a change of who may do what.

"Own", "a colleague's" and "another partner's" are seen from the actor: a partner user acts on a
registration it registered itself, one a user of its company registered, or one of the other
partner; vendor staff act on a registration they entered on the partner's behalf, one a staff
colleague entered, or one a partner's user registered (staff reach every registration of their
tenant, so the three must agree). A role is played by a real membership with that role (its
capabilities come from the role alone).
"""

from __future__ import annotations

import copy
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.http import Http404
from django.utils import timezone

from deals.models import (
    Deal,
    DealAttachment,
    DealExtension,
    DealMessage,
    DealStatus,
    SpecialPricingRequest,
    SpecialPricingStep,
)
from deals.permissions import DRAFT_PRIVATE, RULES, DealAction, deal_filter, deal_may, deal_require
from deals.selectors.deals import deal_get_for_actor
from deals.selectors.review import deal_review_get_for_actor
from deals.services import (
    attachment_add,
    deal_approve,
    deal_confirm_win,
    deal_mark_duplicate,
    deal_mark_lost,
    deal_mark_won,
    deal_refuse_win,
    deal_register,
    deal_reject,
    deal_request_info,
    deal_reverse_win,
    deal_submit,
    deal_update,
    deal_update_stage,
    deal_withdraw,
    extension_decide,
    extension_request,
    message_post,
    pricing_decide,
    pricing_request,
    pricing_withdraw,
)
from prm.accounts.models import Membership
from prm.accounts.roles import MembershipKind, Role
from prm.errors import CrossTenantReference, NotAllowed
from prm.events.models import Event, OutboxMessage
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.factories import PartnerMembershipFactory, refresh
from tests.matrix import attempt

from .deal_setup import as_partner, draft, make_catalogue, submitted
from .portal_setup import pdf_upload

A = DealAction
S = DealStatus

STAFF = (Role.ADMIN, Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR, Role.MARKETING, Role.FINANCE)
PARTNER = (Role.PARTNER_ADMIN, Role.SALES, Role.TECHNICAL, Role.PARTNER_MARKETING, Role.PARTNER_FINANCE)
OWN, COLLEAGUES, OTHER_PARTNERS = "own", "a colleague's", "another partner's"
RELATIONS = (OWN, COLLEAGUES, OTHER_PARTNERS)
CASES = [(role, relation) for role in STAFF + PARTNER for relation in RELATIONS]

ALL_STAFF = frozenset(STAFF)
REVIEWERS = frozenset({Role.ADMIN, Role.CHANNEL_MANAGER})  # also who registers on a partner's behalf
PRICING_DECIDERS = frozenset({Role.ADMIN, Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR, Role.FINANCE})
REGISTRANTS = frozenset({Role.PARTNER_ADMIN, Role.SALES})
NOBODY = frozenset()

# action: (the staff roles that may, the partner roles that may on their own registrations)
EXPECTED = {
    A.VIEW: (ALL_STAFF, REGISTRANTS),
    A.VIEW_INTERNAL: (ALL_STAFF, NOBODY),
    A.REGISTER: (REVIEWERS, REGISTRANTS),
    A.EDIT: (REVIEWERS, REGISTRANTS),
    A.SUBMIT: (REVIEWERS, REGISTRANTS),
    A.WITHDRAW: (REVIEWERS, REGISTRANTS),
    A.UPDATE_STAGE: (REVIEWERS, REGISTRANTS),
    A.MARK_WON: (REVIEWERS, REGISTRANTS),
    A.MARK_LOST: (REVIEWERS, REGISTRANTS),
    A.REQUEST_EXTENSION: (REVIEWERS, REGISTRANTS),
    A.APPROVE: (REVIEWERS, NOBODY),
    A.REJECT: (REVIEWERS, NOBODY),
    A.REQUEST_INFO: (REVIEWERS, NOBODY),
    A.MARK_DUPLICATE: (REVIEWERS, NOBODY),
    A.CONFIRM_WIN: (REVIEWERS, NOBODY),
    A.REFUSE_WIN: (REVIEWERS, NOBODY),
    A.REVERSE_WIN: (REVIEWERS, NOBODY),
    A.DECIDE_EXTENSION: (REVIEWERS, NOBODY),
    A.POST_MESSAGE: (REVIEWERS, REGISTRANTS),
    A.POST_INTERNAL_NOTE: (REVIEWERS, NOBODY),
    A.ATTACH: (REVIEWERS, REGISTRANTS),
    A.PRICING_REQUEST: (NOBODY, REGISTRANTS),
    A.PRICING_WITHDRAW: (NOBODY, REGISTRANTS),
    A.PRICING_DECIDE: (PRICING_DECIDERS, NOBODY),
}

# The sentences users read when refused, as the services said them before the table (partner
# user, staff).
REFUSALS = {
    A.REGISTER: ("You may not register deals for this company.", "You may not register deals on a partner's behalf."),
    A.EDIT: ("You may not edit this registration.",) * 2,
    A.SUBMIT: ("You may not submit this registration.",) * 2,
    A.WITHDRAW: ("You may not withdraw this registration.",) * 2,
    A.UPDATE_STAGE: ("You may not update this deal.",) * 2,
    A.MARK_WON: ("You may not mark this deal won.",) * 2,
    A.MARK_LOST: ("You may not mark this deal lost.",) * 2,
    A.REQUEST_EXTENSION: ("You may not request an extension.",) * 2,
    A.APPROVE: ("You may not decide deal registrations.",) * 2,
    A.REJECT: ("You may not decide deal registrations.",) * 2,
    A.REQUEST_INFO: ("You may not decide deal registrations.",) * 2,
    A.MARK_DUPLICATE: ("You may not decide deal registrations.",) * 2,
    A.CONFIRM_WIN: ("You may not confirm wins.",) * 2,
    A.REFUSE_WIN: ("You may not confirm wins.",) * 2,
    A.REVERSE_WIN: ("You may not confirm wins.",) * 2,
    A.DECIDE_EXTENSION: ("You may not decide extensions.",) * 2,
    A.POST_MESSAGE: ("You may not write on this registration.",) * 2,
    A.POST_INTERNAL_NOTE: ("Only the vendor's staff write internal notes.", "You may not write on this registration."),
    A.ATTACH: ("You may not attach documents to this registration.",) * 2,
    A.PRICING_REQUEST: (
        "You may not ask for special pricing on this registration.",
        "Only the partner may ask for special pricing on this registration.",
    ),
    A.PRICING_WITHDRAW: (
        "You may not withdraw this special-pricing request.",
        "Only the partner may withdraw this special-pricing request.",
    ),
    A.PRICING_DECIDE: ("You may not decide special pricing.",) * 2,
}


def expected(action: DealAction, role: str, relation: str, *, partner_draft: bool = False) -> bool:
    """``partner_draft``: the registration is a draft a partner user saved, which the vendor's
    side neither sees nor acts on until it is submitted."""
    staff_may, partner_may = EXPECTED[action]
    if role in ALL_STAFF:
        return role in staff_may and not partner_draft  # staff reach every submitted registration of their tenant
    if role not in partner_may or relation == OTHER_PARTNERS:
        return False
    # A partner admin reaches the company's registrations, anyone else its own; a registration
    # being made is always the registrant's own.
    return relation == OWN or role == Role.PARTNER_ADMIN or action == A.REGISTER


def test_the_table_has_a_rule_and_an_expectation_for_every_action():
    assert set(RULES) == set(DealAction) == set(EXPECTED)
    assert set(REFUSALS) == set(DealAction) - {A.VIEW, A.VIEW_INTERNAL}


def as_role(member: Membership, role: str) -> Membership:
    """``member`` playing ``role``: the same person, company and registrations, that role's rights."""
    player = copy.copy(member)
    player.role = role
    return player


def actor_and_deal(people, action: DealAction, role: str, relation: str) -> tuple[Membership, Deal]:
    """Who acts, on which registration (see the module's docstring). ``people`` names partner 1's
    registrant, a colleague of it and partner 2's user; the staff member who entered ``entered``
    and a staff colleague; ``registered`` (by the registrant) and ``entered`` (by staff), both of
    partner 1."""
    staff = role in ALL_STAFF
    if staff:
        who = {OWN: people.staff, COLLEAGUES: people.staff_colleague, OTHER_PARTNERS: people.staff}[relation]
    else:
        who = {OWN: people.registrant, COLLEAGUES: people.colleague, OTHER_PARTNERS: people.outsider}[relation]
    actor = as_role(who, role)
    if action == A.REGISTER:  # the registration about to be made, for partner 1 (partner 2's user: not its own)
        return actor, Deal(tenant_id=people.partner.tenant_id, partner_id=people.partner.pk, registered_by=actor)
    if staff and relation != OTHER_PARTNERS:
        return actor, people.entered
    return actor, people.registered


def _refusal(action: DealAction, actor) -> str:
    partner, staff = REFUSALS[action]
    return staff if actor.is_staff_member else partner


def _refusals(action: DealAction, actor) -> set[str]:
    """What a refused actor may read from the action's service: an internal note is a message
    first (a partner user on a colleague's registration reads that refusal)."""
    if action in (A.VIEW, A.VIEW_INTERNAL):
        return set()
    first = {_refusal(A.POST_MESSAGE, actor)} if action == A.POST_INTERNAL_NOTE else set()
    drafts = {str(DRAFT_PRIVATE)} if actor.is_staff_member else set()
    return first | drafts | {_refusal(action, actor)}


# --- the guard ----------------------------------------------------------------------------------


def _member(pk: int, kind: str, partner_id: int | None) -> Membership:
    return Membership(pk=pk, tenant_id=1, kind=kind, role="", partner_id=partner_id, is_active=True)


def _people_in_memory() -> SimpleNamespace:
    """The cast, unsaved: the guard reads ids, roles and sides, never the database."""
    partner, other_partner = SimpleNamespace(pk=10, tenant_id=1), SimpleNamespace(pk=11, tenant_id=1)
    people = SimpleNamespace(
        partner=partner,
        other_partner=other_partner,
        registrant=_member(100, MembershipKind.PARTNER, partner.pk),
        colleague=_member(101, MembershipKind.PARTNER, partner.pk),
        outsider=_member(102, MembershipKind.PARTNER, other_partner.pk),
        staff=_member(200, MembershipKind.STAFF, None),
        staff_colleague=_member(201, MembershipKind.STAFF, None),
    )
    # Submitted: who may do what by role (a partner's draft: test_staff_neither_see_nor_act_on_a_partners_draft).
    submitted = DealStatus.SUBMITTED
    people.registered = Deal(
        pk=1, tenant_id=1, partner_id=partner.pk, registered_by_id=people.registrant.pk, status=submitted
    )
    people.entered = Deal(pk=2, tenant_id=1, partner_id=partner.pk, registered_by_id=people.staff.pk, status=submitted)
    people.entered.entered_by_id = people.staff.pk
    return people


@pytest.mark.parametrize("action", list(DealAction))
def test_the_guard_allows_each_action_to_exactly_the_roles_of_the_table(action):
    people = _people_in_memory()
    wrong = []
    for role, relation in CASES:
        actor, deal = actor_and_deal(people, action, role, relation)
        allowed = expected(action, role, relation)
        if deal_may(actor, deal, action) != allowed:
            wrong.append((role, relation, "allowed" if not allowed else "refused"))
            continue
        if allowed:
            deal_require(actor, deal, action)
        elif action == A.VIEW:  # what one may not see does not exist: a 404, not a 403
            with pytest.raises(Http404):
                deal_require(actor, deal, action)
        elif action in REFUSALS:
            with pytest.raises(NotAllowed) as refused:
                deal_require(actor, deal, action)
            assert refused.value.message == _refusal(action, actor), (role, relation)
    assert wrong == [], f"{action}: the guard disagrees with the table for (role, relation, wrongly ...)"


@pytest.mark.parametrize("action", list(DealAction))
def test_staff_neither_see_nor_act_on_a_partners_draft(action):
    # given a draft a partner's sales rep saved
    people = _people_in_memory()
    partners_draft = copy.copy(people.registered)
    partners_draft.status = DealStatus.DRAFT
    wrong = []
    for role in STAFF + PARTNER:
        if action == A.REGISTER:
            continue  # a registration being made is no draft yet
        actor = as_role(people.staff if role in ALL_STAFF else people.registrant, role)
        # when the guard is asked, then the partner's users keep their rights and staff have none
        allowed = expected(action, role, OWN, partner_draft=role in ALL_STAFF)
        if deal_may(actor, partners_draft, action) != allowed:
            wrong.append((role, action))
        elif not allowed and role in EXPECTED[action][0]:
            # staff whom the table would let act: a 404 to see it, the draft's sentence to act on it
            with pytest.raises(Http404 if RULES[action].refusal is None else NotAllowed) as refused:
                deal_require(actor, partners_draft, action)
            if RULES[action].refusal is not None:
                assert refused.value.message == str(DRAFT_PRIVATE)
    assert wrong == []


def test_another_tenants_registration_is_refused_whatever_the_role():
    people = _people_in_memory()
    foreign = Deal(pk=3, tenant_id=2, partner_id=20, registered_by_id=300)
    admin = as_role(people.staff, Role.ADMIN)
    assert not any(deal_may(admin, foreign, action) for action in DealAction)
    # and the guard says why: the object belongs to another portal
    with pytest.raises(CrossTenantReference):
        deal_require(admin, foreign, A.VIEW)


# --- the services -------------------------------------------------------------------------------

# The state each action needs its registrations in.
STATE = {
    A.VIEW: S.DRAFT,
    A.VIEW_INTERNAL: S.DRAFT,
    A.REGISTER: None,
    A.EDIT: S.DRAFT,
    A.SUBMIT: S.DRAFT,
    A.WITHDRAW: S.APPROVED,
    A.UPDATE_STAGE: S.APPROVED,
    A.MARK_WON: S.APPROVED,
    A.MARK_LOST: S.APPROVED,
    A.REQUEST_EXTENSION: S.APPROVED,
    A.APPROVE: S.SUBMITTED,
    A.REJECT: S.SUBMITTED,
    A.REQUEST_INFO: S.SUBMITTED,
    A.MARK_DUPLICATE: S.SUBMITTED,
    A.CONFIRM_WIN: S.WON_PENDING,
    A.REFUSE_WIN: S.WON_PENDING,
    A.REVERSE_WIN: S.WON,
    A.DECIDE_EXTENSION: "extension",
    A.POST_MESSAGE: S.SUBMITTED,  # a draft has no conversation with the vendor yet
    A.POST_INTERNAL_NOTE: S.DRAFT,
    A.ATTACH: S.DRAFT,
    A.PRICING_REQUEST: S.APPROVED,
    A.PRICING_WITHDRAW: "pricing",
    A.PRICING_DECIDE: "pricing",
}


def _tomorrow_month():
    return timezone.localdate() + timedelta(days=30)


def _other(people, deal: Deal) -> Deal:
    return people.entered if deal.pk == people.registered.pk else people.registered


CALLS = {
    A.VIEW: lambda actor, deal, people: deal_get_for_actor(actor=actor, deal_id=deal.pk),
    A.VIEW_INTERNAL: lambda actor, deal, people: deal_review_get_for_actor(actor=actor, deal_id=deal.pk),
    A.REGISTER: lambda actor, deal, people: deal_register(
        actor=actor,
        partner=people.partner,
        lines=[(people.cat.switch, 1, None)],
        customer_name="Matrix Customer",
        customer_country="DE",
        amount=Decimal("800"),
        currency="USD",
        expected_close_on=_tomorrow_month(),
    ),
    A.EDIT: lambda actor, deal, people: deal_update(actor=actor, deal=deal, changes={"notes": "Matrix"}),
    A.SUBMIT: lambda actor, deal, people: deal_submit(actor=actor, deal=deal),
    A.WITHDRAW: lambda actor, deal, people: deal_withdraw(actor=actor, deal=deal, reason="Matrix"),
    A.UPDATE_STAGE: lambda actor, deal, people: deal_update_stage(actor=actor, deal=deal, stage="negotiate"),
    A.MARK_WON: lambda actor, deal, people: deal_mark_won(
        actor=actor, deal=deal, amount=Decimal("9000"), won_on=timezone.localdate()
    ),
    A.MARK_LOST: lambda actor, deal, people: deal_mark_lost(actor=actor, deal=deal, reason="Matrix"),
    A.REQUEST_EXTENSION: lambda actor, deal, people: extension_request(
        actor=actor, deal=deal, days=30, reason="Matrix"
    ),
    A.APPROVE: lambda actor, deal, people: deal_approve(actor=actor, deal=deal),
    A.REJECT: lambda actor, deal, people: deal_reject(actor=actor, deal=deal, reason_code="conflict", message="Matrix"),
    A.REQUEST_INFO: lambda actor, deal, people: deal_request_info(
        actor=actor, deal=deal, fields=["notes"], message="Matrix"
    ),
    A.MARK_DUPLICATE: lambda actor, deal, people: deal_mark_duplicate(
        actor=actor, deal=deal, original=_other(people, deal)
    ),
    A.CONFIRM_WIN: lambda actor, deal, people: deal_confirm_win(actor=actor, deal=deal),
    A.REFUSE_WIN: lambda actor, deal, people: deal_refuse_win(actor=actor, deal=deal, reason="Matrix"),
    A.REVERSE_WIN: lambda actor, deal, people: deal_reverse_win(actor=actor, deal=deal, reason="Matrix"),
    A.DECIDE_EXTENSION: lambda actor, deal, people: extension_decide(
        actor=actor, extension=people.extensions[deal.pk], approve=True, note="Matrix"
    ),
    A.POST_MESSAGE: lambda actor, deal, people: message_post(actor=actor, deal=deal, body="Matrix"),
    A.POST_INTERNAL_NOTE: lambda actor, deal, people: message_post(
        actor=actor, deal=deal, body="Matrix", internal=True
    ),
    A.ATTACH: lambda actor, deal, people: attachment_add(actor=actor, deal=deal, file=pdf_upload(), name="Matrix"),
    A.PRICING_REQUEST: lambda actor, deal, people: pricing_request(
        actor=actor, deal=deal, discount_percent=Decimal("8"), justification="Matrix"
    ),
    A.PRICING_WITHDRAW: lambda actor, deal, people: pricing_withdraw(actor=actor, pricing=people.pricing[deal.pk]),
    A.PRICING_DECIDE: lambda actor, deal, people: pricing_decide(
        actor=actor, pricing=people.pricing[deal.pk], approve=True, note="Matrix"
    ),
}


def _people(acme, state) -> SimpleNamespace:
    """Partner 1's registrant (its sales rep) and a colleague (its admin), partner 2's admin, the
    channel manager who enters registrations and the vendor admin; and, when ``state`` asks for
    them, ``registered`` (by the rep) and ``entered`` (by the manager) in that state."""
    people = SimpleNamespace(
        tenant=acme.tenant,
        partner=acme.partner,
        registrant=acme.sales_rep,
        colleague=acme.partner_admin,
        outsider=acme.partner_admins[1],
        staff=acme.manager,
        staff_colleague=acme.admin,
        cat=make_catalogue(acme),
    )
    if state is None:
        return people
    # Two customers apart (no conflict between them), one registration each.
    rep_customer = {"customer_name": "Alpha Widgets", "customer_website": "alpha.example", "contact_email": ""}
    staff_customer = {"customer_name": "Bravo Gadgets", "customer_website": "bravo.example", "contact_email": ""}
    if state == S.DRAFT:
        people.registered = draft(acme.sales_rep, people.cat, **rep_customer)
    else:
        people.registered = submitted(acme.sales_rep, people.cat, **rep_customer)
    people.entered = _entered(acme, people, state, staff_customer)
    if state in (S.DRAFT, S.SUBMITTED):
        return people
    with tenant_scope(acme.tenant):
        for deal in (people.registered, people.entered):
            deal_approve(actor=acme.manager, deal=deal)
    if state in (S.WON_PENDING, S.WON):
        with as_partner(acme.sales_rep):
            deal_mark_won(actor=acme.sales_rep, deal=people.registered, amount=Decimal(1), won_on=timezone.localdate())
        with tenant_scope(acme.tenant):
            deal_mark_won(actor=acme.manager, deal=people.entered, amount=Decimal(1), won_on=timezone.localdate())
    if state == S.WON:  # confirmed (no program: every win waits for the vendor)
        with tenant_scope(acme.tenant):
            for deal in (people.registered, people.entered):
                deal_confirm_win(actor=acme.manager, deal=deal)
    if state == "extension":
        with as_partner(acme.sales_rep):
            one = extension_request(actor=acme.sales_rep, deal=people.registered, days=30, reason="Board")
        with tenant_scope(acme.tenant):
            two = extension_request(actor=acme.manager, deal=people.entered, days=30, reason="Board")
        people.extensions = {people.registered.pk: one, people.entered.pk: two}
    if state == "pricing":
        asks = {}
        for asker, deal in ((acme.sales_rep, people.registered), (acme.partner_admin, people.entered)):
            with as_partner(asker):
                asks[deal.pk] = pricing_request(
                    actor=asker, deal=deal, discount_percent=Decimal("8"), justification="Bid"
                )
        people.pricing = asks
    people.registered, people.entered = refresh(people.registered), refresh(people.entered)
    return people


def _entered(acme, people, state, customer) -> Deal:
    with tenant_scope(acme.tenant):
        deal = deal_register(
            actor=acme.manager,
            partner=acme.partner,
            lines=[(people.cat.firewall, 1, None)],
            customer_country="DE",
            amount=Decimal("5000"),
            currency="USD",
            expected_close_on=_tomorrow_month(),
            **customer,
        )
        return deal if state == S.DRAFT else deal_submit(actor=acme.manager, deal=deal)


def _written(people) -> tuple:
    """Everything a deal action writes, counted; and the registrations' own rows."""
    with platform_scope():
        counts = tuple(
            model.objects.count()
            for model in (
                Deal,
                Event,
                Notification,
                OutboxMessage,
                DealMessage,
                DealAttachment,
                DealExtension,
                SpecialPricingRequest,
                SpecialPricingStep,
            )
        )
        rows = list(Deal.objects.order_by("pk").values_list("pk", "status", "stage", "notes", "updated_at"))
    return counts, rows


def _scope(actor, people):
    return tenant_scope(people.tenant) if actor.is_staff_member else as_partner(actor)


def _through_the_service(action, actor, deal, people) -> tuple[bool, Exception | None]:
    """(refused by the table, any other refusal) for one call of the action's service, whose
    writes are rolled back (``tests.matrix.attempt``)."""
    with _scope(actor, people):
        refusal = attempt(lambda: CALLS[action](actor, deal, people))
    if refusal is None:
        return False, None
    if isinstance(refusal, Http404) or refusal.message in _refusals(action, actor):
        return True, None
    return False, refusal


def _listed(action, actor, deal, people) -> bool:
    """Whether the list filter of the action (what pages list) holds the registration."""
    visible = deal_filter(actor, action)
    with _scope(actor, people):
        return visible is not None and Deal.objects.filter(visible, pk=deal.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(DealAction))
def test_each_service_refuses_exactly_whom_the_table_refuses_and_writes_nothing_then(acme, action):
    # given the registrations in the state the action needs
    people = _people(acme, STATE[action])
    before = _written(people)
    wrong, other_refusals = [], []
    for role, relation in CASES:
        actor, deal = actor_and_deal(people, action, role, relation)
        # (staff on "another partner's" act on partner 1's registration, here a partner's draft)
        partner_draft = STATE[action] == S.DRAFT and deal.pk == people.registered.pk
        allowed = expected(action, role, relation, partner_draft=partner_draft)
        # when the actor calls the action's service (or, to view, its selector)
        refused, error = _through_the_service(action, actor, deal, people)
        # then it is refused with the table's sentence exactly when the table refuses it
        if refused == allowed:
            wrong.append((role, relation, "refused" if refused else "allowed"))
        if error is not None:
            other_refusals.append((role, relation, str(error)))
        # and what the pages list agrees with it
        if action != A.REGISTER and _listed(action, actor, deal, people) != allowed:
            wrong.append((role, relation, "listed" if not allowed else "not listed"))
    assert wrong == [], f"{action}: the service disagrees with the table for (role, relation, wrongly ...)"
    # the one refusal besides the table's is a state's: a pricing step awaits its own role
    assert all("awaits the channel account manager" in message for *_, message in other_refusals), other_refusals
    # and nothing was written by any call (those that went through were rolled back)
    assert _written(people) == before


def test_a_sales_rep_may_not_act_on_a_colleagues_registration(acme):
    # given two sales reps of partner 1: a colleague's draft and a colleague's approved registration
    cat = make_catalogue(acme)
    rep, colleague = acme.sales_rep, PartnerMembershipFactory(partner=acme.partner, role=Role.SALES)
    their_draft = draft(colleague, cat, customer_name="Colleague Draft")
    their_deal = submitted(colleague, cat, customer_name="Colleague Approved", customer_website="approved.example")
    with tenant_scope(acme.tenant):
        their_deal = deal_approve(actor=acme.manager, deal=their_deal)
    before = {deal.pk: _event_count(deal) for deal in (their_draft, their_deal)}
    today = timezone.localdate()
    # when the rep calls each service a rep may call on their own registrations, on the colleague's
    calls = {
        "edit": lambda: deal_update(actor=rep, deal=their_draft, changes={"notes": "Mine now"}),
        "submit": lambda: deal_submit(actor=rep, deal=their_draft),
        "withdraw a draft": lambda: deal_withdraw(actor=rep, deal=their_draft, reason="Mine now"),
        "update the stage": lambda: deal_update_stage(actor=rep, deal=their_deal, stage="negotiate"),
        "mark won": lambda: deal_mark_won(actor=rep, deal=their_deal, amount=Decimal("1"), won_on=today),
        "mark lost": lambda: deal_mark_lost(actor=rep, deal=their_deal, reason="Mine now"),
        "request an extension": lambda: extension_request(actor=rep, deal=their_deal, days=30, reason="Mine now"),
        "withdraw": lambda: deal_withdraw(actor=rep, deal=their_deal, reason="Mine now"),
    }
    allowed = []
    for action, call in calls.items():
        # a call that goes through is rolled back: the next ones start alike
        with as_partner(rep):
            refusal = attempt(call)
        if not isinstance(refusal, NotAllowed):  # went through (or, unexpectedly, a 404)
            allowed.append(action)
    # then each is refused, as the portal's pages (which 404 the colleague's deal) are
    assert allowed == []
    # and nothing was written
    assert (refresh(their_draft).status, refresh(their_draft).notes) == (S.DRAFT, "")
    assert (refresh(their_deal).status, refresh(their_deal).stage) == (S.APPROVED, their_deal.stage)
    with platform_scope():
        assert not DealExtension.objects.filter(deal_id=their_deal.pk).exists()
    assert {deal.pk: _event_count(deal) for deal in (their_draft, their_deal)} == before


def _event_count(deal) -> int:
    with platform_scope():
        return Event.objects.filter(object_id=deal.pk, verb__startswith="deal.").count()
