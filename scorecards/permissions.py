"""Who may do what with scorecards, business plans and relationship reviews.

* Every staff member reads scorecards, plans and reviews (``SCORECARDS_VIEW``); the vendor's
  admins and channel people (managers, directors) run them (``SCORECARDS_MANAGE``): recompute a
  partner, mark one for investment, draft and sign plans for the vendor, schedule and hold reviews.
* A partner's people read its scorecard, plans and reviews (``SCORECARD_OWN``); its admins draft
  and sign plans for the company (``PLANS_SIGN``). Whoever owns an action item completes it.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from partners.models import Partner
from prm.accounts.roles import PARTNER_ROLES, PEOPLE_MANAGE, STAFF_ROLES, Role, capability
from prm.accounts.rules import Rule, allows, enforce, narrow, rule
from prm.errors import assert_same_tenant

SCORECARDS_VIEW = capability("scorecards.view", roles=STAFF_ROLES)
SCORECARDS_MANAGE = capability("scorecards.manage", roles={Role.ADMIN, Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR})
SCORECARD_OWN = capability("scorecards.own", roles=PARTNER_ROLES)
PLANS_SIGN = capability("plans.sign", roles={Role.PARTNER_ADMIN})


# --- business plans: one table, one guard ------------------------------------------------------------


class PlanAction(StrEnum):
    VIEW = "view"
    DRAFT = "draft"  # create, edit a draft and its objectives, withdraw, start a new version, record progress
    SIGN = "sign"


PLAN_RULES: dict[PlanAction, Rule] = {
    # No refusal sentence: a plan the actor may not see is a 404.
    PlanAction.VIEW: rule(staff={SCORECARDS_VIEW}, partner={SCORECARD_OWN}),
    PlanAction.DRAFT: rule(
        staff={SCORECARDS_MANAGE},
        partner={PLANS_SIGN},
        refusal=_("Only your company's admins work on its business plans."),
        staff_refusal=_("Only vendor admins and channel managers work on business plans."),
    ),
    PlanAction.SIGN: rule(
        staff={SCORECARDS_MANAGE},
        partner={PLANS_SIGN},
        refusal=_("Only your company's admins sign its business plans."),
        staff_refusal=_("Only vendor admins and channel managers sign business plans for the vendor."),
    ),
}


def plan_filter(actor, action: PlanAction = PlanAction.VIEW, *, partner_field: str = "partner_id") -> Q | None:
    """The plans (of the current tenant) ``actor`` may take ``action`` on, as a filter; None: none."""
    return narrow(PLAN_RULES[action], actor, partner_field=partner_field)


def plan_may(actor, partner_id: int | None, action: PlanAction) -> bool:
    """Whether ``actor`` may take ``action`` on a plan of ``partner_id`` (pages show or hide a button)."""
    return allows(PLAN_RULES[action], actor, partner_id)


def plan_require(actor, obj, action: PlanAction) -> None:
    """The guard of every plan service and selector: ``obj`` is a plan, an objective or a partner
    (a new plan's); another tenant's is a ``CrossTenantReference``, what the table does not allow a
    ``NotAllowed`` (seeing: a 404)."""
    assert_same_tenant(actor, obj)
    partner_id = obj.pk if obj._meta.model_name == "partner" else obj.partner_id
    enforce(PLAN_RULES, action, actor, partner_id)


# --- relationship reviews: one table, one guard ---------------------------------------------------


class ReviewAction(StrEnum):
    VIEW = "view"  # a review, its agenda, ratings, action items, invitation and summary
    MANAGE = "manage"  # create, schedule, cancel, hold, rate, assign action items
    COMPLETE = "complete"  # mark an action item done


R = ReviewAction
REVIEW_RULES: dict[ReviewAction, Rule] = {
    R.VIEW: rule(staff={SCORECARDS_VIEW}, partner={SCORECARD_OWN}),
    R.MANAGE: rule(
        staff={SCORECARDS_MANAGE},
        refusal=_("Relationship reviews are run by the vendor's channel managers."),
        staff_refusal=_("Only channel managers, directors and admins run relationship reviews."),
    ),
    # A partner user completes the items it owns; the company's admin (who manages its people)
    # any of the company's; channel managers any. A staff owner without that capability is let
    # through by ``action_may_complete`` (its own item).
    R.COMPLETE: rule(
        staff={SCORECARDS_MANAGE},
        partner={SCORECARD_OWN},
        company=PEOPLE_MANAGE,
        refusal=_("Only its owner or your company's admin completes this action item."),
        staff_refusal=_("Only its owner or a channel manager completes this action item."),
    ),
}


def review_filter(actor, action: ReviewAction = R.VIEW, *, partner_field: str = "partner_id") -> Q | None:
    """The rows (of the current tenant) ``actor`` may take ``action`` on, as a Q; None: none."""
    return narrow(REVIEW_RULES[action], actor, partner_field=partner_field)


def review_may(actor, partner_id: int | None, action: ReviewAction) -> bool:
    return allows(REVIEW_RULES[action], actor, partner_id)


def review_require(actor, obj, action: ReviewAction) -> None:
    """Raise unless ``actor`` may take ``action`` on ``obj`` (a review, an action item, a partner;
    None for the tenant's reviews in general)."""
    if obj is not None:
        assert_same_tenant(actor, obj)
    partner_id = getattr(obj, "partner_id", None) if not isinstance(obj, Partner) else obj.pk
    enforce(REVIEW_RULES, action, actor, partner_id)


def action_may_complete(actor, item) -> bool:
    """Whether ``actor`` may mark ``item`` done: its owner, the company's admin for the company's
    items, channel managers for any."""
    if actor is None or not actor.is_active or actor.tenant_id != item.tenant_id:
        return False
    if item.owner_id == actor.pk:
        return True
    if actor.partner_id is not None and item.owner.partner_id is None:
        return False  # the vendor's own item: only the vendor closes it
    return allows(REVIEW_RULES[R.COMPLETE], actor, item.partner_id, owner_id=item.owner_id)
