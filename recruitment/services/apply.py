"""Apply: the public application, its e-mail verification, the duplicate guard, requests to join
an existing partner, the applicant's own status page, and the expiry of unverified applications.

The applicant has no account: ``actor`` is None (the public) for everything it does, and what it
is told goes by e-mail from the outbox (``recruitment.tasks``). Two signed links stand in for a
login: the verification link (``verification_token``: a ``TimestampSigner`` bound to the
application and its contact address, dead when the application expires) and the status link
(``status_token``: no expiry, tamper-proof, bound to the tenant and the application).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from deals.services.accounts import registrable_domain
from partners.selectors import partner_type_options
from prm.accounts.models import Membership
from prm.accounts.roles import CAPABILITIES, MembershipKind, Role
from prm.accounts.selectors import partner_admin_list
from prm.accounts.services import invitation_create
from prm.errors import InvalidTransition, PolicyViolation
from prm.events import texts
from prm.events.services import event_record, event_record_many, outbox_enqueue, system_event
from prm.notifications.services import notify
from prm.tenancy.models import Tenant
from prm.tenancy.scope import current_tenant_id
from prm.web.files import document_kind

from .. import events, notifications
from ..models import (
    OPEN_STATUSES,
    Application,
    ApplicationAttachment,
    ApplicationDuplicate,
    ApplicationStatus,
    DuplicateMatch,
    JoinRequest,
    JoinRequestStatus,
)
from ..permissions import RECRUITMENT_REVIEW, A, recruitment_require
from ..selectors.apply import STATUS_SALT, VERIFY_SALT, duplicate_candidates, partners_by_email_domain
from .common import application_due_at, recruitment_settings
from .select import checks_create

# Outbox tasks (recruitment/tasks.py, "apply" heading); named here so services need not import tasks.
VERIFY_EMAIL_TASK = "recruitment.application_verify_email"
STATUS_EMAIL_TASK = "recruitment.application_status_email"
JOIN_DECLINED_EMAIL_TASK = "recruitment.join_declined_email"

# References people read out on the phone: no 0/O, 1/I/L. 32^6 is about a billion per tenant.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 6

# Documents: what the form promises, checked again here (the service is the last word).
DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
MAX_DOCUMENTS_PER_APPLICATION = 10
NOT_A_DOCUMENT = gettext_noop("Upload a PDF, PNG or JPEG file.")


# --- signed links ----------------------------------------------------------------------------------


def verification_token(application: Application) -> str:
    """The e-mailed verification link's token: the tenant, the application and the address it was
    sent to, signed with a timestamp (the link dies with the application's expiry)."""
    payload = {"t": application.tenant_id, "a": application.pk, "e": application.contact_email.lower()}
    return signing.TimestampSigner(salt=VERIFY_SALT).sign_object(payload, compress=True)


def status_token(application: Application) -> str:
    """The status link's token: the tenant and the application, signed (no expiry: the applicant
    keeps it; a changed character is a 404)."""
    return signing.Signer(salt=STATUS_SALT).sign_object({"t": application.tenant_id, "a": application.pk})


def application_status_path(application: Application) -> str:
    """The status page's path on the tenant's host (for redirects inside a request)."""
    return reverse("recruitment_apply_status", args=[status_token(application)])


def application_status_url(application: Application) -> str:
    """The status page's absolute address, for e-mails (the decision e-mails of ``select`` too)."""
    tenant = Tenant.objects.get(pk=application.tenant_id)
    return tenant.absolute_url(application_status_path(application))


def application_verify_url(application: Application) -> str:
    tenant = Tenant.objects.get(pk=application.tenant_id)
    return tenant.absolute_url(reverse("recruitment_apply_verify", args=[verification_token(application)]))


# --- submitting -------------------------------------------------------------------------------------


def _new_reference() -> str:
    for _attempt in range(8):
        reference = "APP-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
        if not Application.objects.filter(reference=reference).exists():
            return reference
    raise RuntimeError("no free application reference after 8 draws")  # about never: 1e9 per tenant


def email_domain_of(address: str) -> str:
    """The domain of an e-mail address, lower-cased ("" when there is none)."""
    return address.rpartition("@")[2].strip().lower() if "@" in address else ""


def _attach(application: Application, document) -> ApplicationAttachment:
    """Store one document: judged by its content (PDF, PNG, JPEG), within the size limit, under a
    random name keeping only the proven extension."""
    if (getattr(document, "size", 0) or 0) > DOCUMENT_MAX_BYTES:
        raise PolicyViolation(
            gettext("Keep each document under %(size)s MB.") % {"size": DOCUMENT_MAX_BYTES // (1024 * 1024)}
        )
    kind = document_kind(document, refusal=gettext(NOT_A_DOCUMENT))
    original = (getattr(document, "name", "") or "").rsplit("/", 1)[-1]
    label = original.strip() or "document"
    size = document.size
    document.name = f"application.{kind}"
    return ApplicationAttachment.objects.create(
        application=application, document=document, name=label[:200], kind=kind, size=size
    )


def _clean_list(values: Iterable[str], *, limit: int, lower: bool = False) -> list[str]:
    items = [str(value).strip() for value in values if str(value).strip()]
    items = [item.lower() for item in items] if lower else items
    return list(dict.fromkeys(items))[:limit]


@transaction.atomic
def application_submit(
    *,
    company_name: str,
    country: str,
    partner_type_id: int,
    contact_first_name: str,
    contact_last_name: str,
    contact_email: str,
    website: str = "",
    email_domains: Iterable[str] = (),
    regions_served: Iterable[str] = (),
    industries: Iterable[str] = (),
    capabilities: Iterable[str] = (),
    capability_notes: str = "",
    references: str = "",
    contact_phone: str = "",
    contact_title: str = "",
    documents: Iterable = (),
    language: str = "",
    submitted_ip: str | None = None,
) -> Application:
    """A company applies (``actor``: the public). The application waits ``unverified`` until its
    contact follows the e-mailed link, and expires after the tenant's
    ``unverified_expiry_hours``. Nothing about other partners or applications is looked at
    here: the duplicate guard runs on verification, and the public never learns of it."""
    if partner_type_id not in {option.id for option in partner_type_options()}:
        raise PolicyViolation(gettext("Choose one of the partner types offered."))
    documents = list(documents)
    if len(documents) > MAX_DOCUMENTS_PER_APPLICATION:
        raise PolicyViolation(gettext("Send at most %(count)s documents.") % {"count": MAX_DOCUMENTS_PER_APPLICATION})
    contact_email = contact_email.strip().lower()
    domains = _clean_list(email_domains, limit=10, lower=True)
    if not domains and registrable_domain(contact_email):
        domains = [email_domain_of(contact_email)]
    now = timezone.now()
    application = Application.objects.create(
        reference=_new_reference(),
        status=ApplicationStatus.UNVERIFIED,
        company_name=company_name.strip(),
        website=website.strip(),
        email_domains=domains,
        country=country.upper(),
        regions_served=_clean_list(regions_served, limit=30),
        industries=_clean_list(industries, limit=30),
        partner_type_id=partner_type_id,
        capabilities=_clean_list(capabilities, limit=10),
        capability_notes=capability_notes.strip(),
        references=references.strip(),
        contact_first_name=contact_first_name.strip(),
        contact_last_name=contact_last_name.strip(),
        contact_email=contact_email,
        contact_phone=contact_phone.strip(),
        contact_title=contact_title.strip(),
        language=language[:10],
        submitted_ip=submitted_ip,
        expires_at=now + timedelta(hours=recruitment_settings().unverified_expiry_hours),
    )
    for document in documents:
        _attach(application, document)
    event_record(
        actor=None,
        target=application,
        verb=events.APPLICATION_RECEIVED,
        to_state=ApplicationStatus.UNVERIFIED,
        message=gettext_noop("%(company)s applied; waiting for %(email)s to be verified."),
        params={"company": application.company_name, "email": contact_email},
        data={"documents": len(documents)},
    )
    outbox_enqueue(task_name=VERIFY_EMAIL_TASK, application_id=application.pk)
    return application


# --- verifying and the duplicate guard ----------------------------------------------------------------


def _reviewers() -> list[Membership]:
    """The staff who vet applications (``RECRUITMENT_REVIEW``): who hears of a new one."""
    roles = sorted(CAPABILITIES.require(RECRUITMENT_REVIEW))
    return list(
        Membership.objects.filter(kind=MembershipKind.STAFF, role__in=roles, is_active=True)
        .select_related("user")
        .order_by("pk")
    )


def _office_url(application: Application) -> str:
    """The application's page in the back office."""
    return reverse("office:recruitment_application", args=[application.pk])


def _domains(*, website: str, email_domains: Iterable[str], contact_email: str = "") -> tuple[str, set[str]]:
    """(the website's registrable domain, the e-mail domains' registrable domains); free mail,
    IP addresses and garbage are no evidence and drop out."""
    web = registrable_domain(website) if website else ""
    mail = {registrable_domain(domain) for domain in email_domains}
    if contact_email:
        mail.add(registrable_domain(contact_email))
    return web, mail - {""}


def duplicates_find(application: Application) -> list[ApplicationDuplicate]:
    """What the guard finds for ``application`` (unsaved rows): existing partners and other open
    applications of the tenant sharing a registrable domain (website or e-mail) or the company
    name, ignoring case. ``matched_on`` says which of the application's own fields matched."""
    web, mail = _domains(
        website=application.website, email_domains=application.email_domains, contact_email=application.contact_email
    )
    name = application.company_name.strip().casefold()
    partners, others = duplicate_candidates(application=application, domains=({web} | mail) - {""})
    found: dict[tuple, ApplicationDuplicate] = {}

    def flag(*, partner_id=None, other_id=None, theirs: set[str], names: Iterable[str]):
        matches = []
        if web and web in theirs:
            matches.append((DuplicateMatch.WEBSITE, web))
        matches += [(DuplicateMatch.EMAIL_DOMAIN, domain) for domain in sorted(mail & theirs) if domain != web]
        if name and name in {n.strip().casefold() for n in names if n}:
            matches.append((DuplicateMatch.NAME, application.company_name.strip()[:253]))
        for matched_on, value in matches:
            found.setdefault(
                (partner_id, other_id, matched_on, value),
                ApplicationDuplicate(
                    application=application,
                    partner_id=partner_id,
                    other_application_id=other_id,
                    matched_on=matched_on,
                    value=value,
                    tenant_id=application.tenant_id,
                ),
            )

    for partner in partners:
        site, domains = _domains(website=partner["website"], email_domains=partner["email_domains"])
        flag(partner_id=partner["id"], theirs=domains | {site}, names=(partner["legal_name"], partner["display_name"]))
    for other in others:
        site, domains = _domains(
            website=other["website"], email_domains=other["email_domains"], contact_email=other["contact_email"]
        )
        flag(other_id=other["id"], theirs=domains | {site}, names=(other["company_name"],))
    return list(found.values())


@transaction.atomic
def application_verify(*, application: Application) -> Application:
    """The contact followed the e-mailed link and confirmed: the application reaches the vendor's
    queue (submitted, its decision due by the review SLA), the duplicate guard flags what it
    matches, the due-diligence checklist is laid out, the vetting staff are told, and the
    applicant gets its status link. Locked: a double click, or two tabs, verify once; verifying
    again changes nothing. An expired application cannot be verified any more."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    now = timezone.now()
    if application.status == ApplicationStatus.EXPIRED or (
        application.status == ApplicationStatus.UNVERIFIED and application.expires_at and application.expires_at <= now
    ):
        raise PolicyViolation(gettext("This application has expired unverified. Please apply again."))
    if application.status != ApplicationStatus.UNVERIFIED:
        return application  # verified before: the link may be followed twice
    application.status = ApplicationStatus.SUBMITTED
    application.verified_at = now
    application.due_at = application_due_at(now)
    application.save(update_fields=["status", "verified_at", "due_at", "updated_at"])
    verified = event_record(
        actor=None,
        target=application,
        verb=events.APPLICATION_VERIFIED,
        from_state=ApplicationStatus.UNVERIFIED,
        to_state=ApplicationStatus.SUBMITTED,
        message=gettext_noop("%(email)s was verified; the application is in the queue."),
        params={"email": application.contact_email},
    )
    duplicates = ApplicationDuplicate.objects.bulk_create(duplicates_find(application))
    if duplicates:
        event_record(
            actor=None,
            target=application,
            verb=events.APPLICATION_DUPLICATE,
            message=gettext_noop("Possible duplicate: %(matches)s."),
            params={"matches": sorted({f"{d.get_matched_on_display()} {d.value}" for d in duplicates})},
            data={
                "partners": sorted({d.partner_id for d in duplicates if d.partner_id}),
                "applications": sorted({d.other_application_id for d in duplicates if d.other_application_id}),
            },
            internal=True,
        )
    checks_create(application=application)
    notify(
        recipients=_reviewers(),
        kind=notifications.APPLICATION_SUBMITTED,
        title=gettext_noop("%(reference)s %(company)s is ready for review"),
        body=gettext_noop("Decision due %(due)s.")
        if not duplicates
        else gettext_noop("Decision due %(due)s. Possible duplicate flagged."),
        params={
            "reference": application.reference,
            "company": application.company_name,
            "due": texts.moment(application.due_at),
        },
        url=_office_url(application),
        event=verified,
    )
    outbox_enqueue(task_name=STATUS_EMAIL_TASK, application_id=application.pk)
    return application


# --- the applicant's own actions on its status page ------------------------------------------------


@transaction.atomic
def application_withdraw(*, application: Application, reason: str = "") -> Application:
    """The applicant takes its application back while it is open (submitted or in review).
    Locked: a decision taken meanwhile wins, and the applicant is told it is decided."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status == ApplicationStatus.WITHDRAWN:
        return application
    if application.status not in OPEN_STATUSES:
        raise InvalidTransition(gettext("This application is no longer open: it cannot be withdrawn."))
    before = application.status
    application.status = ApplicationStatus.WITHDRAWN
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "decided_at", "updated_at"])
    event_record(
        actor=None,
        target=application,
        verb=events.APPLICATION_WITHDRAWN,
        from_state=before,
        to_state=ApplicationStatus.WITHDRAWN,
        message=gettext_noop("The applicant withdrew the application."),
        note=reason,
    )
    return application


