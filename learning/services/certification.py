"""Certificates: awarded when a person has completed what a certification asks, renewed through its
renewal course, revoked by the vendor, expired and reminded about by the sweep.

* ``certifications_check`` runs in a worker after a course completes (the outbox task
  ``learning.certifications_check``, enqueued by ``progress.enrollment_refresh``). It locks the
  person's membership row, so two completions of the same person judged at once take turns; the
  partial unique index ``certificate_one_active`` is the last word (one active certificate per
  person and certification). A completion earns once: a certificate newer than the completions
  it needs is not awarded again (a revoked one stays revoked).
* ``certificate_award`` writes the certificate with an unguessable code, records the event,
  notifies the holder and the company's admins, and asks workers (outbox) to render the PDF and
  recompute the company's competencies.
* ``certificates_expire`` and ``certificate_reminders_send`` are set-based: one statement marks
  (``UPDATE ... RETURNING``, ``INSERT ... ON CONFLICT DO NOTHING RETURNING``), then events and
  notifications for exactly what that statement returned, in the same transaction. A reminder is
  therefore sent once whatever the number of runs, and a worker that dies mid-run rolls back both
  the marks and the notifications.
"""

from __future__ import annotations

import base64
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from prm.accounts.models import Membership
from prm.accounts.selectors import partner_admins_by_partner
from prm.errors import InvalidTransition, PolicyViolation
from prm.events import texts
from prm.events.models import Event
from prm.events.services import event_record, event_record_many, outbox_enqueue, system_event
from prm.notifications.services import Message, notify, notify_many
from prm.tenancy.scope import current_tenant_id
from prm.tenancy.time import add_months, tenant_today

from .. import events, notifications
from ..models import (
    Certificate,
    CertificateStatus,
    Certification,
    CertificationCourse,
    Enrollment,
    EnrollmentStatus,
    ReminderStage,
)
from ..permissions import A, learning_require
from ..selectors.certificates import certificates_at_risk
from .competency import _account_managers, competencies_recompute

CERTIFICATE_RENDER = "learning.certificate_render"
COMPETENCIES_RECOMPUTE = "learning.competencies_recompute"


# --- codes ------------------------------------------------------------------------------------------


def certificate_code() -> str:
    """120 random bits (``secrets``) in base32, grouped by four: "K7QD-2MZX-...". Upper-case
    letters and digits 2-7 only, so nothing reads as another character; 29 characters."""
    letters = base64.b32encode(secrets.token_bytes(15)).decode()
    return "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))


# --- awarding ------------------------------------------------------------------------------------


def _portal_url() -> str:
    return reverse("portal:learning_certificates")


def _office_url(certificate: Certificate) -> str:
    return reverse("office:learning_certificate", kwargs={"certificate_id": certificate.pk})


def certificate_award(
    *,
    certification: Certification,
    holder: Membership,
    renews: Certificate | None = None,
    issued_on: date | None = None,
    actor: Membership | None = None,
) -> Certificate:
    """Award ``certification`` to ``holder`` (a partner user): a new active certificate, issued
    today in the vendor's time zone, valid ``validity_months`` (from the renewed certificate's
    expiry for a renewal; 0: it does not expire). The caller holds the holder's lock and has
    retired the renewed certificate first (one active certificate per person)."""
    issued_on = issued_on or tenant_today()
    if certification.validity_months == 0:
        expires_on = None
    elif renews is not None and renews.expires_on is not None:
        expires_on = add_months(renews.expires_on, certification.validity_months)
    else:
        expires_on = add_months(issued_on, certification.validity_months)
    user = holder.user
    certificate = Certificate.objects.create(
        certification=certification,
        holder=holder,
        partner_id=holder.partner_id,
        holder_name=(user.get_full_name() or user.email)[:200],
        code=certificate_code(),
        issued_on=issued_on,
        expires_on=expires_on,
        status=CertificateStatus.ACTIVE,
        status_changed_at=timezone.now(),
        renews=renews,
    )
    verb = events.CERTIFICATE_RENEWED if renews is not None else events.CERTIFICATE_AWARDED
    params = {"certification": certification.name, "person": certificate.holder_name, "day": texts.day(expires_on)}
    event = event_record(
        actor=actor,
        target=certificate,
        verb=verb,
        to_state=CertificateStatus.ACTIVE,
        message=gettext_noop("%(certification)s awarded to %(person)s, valid until %(day)s.")
        if expires_on
        else gettext_noop("%(certification)s awarded to %(person)s."),
        params=params,
        data={"certification_id": certification.pk, "renews": renews.pk if renews else None},
    )
    admins = partner_admins_by_partner(partner_ids=[holder.partner_id]).get(holder.partner_id, [])
    notify_many(
        messages=[
            Message(
                recipients=[holder],
                kind=notifications.CERTIFICATE_AWARDED,
                title=gettext_noop("You are certified: %(certification)s")
                if renews is None
                else gettext_noop("Your %(certification)s certificate is renewed"),
                body=gettext_noop("Valid until %(day)s. Download the certificate from My certificates.")
                if expires_on
                else gettext_noop("Download the certificate from My certificates."),
                params=params,
                url=_portal_url(),
                event=event,
            ),
            Message(
                recipients=[admin for admin in admins if admin.pk != holder.pk],
                kind=notifications.CERTIFICATE_AWARDED,
                title=gettext_noop("%(person)s is certified: %(certification)s"),
                params=params,
                url=_portal_url(),
                event=event,
            ),
        ]
    )
    outbox_enqueue(task_name=CERTIFICATE_RENDER, certificate_id=certificate.pk)
    outbox_enqueue(task_name=COMPETENCIES_RECOMPUTE, partner_ids=[holder.partner_id])
    return certificate


