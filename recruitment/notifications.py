"""Notification kinds of recruitment and onboarding (``prm.notifications.kinds``).

Applicants have no account yet: what they are told (verify your address, where your application
stands, the decision) goes by e-mail from the outbox (``recruitment.tasks``), not through these."""

from django.utils.translation import gettext_lazy as _

from prm.accounts.access import OFFICE, PORTAL
from prm.notifications.kinds import kind, kind_audience

APPLICATION_SUBMITTED = kind("application.submitted", _("A partner application is ready for review"))
APPLICATION_ASSIGNED = kind("application.assigned", _("A partner application is assigned to you"))
JOIN_REQUESTED = kind("join.requested", _("Someone asks to join your company"))
ONBOARDING_COMPLETED = kind("onboarding.completed", _("A partner completed onboarding"))
ONBOARDING_STALLED = kind("onboarding.stalled", _("Onboarding has stalled"))
AGREEMENT_NEW_VERSION = kind("agreement.new_version", _("A new partner agreement asks for acceptance"))
AGREEMENT_OVERDUE = kind("agreement.overdue", _("A partner has not accepted an agreement in time"))
IMPORT_FINISHED = kind("partner_import.finished", _("A partner import finished"))

kind_audience(OFFICE, APPLICATION_SUBMITTED, APPLICATION_ASSIGNED, AGREEMENT_OVERDUE, IMPORT_FINISHED)
kind_audience(PORTAL, JOIN_REQUESTED, AGREEMENT_NEW_VERSION)
