"""Event verbs of recruitment and onboarding (``prm.events.verbs``): every step of an application,
of a partner's onboarding and of an agreement is one of these on the timeline."""

from django.utils.translation import gettext_lazy as _

from prm.events.verbs import verb

# Applications
APPLICATION_RECEIVED = verb("application.received", _("Application received"))
APPLICATION_VERIFIED = verb("application.verified", _("Applicant's e-mail verified"))
APPLICATION_DUPLICATE = verb("application.duplicate", _("Possible duplicate flagged"))
APPLICATION_ASSIGNED = verb("application.assigned", _("Application assigned"))
APPLICATION_REVIEW_STARTED = verb("application.review_started", _("Review started"))
APPLICATION_SCORED = verb("application.scored", _("Application scored"))
APPLICATION_CHECKED = verb("application.checked", _("Due-diligence item checked"))
APPLICATION_NOTED = verb("application.noted", _("Internal note"))
APPLICATION_APPROVED = verb("application.approved", _("Application approved"))
APPLICATION_REJECTED = verb("application.rejected", _("Application rejected"))
APPLICATION_EXPIRED = verb("application.expired", _("Unverified application expired"))
APPLICATION_WITHDRAWN = verb("application.withdrawn", _("Application withdrawn"))
APPLICATION_DOCUMENTS_ADDED = verb("application.documents_added", _("Applicant sent documents"))
# Requests to join an existing partner
JOIN_REQUESTED = verb("join.requested", _("Request to join"))
JOIN_APPROVED = verb("join.approved", _("Request to join approved"))
JOIN_DECLINED = verb("join.declined", _("Request to join declined"))
# Onboarding
ONBOARDING_STARTED = verb("onboarding.started", _("Onboarding started"))
ONBOARDING_TASK_DONE = verb("onboarding.task_done", _("Onboarding item done"))
ONBOARDING_TASK_REOPENED = verb("onboarding.task_reopened", _("Onboarding item reopened"))
ONBOARDING_COMPLETED = verb("onboarding.completed", _("Onboarding completed"))
ONBOARDING_NUDGED = verb("onboarding.nudged", _("Stalled onboarding nudged"))
# Agreements
AGREEMENT_PUBLISHED = verb("agreement.published", _("Agreement version published"))
AGREEMENT_ACCEPTED = verb("agreement.accepted", _("Agreement accepted"))
AGREEMENT_OVERDUE = verb("agreement.overdue", _("Agreement not accepted in time"))
# Bulk import
IMPORT_UPLOADED = verb("partner_import.uploaded", _("Partner import uploaded"))
IMPORT_CONFIRMED = verb("partner_import.confirmed", _("Partner import confirmed"))
IMPORT_FINISHED = verb("partner_import.finished", _("Partner import finished"))
