"""Who may do what with programs, tiers, metrics and licences: the capabilities roles hold, and
one table per entity of who may take which action on one object (``<entity>_require``)."""

from django.utils.translation import gettext_lazy as _

from partners.models import Partner
from partners.permissions import COMPANY_VIEW, PARTNERS_EDIT
from prm.accounts.roles import PARTNER_ROLES, STAFF_ROLES, Role, capability
from prm.accounts.rules import allows, enforce, rule

_MANAGERS = {Role.ADMIN, Role.CHANNEL_MANAGER}

PROGRAMS_VIEW = capability("programs.view", roles=STAFF_ROLES)
PROGRAM_VIEW = capability("program.view", roles=PARTNER_ROLES)  # a partner's own tier and progress
PRODUCTS_VIEW = capability("products.view", roles=PARTNER_ROLES)
TIERS_DECIDE = capability("tiers.decide", roles=_MANAGERS)
TIERS_OVERRIDE = capability("tiers.override", roles=_MANAGERS)
METRICS_RECORD = capability("metrics.record", roles=_MANAGERS)
LICENCES_VERIFY = capability("licences.verify", roles=_MANAGERS)
LICENCES_MANAGE = capability("licences.manage", roles={Role.PARTNER_ADMIN})

# --- who may do what to which object (prm.accounts.rules) ------------------------------------
# Every object here belongs to a partner: staff act on any partner of their tenant, a partner user
# on its own company only. ``None`` as the object asks about every partner's (a queue, a list).

VIEW = "view"
DECIDE = "decide"  # a proposed tier change
ENROL = "enrol"
OVERRIDE = "override"  # set a tier by hand
RECORD = "record"  # a manual metric value
VIEW_EVIDENCE = "view_evidence"
UPLOAD = "upload"
VERIFY = "verify"
REJECT = "reject"
GRANT = "grant"
UPDATE = "update"
REVOKE = "revoke"

# Proposals are vendor-internal: partner users never see one (row-level security hides them too).
PROPOSAL_RULES = {
    VIEW: rule(staff={PROGRAMS_VIEW}),
    DECIDE: rule(staff={TIERS_DECIDE}, refusal=_("You may not decide tier changes.")),
}

ENROLLMENT_RULES = {
    VIEW: rule(staff={PROGRAMS_VIEW}, partner={PROGRAM_VIEW}),
    # The platform enrols too (the admin's superuser, the demo).
    ENROL: rule(staff={TIERS_OVERRIDE}, platform=True, refusal=_("You may not enrol partners in programs.")),
    OVERRIDE: rule(staff={TIERS_OVERRIDE}, refusal=_("You may not change a partner's tier by hand.")),
}

MANUAL_VALUE_RULES = {
    VIEW: rule(staff={PROGRAMS_VIEW}, partner={PROGRAM_VIEW}),
    VIEW_EVIDENCE: rule(staff={PROGRAMS_VIEW}),
    RECORD: rule(staff={METRICS_RECORD}, refusal=_("You may not record metric values.")),
}

LICENCE_RULES = {
    VIEW: rule(staff={PROGRAMS_VIEW}, partner={COMPANY_VIEW}),
    # Staff file a licence on a partner's behalf when they verify licences or edit partners.
    UPLOAD: rule(
        staff={LICENCES_VERIFY, PARTNERS_EDIT},
        partner={LICENCES_MANAGE},
        refusal=_("You may not upload licences for this company."),
    ),
    VERIFY: rule(staff={LICENCES_VERIFY}, refusal=_("You may not verify licences.")),
    REJECT: rule(staff={LICENCES_VERIFY}, refusal=_("You may not verify licences.")),
}

# Territories are granted from the partner's record, by those who edit partners (or the platform).
TERRITORY_RULES = {
    VIEW: rule(staff={PROGRAMS_VIEW}, partner={PRODUCTS_VIEW}),
    GRANT: rule(staff={PARTNERS_EDIT}, platform=True, refusal=_("You may not grant territories.")),
    UPDATE: rule(staff={PARTNERS_EDIT}, platform=True, refusal=_("You may not change territories.")),
    REVOKE: rule(staff={PARTNERS_EDIT}, platform=True, refusal=_("You may not revoke territories.")),
}


def _partner_id(obj) -> int | None:
    """The partner an object belongs to: the object may be the partner itself, its id, a row with
    a ``partner_id``, or None (every partner's)."""
    if obj is None or isinstance(obj, int):
        return obj
    return obj.pk if isinstance(obj, Partner) else obj.partner_id


def proposal_require(actor, proposal, action: str) -> None:
    enforce(PROPOSAL_RULES, action, actor, _partner_id(proposal))


def enrollment_require(actor, enrollment, action: str) -> None:
    enforce(ENROLLMENT_RULES, action, actor, _partner_id(enrollment))


def manual_value_require(actor, value, action: str) -> None:
    """``value``: a recorded value, or the partner one is recorded for."""
    enforce(MANUAL_VALUE_RULES, action, actor, _partner_id(value))


def licence_require(actor, licence, action: str) -> None:
    """``licence``: a licence, or the partner one is uploaded for."""
    enforce(LICENCE_RULES, action, actor, _partner_id(licence))


def licence_may(actor, licence, action: str) -> bool:
    return allows(LICENCE_RULES[action], actor, _partner_id(licence))


def territory_require(actor, grant, action: str) -> None:
    """``grant``: a territory grant, or the partner one is granted to."""
    enforce(TERRITORY_RULES, action, actor, _partner_id(grant))
