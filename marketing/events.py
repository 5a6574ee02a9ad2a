"""The event verbs of marketing, by part in the order of ``parts.PARTS`` (the content library,
co-branding, campaigns, announcements, the locator), each part's in the order of its objects' life:
drafted (a new object is a draft), changed, published, then archived or closed, then what partners
do. An announcement created to be shown at once (or at its time) is published from the start."""

from django.utils.translation import gettext_lazy as _

from prm.events.verbs import verb

# --- the content library ------------------------------------------------------------------------
ASSET_DRAFTED = verb("asset.drafted", _("Asset drafted"))
ASSET_CHANGED = verb("asset.changed", _("Asset changed"))
ASSET_VERSIONED = verb("asset.versioned", _("New version of an asset"))
ASSET_PUBLISHED = verb("asset.published", _("Asset published"))
ASSET_ARCHIVED = verb("asset.archived", _("Asset archived"))
ASSET_TERMS_ACCEPTED = verb("asset.terms_accepted", _("Terms of an asset accepted"))

# --- co-branding --------------------------------------------------------------------------------
COBRAND_TEMPLATE_DRAFTED = verb("cobrand_template.drafted", _("Co-brand template drafted"))
COBRAND_TEMPLATE_CHANGED = verb("cobrand_template.changed", _("Co-brand template changed"))
COBRAND_TEMPLATE_PUBLISHED = verb("cobrand_template.published", _("Co-brand template published"))
COBRAND_TEMPLATE_ARCHIVED = verb("cobrand_template.archived", _("Co-brand template archived"))
COBRAND_REQUESTED = verb("cobrand.requested", _("Co-branded document asked for"))
COBRAND_MADE = verb("cobrand.made", _("Co-branded document made"))
COBRAND_FAILED = verb("cobrand.failed", _("Co-branded document could not be made"))

# --- campaigns in a box -------------------------------------------------------------------------
CAMPAIGN_DRAFTED = verb("campaign.drafted", _("Campaign drafted"))
CAMPAIGN_CHANGED = verb("campaign.changed", _("Campaign changed"))
CAMPAIGN_PUBLISHED = verb("campaign.published", _("Campaign published"))
CAMPAIGN_CLOSED = verb("campaign.closed", _("Campaign closed"))
CAMPAIGN_JOINED = verb("campaign.joined", _("Partner joined a campaign"))

# --- announcements ------------------------------------------------------------------------------
ANNOUNCEMENT_DRAFTED = verb("announcement.drafted", _("Announcement drafted"))
ANNOUNCEMENT_CHANGED = verb("announcement.changed", _("Announcement changed"))
ANNOUNCEMENT_PUBLISHED = verb("announcement.published", _("Announcement published"))

# --- the partner locator ------------------------------------------------------------------------
PROFILE_PUBLISHED = verb("public_profile.published", _("Public profile published"))
PROFILE_WITHDRAWN = verb("public_profile.withdrawn", _("Public profile withdrawn"))
PROFILE_PROMPTED = verb("public_profile.prompted", _("Asked to confirm the public profile"))
PROFILE_CONFIRMED = verb("public_profile.confirmed", _("Public profile confirmed"))
PROFILE_HIDDEN = verb("public_profile.hidden", _("Public profile hidden (not confirmed)"))
PROFILE_FEATURED = verb("public_profile.featured", _("Featured placement changed"))
LOCATOR_CONTACTED = verb("locator.contacted", _("Contacted through the partner locator"))
