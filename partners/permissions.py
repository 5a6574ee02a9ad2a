"""Who may do what with the master partner record: the capabilities roles hold, and the table of
who may take which action on one partner (``partner_require``)."""

from django.utils.translation import gettext_lazy as _

from prm.accounts.roles import PARTNER_ROLES, STAFF_ROLES, Role, capability
from prm.accounts.roles import PARTNERS_INVITE as PARTNERS_INVITE  # people are the foundation's: it declares it
from prm.accounts.rules import allows, enforce, rule

PARTNERS_VIEW = capability("partners.view", roles=STAFF_ROLES)
PARTNERS_CREATE = capability("partners.create", roles={Role.ADMIN})
PARTNERS_EDIT = capability("partners.edit", roles={Role.ADMIN, Role.CHANNEL_MANAGER})
PARTNERS_CHANGE_STATUS = capability("partners.change_status", roles={Role.ADMIN, Role.CHANNEL_MANAGER})
COMPANY_VIEW = capability("company.view", roles=PARTNER_ROLES)
COMPANY_EDIT = capability("company.edit", roles={Role.PARTNER_ADMIN})

# --- who may do what to a partner record: one table, one guard (prm.accounts.rules) ---------

VIEW = "view"
CREATE = "create"
EDIT = "edit"
CHANGE_STATUS = "change_status"
MANAGE_CONTACTS = "manage_contacts"

PARTNER_RULES = {
    # Staff see every partner of their tenant, a partner user only its own company.
    VIEW: rule(staff={PARTNERS_VIEW}, partner={COMPANY_VIEW}),
    CREATE: rule(staff={PARTNERS_CREATE}, refusal=_("You may not add partners.")),
    # Which fields each may change is partners.services.partner_editable_fields.
    EDIT: rule(staff={PARTNERS_EDIT}, partner={COMPANY_EDIT}, refusal=_("You may not edit this company.")),
    CHANGE_STATUS: rule(staff={PARTNERS_CHANGE_STATUS}, refusal=_("You may not change a partner's status.")),
    MANAGE_CONTACTS: rule(
        staff={PARTNERS_EDIT}, partner={COMPANY_EDIT}, refusal=_("You may not change the contacts of this partner.")
    ),
}


def partner_may(actor, partner, action: str) -> bool:
    """Whether ``actor`` may take ``action`` on ``partner`` (None: a partner not created yet)."""
    return allows(PARTNER_RULES[action], actor, getattr(partner, "pk", None))


def partner_require(actor, partner, action: str) -> None:
    """The guard of partner records: ``NotAllowed`` (or a 404 for seeing) unless the table allows."""
    enforce(PARTNER_RULES, action, actor, getattr(partner, "pk", None))
