"""The event verbs of the content library, co-branding, campaigns, announcements and the locator."""

from django.utils.translation import gettext_lazy as _

from prm.events.verbs import verb

ASSET_PUBLISHED = verb("asset.published", _("Asset published"))
ASSET_CHANGED = verb("asset.changed", _("Asset changed"))
ASSET_VERSIONED = verb("asset.versioned", _("New version of an asset"))
ASSET_ARCHIVED = verb("asset.archived", _("Asset archived"))
ASSET_TERMS_ACCEPTED = verb("asset.terms_accepted", _("Terms of an asset accepted"))
COBRAND_TEMPLATE_PUBLISHED = verb("cobrand_template.published", _("Co-brand template published"))
COBRAND_REQUESTED = verb("cobrand.requested", _("Co-branded document asked for"))
COBRAND_MADE = verb("cobrand.made", _("Co-branded document made"))
COBRAND_FAILED = verb("cobrand.failed", _("Co-branded document could not be made"))
COBRAND_TEMPLATE_CHANGED = verb("cobrand_template.changed", _("Co-brand template changed"))
COBRAND_TEMPLATE_ARCHIVED = verb("cobrand_template.archived", _("Co-brand template archived"))
CAMPAIGN_PUBLISHED = verb("campaign.published", _("Campaign published"))
CAMPAIGN_CLOSED = verb("campaign.closed", _("Campaign closed"))
CAMPAIGN_JOINED = verb("campaign.joined", _("Partner joined a campaign"))
CAMPAIGN_DRAFTED = verb("campaign.drafted", _("Campaign drafted"))
CAMPAIGN_CHANGED = verb("campaign.changed", _("Campaign changed"))
ANNOUNCEMENT_PUBLISHED = verb("announcement.published", _("Announcement published"))
ANNOUNCEMENT_CHANGED = verb("announcement.changed", _("Announcement changed"))
PROFILE_PUBLISHED = verb("public_profile.published", _("Public profile published"))
PROFILE_WITHDRAWN = verb("public_profile.withdrawn", _("Public profile withdrawn"))
PROFILE_CONFIRMED = verb("public_profile.confirmed", _("Public profile confirmed"))
PROFILE_PROMPTED = verb("public_profile.prompted", _("Asked to confirm the public profile"))
PROFILE_HIDDEN = verb("public_profile.hidden", _("Public profile hidden (not confirmed)"))
PROFILE_FEATURED = verb("public_profile.featured", _("Featured placement changed"))
LOCATOR_CONTACTED = verb("locator.contacted", _("Contacted through the partner locator"))
