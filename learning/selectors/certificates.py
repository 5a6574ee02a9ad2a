"""Every read about certificates and competencies: a certificate's state as people see it, the
public verification lookup, the portal's and the back office's lists, a partner's competencies
with their history, and which certificates put a competency at risk.

Lists start from what the guard (``learning.permissions``) lets the actor see; what it may not
see is a 404.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, DateField, ExpressionWrapper, F, Q, QuerySet, Value
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from prm.tenancy.scope import current_tenant_id

from ..models import Certificate, CertificateStatus, Certification, Competency, CompetencyHolding
from ..permissions import LEARNING_TEAM, LEARNING_VIEW, A, LearningAction, learning_filter, learning_require

# What a certificate is as people see it: its stored status, and "expiring" for an active one
# inside its renewal window (an active one past its expiry, before the sweep ran, is expired).
ACTIVE, EXPIRING, EXPIRED, RENEWED, REVOKED = "active", "expiring", "expired", "renewed", "revoked"
STATE_LABELS = {
    ACTIVE: _("Active"),
    EXPIRING: _("Expiring"),
    EXPIRED: _("Expired"),
    RENEWED: _("Renewed"),
    REVOKED: _("Revoked"),
}
STATE_BADGES = {ACTIVE: "success", EXPIRING: "warning", EXPIRED: "secondary", RENEWED: "info", REVOKED: "danger"}


def certificate_state(*, status: str, expires_on: date | None, window_days: int, today: date) -> str:
    """One of ACTIVE, EXPIRING, EXPIRED, RENEWED, REVOKED."""
    if status != CertificateStatus.ACTIVE:
        return status
    if expires_on is not None and expires_on < today:
        return EXPIRED
    if expires_on is not None and (expires_on - today).days <= window_days:
        return EXPIRING
    return ACTIVE


def days_left(expires_on: date | None, today: date) -> int | None:
    return None if expires_on is None else (expires_on - today).days


# --- the public verification page ---------------------------------------------------------------

# Codes are shown in groups of four ("ABCD-EFGH-..."): a code typed without the dashes, with
# spaces or in lower case is the same code.
_CODE_CHARS = re.compile(r"[^A-Z2-7]")


def normalise_code(raw: str) -> str:
    """The stored form of a typed verification code ("" when it cannot be one)."""
    letters = _CODE_CHARS.sub("", (raw or "").upper())
    if not 16 <= len(letters) <= 26:
        return ""
    return "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))


@dataclass(frozen=True)
class Verification:
    """What the public page says about a certificate: nothing about the partner or the person
    but their name."""

    code: str
    holder: str
    certification: str
    issued_on: date
    expires_on: date | None
    state: str

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "holder": self.holder,
            "certification": self.certification,
            "issued_on": self.issued_on.isoformat(),
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "status": self.state,
        }


def certificate_verify_lookup(*, code: str, today: date) -> Verification | None:
    """The certificate with this code in the current tenant (anyone may ask: the code is the
    secret), or None. One query."""
    # As stored, or as typed by a person (lower case, without the dashes).
    candidates = {value for value in ((code or "").strip()[:32], normalise_code(code)) if value}
    if not candidates:
        return None
    row = (
        Certificate.objects.filter(code__in=sorted(candidates))
        .values(
            "code",
            "holder_name",
            "certification__name",
            "certification__renewal_window_days",
            "issued_on",
            "expires_on",
            "status",
        )
        .first()
    )
    if row is None:
        return None
    return Verification(
        code=row["code"],
        holder=row["holder_name"],
        certification=row["certification__name"],
        issued_on=row["issued_on"],
        expires_on=row["expires_on"],
        state=certificate_state(
            status=row["status"],
            expires_on=row["expires_on"],
            window_days=row["certification__renewal_window_days"],
            today=today,
        ),
    )


# --- one certificate -------------------------------------------------------------------------------


def certificate_get_for_actor(*, actor, certificate_id: int, action: LearningAction = A.VIEW) -> Certificate:
    """A certificate the actor may ``action`` (view, download), or a 404."""
    certificate = (
        Certificate.objects.select_related("certification", "holder__user", "partner", "renews")
        .filter(pk=certificate_id)
        .first()
    )
    if certificate is None:
        raise Http404
    learning_require(actor, certificate, action)
    return certificate


# --- lists ---------------------------------------------------------------------------------------

ROW_FIELDS = (
    "id",
    "code",
    "holder_name",
    "holder_id",
    "status",
    "issued_on",
    "expires_on",
    "certification_id",
    "certification__name",
    "certification__renewal_window_days",
    "certification__renewal_course_id",
    "partner_id",
    "partner__display_name",
)


def _visible(actor) -> QuerySet[Certificate]:
    visible = learning_filter(actor, A.VIEW, owner_field="holder_id")
    if visible is None:
        return Certificate.objects.none()
    return Certificate.objects.filter(visible)


def certificate_rows(rows: list[dict], *, today: date) -> list[dict]:
    """Rows of ``ROW_FIELDS`` with their state, its label and badge, and the days left."""
    for row in rows:
        state = certificate_state(
            status=row["status"],
            expires_on=row["expires_on"],
            window_days=row["certification__renewal_window_days"],
            today=today,
        )
        row["state"], row["state_label"], row["badge"] = state, STATE_LABELS[state], STATE_BADGES[state]
        row["days_left"] = days_left(row["expires_on"], today) if state in (ACTIVE, EXPIRING) else None
    return rows


def certificate_list_for_holder(*, actor, today: date) -> list[dict]:
    """The actor's own certificates, newest first (a person holds a handful)."""
    rows = list(_visible(actor).filter(holder_id=actor.pk).order_by("-issued_on", "-id").values(*ROW_FIELDS)[:200])
    return certificate_rows(rows, today=today)


