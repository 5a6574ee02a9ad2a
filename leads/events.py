"""Event verbs of lead distribution (``prm.events.verbs``): every step of a lead is one of these on
its timeline."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from prm.events.verbs import verb

RECEIVED = verb("lead.received", _("Lead received"))
REFERRED = verb("lead.referred", _("Lead referred by a partner"))
REFERRAL_ACCEPTED = verb("lead.referral_accepted", _("Referral accepted"))
REFERRAL_DECLINED = verb("lead.referral_declined", _("Referral declined"))
DUPLICATE = verb("lead.duplicate", _("Duplicate lead"))
MERGED = verb("lead.merged", _("Duplicate merged into this lead"))
IMPORTED = verb("leads.imported", _("Leads imported"))
ROUTED = verb("lead.routed", _("Lead routed"))
OFFERED = verb("lead.offered", _("Lead offered"))
OFFER_OPENED = verb("lead.offer_opened", _("Offer opened"))
# No longer written (a reminder is recorded on the offer, reminded_at); declared for the events
# written before, which timelines still show.
OFFER_REMINDED = verb("lead.offer_reminded", _("Offer reminder sent"))
OFFER_REMINDED_MESSAGE = gettext_noop("Reminded at half time: answer by %(due)s.")  # what those events say
ACCEPTED = verb("lead.accepted", _("Lead accepted"))
DECLINED = verb("lead.declined", _("Lead declined"))
EXPIRED = verb("lead.offer_expired", _("Offer timed out"))
WITHDRAWN = verb("lead.offer_withdrawn", _("Offer withdrawn"))
QUEUED = verb("lead.queued", _("Lead returned to the vendor's queue"))
ASSIGNED = verb("lead.assigned", _("Lead assigned"))
STAGE_CHANGED = verb("lead.stage_changed", _("Lead stage changed"))
UPDATED = verb("lead.updated", _("Lead updated"))
RETURNED = verb("lead.returned", _("Lead returned by the partner"))
PULLED_BACK = verb("lead.pulled_back", _("Lead pulled back: not worked in time"))
CONVERTED = verb("lead.converted", _("Lead converted to a deal registration"))
WON = verb("lead.won", _("Lead won"))
LOST = verb("lead.lost", _("Lead lost"))
DEAL_ENDED = verb("lead.deal_ended", _("Its deal registration ended: the lead is worked again"))
DISQUALIFIED = verb("lead.disqualified", _("Lead disqualified"))
MESSAGE = verb("lead.message", _("Message on a lead"))
NOTED = verb("lead.noted", _("Internal note"))
CAPACITY_CHANGED = verb("lead.capacity_changed", _("Lead capacity changed"))
# --- intake ---
CONTACT_SHARED = verb("lead.contact_shared", _("The referrer shared the contact's details"))
RELEASED = verb("lead.released", _("Duplicate released into routing"))
DISCARDED = verb("lead.discarded", _("Duplicate discarded"))
IMPORT_UPLOADED = verb("lead_import.uploaded", _("Lead file uploaded"))
IMPORT_CONFIRMED = verb("lead_import.confirmed", _("Lead import confirmed"))