@transaction.atomic
def application_documents_add(*, application: Application, documents: Iterable) -> list[ApplicationAttachment]:
    """The applicant sends more documents from its status page (what the vetting asks for)."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    documents = list(documents)
    if application.status not in OPEN_STATUSES:
        raise InvalidTransition(gettext("This application is no longer open: it takes no more documents."))
    if not documents:
        raise PolicyViolation(gettext("Choose a document to send."))
    if application.attachments.count() + len(documents) > MAX_DOCUMENTS_PER_APPLICATION:
        raise PolicyViolation(
            gettext("An application holds at most %(count)s documents.") % {"count": MAX_DOCUMENTS_PER_APPLICATION}
        )
    added = [_attach(application, document) for document in documents]
    event_record(
        actor=None,
        target=application,
        verb=events.APPLICATION_DOCUMENTS_ADDED,
        message=gettext_noop("The applicant sent %(names)s."),
        params={"names": [attachment.name for attachment in added]},
        data={"attachments": [attachment.pk for attachment in added]},
    )
    return added


def join_partner_for(application: Application) -> dict | None:
    """The partner a verified applicant may ask to join: one whose ``email_domains`` hold the
    domain of the contact's own address, which the contact proved it reads. None otherwise: the
    public is never told that some company is a partner."""
    if application.verified_at is None or application.status not in OPEN_STATUSES:
        return None
    domain = registrable_domain(application.contact_email)
    if not domain:
        return None
    for partner in partners_by_email_domain(domain=domain):
        if domain in {registrable_domain(d) for d in partner["email_domains"]}:
            return partner
    return None


@transaction.atomic
def join_request_create(*, application: Application, partner_id: int, message: str = "") -> JoinRequest:
    """The applicant asks to join the existing partner its address belongs to instead: a pending
    request for that partner's admins to decide, and the application withdrawn (one company,
    one record). Only the partner ``join_partner_for`` offers is accepted."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    offered = join_partner_for(application)
    if offered is None or offered["id"] != partner_id:
        raise PolicyViolation(gettext("This request to join is not available."))
    pending = JoinRequest.objects.filter(
        partner_id=partner_id, email=application.contact_email, status=JoinRequestStatus.PENDING
    )
    existing = pending.first()
    if existing is None:
        try:
            # A savepoint: the same person asking from two applications at once (the lock above
            # is per application) meets the one-pending-request constraint; theirs is the request.
            with transaction.atomic():
                join = JoinRequest.objects.create(
                    partner_id=partner_id,
                    application=application,
                    first_name=application.contact_first_name,
                    last_name=application.contact_last_name,
                    email=application.contact_email,
                    message=message.strip(),
                )
        except IntegrityError:
            existing = pending.get()
    join = existing or join
    before = application.status
    application.status = ApplicationStatus.WITHDRAWN
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "decided_at", "updated_at"])
    event_record(
        actor=None,
        target=application,
        verb=events.APPLICATION_WITHDRAWN,
        from_state=before,
        to_state=ApplicationStatus.WITHDRAWN,
        message=gettext_noop("The applicant asked to join %(partner)s instead."),
        params={"partner": offered["display_name"]},
        data={"join_request": join.pk, "partner": partner_id},
    )
    if existing is None:
        requested = event_record(
            actor=None,
            target=join,
            verb=events.JOIN_REQUESTED,
            to_state=JoinRequestStatus.PENDING,
            message=gettext_noop("%(person)s (%(email)s) asks to join the company."),
            params={"person": join.name, "email": join.email},
            note=join.message,
        )
        notify(
            recipients=partner_admin_list(partner_id=partner_id),
            kind=notifications.JOIN_REQUESTED,
            title=gettext_noop("%(person)s asks to join your company"),
            body=gettext_noop("Approve to send %(email)s an invitation, or decline."),
            params={"person": join.name, "email": join.email},
            url=reverse("portal:recruitment_join_requests"),
            event=requested,
        )
    return join