def certificate_list_for_company(*, actor, today: date, limit: int = 500) -> list[dict]:
    """The certificates of the actor's company's people (a partner admin), current ones first
    (active, then the others), by holder."""
    if actor.partner_id is None or not actor.can(LEARNING_TEAM):
        return []
    rows = list(
        _visible(actor)
        .filter(partner_id=actor.partner_id)
        .order_by("holder_name", "-issued_on", "-id")
        .values(*ROW_FIELDS)[:limit]
    )
    return certificate_rows(rows, today=today)


def certificate_office_rows_for_actor(
    *,
    actor,
    today: date,
    status: str = "",
    certification_id: int | None = None,
    partner_id: int | None = None,
    expiring_days: int | None = None,
) -> tuple[QuerySet, QuerySet]:
    """The back office's list: (rows as ``.values(ROW_FIELDS)``, the same certificates to count),
    newest first. ``status`` is a state (``expiring``: active inside the window; ``expired``
    includes active ones past their date the sweep has not reached yet)."""
    certificates = _visible(actor)
    if certification_id:
        certificates = certificates.filter(certification_id=certification_id)
    if partner_id:
        certificates = certificates.filter(partner_id=partner_id)
    if status == ACTIVE:
        certificates = certificates.filter(status=CertificateStatus.ACTIVE).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=today)
        )
    elif status == EXPIRED:
        certificates = certificates.filter(
            Q(status=CertificateStatus.EXPIRED) | Q(status=CertificateStatus.ACTIVE, expires_on__lt=today)
        )
    elif status == EXPIRING:
        # Inside its certification's window: compared in SQL against each one's window.
        window_end = ExpressionWrapper(
            Value(today, output_field=DateField()) + F("certification__renewal_window_days"), output_field=DateField()
        )
        certificates = certificates.filter(status=CertificateStatus.ACTIVE, expires_on__gte=today).filter(
            expires_on__lte=window_end
        )
    elif status in (RENEWED, REVOKED):
        certificates = certificates.filter(status=status)
    if expiring_days is not None:
        certificates = certificates.filter(
            status=CertificateStatus.ACTIVE,
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=expiring_days),
        )
    rows = certificates.order_by("-issued_on", "-id").values(*ROW_FIELDS)
    return rows, certificates


