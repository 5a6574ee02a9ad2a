"""Notification kinds of marketing, by part in the order of ``parts.PARTS`` (the content library,
co-branding, campaigns, announcements, the locator), each with the side that receives it."""

from django.utils.translation import gettext_lazy as _

from prm.accounts.access import OFFICE, PORTAL
from prm.notifications.kinds import kind, kind_audience

ASSET_NEW = kind("asset.published", _("New content in the library for you"))
kind_audience(PORTAL, ASSET_NEW)
COBRAND_READY = kind("cobrand.ready", _("Your co-branded document is ready"))
kind_audience(PORTAL, COBRAND_READY)
CAMPAIGN_JOINED = kind("campaign.joined", _("A partner joined a campaign"))
kind_audience(OFFICE, CAMPAIGN_JOINED)
ANNOUNCEMENT = kind("announcement.published", _("An announcement for you"))
ANNOUNCEMENT_DIGEST = kind("announcement.digest", _("Your digest of announcements"))
kind_audience(PORTAL, ANNOUNCEMENT, ANNOUNCEMENT_DIGEST)
PROFILE_CONFIRM = kind("public_profile.confirm", _("Please confirm your public profile in the partner locator"))
kind_audience(PORTAL, PROFILE_CONFIRM)
