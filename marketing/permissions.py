"""Who may do what with the content library, co-branding, campaigns, announcements and the
locator.

* Every staff member reads what marketing publishes and its usage (``MARKETING_VIEW``); the
  vendor's admins and channel marketing publish it (``MARKETING_MANAGE``): assets, co-brand
  templates, campaigns, announcements, the locator's settings and featured partners.
* Every partner user reads what is meant for it (``CONTENT_VIEW``: the audience decides, and
  anything else is a 404); its admins, marketing people and reps co-brand (``COBRAND_MAKE``); its
  admins and marketing people join campaigns and keep the public profile (``CAMPAIGN_JOIN``,
  ``PROFILE_MANAGE``).

Every part's vendor-side write checks ``marketing_manage_require``; what a partner user may see
is the audience's (``selectors/audience.py``).
"""

from __future__ import annotations

from django.utils.translation import gettext

from prm.accounts.roles import PARTNER_ROLES, STAFF_ROLES, Role, capability
from prm.errors import NotAllowed

MARKETING_VIEW = capability("marketing.view", roles=STAFF_ROLES)
MARKETING_MANAGE = capability("marketing.manage", roles={Role.ADMIN, Role.MARKETING})
CONTENT_VIEW = capability("content.view", roles=PARTNER_ROLES)
COBRAND_MAKE = capability("cobrand.make", roles={Role.PARTNER_ADMIN, Role.PARTNER_MARKETING, Role.SALES})
CAMPAIGN_JOIN = capability("campaigns.join", roles={Role.PARTNER_ADMIN, Role.PARTNER_MARKETING})
PROFILE_MANAGE = capability("locator.profile", roles={Role.PARTNER_ADMIN, Role.PARTNER_MARKETING})


def marketing_manage_require(actor) -> None:
    """The one check of every part's vendor-side write (an asset, a co-brand template, a campaign,
    an announcement, the locator's settings): a staff member holding ``MARKETING_MANAGE``; else
    ``NotAllowed``."""
    if actor is None or not actor.is_staff_member or not actor.can(MARKETING_MANAGE):
        raise NotAllowed(gettext("Only the vendor's admins and marketing team manage what marketing offers partners."))
