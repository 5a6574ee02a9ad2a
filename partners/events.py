"""Event verbs of the master partner record (``prm.events.verbs``): what other apps may subscribe to."""

from prm.events.verbs import verb

CREATED = verb("partner.created", "Partner created")
STATUS_CHANGED = verb("partner.status_changed", "Status changed")
PROFILE_UPDATED = verb("partner.profile_updated", "Profile updated")
CONTACT_ADDED = verb("partner.contact_added", "Contact added")
CONTACT_REMOVED = verb("partner.contact_removed", "Contact removed")