@dataclass
class CheckSummary:
    awarded: list[int]
    renewed: list[int]


def _needed_courses(certifications: list[Certification]) -> dict[int, set[int]]:
    """{certification id: the course ids it needs (its required courses and its exam)}."""
    needed: dict[int, set[int]] = {c.pk: ({c.exam_course_id} if c.exam_course_id else set()) for c in certifications}
    for certification_id, course_id in CertificationCourse.objects.filter(
        certification_id__in=list(needed)
    ).values_list("certification_id", "course_id"):
        needed[certification_id].add(course_id)
    return needed


@transaction.atomic
def certifications_check(*, membership: Membership, course_id: int) -> CheckSummary:
    """Award or renew what completing ``course_id`` may have earned ``membership``. Idempotent."""
    summary = CheckSummary(awarded=[], renewed=[])
    # One person at a time: two completions judged at once would both see "no certificate yet".
    holder = Membership.objects.select_for_update(of=("self",)).select_related("user").get(pk=membership.pk)
    if not holder.is_active or holder.partner_id is None:
        return summary
    certifications = list(
        Certification.objects.filter(is_active=True)
        .filter(Q(exam_course_id=course_id) | Q(renewal_course_id=course_id) | Q(required_courses__course_id=course_id))
        .distinct()
        .order_by("pk")
    )
    if not certifications:
        return summary
    completed = dict(
        Enrollment.objects.filter(learner=holder, status=EnrollmentStatus.COMPLETED).values_list(
            "course_id", "completed_at"
        )
    )
    needed = _needed_courses(certifications)
    latest = {}
    for certificate in Certificate.objects.filter(
        holder=holder, certification_id__in=[c.pk for c in certifications]
    ).order_by("created_at", "pk"):
        latest[certificate.certification_id] = certificate  # the newest of each
    today = tenant_today()
    for certification in certifications:
        previous = latest.get(certification.pk)
        active = previous if previous is not None and previous.status == CertificateStatus.ACTIVE else None
        if active is not None:
            renewal = certification.renewal_course_id
            done_at = completed.get(renewal) if renewal else None
            in_window = (
                active.expires_on is not None
                and active.expires_on >= today
                and (active.expires_on - today).days <= certification.renewal_window_days
            )
            if done_at is not None and in_window and done_at > active.created_at:
                renewed = _renew(certification=certification, holder=holder, active=active)
                summary.renewed.append(renewed.pk)
            continue
        courses = needed[certification.pk]
        if not courses or not courses <= set(completed):
            continue
        # A completion earns once: a certificate newer than the last completion it needs was
        # already awarded for it (and a revoked or expired one is not handed out again by it).
        last_done = max((completed[course] for course in courses if completed[course]), default=None)
        if previous is not None and (last_done is None or previous.created_at >= last_done):
            continue
        try:
            with transaction.atomic():
                awarded = certificate_award(certification=certification, holder=holder)
        except IntegrityError:  # an active one appeared meanwhile (the index says so): nothing to do
            continue
        summary.awarded.append(awarded.pk)
    return summary


