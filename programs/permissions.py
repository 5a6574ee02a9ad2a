"""Who may do what with programs, tiers, metrics and licences: the capabilities roles hold."""

from prm.accounts.roles import PARTNER_ROLES, STAFF_ROLES, Role, capability

_MANAGERS = {Role.ADMIN, Role.CHANNEL_MANAGER}

PROGRAMS_VIEW = capability("programs.view", roles=STAFF_ROLES)
PROGRAM_VIEW = capability("program.view", roles=PARTNER_ROLES)  # a partner's own tier and progress
PRODUCTS_VIEW = capability("products.view", roles=PARTNER_ROLES)
TIERS_DECIDE = capability("tiers.decide", roles=_MANAGERS)
TIERS_OVERRIDE = capability("tiers.override", roles=_MANAGERS)
METRICS_RECORD = capability("metrics.record", roles=_MANAGERS)
LICENCES_VERIFY = capability("licences.verify", roles=_MANAGERS)
LICENCES_MANAGE = capability("licences.manage", roles={Role.PARTNER_ADMIN})
