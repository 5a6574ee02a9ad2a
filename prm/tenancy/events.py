"""Event verbs of a tenant's own settings (``prm.events.verbs``)."""

from django.utils.translation import gettext_lazy as _

from prm.events.verbs import verb

SETTINGS_CHANGED = verb("tenant.settings_changed", _("Portal settings changed"))
