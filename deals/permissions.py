"""Who may do what with deal registrations: the capabilities roles hold, and the one table of
who may take each action on a registration, with its one guard ``deal_require``.

Every deal service calls ``deal_require(actor, deal, action)`` before it writes; pages ask
``deal_may(actor, deal, action)`` which forms to offer; the selectors show and list what
``DealAction.VIEW`` allows (``deal_filter``), so a page never offers what a service would refuse,
and a registration the actor may not see is a 404.

A rule names a side and its capability: vendor staff act on every registration of their tenant;
a partner user acts on its own partner's registrations, those it registered itself, or every
registration of its company with ``DEALS_VIEW_COMPANY`` (a partner admin). States (only an
approved deal is extended, only the awaited role decides a special-pricing step) are the
services' business, not this table's. So is a program's policy on who registers: a program may
name the partner roles that register deals, which ``deal_register`` applies after this table's
``REGISTER`` rule (``deal_register_role_refusal``; the portal's registration form asks it too), as
it applies states: the table knows roles only through their capabilities, the same in every
program.

A partner's draft is the partner's own: the vendor's side sees a registration once it is submitted
(as the portal tells partners), so staff neither see nor act on a draft a partner user saved,
whatever their capabilities. A draft staff entered on a partner's behalf is theirs to finish.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from prm.accounts.roles import STAFF_ROLES, Role, capability
from prm.accounts.rules import Rule, allows, narrow, reach, refuse, rule
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
    REVERSE_WIN = "reverse_win"
    DECIDE_EXTENSION = "decide_extension"
    POST_MESSAGE = "post_message"
    POST_INTERNAL_NOTE = "post_internal_note"
    ATTACH = "attach"
    PRICING_REQUEST = "pricing_request"
    PRICING_WITHDRAW = "pricing_withdraw"
    PRICING_DECIDE = "pricing_decide"


A = DealAction
_DECIDE = _("You may not decide deal registrations.")
_CONFIRM = _("You may not confirm wins.")

# The registration's partner users who register deals: a rep acts on the registrations it made, a
# partner admin (DEALS_VIEW_COMPANY) on its company's.
_REGISTRANTS = {"partner": {DEALS_REGISTER}, "company": DEALS_VIEW_COMPANY}

RULES: dict[DealAction, Rule] = {
    # No refusal sentence: a registration the actor may not see is a 404, never a 403 that
    # confirms it exists.
    A.VIEW: rule(staff={DEALS_VIEW}, **_REGISTRANTS),
    A.VIEW_INTERNAL: rule(staff={DEALS_VIEW}, refusal=_("Only the vendor's staff read this.")),
    A.REGISTER: rule(
        staff={DEALS_REGISTER_ON_BEHALF},
        **_REGISTRANTS,
        refusal=_("You may not register deals for this company."),
        staff_refusal=_("You may not register deals on a partner's behalf."),
    ),
    A.EDIT: rule(staff={DEALS_REGISTER_ON_BEHALF}, **_REGISTRANTS, refusal=_("You may not edit this registration.")),
    A.SUBMIT: rule(
        staff={DEALS_REGISTER_ON_BEHALF}, **_REGISTRANTS, refusal=_("You may not submit this registration.")
    ),
    A.WITHDRAW: rule(staff={DEALS_REVIEW}, **_REGISTRANTS, refusal=_("You may not withdraw this registration.")),
    A.UPDATE_STAGE: rule(staff={DEALS_REVIEW}, **_REGISTRANTS, refusal=_("You may not update this deal.")),
    A.MARK_WON: rule(staff={DEALS_REVIEW}, **_REGISTRANTS, refusal=_("You may not mark this deal won.")),
    A.MARK_LOST: rule(staff={DEALS_REVIEW}, **_REGISTRANTS, refusal=_("You may not mark this deal lost.")),
    A.REQUEST_EXTENSION: rule(
        staff={DEALS_REGISTER_ON_BEHALF}, **_REGISTRANTS, refusal=_("You may not request an extension.")
    ),
    A.APPROVE: rule(staff={DEALS_REVIEW}, refusal=_DECIDE),
    A.REJECT: rule(staff={DEALS_REVIEW}, refusal=_DECIDE),
    A.REQUEST_INFO: rule(staff={DEALS_REVIEW}, refusal=_DECIDE),
    A.MARK_DUPLICATE: rule(staff={DEALS_REVIEW}, refusal=_DECIDE),
    A.CONFIRM_WIN: rule(staff={DEALS_REVIEW}, refusal=_CONFIRM),
    A.REFUSE_WIN: rule(staff={DEALS_REVIEW}, refusal=_CONFIRM),
    A.REVERSE_WIN: rule(staff={DEALS_REVIEW}, refusal=_CONFIRM),
    A.DECIDE_EXTENSION: rule(staff={DEALS_REVIEW}, refusal=_("You may not decide extensions.")),
    A.POST_MESSAGE: rule(staff={DEALS_REVIEW}, **_REGISTRANTS, refusal=_("You may not write on this registration.")),
    A.POST_INTERNAL_NOTE: rule(
        staff={DEALS_REVIEW},
        refusal=_("Only the vendor's staff write internal notes."),
        staff_refusal=_("You may not write on this registration."),
    ),
    A.ATTACH: rule(
        staff={DEALS_REVIEW}, **_REGISTRANTS, refusal=_("You may not attach documents to this registration.")
    ),
    # Special pricing is the partner's request, never entered by staff; staff decide it.
    A.PRICING_REQUEST: rule(
        **_REGISTRANTS,
        refusal=_("You may not ask for special pricing on this registration."),
        staff_refusal=_("Only the partner may ask for special pricing on this registration."),
    ),
    A.PRICING_WITHDRAW: rule(
        **_REGISTRANTS,
        refusal=_("You may not withdraw this special-pricing request."),
        staff_refusal=_("Only the partner may withdraw this special-pricing request."),
    ),
    A.PRICING_DECIDE: rule(staff={PRICING_DECIDE}, refusal=_("You may not decide special pricing.")),
}


# What staff read when a service is asked to act on a partner's draft (pages never offer it: the
# draft is a 404 on the vendor's side).
DRAFT_PRIVATE = _("The partner has not submitted this registration yet: the vendor's side cannot act on a draft.")


def deal_is_partner_draft(deal) -> bool:
    """A registration a partner user saved and never submitted: a draft, or a draft it discarded
    (withdrawn before submission). Not one staff entered on the partner's behalf, nor the
    registration being made, which has no id yet. The portal promises the vendor sees a
    registration once it is submitted, whatever became of it before."""
    if deal.pk is None or deal.entered_by_id is not None:
        return False
    return deal.status == "draft" or (deal.status == "withdrawn" and deal.submitted_at is None)


def _vendor_side(actor) -> bool:
    return actor is not None and actor.is_staff_member


def deal_reach(actor, action: DealAction) -> str | None:
    """How far ``actor`` reaches with ``action`` (prm.accounts.rules: TENANT, COMPANY, OWN), or None."""
    return reach(RULES[action], actor)


def deal_filter(actor, action: DealAction = A.VIEW) -> Q | None:
    """The registrations (of the current tenant) ``actor`` may take ``action`` on, as a filter;
    None when there are none. What ``deal_may`` answers for one registration, for a list: staff
    never list what a partner saved and never submitted (``deal_is_partner_draft``)."""
    visible = narrow(RULES[action], actor, owner_field="registered_by_id")
    if visible is not None and _vendor_side(actor):
        visible &= ~(
            Q(entered_by__isnull=True) & (Q(status="draft") | Q(status="withdrawn", submitted_at__isnull=True))
        )
    return visible


def deal_may(actor, deal, action: DealAction) -> bool:
    """Whether ``actor`` may take ``action`` on ``deal`` (a registration of its tenant): what
    pages ask to show or hide a form or a button, and selectors to show one registration."""
    if actor is not None and actor.tenant_id != deal.tenant_id:
        return False
    if _vendor_side(actor) and deal_is_partner_draft(deal):
        return False
    return allows(RULES[action], actor, deal.partner_id, owner_id=deal.registered_by_id)


def deal_require(actor, deal, action: DealAction) -> None:
    """The guard every deal service calls first: a registration of another tenant is a
    ``CrossTenantReference``; an action the table does not allow, ``NotAllowed`` with its sentence
    (seeing, which has none: a 404).

    For ``REGISTER``, ``deal`` is the registration the actor is about to make (unsaved, with its
    partner, tenant and ``registered_by``). Staff asked to act on a partner's draft are refused
    with ``DRAFT_PRIVATE`` (seeing it: a 404), whatever the table would let them do."""
    assert_same_tenant(actor, deal)
    if _vendor_side(actor) and deal_is_partner_draft(deal) and allows(RULES[action], actor, deal.partner_id):
        if RULES[action].refusal is None:
            raise Http404
        raise NotAllowed(str(DRAFT_PRIVATE))
    if not deal_may(actor, deal, action):
        raise refuse(RULES[action], actor)