def certification_options() -> list[tuple[int, str]]:
    """The tenant's certifications for a filter (a few dozen at most)."""
    return list(Certification.objects.order_by("name").values_list("id", "name"))


def valid_certifications_of_partner(*, partner_id: int, today: date) -> list[tuple[str, int]]:
    """What a partner's current people are certified in today, as the public partner locator
    shows it: (certification name, how many people hold a valid certificate), the most held
    first. An active certificate counts until its expiry day; a person who left the company no
    longer counts (as competencies count). One query."""
    rows = (
        Certificate.objects.filter(
            status=CertificateStatus.ACTIVE, holder__partner_id=partner_id, holder__is_active=True
        )
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .values("certification__name")
        .annotate(people=Count("holder_id", distinct=True))
        .order_by("-people", "certification__name")
    )
    return [(row["certification__name"], row["people"]) for row in rows]


# --- competencies --------------------------------------------------------------------------------


def competency_options() -> list[tuple[int, str]]:
    """The tenant's active competencies (id, name) by name, for a filter (a few dozen at most)."""
    return list(Competency.objects.filter(is_active=True).order_by("name").values_list("id", "name"))


def competencies_held_sql() -> str:
    """What partners hold now, as SQL a set-based statement of another app joins to its rows (the
    partner locator's search: one statement per page): one row per open holding of an active
    competency, ``(partner_id, competency_id, code, name)``, of the tenant given as the named
    parameter ``%(tenant)s``. The same holdings ``competency_codes_held`` answers for today."""
    return (
        "SELECT h.partner_id, k.id AS competency_id, k.code, k.name"
        " FROM learning_competencyholding h"
        " JOIN learning_competency k ON k.id = h.competency_id AND k.tenant_id = h.tenant_id"
        " WHERE h.tenant_id = %(tenant)s AND h.lost_at IS NULL AND k.is_active"
    )


def competency_names_held(*, partner_id: int) -> list[str]:
    """The names of the active competencies a partner holds now, by name (one query)."""
    return list(
        CompetencyHolding.objects.filter(partner_id=partner_id, lost_at__isnull=True, competency__is_active=True)
        .order_by("competency__name")
        .values_list("competency__name", flat=True)
    )


def competency_history_for_partner(*, partner_id: int, limit: int = 100) -> list[CompetencyHolding]:
    """A partner's competency holdings, open ones first, then the newest."""
    return list(
        CompetencyHolding.objects.filter(partner_id=partner_id)
        .select_related("competency")
        .order_by(F("lost_at").desc(nulls_first=True), "-gained_at", "-id")[:limit]
    )


def competency_holdings_for_actor(*, actor, partner_id: int | None = None, current: bool = False):
    """The competency holdings ``actor`` may read, with their competency: staff who read
    e-learning (``LEARNING_VIEW``) every partner's (or ``partner_id``'s); a partner admin
    (``LEARNING_TEAM``, as the portal's certificates page) its company's; anyone else none.
    ``current``: only those held now. Unordered: the caller pages it."""
    holdings = CompetencyHolding.objects.select_related("competency")
    if actor.is_staff_member and actor.can(LEARNING_VIEW):
        if partner_id is not None:
            holdings = holdings.filter(partner_id=partner_id)
    elif actor.is_partner_user and actor.partner_id is not None and actor.can(LEARNING_TEAM):
        holdings = holdings.filter(partner_id=actor.partner_id)
    else:
        return CompetencyHolding.objects.none()
    if current:
        holdings = holdings.filter(lost_at__isnull=True)
    return holdings


