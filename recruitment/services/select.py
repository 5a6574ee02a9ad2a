"""Vetting and deciding applications (the back office).

* ``checks_create``: the due-diligence checklist of a verified application (called by ``apply``).
* Vetting: ``application_assign`` (the vetter), ``application_score`` (one reviewer's scores,
  replaced when they score again), ``application_check`` (a checklist item's outcome, owner, note,
  evidence), ``application_note`` (an internal note on the timeline). The first score, check or
  note moves a submitted application to "in review".
* The decision: ``application_approve`` (the partner, its onboarding, its program, its admin's
  invitation) and ``application_reject`` (a reason code and a message to the applicant); the
  applicant is e-mailed the decision from the outbox (``application_decision_email_send``).

Every write locks the application first, so a decision and a score (or two decisions) take
turns: the second decider is told who was first, a late score is refused on a decided one.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from prm.accounts.models import Membership
from prm.accounts.roles import Role
from prm.errors import InvalidTransition, PolicyViolation, assert_same_tenant
from prm.events.services import event_record, outbox_enqueue
from prm.events.texts import label
from prm.notifications.services import notify
from prm.web.files import DOCUMENT_MAX_BYTES, document_kind

from .. import events, notifications
from ..models import (
    OPEN_STATUSES,
    Application,
    ApplicationCheck,
    ApplicationScore,
    ApplicationStatus,
    CheckStatus,
    DiligenceItem,
    RejectionReason,
    SelectionCriterion,
)
from ..permissions import RECRUITMENT_REVIEW, RecruitmentAction, recruitment_require
from .common import applicant_email

S = ApplicationStatus
A = RecruitmentAction

DECISION_EMAIL_TASK = "recruitment.application_decision_email"
NOTE_MAX_LENGTH = 5000

# What evidence that is no document is told (``prm.web.files.document_kind``'s refusal).
NOT_EVIDENCE = lazy(
    lambda: (
        gettext("Attach the evidence as a PDF, PNG or JPEG file of at most %(size)s MB.")
        % {"size": DOCUMENT_MAX_BYTES // (1024 * 1024)}
    ),
    str,
)()


def checks_create(*, application: Application) -> list[ApplicationCheck]:
    """The due-diligence checklist of a newly verified application, from the active items (each
    with its default owner). Idempotent: items already there are kept."""
    rows = [
        ApplicationCheck(
            application=application, item=item, owner_id=item.default_owner_id, tenant_id=application.tenant_id
        )
        for item in DiligenceItem.objects.filter(is_active=True)
    ]
    return ApplicationCheck.objects.bulk_create(rows, ignore_conflicts=True)


# --- locking and the pipeline ---------------------------------------------------------------------

# A decision that came too late, or on an application that left the queue: a whole sentence per
# outcome, for translators.
_ALREADY = {
    (S.APPROVED, True): _("%(reference)s was already approved by someone else; nothing was changed."),
    (S.APPROVED, False): _("%(reference)s is already approved; nothing was changed."),
    (S.REJECTED, True): _("%(reference)s was already rejected by someone else; nothing was changed."),
    (S.REJECTED, False): _("%(reference)s is already rejected; nothing was changed."),
    (S.EXPIRED, False): _("%(reference)s has expired; nothing was changed."),
    (S.WITHDRAWN, False): _("%(reference)s was withdrawn by the applicant; nothing was changed."),
    (S.UNVERIFIED, False): _("%(reference)s is not verified yet; nothing was changed."),
}


def _lock(application: Application) -> Application:
    """The application, locked for this transaction: vetting and deciding take turns."""
    return Application.objects.select_for_update().get(pk=application.pk)


def _require_open(application: Application, actor) -> None:
    """Refuse anything on an application that is no longer (or not yet) in the queue, saying why."""
    if application.status in OPEN_STATUSES:
        return
    by_other = application.decided_by_id is not None and application.decided_by_id != getattr(actor, "pk", None)
    sentence = _ALREADY.get((application.status, by_other)) or _ALREADY[(application.status, False)]
    raise InvalidTransition(str(sentence) % {"reference": application.reference})


def _start_review(actor, application: Application) -> None:
    """The first score, check or note: submitted -> in review (the queue and the applicant's
    status page show that someone is on it). The application is locked by the caller."""
    if application.status != S.SUBMITTED:
        return
    application.status = S.IN_REVIEW
    application.save(update_fields=["status", "updated_at"])
    event_record(
        actor=actor,
        target=application,
        verb=events.APPLICATION_REVIEW_STARTED,
        from_state=S.SUBMITTED,
        to_state=S.IN_REVIEW,
    )


def _vetter_or_refuse(actor, member: Membership | None) -> None:
    if member is None:
        return
    assert_same_tenant(actor, member)
    if not (member.is_staff_member and member.is_active and member.can(RECRUITMENT_REVIEW)):
        raise PolicyViolation(gettext("%(person)s does not vet applications.") % {"person": member.user})


# --- vetting ------------------------------------------------------------------------------------------


@transaction.atomic
def application_assign(*, actor: Membership, application: Application, assignee: Membership | None) -> Application:
    """Give the application a vetter (None: nobody); the new vetter is notified."""
    recruitment_require(actor, application, A.APPLICATION_REVIEW)
    _vetter_or_refuse(actor, assignee)
    application = _lock(application)
    _require_open(application, actor)
    new_id = assignee.pk if assignee is not None else None
    if application.assigned_to_id == new_id:
        return application
    application.assigned_to = assignee
    application.save(update_fields=["assigned_to", "updated_at"])
    event = event_record(
        actor=actor,
        target=application,
        verb=events.APPLICATION_ASSIGNED,
        message=gettext_noop("Assigned to %(person)s.") if assignee else gettext_noop("No vetter any more."),
        params={"person": str(assignee.user)} if assignee else {},
        data={"assigned_to": new_id},
        internal=True,
    )
    if assignee is not None and assignee.pk != actor.pk:
        notify(
            recipients=[assignee],
            kind=notifications.APPLICATION_ASSIGNED,
            title=gettext_noop("Vet the application of %(company)s (%(reference)s)"),
            params={"company": application.company_name, "reference": application.reference},
            url=reverse("office:recruitment_application", args=[application.pk]),
            event=event,
        )
    return application


@transaction.atomic
def application_score(
    *, actor: Membership, application: Application, scores: dict[int, int], comments: dict[int, str] | None = None
) -> list[ApplicationScore]:
    """The actor's scores (criterion id -> 1..5) of every active criterion; scoring again replaces
    the actor's earlier scores (other reviewers' stay)."""
    recruitment_require(actor, application, A.APPLICATION_REVIEW)
    comments = comments or {}
    criteria = {c.pk: c for c in SelectionCriterion.objects.filter(is_active=True)}
    if not criteria:
        raise PolicyViolation(gettext("No selection criteria are configured: an admin adds them first."))
    missing = [c.name for pk, c in criteria.items() if pk not in scores]
    if missing:
        raise PolicyViolation(gettext("Score every criterion: %(criteria)s.") % {"criteria": ", ".join(missing)})
    if any(not isinstance(scores[pk], int) or not 1 <= scores[pk] <= 5 for pk in criteria):
        raise PolicyViolation(gettext("A score is between 1 and 5."))
    application = _lock(application)
    _require_open(application, actor)
    ApplicationScore.objects.filter(application=application, reviewer=actor).delete()
    rows = ApplicationScore.objects.bulk_create(
        [
            ApplicationScore(
                application=application,
                reviewer=actor,
                criterion_id=pk,
                score=scores[pk],
                comment=(comments.get(pk) or "").strip()[:500],
            )
            for pk in criteria
        ]
    )
    weighted = sum(criteria[pk].weight * scores[pk] for pk in criteria)
    best = sum(criteria[pk].weight * 5 for pk in criteria)
    event_record(
        actor=actor,
        target=application,
        verb=events.APPLICATION_SCORED,
        message=gettext_noop("Scored %(total)s of 100."),
        params={"total": round(100 * weighted / best)},
        data={"scores": {str(pk): scores[pk] for pk in criteria}},
        internal=True,
    )
    _start_review(actor, application)
    return rows


@transaction.atomic
def application_check(
    *,
    actor: Membership,
    application: Application,
    check: ApplicationCheck,
    status: str,
    owner: Membership | None = None,
    note: str = "",
    evidence=None,
) -> ApplicationCheck:
    """Record a due-diligence item's outcome, owner, note and (optionally) new evidence. An item
    that requires evidence passes only with some."""
    recruitment_require(actor, application, A.APPLICATION_REVIEW)
    assert_same_tenant(actor, check, owner)
    if check.application_id != application.pk:
        raise PolicyViolation(gettext("This item belongs to another application."))
    if status not in CheckStatus.values:
        raise PolicyViolation(gettext("Choose the item's outcome."))
    if owner is not None and not (owner.is_staff_member and owner.is_active):
        raise PolicyViolation(gettext("An item's owner is one of the vendor's staff."))
    kind = document_kind(evidence, refusal=NOT_EVIDENCE) if evidence is not None else None
    application = _lock(application)
    _require_open(application, actor)
    check = ApplicationCheck.objects.select_for_update().select_related("item").get(pk=check.pk)
    if status == CheckStatus.PASSED and check.item.evidence_required and not (check.evidence or evidence):
        raise PolicyViolation(
            gettext("%(item)s needs evidence: attach it to pass the item.") % {"item": check.item.name}
        )
    before = check.status
    if evidence is not None:
        original = (getattr(evidence, "name", "") or "").rsplit("/", 1)[-1]
        evidence.name = f"evidence.{kind}"  # only the proven extension survives (private_upload_path)
        check.evidence = evidence
        check.evidence_name = original[:200] or f"evidence.{kind}"
    check.status = status
    check.owner = owner
    check.note = note.strip()
    check.checked_by = actor
    check.checked_at = timezone.now()
    check.save()
    event_record(
        actor=actor,
        target=application,
        verb=events.APPLICATION_CHECKED,
        message=gettext_noop("%(item)s: %(outcome)s."),
        params={"item": check.item.name, "outcome": label(CheckStatus(status).label, lower=True)},
        note=check.note,
        data={"check_id": check.pk, "from": before, "to": status, "evidence": evidence is not None},
        internal=True,
    )
    _start_review(actor, application)
    return check


@transaction.atomic
def application_note(*, actor: Membership, application: Application, text: str) -> Application:
    """An internal note on the application's timeline (vendor staff only read it)."""
    recruitment_require(actor, application, A.APPLICATION_REVIEW)
    text = (text or "").strip()
    if not text:
        raise PolicyViolation(gettext("Write the note."))
    if len(text) > NOTE_MAX_LENGTH:
        raise PolicyViolation(gettext("Keep a note under %(count)s characters.") % {"count": NOTE_MAX_LENGTH})
    application = _lock(application)
    # Notes are welcome on decided applications too (what happened next), but do not reopen them.
    event_record(actor=actor, target=application, verb=events.APPLICATION_NOTED, note=text, internal=True)
    _start_review(actor, application)
    return application


