"""Event verbs of deal registration (``prm.events.verbs``). Incentives subscribe to ``WON``: a
confirmed win, with the amount, currency, partner and product lines in its data; and to
``WIN_REVERSED``: a confirmed win that did not stand (what it earned is clawed back)."""

from django.utils.translation import gettext_lazy as _

from prm.events.verbs import verb

CREATED = verb("deal.created", _("Deal created"))
EDITED = verb("deal.edited", _("Deal edited"))
SUBMITTED = verb("deal.submitted", _("Deal submitted"))
RESUBMITTED = verb("deal.resubmitted", _("Deal resubmitted"))
ASSIGNED = verb("deal.assigned", _("Deal assigned"))
APPROVED = verb("deal.approved", _("Deal approved"))
REJECTED = verb("deal.rejected", _("Deal rejected"))
INFO_REQUESTED = verb("deal.info_requested", _("Deal info requested"))
DUPLICATE = verb("deal.duplicate", _("Deal duplicate"))
WITHDRAWN = verb("deal.withdrawn", _("Deal withdrawn"))
STAGE_CHANGED = verb("deal.stage_changed", _("Deal stage changed"))
WIN_REPORTED = verb("deal.win_reported", _("Deal win reported"))
WIN_REFUSED = verb("deal.win_refused", _("Deal win refused"))
WON = verb("deal.won", _("Deal won"))
WIN_REVERSED = verb("deal.win_reversed", _("Deal win reversed"))
LOST = verb("deal.lost", _("Deal lost"))
EXPIRED = verb("deal.expired", _("Deal expired"))
EXTENSION_REQUESTED = verb("deal.extension_requested", _("Deal extension requested"))
EXTENSION_APPROVED = verb("deal.extension_approved", _("Deal extension approved"))
EXTENSION_REFUSED = verb("deal.extension_refused", _("Deal extension refused"))
ATTACHMENT_ADDED = verb("deal.attachment_added", _("Deal attachment added"))
REMINDED = verb("deal.reminded", _("Deal reminded"))
ESCALATED = verb("deal.escalated", _("Deal escalated"))
EXPIRY_REMINDER = verb("deal.expiry_reminder", _("Deal expiry reminder"))
PRICING_REQUESTED = verb("deal.pricing_requested", _("Deal pricing requested"))
PRICING_ESCALATED = verb("deal.pricing_escalated", _("Deal pricing escalated"))
PRICING_APPROVED = verb("deal.pricing_approved", _("Deal pricing approved"))
PRICING_REJECTED = verb("deal.pricing_rejected", _("Deal pricing rejected"))
PRICING_WITHDRAWN = verb("deal.pricing_withdrawn", _("Deal pricing withdrawn"))
PRICING_CLOSED = verb("deal.pricing_closed", _("Deal pricing closed"))
ACCOUNTS_IMPORTED = verb("accounts.imported", _("Accounts imported"))