def _renew(*, certification: Certification, holder: Membership, active: Certificate) -> Certificate:
    old = Certificate.objects.select_for_update().get(pk=active.pk)
    old.status = CertificateStatus.RENEWED
    old.status_changed_at = timezone.now()
    old.save(update_fields=["status", "status_changed_at"])
    event_record(
        actor=None,
        target=old,
        verb=events.CERTIFICATE_RENEWED,
        from_state=CertificateStatus.ACTIVE,
        to_state=CertificateStatus.RENEWED,
        message=gettext_noop("Replaced by a renewed certificate."),
    )
    return certificate_award(certification=certification, holder=holder, renews=old)


# --- revoking ------------------------------------------------------------------------------------


@transaction.atomic
def certificate_revoke(*, actor: Membership, certificate: Certificate, reason: str) -> Certificate:
    """Revoke an active certificate (vendor staff with ``certificates.revoke``), saying why. The
    holder and the company's admins are told; the company's competencies are recomputed."""
    learning_require(actor, certificate, A.REVOKE)
    reason = (reason or "").strip()
    if not reason:
        raise PolicyViolation(gettext("Say why the certificate is revoked: the holder reads it."))
    certificate = (
        Certificate.objects.select_for_update().select_related("certification", "holder").get(pk=certificate.pk)
    )
    if certificate.status != CertificateStatus.ACTIVE:
        raise InvalidTransition(
            gettext("This certificate is %(status)s already: only an active one can be revoked.")
            % {"status": certificate.get_status_display().lower()}
        )
    certificate.status = CertificateStatus.REVOKED
    certificate.status_changed_at = timezone.now()
    certificate.revoked_reason = reason[:500]
    certificate.save(update_fields=["status", "status_changed_at", "revoked_reason"])
    event = event_record(
        actor=actor,
        target=certificate,
        verb=events.CERTIFICATE_REVOKED,
        from_state=CertificateStatus.ACTIVE,
        to_state=CertificateStatus.REVOKED,
        message=gettext_noop("%(certification)s of %(person)s revoked."),
        params={"certification": certificate.certification.name, "person": certificate.holder_name},
        note=reason,
    )
    holder = certificate.holder
    admins = partner_admins_by_partner(partner_ids=[holder.partner_id]).get(holder.partner_id, [])
    notify(
        recipients=[holder, *admins],
        kind=notifications.CERTIFICATE_EXPIRED,
        title=gettext_noop("%(certification)s of %(person)s was revoked"),
        body=gettext_noop("Reason given by the vendor:"),
        params={"certification": certificate.certification.name, "person": certificate.holder_name},
        note=reason,
        url=_portal_url(),
        event=event,
    )
    if holder.partner_id:
        outbox_enqueue(task_name=COMPETENCIES_RECOMPUTE, partner_ids=[holder.partner_id])
    return certificate


# --- the PDF ---------------------------------------------------------------------------------------


@transaction.atomic
def certificate_pdf_store(*, certificate_id: int) -> bool:
    """Render a certificate's PDF and keep it (the task ``learning.certificate_render``). False
    when it was already there: a second delivery does nothing."""
    from ..pdf import render_certificate_pdf

    certificate = (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("certification", "holder__user")
        .filter(pk=certificate_id)
        .first()
    )
    if certificate is None or (certificate.pdf_rendered_at is not None and certificate.pdf):
        return False
    data = render_certificate_pdf(certificate)
    certificate.pdf.save(f"{certificate.code}.pdf", ContentFile(data), save=False)
    certificate.pdf_rendered_at = timezone.now()
    certificate.save(update_fields=["pdf", "pdf_rendered_at"])
    return True


# --- the sweep: expiry and reminders -------------------------------------------------------------


@dataclass
class SweepSummary:
    expired: int = 0
    reminded: int = 0
    at_risk: int = 0
    competencies_gained: int = 0
    competencies_lost: int = 0


def _system_events(rows: list[tuple]) -> list[Event]:
    """(certificate id, partner id, verb, from, to, message, params, data) -> inserted events."""
    certificate_type = ContentType.objects.get_for_model(Certificate)
    return event_record_many(
        events=[
            system_event(
                target_type=certificate_type,
                object_id=certificate_id,
                partner_id=partner_id,
                verb=verb,
                from_state=from_state,
                to_state=to_state,
                message=message,
                params=params,
                data=data,
            )
            for certificate_id, partner_id, verb, from_state, to_state, message, params, data in rows
        ]
    )


