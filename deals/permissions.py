"""Who may do what with deal registrations: the capabilities roles hold."""

from prm.accounts.roles import STAFF_ROLES, Role, capability

DEALS_VIEW = capability("deals.view", roles=STAFF_ROLES)
DEALS_REVIEW = capability("deals.review", roles={Role.ADMIN, Role.CHANNEL_MANAGER})
DEALS_REGISTER_ON_BEHALF = capability("deals.register_on_behalf", roles={Role.ADMIN, Role.CHANNEL_MANAGER})
PRICING_DECIDE = capability(
    "pricing.decide", roles={Role.ADMIN, Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR, Role.FINANCE}
)
DEALS_REGISTER = capability("deals.register", roles={Role.PARTNER_ADMIN, Role.SALES})
DEALS_VIEW_COMPANY = capability("deals.view_company", roles={Role.PARTNER_ADMIN})