# --- the decision -----------------------------------------------------------------------------------


def _decided(actor, application: Application, status: str) -> None:
    application.status = status
    application.decided_at = timezone.now()
    application.decided_by = actor


@transaction.atomic
def application_approve(
    *,
    actor: Membership,
    application: Application,
    program=None,
    account_manager: Membership | None = None,
    display_name: str = "",
) -> Application:
    """Approve: the partner is created (status onboarding) with the applicant's company details,
    enrolled in ``program`` (its entry tier), its onboarding checklist started from its type's
    template, and the contact invited as its partner admin; the applicant is e-mailed the
    decision. All of it or nothing (one transaction: a refusal of any step leaves the
    application open). Locked: of two deciders, the second is told."""
    from partners.models import PartnerStatus
    from partners.services import partner_change_status, partner_create
    from prm.accounts.services import invitation_create
    from programs.services.decisions import enrollment_create

    from .onboard import onboarding_start

    recruitment_require(actor, application, A.APPLICATION_DECIDE)
    assert_same_tenant(actor, program, account_manager)
    if account_manager is not None and not (account_manager.is_staff_member and account_manager.is_active):
        raise PolicyViolation(gettext("The channel account manager is one of the vendor's staff."))
    application = _lock(application)
    _require_open(application, actor)
    before = application.status
    partner = partner_create(
        actor=actor,
        legal_name=application.company_name,
        display_name=(display_name or "").strip() or application.company_name,
        partner_type=application.partner_type,
        country=application.country,
        website=application.website,
        email_domains=list(application.email_domains),
        regions_served=list(application.regions_served),
        industries=list(application.industries),
        phone=application.contact_phone,
        account_manager=account_manager,
    )
    partner = partner_change_status(actor=actor, partner=partner, to_status=PartnerStatus.ONBOARDING)
    if program is not None:
        enrollment_create(actor=actor, partner=partner, program=program)
    onboarding_start(actor=actor, partner=partner, application=application)
    invitation_create(actor=actor, email=application.contact_email, role=Role.PARTNER_ADMIN, partner=partner)
    _decided(actor, application, S.APPROVED)
    application.partner = partner
    application.program = program
    application.save(update_fields=["status", "decided_at", "decided_by", "partner", "program", "updated_at"])
    event_record(
        actor=actor,
        target=application,
        verb=events.APPLICATION_APPROVED,
        from_state=before,
        to_state=S.APPROVED,
        message=gettext_noop("%(partner)s is onboarding.")
        if program is None
        else gettext_noop("%(partner)s is onboarding in %(program)s."),
        params={"partner": partner.display_name, **({"program": program.name} if program is not None else {})},
        data={"partner_id": partner.pk, "program_id": getattr(program, "pk", None)},
    )
    outbox_enqueue(task_name=DECISION_EMAIL_TASK, application_id=application.pk)
    return application


