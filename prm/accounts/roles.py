"""Roles and the capabilities they grant.

Views declare the capability they need (``capability = "partners.view"``); nothing checks a role
by name. A role is one of a membership's kind: staff roles act in the back office, partner roles
in the portal.
"""

from django.db import models


class MembershipKind(models.TextChoices):
    STAFF = "staff", "Vendor staff"
    PARTNER = "partner", "Partner user"


class Role(models.TextChoices):
    # Vendor staff
    ADMIN = "admin", "Vendor admin"
    CHANNEL_MANAGER = "channel_manager", "Channel account manager"
    CHANNEL_DIRECTOR = "channel_director", "Channel director"
    MARKETING = "marketing", "Channel marketing"
    FINANCE = "finance", "Finance"
    # Partner users
    PARTNER_ADMIN = "partner_admin", "Partner admin"
    SALES = "sales", "Sales rep"
    TECHNICAL = "technical", "Technical"
    PARTNER_MARKETING = "partner_marketing", "Marketing"
    PARTNER_FINANCE = "partner_finance", "Finance"


STAFF_ROLES = frozenset({Role.ADMIN, Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR, Role.MARKETING, Role.FINANCE})
PARTNER_ROLES = frozenset(
    {Role.PARTNER_ADMIN, Role.SALES, Role.TECHNICAL, Role.PARTNER_MARKETING, Role.PARTNER_FINANCE}
)

# Capabilities, by area. Office capabilities only ever go to staff roles, portal ones to partner
# roles: a partner user reaching a back-office page is a 404, not a 403 (see accounts.views).
_OFFICE_READ = {"office.access", "partners.view", "programs.view", "deals.view"}
_PORTAL_READ = {"portal.access", "company.view", "people.view", "program.view", "products.view"}
# Deciding tier changes, overriding tiers, recording manual metrics, verifying licences.
_PROGRAM_MANAGE = {"tiers.decide", "tiers.override", "metrics.record", "licences.verify"}
# Reviewing deal registrations and registering them on a partner's behalf.
_DEALS_MANAGE = {"deals.review", "deals.register_on_behalf", "pricing.decide"}

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(
        _OFFICE_READ
        | {
            "admin.access",
            "tenant.configure",
            "partners.create",
            "partners.edit",
            "partners.change_status",
            "partners.invite",
            "staff.view",
            "staff.invite",
            "staff.manage",
            *_PROGRAM_MANAGE,
            *_DEALS_MANAGE,
        }
    ),
    Role.CHANNEL_MANAGER: frozenset(
        _OFFICE_READ
        | _PROGRAM_MANAGE
        | _DEALS_MANAGE
        | {"partners.edit", "partners.change_status", "partners.invite", "staff.view"}
    ),
    # Decides the special-pricing steps of its band (deals.services.pricing); reads like a manager.
    Role.CHANNEL_DIRECTOR: frozenset(_OFFICE_READ | {"staff.view", "pricing.decide"}),
    Role.MARKETING: frozenset(_OFFICE_READ | {"staff.view"}),
    Role.FINANCE: frozenset(_OFFICE_READ | {"staff.view", "pricing.decide"}),
    Role.PARTNER_ADMIN: frozenset(
        _PORTAL_READ
        | {"company.edit", "people.invite", "people.manage", "licences.manage", "deals.register", "deals.view_company"}
    ),
    Role.SALES: frozenset(_PORTAL_READ | {"deals.register"}),
    Role.TECHNICAL: frozenset(_PORTAL_READ),
    Role.PARTNER_MARKETING: frozenset(_PORTAL_READ),
    Role.PARTNER_FINANCE: frozenset(_PORTAL_READ),
}

# Roles that must sign in with a second factor whatever the tenant's switch says.
MFA_REQUIRED_ROLES = frozenset({Role.ADMIN})


def capabilities_for(role: str) -> frozenset[str]:
    return CAPABILITIES.get(role, frozenset())