def _holders(ids) -> dict[int, Membership]:
    return {m.pk: m for m in Membership.objects.filter(pk__in=list(ids)).select_related("user")}


@transaction.atomic
def certificates_expire(*, today: date) -> tuple[int, list[int]]:
    """Mark every active certificate past its expiry date expired, in one statement; events and
    notifications in bulk. Returns (how many, the holders' current partners to recompute)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE learning_certificate c SET status = 'expired', status_changed_at = now()"
            " FROM learning_certification z"
            " WHERE c.tenant_id = %s AND c.status = 'active' AND c.expires_on < %s"
            " AND z.id = c.certification_id AND z.tenant_id = c.tenant_id"
            " RETURNING c.id, c.partner_id, c.holder_id, c.holder_name, c.expires_on, z.name",
            [current_tenant_id(), today],
        )
        rows = cursor.fetchall()
    if not rows:
        return 0, []
    recorded = _system_events(
        [
            (
                cid,
                partner_id,
                events.CERTIFICATE_EXPIRED,
                CertificateStatus.ACTIVE,
                CertificateStatus.EXPIRED,
                gettext_noop("%(certification)s of %(person)s expired on %(day)s."),
                {"certification": name, "person": person, "day": texts.day(expires_on)},
                {},
            )
            for cid, partner_id, holder_id, person, expires_on, name in rows
        ]
    )
    holders = _holders(row[2] for row in rows)
    partners = {m.partner_id for m in holders.values() if m.partner_id}
    admins = partner_admins_by_partner(partner_ids=partners)
    notify_many(
        messages=[
            Message(
                recipients=[holders[holder_id], *admins.get(holders[holder_id].partner_id, [])]
                if holder_id in holders
                else [],
                kind=notifications.CERTIFICATE_EXPIRED,
                title=gettext_noop("%(certification)s of %(person)s expired"),
                body=gettext_noop("It expired on %(day)s."),
                params={"certification": name, "person": person, "day": texts.day(expires_on)},
                url=_portal_url(),
                event=event,
            )
            for (cid, partner_id, holder_id, person, expires_on, name), event in zip(rows, recorded, strict=True)
        ]
    )
    return len(rows), sorted(partners)


# The stages, most urgent last; "window" is the certification's renewal window.
_STAGES = [
    (ReminderStage.WINDOW, None),
    (ReminderStage.DAYS_30, 30),
    (ReminderStage.DAYS_7, 7),
    (ReminderStage.DAYS_1, 1),
]
_URGENCY = {stage.value: n for n, (stage, _) in enumerate(_STAGES)}

_REMIND_SQL = """
INSERT INTO learning_certificatereminder (tenant_id, certificate_id, stage, sent_at)
SELECT c.tenant_id, c.id, s.stage, now()
  FROM learning_certificate c
  JOIN learning_certification z ON z.id = c.certification_id AND z.tenant_id = c.tenant_id
 CROSS JOIN (VALUES ('window', NULL::int), ('d30', 30), ('d7', 7), ('d1', 1)) AS s(stage, days)
 WHERE c.tenant_id = %s AND c.status = 'active' AND c.expires_on IS NOT NULL AND c.expires_on >= %s
   AND c.expires_on - %s::date <= z.renewal_window_days
   AND c.expires_on - %s::date <= coalesce(s.days, z.renewal_window_days)
