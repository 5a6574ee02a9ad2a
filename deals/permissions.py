"""Who may do what with deal registrations: the capabilities roles hold, and the one table of
who may take each action on a registration, with its one guard ``deal_require``.

Every deal service calls ``deal_require(actor, deal, action)`` before it writes; the selectors
show and list what ``DealAction.VIEW`` allows (``deal_filter``), so a page never offers what a
service would refuse, and a registration the actor may not see is a 404.

A rule names a side and its capability: vendor staff act on every registration of their tenant;
a partner user acts on its own partner's registrations, those it registered itself, or every
registration of its company with ``DEALS_VIEW_COMPANY`` (a partner admin). States (only an
approved deal is extended, only the awaited role decides a special-pricing step) are the
services' business, not this table's.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q

from prm.accounts.roles import STAFF_ROLES, Role, capability
from prm.errors import NotAllowed, assert_same_tenant

DEALS_VIEW = capability("deals.view", roles=STAFF_ROLES)
DEALS_REVIEW = capability("deals.review", roles={Role.ADMIN, Role.CHANNEL_MANAGER})
DEALS_REGISTER_ON_BEHALF = capability("deals.register_on_behalf", roles={Role.ADMIN, Role.CHANNEL_MANAGER})
PRICING_DECIDE = capability(
    "pricing.decide", roles={Role.ADMIN, Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR, Role.FINANCE}
)
DEALS_REGISTER = capability("deals.register", roles={Role.PARTNER_ADMIN, Role.SALES})
# A partner user with it reads and acts on every registration of its company, not only its own.
DEALS_VIEW_COMPANY = capability("deals.view_company", roles={Role.PARTNER_ADMIN})


class DealAction(StrEnum):
    VIEW = "view"
    VIEW_INTERNAL = "view_internal"  # what only the vendor reads: conflicts, internal notes
    REGISTER = "register"
    EDIT = "edit"
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    UPDATE_STAGE = "update_stage"
    MARK_WON = "mark_won"
    MARK_LOST = "mark_lost"
    REQUEST_EXTENSION = "request_extension"
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_INFO = "request_info"
    MARK_DUPLICATE = "mark_duplicate"
    CONFIRM_WIN = "confirm_win"
    REFUSE_WIN = "refuse_win"
    DECIDE_EXTENSION = "decide_extension"
    POST_MESSAGE = "post_message"
    POST_INTERNAL_NOTE = "post_internal_note"
    ATTACH = "attach"
    PRICING_REQUEST = "pricing_request"
    PRICING_WITHDRAW = "pricing_withdraw"
    PRICING_DECIDE = "pricing_decide"


@dataclass(frozen=True)
class Rule:
    """Who may take one action: ``staff``, the capability vendor staff need (None: never staff);
    ``partner``, the capability the registration's partner users need (None: never them).
    ``refusal`` is the sentence a refused actor reads (``staff_refusal`` when staff read another)."""

    staff: str | None
    partner: str | None
    refusal: str
    staff_refusal: str = ""


A = DealAction
_DECIDE = "You may not decide deal registrations."
_CONFIRM = "You may not confirm wins."

RULES: dict[DealAction, Rule] = {
    # action                  staff need                partner users need  refused with
    A.VIEW: Rule(DEALS_VIEW, DEALS_REGISTER, "You may not see this registration."),
    A.VIEW_INTERNAL: Rule(DEALS_VIEW, None, "Only the vendor's staff read this."),
    A.REGISTER: Rule(
        DEALS_REGISTER_ON_BEHALF,
        DEALS_REGISTER,
        "You may not register deals for this company.",
        staff_refusal="You may not register deals on a partner's behalf.",
    ),
    A.EDIT: Rule(DEALS_REGISTER_ON_BEHALF, DEALS_REGISTER, "You may not edit this registration."),
    A.SUBMIT: Rule(DEALS_REGISTER_ON_BEHALF, DEALS_REGISTER, "You may not submit this registration."),
    A.WITHDRAW: Rule(DEALS_REVIEW, DEALS_REGISTER, "You may not withdraw this registration."),
    A.UPDATE_STAGE: Rule(DEALS_REVIEW, DEALS_REGISTER, "You may not update this deal."),
    A.MARK_WON: Rule(DEALS_REVIEW, DEALS_REGISTER, "You may not mark this deal won."),
    A.MARK_LOST: Rule(DEALS_REVIEW, DEALS_REGISTER, "You may not mark this deal lost."),
    A.REQUEST_EXTENSION: Rule(DEALS_REGISTER_ON_BEHALF, DEALS_REGISTER, "You may not request an extension."),
    A.APPROVE: Rule(DEALS_REVIEW, None, _DECIDE),
    A.REJECT: Rule(DEALS_REVIEW, None, _DECIDE),
    A.REQUEST_INFO: Rule(DEALS_REVIEW, None, _DECIDE),
    A.MARK_DUPLICATE: Rule(DEALS_REVIEW, None, _DECIDE),
    A.CONFIRM_WIN: Rule(DEALS_REVIEW, None, _CONFIRM),
    A.REFUSE_WIN: Rule(DEALS_REVIEW, None, _CONFIRM),
    A.DECIDE_EXTENSION: Rule(DEALS_REVIEW, None, "You may not decide extensions."),
    A.POST_MESSAGE: Rule(DEALS_REVIEW, DEALS_REGISTER, "You may not write on this registration."),
    A.POST_INTERNAL_NOTE: Rule(
        DEALS_REVIEW,
        None,
        "Only the vendor's staff write internal notes.",
        staff_refusal="You may not write on this registration.",
    ),
    A.ATTACH: Rule(DEALS_REVIEW, DEALS_REGISTER, "You may not attach documents to this registration."),
    # Special pricing is the partner's request, never entered by staff; staff decide it.
    A.PRICING_REQUEST: Rule(
        None,
        DEALS_REGISTER,
        "You may not ask for special pricing on this registration.",
        staff_refusal="Only the partner may ask for special pricing on this registration.",
    ),
    A.PRICING_WITHDRAW: Rule(
        None,
        DEALS_REGISTER,
        "You may not withdraw this special-pricing request.",
        staff_refusal="Only the partner may withdraw this special-pricing request.",
    ),
    A.PRICING_DECIDE: Rule(PRICING_DECIDE, None, "You may not decide special pricing."),
}

# How far an actor reaches with an action: every registration of the tenant, its company's, or
# the ones it registered itself.
TENANT, COMPANY, OWN = "tenant", "company", "own"


def deal_reach(actor, action: DealAction) -> str | None:
    """How far ``actor`` reaches with ``action`` (TENANT, COMPANY, OWN), or None: nowhere."""
    rule = RULES[action]
    if actor is None:
        return None
    if actor.is_staff_member:
        return TENANT if rule.staff is not None and actor.can(rule.staff) else None
    if actor.is_partner_user and actor.partner_id is not None:
        if rule.partner is None or not actor.can(rule.partner):
            return None
        return COMPANY if actor.can(DEALS_VIEW_COMPANY) else OWN
    return None


def deal_filter(actor, action: DealAction = A.VIEW) -> Q | None:
    """The registrations (of the current tenant) ``actor`` may take ``action`` on, as a filter;
    None when there are none. What ``deal_allows`` answers for one registration, for a list."""
    reach = deal_reach(actor, action)
    if reach is None:
        return None
    if reach == TENANT:
        return Q()
    company = Q(partner_id=actor.partner_id)
    return company if reach == COMPANY else company & Q(registered_by_id=actor.pk)


def deal_allows(actor, deal, action: DealAction) -> bool:
    """Whether ``actor`` may take ``action`` on ``deal`` (a registration of its tenant)."""
    reach = deal_reach(actor, action)
    if reach is None or actor.tenant_id != deal.tenant_id:
        return False
    if reach == TENANT:
        return True
    return deal.partner_id == actor.partner_id and (reach == COMPANY or deal.registered_by_id == actor.pk)


def deal_require(actor, deal, action: DealAction) -> None:
    """The guard every deal service calls first: a registration of another tenant is a
    ``CrossTenantReference``; an action the table does not allow, ``NotAllowed`` with its sentence.

    For ``REGISTER``, ``deal`` is the registration the actor is about to make (unsaved, with its
    partner, tenant and ``registered_by``)."""
    assert_same_tenant(actor, deal)
    if not deal_allows(actor, deal, action):
        rule = RULES[action]
        staff = actor is not None and actor.is_staff_member
        raise NotAllowed(rule.staff_refusal if staff and rule.staff_refusal else rule.refusal)
