"""Event verbs of the master partner record (``prm.events.verbs``): what other apps may subscribe to."""

from django.utils.translation import gettext_lazy as _

from prm.events.verbs import verb

CREATED = verb("partner.created", _("Partner created"))
STATUS_CHANGED = verb("partner.status_changed", _("Status changed"))
PROFILE_UPDATED = verb("partner.profile_updated", _("Profile updated"))
CONTACT_ADDED = verb("partner.contact_added", _("Contact added"))
CONTACT_REMOVED = verb("partner.contact_removed", _("Contact removed"))
LOCATION_ADDED = verb("partner.location_added", _("Location added"))
LOCATION_CHANGED = verb("partner.location_changed", _("Location changed"))
LOCATION_REMOVED = verb("partner.location_removed", _("Location removed"))
TAGS_CHANGED = verb("partner.tags_changed", _("Tags changed"))  # vendor-internal