ON CONFLICT (tenant_id, certificate_id, stage) DO NOTHING
RETURNING certificate_id, stage
"""


@transaction.atomic
def certificate_reminders_send(*, today: date) -> tuple[int, int]:
    """Remind the holders of certificates inside their renewal window, at the window's start and
    30, 7 and 1 days before expiry: each stage once (the unique reminder row, inserted here in the
    same transaction as the notifications). A certificate that reaches several stages at once (first
    seen 5 days before) is marked for all of them and reminded once, of the most urgent. The holder,
    the company's admins and its channel account manager hear; when the expiry would cost the
    company a competency, the admins and the manager are told that too. Returns (reminded, at risk)."""
    tenant_id = current_tenant_id()
    with connection.cursor() as cursor:
        cursor.execute(_REMIND_SQL, [tenant_id, today, today, today])
        inserted = cursor.fetchall()
    if not inserted:
        return 0, 0
    stages: dict[int, str] = {}
    for certificate_id, stage in inserted:
        if certificate_id not in stages or _URGENCY[stage] > _URGENCY[stages[certificate_id]]:
            stages[certificate_id] = stage
    certificates = list(
        Certificate.objects.filter(pk__in=list(stages))
        .select_related("certification", "holder__user")
        .order_by("expires_on", "pk")
    )
    recorded = _system_events(
        [
            (
                c.pk,
                c.partner_id,
                events.CERTIFICATE_REMINDED,
                "",
                "",
                gettext_noop("Expiry reminder: %(certification)s expires on %(day)s."),
                {"certification": c.certification.name, "day": texts.day(c.expires_on)},
                {"stage": stages[c.pk], "days_left": (c.expires_on - today).days},
            )
            for c in certificates
        ]
    )
    partners = {c.holder.partner_id for c in certificates if c.holder.partner_id}
    admins = partner_admins_by_partner(partner_ids=partners)
    managers = _account_managers(partners)
    messages = []
    for certificate, event in zip(certificates, recorded, strict=True):
        partner_id = certificate.holder.partner_id
        left = (certificate.expires_on - today).days
        params = {
            "certification": certificate.certification.name,
            "person": certificate.holder_name,
            "day": texts.day(certificate.expires_on),
            "what": texts.count_phrase("expires in %(count)s day", "expires in %(count)s days", left),
        }
        body = (
            gettext_noop("Valid until %(day)s. Take the renewal course to renew it.")
            if certificate.certification.renewal_course_id
            else gettext_noop("Valid until %(day)s.")
        )
        messages.append(
            Message(
                recipients=[certificate.holder],
                kind=notifications.CERTIFICATE_EXPIRING,
                title=gettext_noop("Your %(certification)s certificate %(what)s"),
                body=body,
                params=params,
                url=_portal_url(),
                event=event,
            )
        )
        others = [a for a in admins.get(partner_id, []) if a.pk != certificate.holder_id]
        if partner_id in managers:
            others.append(managers[partner_id][0])
        messages.append(
            Message(
                recipients=others,
                kind=notifications.CERTIFICATE_EXPIRING,
                title=gettext_noop("%(person)s's %(certification)s certificate %(what)s"),
                body=body,
                params=params,
                url=_portal_url(),
                event=event,
            )
        )
    risks = certificates_at_risk(today=today, certificate_ids=list(stages))
    events_by_certificate = {c.pk: e for c, e in zip(certificates, recorded, strict=True)}
    by_certificate: dict[int, list] = defaultdict(list)
    for risk in risks:
        by_certificate[risk.certificate_id].append(risk)
    for certificate_id, found in by_certificate.items():
        partner_id = found[0].partner_id
        recipients = list(admins.get(partner_id, []))
        if partner_id in managers:
            recipients.append(managers[partner_id][0])
        first = found[0]
        messages.append(
            Message(
                recipients=recipients,
                kind=notifications.COMPETENCY_AT_RISK,
                title=gettext_noop("%(competency)s at risk: %(person)s's %(certification)s expires on %(day)s"),
                body=gettext_noop(
                    "Without a renewal, %(remaining)s of the %(needed)s certified people the competency needs "
                    "will remain. Tiers and product authorizations that ask for it would be lost."
                ),
                params={
                    "competency": ", ".join(sorted({risk.competency for risk in found})),
                    "person": first.holder_name,
                    "certification": first.certification,
                    "day": texts.day(first.expires_on),
                    "remaining": first.remaining,
                    "needed": first.needed,
                },
                url=_portal_url(),
                event=events_by_certificate.get(certificate_id),
            )
        )
    notify_many(messages=messages)
    return len(certificates), len(by_certificate)


def learning_sweep(*, today: date | None = None) -> SweepSummary:
    """One tenant's daily work: expire what is past its date (and recompute the competencies of
    the companies concerned), then send the reminders that are due. Each step is its own
    transaction and safe to run twice."""
    today = today or tenant_today()
    summary = SweepSummary()
    with transaction.atomic():
        summary.expired, partners = certificates_expire(today=today)
        if partners:
            result = competencies_recompute(partner_ids=partners, today=today)
            summary.competencies_gained, summary.competencies_lost = len(result.gained), len(result.lost)
    summary.reminded, summary.at_risk = certificate_reminders_send(today=today)
    return summary
