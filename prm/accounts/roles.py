"""Roles and the capabilities they grant.

Views declare the capability they need (``capability = PARTNERS_VIEW``, a constant the owning app
declares with ``capability()``); nothing checks a role by name. A role is one of a membership's
kind: staff roles act in the back office, partner roles in the portal.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from prm.registry import Registry


class MembershipKind(models.TextChoices):
    STAFF = "staff", _("Vendor staff")
    PARTNER = "partner", _("Partner user")


class Role(models.TextChoices):
    # Vendor staff
    ADMIN = "admin", _("Vendor admin")
    CHANNEL_MANAGER = "channel_manager", _("Channel account manager")
    CHANNEL_DIRECTOR = "channel_director", _("Channel director")
    MARKETING = "marketing", _("Channel marketing")
    FINANCE = "finance", _("Finance")
    # Partner users
    PARTNER_ADMIN = "partner_admin", _("Partner admin")
    SALES = "sales", _("Sales rep")
    TECHNICAL = "technical", _("Technical")
    PARTNER_MARKETING = "partner_marketing", _("Marketing")
    PARTNER_FINANCE = "partner_finance", _("Finance")


STAFF_ROLES = frozenset({Role.ADMIN, Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR, Role.MARKETING, Role.FINANCE})
PARTNER_ROLES = frozenset(
    {Role.PARTNER_ADMIN, Role.SALES, Role.TECHNICAL, Role.PARTNER_MARKETING, Role.PARTNER_FINANCE}
)

# Capabilities: what a view, a service or a template asks a membership (``membership.can(...)``).
# Each app declares its own in its ``permissions.py`` with the roles that hold it; the foundation's
# are below. Office capabilities only ever go to staff roles, portal ones to partner roles: a
# partner user reaching a back-office page is a 404, not a 403 (see accounts.access).
CAPABILITIES: Registry[frozenset[str]] = Registry("capability")
_BY_ROLE: dict[str, frozenset[str]] = {}


def capability(name: str, *, roles) -> str:
    """Declare a capability and the roles that hold it; returns the name, the app's constant."""
    roles = frozenset(str(role) for role in roles)
    unknown = roles - set(Role.values)
    if unknown:
        raise ValueError(f"capability {name!r}: unknown roles {sorted(unknown)}")
    CAPABILITIES.declare(name, roles)
    _BY_ROLE.clear()
    return name


def capabilities_for(role: str) -> frozenset[str]:
    """Every declared capability the role holds."""
    if not _BY_ROLE:
        by_role: dict[str, set[str]] = {value: set() for value in Role.values}
        for name, roles in CAPABILITIES.items():
            for holder in roles:
                by_role[holder].add(name)
        _BY_ROLE.update({value: frozenset(names) for value, names in by_role.items()})
    return _BY_ROLE.get(role, frozenset())


# The foundation's: the two front doors, the admin, the tenant's settings, its people.
OFFICE_ACCESS = capability("office.access", roles=STAFF_ROLES)
PORTAL_ACCESS = capability("portal.access", roles=PARTNER_ROLES)
ADMIN_ACCESS = capability("admin.access", roles={Role.ADMIN})
TENANT_CONFIGURE = capability("tenant.configure", roles={Role.ADMIN})
STAFF_VIEW = capability("staff.view", roles=STAFF_ROLES)
STAFF_INVITE = capability("staff.invite", roles={Role.ADMIN})
STAFF_MANAGE = capability("staff.manage", roles={Role.ADMIN})
# Staff give partner users access, and take it away (the partner record's People tab).
PARTNERS_INVITE = capability("partners.invite", roles={Role.ADMIN, Role.CHANNEL_MANAGER})
PEOPLE_VIEW = capability("people.view", roles=PARTNER_ROLES)
PEOPLE_INVITE = capability("people.invite", roles={Role.PARTNER_ADMIN})
# The REST API's credentials (prm/accounts/credentials.py): the vendor's admins make the tenant's
# keys, a partner's admins its own.
API_KEYS_MANAGE = capability("api_keys.manage", roles={Role.ADMIN})
PARTNER_API_KEYS_MANAGE = capability("partner_api_keys.manage", roles={Role.PARTNER_ADMIN})
PEOPLE_MANAGE = capability("people.manage", roles={Role.PARTNER_ADMIN})
# A copy of everything the side owns, as CSV files in a zip (api/exports.py): the tenant's for its
# admins, a partner's own rows for the partner's admins. Apart from the API keys: taking all the
# data out is not the same power as connecting a system, though today the same roles hold both.
DATA_EXPORT = capability("data.export", roles={Role.ADMIN})
PARTNER_DATA_EXPORT = capability("partner_data.export", roles={Role.PARTNER_ADMIN})

# Roles that must sign in with a second factor whatever the tenant's switch says.
MFA_REQUIRED_ROLES = frozenset({Role.ADMIN})
