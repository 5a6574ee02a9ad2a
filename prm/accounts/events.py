"""Event verbs of people and their access (``prm.events.verbs``)."""

from django.utils.translation import gettext_lazy as _

from prm.events.verbs import verb

MEMBERSHIP_CREATED = verb("membership.created", _("Joined"))
MEMBERSHIP_DEACTIVATED = verb("membership.deactivated", _("Access deactivated"))
MEMBERSHIP_REACTIVATED = verb("membership.reactivated", _("Access restored"))
INVITATION_SENT = verb("invitation.sent", _("Invitation sent"))
INVITATION_REVOKED = verb("invitation.revoked", _("Invitation revoked"))
API_KEY_CREATED = verb("api_key.created", _("API key created"))
API_KEY_ROTATED = verb("api_key.rotated", _("API key rotated"))
API_KEY_REVOKED = verb("api_key.revoked", _("API key revoked"))
MEMBERSHIP_JOINED_BY_SSO = verb("membership.joined_by_sso", _("Joined through single sign-on"))
PERSON_EXPORTED = verb("person.exported", _("Personal data exported"))
PERSON_ERASED = verb("person.erased", _("Personal data erased"))