@transaction.atomic
def application_reject(*, actor: Membership, application: Application, reason: str, message: str) -> Application:
    """Reject with a reason code (kept for reports) and a message the applicant reads (both
    required); the applicant is e-mailed it. Locked: of two deciders, the second is told."""
    recruitment_require(actor, application, A.APPLICATION_DECIDE)
    if reason not in RejectionReason.values:
        raise PolicyViolation(gettext("Choose a reason for the rejection."))
    message = (message or "").strip()
    if not message:
        raise PolicyViolation(gettext("Tell the applicant why: they read your message."))
    application = _lock(application)
    _require_open(application, actor)
    before = application.status
    _decided(actor, application, S.REJECTED)
    application.rejection_reason = reason
    application.decision_message = message
    application.save(
        update_fields=["status", "decided_at", "decided_by", "rejection_reason", "decision_message", "updated_at"]
    )
    event_record(
        actor=actor,
        target=application,
        verb=events.APPLICATION_REJECTED,
        from_state=before,
        to_state=S.REJECTED,
        message=gettext_noop("Reason: %(reason)s."),
        params={"reason": label(RejectionReason(reason).label)},
        note=message,
        data={"reason": reason},
    )
    outbox_enqueue(task_name=DECISION_EMAIL_TASK, application_id=application.pk)
    return application


def application_decision_email_send(*, application_id: int) -> bool:
    """E-mail the applicant the decision, in the language they applied in (else the vendor's).
    Idempotent through the outbox's claim; an application not decided sends nothing."""
    from prm.tenancy.models import Tenant

    from .apply import application_status_url  # apply imports this module (checks_create)

    application = Application.objects.select_related("program").filter(pk=application_id).first()
    if application is None or application.status not in (S.APPROVED, S.REJECTED):
        return False
    tenant = Tenant.objects.get(pk=application.tenant_id)
    approved = application.status == S.APPROVED
    applicant_email(
        tenant=tenant,
        to=application.contact_email,
        language=application.language,
        subject=gettext_noop("Welcome: your application to the %(vendor)s partner program is approved")
        if approved
        else gettext_noop("Your application to the %(vendor)s partner program"),
        template="recruitment/email/select_decision.txt",
        context={
            "application": application,
            "approved": approved,
            "status_url": application_status_url(application),
            "reason": RejectionReason(application.rejection_reason).label if application.rejection_reason else "",
        },
    )
    return True
