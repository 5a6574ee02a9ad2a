"""Who may do what in recruitment and onboarding.

* Applications are the vendor's business: a partner user never sees one. Every staff member reads
  the queue (``RECRUITMENT_VIEW``); channel managers, directors and admins vet (score, check,
  note, assign: ``RECRUITMENT_REVIEW``); admins decide (``RECRUITMENT_DECIDE``): an approval
  creates the partner, enrols it and invites its admin, which only admins may do.
* Onboarding: staff read every partner's checklist (``RECRUITMENT_VIEW``) and tick manual items
  (``ONBOARDING_MANAGE``); every partner user reads its own company's (``ONBOARDING_VIEW``).
* Agreements: admins publish versions (``AGREEMENTS_MANAGE``, also in the Django admin); a partner
  admin accepts for the company (``AGREEMENTS_ACCEPT``); every partner user reads them.
* A request to join an existing company is decided by that company's admin (``JOIN_DECIDE``).
* Only vendor admins import partners in bulk (``PARTNERS_IMPORT``).
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from prm.accounts.roles import PARTNER_ROLES, STAFF_ROLES, Role, capability
from prm.accounts.rules import Rule, allows, enforce, narrow, rule
from prm.errors import assert_same_tenant

RECRUITMENT_VIEW = capability("recruitment.view", roles=STAFF_ROLES)
RECRUITMENT_REVIEW = capability("recruitment.review", roles={Role.ADMIN, Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR})
RECRUITMENT_DECIDE = capability("recruitment.decide", roles={Role.ADMIN})
ONBOARDING_MANAGE = capability("onboarding.manage", roles={Role.ADMIN, Role.CHANNEL_MANAGER})
ONBOARDING_VIEW = capability("onboarding.view", roles=PARTNER_ROLES)
AGREEMENTS_MANAGE = capability("agreements.manage", roles={Role.ADMIN})
AGREEMENTS_ACCEPT = capability("agreements.accept", roles={Role.PARTNER_ADMIN})
JOIN_DECIDE = capability("join_requests.decide", roles={Role.PARTNER_ADMIN})
PARTNERS_IMPORT = capability("partners.import", roles={Role.ADMIN})


class RecruitmentAction(StrEnum):
    # Applications (staff only)
    APPLICATION_VIEW = "application_view"
    APPLICATION_REVIEW = "application_review"  # score, check, note, assign
    APPLICATION_DECIDE = "application_decide"  # approve, reject
    # A partner's onboarding and agreements
    ONBOARDING_VIEW = "onboarding_view"
    ONBOARDING_TICK = "onboarding_tick"  # a manual task, by staff
    AGREEMENT_VIEW = "agreement_view"
    AGREEMENT_ACCEPT = "agreement_accept"
    # A request to join an existing partner
    JOIN_DECIDE = "join_decide"
    # Bulk import
    IMPORT = "import"


A = RecruitmentAction
RULES: dict[RecruitmentAction, Rule] = {
    # No refusal sentence where the object is unseen: it is a 404.
    A.APPLICATION_VIEW: rule(staff={RECRUITMENT_VIEW}),
    A.APPLICATION_REVIEW: rule(staff={RECRUITMENT_REVIEW}, refusal=_("You may not vet applications.")),
    A.APPLICATION_DECIDE: rule(staff={RECRUITMENT_DECIDE}, refusal=_("You may not decide applications.")),
    A.ONBOARDING_VIEW: rule(staff={RECRUITMENT_VIEW}, partner={ONBOARDING_VIEW}),
    A.ONBOARDING_TICK: rule(
        staff={ONBOARDING_MANAGE},
        refusal=_("You may not tick onboarding items."),
        staff_refusal=_("You may not tick onboarding items."),
    ),
    A.AGREEMENT_VIEW: rule(staff={RECRUITMENT_VIEW}, partner={ONBOARDING_VIEW}),
    A.AGREEMENT_ACCEPT: rule(
        partner={AGREEMENTS_ACCEPT},
        refusal=_("Only your company's admin accepts agreements."),
        staff_refusal=_("Vendor staff do not accept agreements for partners."),
    ),
    A.JOIN_DECIDE: rule(partner={JOIN_DECIDE}, refusal=_("Only your company's admin decides requests to join.")),
    A.IMPORT: rule(staff={PARTNERS_IMPORT}, refusal=_("Only vendor admins import partners.")),
}


def recruitment_filter(actor, action: RecruitmentAction, *, partner_field: str = "partner_id"):
    """The rows (of the current tenant) ``actor`` may take ``action`` on, as a Q; None: none."""
    return narrow(RULES[action], actor, partner_field=partner_field)


def recruitment_may(actor, partner_id: int | None, action: RecruitmentAction) -> bool:
    """Whether ``actor`` may take ``action`` on an object of ``partner_id`` (None: the vendor's,
    such as an application)."""
    return allows(RULES[action], actor, partner_id)


def recruitment_require(actor, obj, action: RecruitmentAction) -> None:
    """Raise unless ``actor`` may take ``action`` on ``obj`` (an application, onboarding,
    agreement version, join request or import of its tenant; None for a new one)."""
    if obj is not None:
        assert_same_tenant(actor, obj)
    enforce(RULES, action, actor, getattr(obj, "partner_id", None) if obj is not None else None)
