"""Notification kinds of e-learning and certification (``prm.notifications.kinds``)."""

from django.utils.translation import gettext_lazy as _

from prm.accounts.access import PORTAL
from prm.notifications.kinds import kind, kind_audience

CERTIFICATE_AWARDED = kind("certificate.awarded", _("A certificate is awarded to you or your company's people"))
CERTIFICATE_EXPIRING = kind("certificate.expiring", _("A certificate is about to expire"))
CERTIFICATE_EXPIRED = kind("certificate.expired", _("A certificate expired or was revoked"))
COMPETENCY_CHANGED = kind("competency.changed", _("A partner gains or loses a competency"))
COMPETENCY_AT_RISK = kind(
    "competency.at_risk", _("A certificate about to expire would cost a competency (and what depends on it)")
)

kind_audience(PORTAL, CERTIFICATE_AWARDED)
