"""Who may do what with the master partner record: the capabilities roles hold."""

from prm.accounts.roles import PARTNER_ROLES, STAFF_ROLES, Role, capability

PARTNERS_VIEW = capability("partners.view", roles=STAFF_ROLES)
PARTNERS_CREATE = capability("partners.create", roles={Role.ADMIN})
PARTNERS_EDIT = capability("partners.edit", roles={Role.ADMIN, Role.CHANNEL_MANAGER})
PARTNERS_CHANGE_STATUS = capability("partners.change_status", roles={Role.ADMIN, Role.CHANNEL_MANAGER})
PARTNERS_INVITE = capability("partners.invite", roles={Role.ADMIN, Role.CHANNEL_MANAGER})
COMPANY_VIEW = capability("company.view", roles=PARTNER_ROLES)
COMPANY_EDIT = capability("company.edit", roles={Role.PARTNER_ADMIN})
