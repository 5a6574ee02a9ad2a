"""Notification kinds of lead distribution (``prm.notifications.kinds``).

An offer's e-mails carry no lead details: they name the reference and the deadline and make the
person sign in to read the lead."""

from django.utils.translation import gettext_lazy as _

from prm.accounts.access import OFFICE, PORTAL
from prm.notifications.kinds import kind, kind_audience

OFFERED = kind("lead.offered", _("A lead is offered to your company"))
OFFER_REMINDER = kind("lead.offer_reminder", _("A lead offer is waiting for your answer"))
OFFER_EXPIRED = kind("lead.offer_expired", _("A lead offer to your company timed out"))
ASSIGNED = kind("lead.assigned", _("A lead is assigned to you"))
MESSAGE = kind("lead.message", _("A new message on a lead"))
REFERRAL_DECIDED = kind("lead.referral_decided", _("The vendor decided on your referral"))
QUEUED = kind("lead.queued", _("A lead returned to the vendor's queue"))
REFERRAL_RECEIVED = kind("lead.referral_received", _("A partner referred a lead"))
ACCEPTED = kind("lead.accepted", _("A partner accepted a lead"))
IMPORT_FINISHED = kind("lead_import.finished", _("A lead import finished"))
OFFER_WITHDRAWN = kind("lead.offer_withdrawn", _("The vendor withdrew a lead offer to your company"))

kind_audience(PORTAL, OFFERED, OFFER_REMINDER, OFFER_EXPIRED, ASSIGNED, REFERRAL_DECIDED)
kind_audience(PORTAL, OFFER_WITHDRAWN)
kind_audience(OFFICE, ACCEPTED, QUEUED, REFERRAL_RECEIVED, IMPORT_FINISHED)