def competency_codes_held(*, partner_id: int, codes: set[str] | None, on: date, today: date) -> set[str]:
    """The competency codes ``partner_id`` holds on ``on`` (open holdings for today or later; the
    history, in the tenant's time zone, for a past day). One query."""
    holdings = CompetencyHolding.objects.filter(partner_id=partner_id)
    if codes is not None:
        holdings = holdings.filter(competency__code__in=list(codes))
    if on >= today:
        holdings = holdings.filter(lost_at__isnull=True)
        return set(holdings.values_list("competency__code", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT k.code FROM learning_competencyholding h"  # noqa: S608 (a fixed clause)
            " JOIN learning_competency k ON k.id = h.competency_id AND k.tenant_id = h.tenant_id"
            " JOIN tenancy_tenant t ON t.id = h.tenant_id"
            " WHERE h.tenant_id = %s AND h.partner_id = %s"
            " AND (h.gained_at AT TIME ZONE t.time_zone)::date <= %s"
            " AND (h.lost_at IS NULL OR (h.lost_at AT TIME ZONE t.time_zone)::date > %s)"
            + (" AND k.code = ANY(%s)" if codes is not None else ""),
            [current_tenant_id(), partner_id, on, on, *([list(codes)] if codes is not None else [])],
        )
        return {row[0] for row in cursor.fetchall()}


@dataclass(frozen=True)
class AtRisk:
    """An active certificate whose expiry would drop a competency its holder's company holds:
    after it, ``remaining`` people would still count, fewer than ``needed``."""

    certificate_id: int
    holder_id: int
    holder_name: str
    partner_id: int
    certification: str
    expires_on: date
    competency_id: int
    competency: str
    needed: int
    remaining: int


# Certificates (active, with an expiry) whose expiry would leave a competency the holder's current
# company holds short of a requirement: the other current people whose certificate of the same
# certification outlives this one are fewer than the requirement asks.
_AT_RISK_SQL = """
SELECT c.id, c.holder_id, c.holder_name, m.partner_id, z.name, c.expires_on, k.id, k.name, q.min_people,
       (SELECT count(DISTINCT o.holder_id)
          FROM learning_certificate o
          JOIN accounts_membership om ON om.id = o.holder_id AND om.tenant_id = o.tenant_id
         WHERE o.tenant_id = c.tenant_id AND o.certification_id = c.certification_id AND o.status = 'active'
           AND (o.expires_on IS NULL OR o.expires_on > c.expires_on) AND o.holder_id <> c.holder_id
           AND om.is_active AND om.partner_id = m.partner_id) AS remaining
  FROM learning_certificate c
  JOIN accounts_membership m ON m.id = c.holder_id AND m.tenant_id = c.tenant_id
  JOIN learning_certification z ON z.id = c.certification_id AND z.tenant_id = c.tenant_id
  JOIN learning_competencyrequirement q ON q.certification_id = c.certification_id AND q.tenant_id = c.tenant_id
  JOIN learning_competency k ON k.id = q.competency_id AND k.tenant_id = c.tenant_id AND k.is_active
  JOIN learning_competencyholding h ON h.competency_id = k.id AND h.tenant_id = c.tenant_id
       AND h.partner_id = m.partner_id AND h.lost_at IS NULL
 WHERE c.tenant_id = %s AND c.status = 'active' AND c.expires_on IS NOT NULL AND c.expires_on >= %s
   AND m.is_active AND m.partner_id IS NOT NULL {where}
 ORDER BY c.expires_on, c.id, k.name
"""


def certificates_at_risk(
    *, today: date, certificate_ids: list[int] | None = None, partner_id: int | None = None, in_window: bool = False
) -> list[AtRisk]:
    """The certificates (these, or a partner's people's) that would cost a competency when they
    expire. ``in_window``: only those inside their renewal window. One query."""
    where, params = "", []
    if certificate_ids is not None:
        where += " AND c.id = ANY(%s)"
        params.append(list(certificate_ids))
    if partner_id is not None:
        where += " AND m.partner_id = %s"
        params.append(partner_id)
    if in_window:
        where += " AND c.expires_on - %s::date <= z.renewal_window_days"
        params.append(today)
    with connection.cursor() as cursor:
        cursor.execute(_AT_RISK_SQL.format(where=where), [current_tenant_id(), today, *params])
        found = [AtRisk(*row) for row in cursor.fetchall()]
    return [risk for risk in found if risk.remaining < risk.needed]
