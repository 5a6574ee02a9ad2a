"""Event verbs of a tenant's own settings (``prm.events.verbs``)."""

from prm.events.verbs import verb

SETTINGS_CHANGED = verb("tenant.settings_changed", "Portal settings changed")