# --- requests to join: the partner admin decides -------------------------------------------------------


def _locked_pending(actor, join: JoinRequest) -> JoinRequest:
    recruitment_require(actor, join, A.JOIN_DECIDE)
    join = JoinRequest.objects.select_for_update().get(pk=join.pk)
    if join.status != JoinRequestStatus.PENDING:
        raise InvalidTransition(
            gettext("This request was already %(outcome)s by someone else.")
            % {"outcome": join.get_status_display().lower()}
        )
    return join


def _decided(actor: Membership, join: JoinRequest, status: str) -> None:
    """Record the (locked, pending) request's decision: its status, when and by whom."""
    join.status = status
    join.decided_at = timezone.now()
    join.decided_by = actor
    join.save(update_fields=["status", "decided_at", "decided_by"])


@transaction.atomic
def join_request_approve(*, actor: Membership, join: JoinRequest) -> JoinRequest:
    """The partner's admin lets the person in: an invitation as a sales rep of the company (which
    e-mails itself). Locked: of two admins deciding at once, the second is told it is decided."""
    join = _locked_pending(actor, join)
    partner = join.partner
    invitation = invitation_create(actor=actor, email=join.email, role=Role.SALES, partner=partner)
    _decided(actor, join, JoinRequestStatus.APPROVED)
    event_record(
        actor=actor,
        target=join,
        verb=events.JOIN_APPROVED,
        from_state=JoinRequestStatus.PENDING,
        to_state=JoinRequestStatus.APPROVED,
        message=gettext_noop("%(person)s is invited to join the company."),
        params={"person": join.name},
        data={"invitation": invitation.pk},
    )
    return join


