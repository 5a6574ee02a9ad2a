"""Who may do what with the content library, co-branding, campaigns, announcements and the
locator.

* Every staff member reads what marketing publishes and its usage (``MARKETING_VIEW``); the
  vendor's admins and channel marketing publish it (``MARKETING_MANAGE``): assets, co-brand
  templates, campaigns, announcements, the locator's settings and featured partners.
* Every partner user reads what is meant for it (``CONTENT_VIEW``: the audience decides, and
  anything else is a 404); its admins, marketing people and reps co-brand (``COBRAND_MAKE``); its
  admins and marketing people join campaigns and keep the public profile (``CAMPAIGN_JOIN``,
  ``PROFILE_MANAGE``).
"""

from __future__ import annotations

from prm.accounts.roles import PARTNER_ROLES, STAFF_ROLES, Role, capability

MARKETING_VIEW = capability("marketing.view", roles=STAFF_ROLES)
MARKETING_MANAGE = capability("marketing.manage", roles={Role.ADMIN, Role.MARKETING})
CONTENT_VIEW = capability("content.view", roles=PARTNER_ROLES)
COBRAND_MAKE = capability("cobrand.make", roles={Role.PARTNER_ADMIN, Role.PARTNER_MARKETING, Role.SALES})
CAMPAIGN_JOIN = capability("campaigns.join", roles={Role.PARTNER_ADMIN, Role.PARTNER_MARKETING})
PROFILE_MANAGE = capability("locator.profile", roles={Role.PARTNER_ADMIN, Role.PARTNER_MARKETING})
