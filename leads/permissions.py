"""Who may do what with leads: the capabilities roles hold, one table of who may take each action
on a lead, and its one guard ``lead_require``.

* Every staff member reads the leads, the routing log and the reports (``LEADS_VIEW``); admins,
  channel managers and channel marketing manage them (``LEADS_MANAGE``: import, enter, route by
  hand, take back, review referrals, edit capacities and named accounts).
* A lead is offered to a **company**: its admin and its sales reps (``LEADS_RECEIVE``) read the
  offer and accept or decline it. Once accepted, the partner admin (``LEADS_VIEW_COMPANY``) reads
  and works every lead of the company and assigns them; a sales rep reads and works the leads
  assigned to it (``owner``) and hands them on to a colleague.
* Every partner user who sells or markets refers leads to the vendor (``LEADS_REFER``) and reads
  the referrals of its company.
* A partner admin sets the company's capacity and reads its lead share (``LEADS_CAPACITY``).
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from prm.accounts.roles import STAFF_ROLES, Role, capability
from prm.accounts.rules import Rule, allows, enforce, narrow, rule
from prm.errors import assert_same_tenant

LEADS_VIEW = capability("leads.view", roles=STAFF_ROLES)
LEADS_MANAGE = capability("leads.manage", roles={Role.ADMIN, Role.CHANNEL_MANAGER, Role.MARKETING})
LEADS_RECEIVE = capability("leads.receive", roles={Role.PARTNER_ADMIN, Role.SALES})
LEADS_VIEW_COMPANY = capability("leads.view_company", roles={Role.PARTNER_ADMIN})
LEADS_REFER = capability("leads.refer", roles={Role.PARTNER_ADMIN, Role.SALES, Role.PARTNER_MARKETING})
LEADS_CAPACITY = capability("leads.capacity", roles={Role.PARTNER_ADMIN})


class LeadAction(StrEnum):
    VIEW = "view"  # a held lead (the partner's) or any lead (staff)
    VIEW_INTERNAL = "view_internal"  # the routing log, internal notes, every offer
    CREATE = "create"  # enter or import leads
    ROUTE = "route"  # route by hand, take back, return to the queue, merge
    REVIEW_REFERRAL = "review_referral"
    OFFER_VIEW = "offer_view"
    OFFER_RESPOND = "offer_respond"  # accept or decline an offer to the company
    ASSIGN = "assign"  # give a held lead to one of the company's users
    HAND_ON = "hand_on"  # the lead's owner passes it to a colleague
    WORK = "work"  # stage, next step, expected value; return it; convert it to a deal
    POST_MESSAGE = "post_message"
    POST_INTERNAL_NOTE = "post_internal_note"
    REFER = "refer"
    REFERRAL_VIEW = "referral_view"
    CAPACITY = "capacity"  # a partner's capacity, locations, lead share


A = LeadAction
_MANAGE = _("You may not manage leads.")
# A held lead: the company's admin acts on all of them, a rep on the ones assigned to it.
_HOLDERS = {"partner": {LEADS_RECEIVE}, "company": LEADS_VIEW_COMPANY}
RULES: dict[LeadAction, Rule] = {
    A.VIEW: rule(staff={LEADS_VIEW}, **_HOLDERS),
    A.VIEW_INTERNAL: rule(staff={LEADS_VIEW}),
    A.CREATE: rule(staff={LEADS_MANAGE}, refusal=_MANAGE),
    A.ROUTE: rule(staff={LEADS_MANAGE}, refusal=_MANAGE),
    A.REVIEW_REFERRAL: rule(staff={LEADS_MANAGE}, refusal=_("You may not review referrals.")),
    A.OFFER_VIEW: rule(staff={LEADS_VIEW}, partner={LEADS_RECEIVE}),
    A.OFFER_RESPOND: rule(
        partner={LEADS_RECEIVE},
        refusal=_("Only your company's admin and sales reps answer lead offers."),
        staff_refusal=_("Vendor staff do not answer offers for partners."),
    ),
    A.ASSIGN: rule(
        partner={LEADS_VIEW_COMPANY},
        refusal=_("Only your company's admin assigns leads."),
        staff_refusal=_("Vendor staff do not assign a partner's leads."),
    ),
    A.HAND_ON: rule(**_HOLDERS, refusal=_("Only the lead's owner or your company's admin hands it on.")),
    A.WORK: rule(
        **_HOLDERS,
        refusal=_("Only the lead's owner or your company's admin works it."),
        staff_refusal=_("Vendor staff follow a lead; the partner works it."),
    ),
    A.POST_MESSAGE: rule(staff={LEADS_VIEW}, **_HOLDERS, refusal=_("You may not write on this lead.")),
    A.POST_INTERNAL_NOTE: rule(staff={LEADS_VIEW}, refusal=_("Only vendor staff write internal notes.")),
    A.REFER: rule(
        partner={LEADS_REFER},
        refusal=_("Your role may not refer leads."),
        staff_refusal=_("Vendor staff enter leads; partners refer them."),
    ),
    A.REFERRAL_VIEW: rule(staff={LEADS_VIEW}, partner={LEADS_REFER}),
    A.CAPACITY: rule(
        staff={LEADS_MANAGE},
        partner={LEADS_CAPACITY},
        refusal=_("Only your company's admin sets its lead capacity."),
        staff_refusal=_MANAGE,
    ),
}


def lead_filter(actor, action: LeadAction, *, partner_field: str = "partner_id", owner_field: str | None = "owner_id"):
    """The rows (of the current tenant) ``actor`` may take ``action`` on, as a Q; None: none."""
    return narrow(RULES[action], actor, partner_field=partner_field, owner_field=owner_field)


def lead_may(actor, partner_id: int | None, action: LeadAction, *, owner_id: int | None = None) -> bool:
    """Whether ``actor`` may take ``action`` on an object of ``partner_id`` (None: the vendor's,
    such as a lead in the queue) owned by the membership ``owner_id``."""
    return allows(RULES[action], actor, partner_id, owner_id=owner_id)


def lead_require(actor, obj, action: LeadAction, *, partner_id: int | None = None) -> None:
    """Raise unless ``actor`` may take ``action`` on ``obj`` (a lead, an offer, a capacity of its
    tenant; None for a new one, with ``partner_id`` the company it is for). For an offer the
    company is the partner offered; for a lead, the partner holding it (its ``owner`` counts)."""
    if obj is not None:
        assert_same_tenant(actor, obj)
        partner_id = getattr(obj, "partner_id", None)
    enforce(RULES, action, actor, partner_id, owner_id=getattr(obj, "owner_id", None))