@transaction.atomic
def join_request_decline(*, actor: Membership, join: JoinRequest, note: str = "") -> JoinRequest:
    """The partner's admin says no; the person gets a polite e-mail (not the admin's name)."""
    join = _locked_pending(actor, join)
    _decided(actor, join, JoinRequestStatus.DECLINED)
    event_record(
        actor=actor,
        target=join,
        verb=events.JOIN_DECLINED,
        from_state=JoinRequestStatus.PENDING,
        to_state=JoinRequestStatus.DECLINED,
        message=gettext_noop("The request of %(person)s to join was declined."),
        params={"person": join.name},
        note=note,
    )
    outbox_enqueue(task_name=JOIN_DECLINED_EMAIL_TASK, join_request_id=join.pk)
    return join


# --- expiry ------------------------------------------------------------------------------------------


def application_expire_due(*, now: datetime | None = None) -> int:
    """Every unverified application past its ``expires_at`` expires, in one statement, with its
    events in one insert. Safe to run twice, and beside a verification: the UPDATE re-checks the
    status on the rows a verification locked, so an application verified meanwhile stays so."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE recruitment_application SET status = %s, updated_at = %s"
            " WHERE tenant_id = %s AND status = %s AND expires_at <= %s"
            " RETURNING id, reference, contact_email",
            [ApplicationStatus.EXPIRED, now, current_tenant_id(), ApplicationStatus.UNVERIFIED, now],
        )
        rows = cursor.fetchall()
        if rows:
            application_type = ContentType.objects.get_for_model(Application)
            event_record_many(
                events=[
                    system_event(
                        target_type=application_type,
                        object_id=pk,
                        partner_id=None,
                        verb=events.APPLICATION_EXPIRED,
                        from_state=ApplicationStatus.UNVERIFIED,
                        to_state=ApplicationStatus.EXPIRED,
                        message=gettext_noop("%(email)s was not verified in time."),
                        params={"email": email},
                    )
                    for pk, _reference, email in rows
                ]
            )
    return len(rows)
