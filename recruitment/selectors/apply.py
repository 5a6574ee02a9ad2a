"""Reads of the apply part: signed links to the application they name, what the applicant's
status page shows, what the duplicate guard compares, and the partner admin's requests to join.

The public reads only through a signed link, and only its own application; a link that does not
verify, or names another tenant's application, is treated as unknown (a 404 for status pages)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core import signing
from django.db.models import Avg, CharField, Count, F, Func, Q, QuerySet, Value, Window
from django.db.models.functions import Concat
from django.http import Http404

from partners.models import INACTIVE_STATUSES, Partner
from prm.tenancy.scope import current_tenant_id
from prm.tenancy.search import contains_ignoring_case

from ..models import (
    OPEN_STATUSES,
    Application,
    ApplicationCheck,
    ApplicationScore,
    ApplicationStatus,
    CheckStatus,
    JoinRequest,
    JoinRequestStatus,
    SelectionCriterion,
)
from ..permissions import A, recruitment_filter
from ..services.common import recruitment_settings

# Salts: one per purpose, so a status link never passes for a verification link or back.
VERIFY_SALT = "recruitment.verify"
STATUS_SALT = "recruitment.status"


# --- signed links --------------------------------------------------------------------------------


def _in_this_tenant(payload) -> Application | None:
    if not isinstance(payload, dict) or payload.get("t") != current_tenant_id():
        return None
    try:
        return Application.objects.filter(pk=int(payload.get("a"))).first()
    except (TypeError, ValueError):
        return None


def application_for_verification(*, token: str) -> Application | None:
    """The application a verification link names, if the link is genuine, of this tenant, sent to
    the application's address and not past the tenant's expiry; None otherwise. A link followed
    again after the application was verified still finds it (verifying twice is harmless)."""
    signer = signing.TimestampSigner(salt=VERIFY_SALT)
    max_age = recruitment_settings().unverified_expiry_hours * 3600
    try:
        payload, fresh = signer.unsign_object(token, max_age=max_age), True
    except signing.SignatureExpired:
        payload, fresh = signer.unsign_object(token), False
    except signing.BadSignature:
        return None
    application = _in_this_tenant(payload)
    if application is None or application.contact_email.lower() != str(payload.get("e", "")).lower():
        return None
    if not fresh and application.verified_at is None:
        return None
    return application


def application_for_status(*, token: str) -> Application:
    """The application a status link names; a tampered link, or one of another tenant: 404."""
    try:
        payload = signing.Signer(salt=STATUS_SALT).unsign_object(token)
    except signing.BadSignature as error:
        raise Http404 from error
    application = _in_this_tenant(payload)
    if application is None:
        raise Http404
    return application


# --- the status page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    name: str
    description: str
    guidance: list[tuple[int, str]]
    average: float | None = None  # only when the vendor shows scores to applicants


@dataclass
class StatusPage:
    application: Application
    partner_type: str
    criteria: list[Criterion] = field(default_factory=list)
    show_scores: bool = False
    needed: list[dict] = field(default_factory=list)  # open checks that need evidence: name, description
    attachments: list[dict] = field(default_factory=list)
    join_partner: dict | None = None

    @property
    def is_open(self) -> bool:
        return self.application.status in OPEN_STATUSES

    @property
    def is_decided(self) -> bool:
        return self.application.status in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED)


def application_status_page(*, application: Application) -> StatusPage:
    """What the applicant sees of its application: where it stands, what is missing, the
    criteria it is judged on (the average scores only when the vendor shows them), the
    documents it sent, and the decision with its reason. Evaluated here, a few queries."""
    from partners.selectors import partner_type_options

    from ..services.apply import join_partner_for

    settings = recruitment_settings()
    types = {option.id: option.name for option in partner_type_options()}
    averages = {}
    if settings.show_scores_to_applicant:
        averages = {
            row["criterion_id"]: row["average"]
            for row in ApplicationScore.objects.filter(application=application)
            .values("criterion_id")
            .annotate(average=Avg("score"))
        }
    criteria = [
        Criterion(
            name=criterion.name,
            description=criterion.description,
            guidance=[(level, text) for level, text in criterion.guidance if text],
            average=round(averages[criterion.pk], 1) if criterion.pk in averages else None,
        )
        for criterion in SelectionCriterion.objects.filter(is_active=True).order_by("position", "id")
    ]
    needed = []
    if application.status in OPEN_STATUSES:
        needed = list(
            ApplicationCheck.objects.filter(
                application=application, status=CheckStatus.OPEN, item__evidence_required=True
            )
            .order_by("item__position", "item_id")
            .values(name=F("item__name"), description=F("item__description"))
        )
    attachments = list(application.attachments.order_by("uploaded_at", "id").values("name", "kind", "uploaded_at"))
    return StatusPage(
        application=application,
        partner_type=types.get(application.partner_type_id, ""),
        criteria=criteria,
        show_scores=settings.show_scores_to_applicant,
        needed=needed,
        attachments=attachments,
        join_partner=join_partner_for(application),
    )


# --- what the duplicate guard compares -----------------------------------------------------------


def _domains_text(website: str, domains: str) -> Concat:
    """The row's website and e-mail domains as one text, for a cheap first filter by domain (the
    service confirms each candidate by registrable domain)."""
    return Concat(
        F(website),
        Value(" "),
        Func(F(domains), Value(" "), function="array_to_string", output_field=CharField()),
        output_field=CharField(),
    )


def duplicate_candidates(*, application: Application, domains: set[str]) -> tuple[list[dict], list[dict]]:
    """Partners and other open applications of the tenant that may share a domain or the name
    with ``application``: (partners, applications) as dicts. A superset: the service decides.
    Run by the system on verification (no person's view: every partner of the tenant counts)."""
    name = application.company_name.strip()
    partner_match = Q(legal_name__iexact=name) | Q(display_name__iexact=name) if name else Q(pk__in=[])
    application_match = Q(company_name__iexact=name) if name else Q(pk__in=[])
    for domain in sorted(domains):
        partner_match |= Q(contains_ignoring_case("_domains", domain))
        application_match |= Q(contains_ignoring_case("_domains", domain)) | Q(contact_email__iendswith=domain)
    partners = list(
        Partner.objects.annotate(_domains=_domains_text("website", "email_domains"))
        .filter(partner_match)
        .order_by("pk")
        .values("id", "legal_name", "display_name", "website", "email_domains")[:50]
    )
    others = list(
        Application.objects.annotate(_domains=_domains_text("website", "email_domains"))
        .filter(status__in=OPEN_STATUSES)
        .exclude(pk=application.pk)
        .filter(application_match)
        .order_by("pk")
        .values("id", "company_name", "website", "email_domains", "contact_email")[:50]
    )
    return partners, others


def partners_by_email_domain(*, domain: str) -> list[dict]:
    """Operational partners whose e-mail domains may hold ``domain`` (confirmed by the caller)."""
    return list(
        Partner.objects.annotate(_domains=Func(F("email_domains"), Value(" "), function="array_to_string"))
        .filter(contains_ignoring_case("_domains", domain))
        .exclude(status__in=INACTIVE_STATUSES)
        .order_by("pk")
        .values("id", "display_name", "email_domains")[:20]
    )


# --- requests to join (the partner admin's page) -------------------------------------------------


def join_request_rows_for_actor(*, actor) -> QuerySet:
    """The requests to join the actor's company: pending first (oldest first), then the decided
    ones (latest first), as rows for the list page."""
    allowed = recruitment_filter(actor, A.JOIN_DECIDE)
    if allowed is None:
        return JoinRequest.objects.none().values()
    return (
        JoinRequest.objects.filter(allowed)
        .order_by(
            F("decided_at").desc(nulls_first=True),
            "created_at",
            "id",
        )
        .values("id", "first_name", "last_name", "email", "message", "status", "created_at", "decided_at")
    )


def join_requests_pending(*, partner_id: int, limit: int) -> list[dict]:
    """The oldest ``limit`` pending requests to join a partner, each with the ``total`` pending
    (one query: the count is a window over the same rows)."""
    return list(
        JoinRequest.objects.filter(partner_id=partner_id, status=JoinRequestStatus.PENDING)
        .annotate(total=Window(Count("id")))
        .order_by("created_at", "id")
        .values("first_name", "last_name", "email", "created_at", "total")[:limit]
    )


def join_request_get_for_actor(*, actor, join_id: int) -> JoinRequest:
    """A request to join the actor's company; another company's (or none): 404."""
    allowed = recruitment_filter(actor, A.JOIN_DECIDE)
    if allowed is None:
        raise Http404
    join = JoinRequest.objects.filter(allowed).filter(pk=join_id).first()
    if join is None:
        raise Http404
    return join
