"""Channel-conflict detection for deal registrations.

A registration conflicts with another partner's *active* registration (submitted, more
information requested, approved, won awaiting confirmation) or with one of the vendor's own
accounts when the end customer is the same company: the same registrable web domain, or a
normalised name (``deals.normalize.company_key``) similar by trigram (PostgreSQL ``pg_trgm``,
served by the partial GIN indexes on ``Deal.customer_key`` and ``CustomerAccount.name_key``).
Product overlap raises a registration match's score; registrations for disjoint product lines
are reported but weigh less.

Each source is one set-based statement: the exact-domain lookup (a b-tree index) UNION the
trigram name search (the GIN index, through the ``%`` operator, whose threshold is the
transaction-local ``pg_trgm.similarity_threshold``), scored and cut to the best rows in SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.utils import timezone

from prm.tenancy.scope import current_tenant_id, step_out_to_tenant

from .models import ACTIVE_STATUSES, CustomerAccount
from .normalize import CustomerIdentity

# A name this similar (pg_trgm similarity of the normalised keys, 0..1) is a possible conflict.
NAME_SIMILARITY = Decimal("0.55")
# The report keeps the best matches only: a reviewer reads them, a hint needs one.
MAX_MATCHES = 20
# A registration for other product lines than this one's is a weaker claim on the customer.
DIFFERENT_LINES_FACTOR = Decimal("0.5")
# A match this strong (or any vendor account the vendor keeps for itself) is the same customer in
# all likelihood: approving over it needs the reviewer's explicit acknowledgement (deal_approve).
STRONG_SCORE = Decimal("0.85")
STRONG_ACCOUNT_KINDS = frozenset({CustomerAccount.Kind.NAMED, CustomerAccount.Kind.DIRECT_ONLY})

ACCOUNT_KIND_REASONS = {
    CustomerAccount.Kind.CUSTOMER: "an existing customer of the vendor",
    CustomerAccount.Kind.NAMED: "a named account of the vendor",
    CustomerAccount.Kind.DIRECT_ONLY: "a direct-only account of the vendor",
}
_SCORE = Decimal("0.001")


@dataclass(frozen=True)
class Match:
    """One possible conflict, for staff: it names the other party. Partners see only a hint."""

    kind: str  # DealConflict.Kind: "registration" or "account"
    score: Decimal  # 0..1
    reasons: list[str] = field(default_factory=list)  # sentences: "same web domain example.com", ...
    other_deal_id: int | None = None
    account_id: int | None = None


def is_strong(*, score: Decimal, account_kind: str = "") -> bool:
    """Whether a conflict needs an acknowledgement to approve over (``STRONG_SCORE``)."""
    return score >= STRONG_SCORE or account_kind in STRONG_ACCOUNT_KINDS


def conflict_key(*, other_deal_id: int | None, account_id: int | None) -> str:
    """What a reviewer acknowledges: the registration or vendor account a conflict is with, as
    the approval form posts it back ("deal:42", "account:7"), so that an approval acknowledges
    the conflicts on the page and no newer one."""
    return f"deal:{other_deal_id}" if other_deal_id else f"account:{account_id}"


def conflicts_find(
    *,
    partner_id: int,
    customer_name: str,
    customer_website: str = "",
    contact_email: str = "",
    product_line_ids: list[int] | None = None,
    exclude_deal_id: int | None = None,
) -> list[Match]:
    """Every possible conflict of a customer for a partner, best first. Read-only; runs in the
    current tenant scope (stepping out of a partner user's scope to see other partners' rows)."""
    identity = CustomerIdentity.of(name=customer_name, website=customer_website, email=contact_email)
    return _find(
        partner_id=partner_id,
        key=identity.key,
        domain=identity.domain,
        product_line_ids=product_line_ids,
        exclude_deal_id=exclude_deal_id,
    )


def conflict_hint(*, partner_id: int, customer_name: str, customer_website: str = "", contact_email: str = "") -> bool:
    """For the registration form's live hint: is there a possible conflict? Never says with whom."""
    identity = CustomerIdentity.of(name=customer_name, website=customer_website, email=contact_email)
    # Only a yes or no leaves this function: no score, no reason, no id (each could name the
    # other partner or confirm a vendor account to a partner user).
    return bool(_find(partner_id=partner_id, key=identity.key, domain=identity.domain, limit=1))


def conflicts_record(*, deal, phase: str) -> list:
    """Run the check for a deal (at "submit" or "approval"), store its DealConflict report (the
    phase's earlier rows of this deal are replaced) and set ``deal.has_conflict``. Returns the rows."""
    from .models import DealConflict, DealLine

    with step_out_to_tenant():
        # The stored identity (computed when the deal was saved) is what other checks compare
        # against, so this check uses it too rather than recomputing it from the typed values.
        line_ids = sorted(set(DealLine.objects.filter(deal_id=deal.pk).values_list("product_line_id", flat=True)))
        matches = _find(
            partner_id=deal.partner_id,
            key=deal.customer_key,
            domain=deal.customer_domain,
            product_line_ids=line_ids,
            exclude_deal_id=deal.pk,
        )
        now = timezone.now()
        # DealConflict rows are vendor-internal (no partner policy): a partner user's submission
        # writes them as the tenant, like notify_many writes staff notifications.
        DealConflict.objects.filter(deal_id=deal.pk, phase=phase).delete()
        rows = DealConflict.objects.bulk_create(
            [
                DealConflict(
                    tenant_id=deal.tenant_id,
                    deal_id=deal.pk,
                    kind=match.kind,
                    other_deal_id=match.other_deal_id,
                    account_id=match.account_id,
                    score=match.score,
                    reasons=match.reasons,
                    checked_at=now,
                    phase=phase,
                )
                for match in matches
            ]
        )
    deal.has_conflict = bool(rows)
    deal.save(update_fields=["has_conflict"])
    return rows


# --- The queries --------------------------------------------------------------------------------


@contextmanager
def _similarity_threshold(cursor) -> Iterator[None]:
    """``%`` matches at NAME_SIMILARITY for the enclosed statements, and they run without
    parallel workers: the check reads a few index entries, and when one branch of its UNION is
    switched off by an empty input (no domain), PostgreSQL still launched workers for it, which
    cost about 5 ms at a million registrations. The previous settings are put back afterwards
    (the transaction may be a request's with its own use of them)."""
    cursor.execute(
        "SELECT current_setting('pg_trgm.similarity_threshold', true),"
        " current_setting('max_parallel_workers_per_gather'),"
        " set_config('pg_trgm.similarity_threshold', %s, true),"
        " set_config('max_parallel_workers_per_gather', '0', true)",
        [str(NAME_SIMILARITY)],
    )
    previous_threshold, previous_workers = cursor.fetchone()[:2]
    try:
        yield
    finally:
        # Unset before (pg_trgm not loaded in this session yet): its default is 0.3.
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true),"
            " set_config('max_parallel_workers_per_gather', %s, true)",
            [previous_threshold or "0.3", previous_workers],
        )


# Other partners' active registrations. Candidates come from the domain index UNION the
# trigram index (both partial on the active statuses, both leading with tenant_id), then the
# few found rows are scored with their product lines. Scoring, ordering and the cut happen
# here so that "the best 20" are the best of all, not of an arbitrary 20.
_REGISTRATIONS_SQL = """
WITH candidate AS (
    SELECT d.id FROM deals_deal d
    WHERE d.tenant_id = %(tenant)s AND d.status = ANY(%(active)s)
      AND %(domain)s <> '' AND d.customer_domain <> '' AND d.customer_domain = %(domain)s
      AND d.partner_id <> %(partner)s AND d.id <> %(exclude)s
    UNION
    SELECT d.id FROM deals_deal d
    WHERE d.tenant_id = %(tenant)s AND d.status = ANY(%(active)s)
      AND %(key)s <> '' AND d.customer_key %% %(key)s
      AND d.partner_id <> %(partner)s AND d.id <> %(exclude)s
),
scored AS (
    SELECT d.id,
           %(domain)s <> '' AND d.customer_domain = %(domain)s AS same_domain,
           %(key)s <> '' AND d.customer_key = %(key)s AS same_key,
           similarity(d.customer_key, %(key)s) AS similarity,
           lines.line_ids,
           lines.shared_names
    FROM candidate c
    JOIN deals_deal d ON d.id = c.id AND d.tenant_id = %(tenant)s
    LEFT JOIN LATERAL (
        SELECT array_agg(DISTINCT l.product_line_id) AS line_ids,
               array_agg(DISTINCT pl.name ORDER BY pl.name)
                   FILTER (WHERE l.product_line_id = ANY(%(lines)s::bigint[])) AS shared_names
        FROM deals_dealline l
        JOIN programs_productline pl ON pl.id = l.product_line_id AND pl.tenant_id = %(tenant)s
        WHERE l.tenant_id = %(tenant)s AND l.deal_id = d.id
    ) lines ON true
)
SELECT id, same_domain, same_key, similarity, shared_names, different_lines,
       (CASE WHEN same_domain OR same_key THEN 1.0 ELSE similarity END)::float8
       * (CASE WHEN different_lines THEN %(factor)s ELSE 1.0 END)::float8 AS score
FROM (
    SELECT scored.*,
           cardinality(%(lines)s::bigint[]) > 0 AND line_ids IS NOT NULL AND shared_names IS NULL
               AS different_lines
    FROM scored
) flagged
ORDER BY score DESC, id
LIMIT %(limit)s
"""

# The vendor's accounts (every kind): the domain index UNION the trigram index.
_ACCOUNTS_SQL = """
WITH candidate AS (
    SELECT a.id FROM deals_customeraccount a
    WHERE a.tenant_id = %(tenant)s AND %(domain)s <> '' AND a.domain <> '' AND a.domain = %(domain)s
    UNION
    SELECT a.id FROM deals_customeraccount a
    WHERE a.tenant_id = %(tenant)s AND %(key)s <> '' AND a.name_key %% %(key)s
)
SELECT a.id, a.kind,
       %(domain)s <> '' AND a.domain = %(domain)s AS same_domain,
       %(key)s <> '' AND a.name_key = %(key)s AS same_key,
       similarity(a.name_key, %(key)s) AS similarity
FROM candidate c
JOIN deals_customeraccount a ON a.id = c.id AND a.tenant_id = %(tenant)s
ORDER BY (CASE WHEN %(domain)s <> '' AND a.domain = %(domain)s OR %(key)s <> '' AND a.name_key = %(key)s
               THEN 1.0 ELSE similarity(a.name_key, %(key)s) END) DESC, a.id
LIMIT %(limit)s
"""


def _find(
    *,
    partner_id: int,
    key: str,
    domain: str,
    product_line_ids: list[int] | None = None,
    exclude_deal_id: int | None = None,
    limit: int = MAX_MATCHES,
) -> list[Match]:
    if not key and not domain:
        return []
    lines = sorted({int(line) for line in product_line_ids or ()})
    with step_out_to_tenant():
        params = {
            # Named explicitly although row-level security applies it too: the indexes lead
            # with tenant_id, and the query must not depend on which role runs it.
            "tenant": current_tenant_id(),
            "active": sorted(str(status) for status in ACTIVE_STATUSES),
            "partner": partner_id,
            "exclude": exclude_deal_id or 0,
            "key": key,
            "domain": domain,
            "lines": lines,
            "factor": float(DIFFERENT_LINES_FACTOR),
            "limit": limit,
        }
        with connection.cursor() as cursor, _similarity_threshold(cursor):
            cursor.execute(_REGISTRATIONS_SQL, params)
            registrations = cursor.fetchall()
            cursor.execute(_ACCOUNTS_SQL, params)
            accounts = cursor.fetchall()
    matches = [_registration_match(row, domain) for row in registrations]
    matches += [_account_match(row, domain) for row in accounts]
    matches.sort(key=lambda m: (-m.score, m.kind != "registration", m.other_deal_id or m.account_id or 0))
    return matches[:limit]


def _score(value) -> Decimal:
    return min(Decimal(str(value)), Decimal(1)).quantize(_SCORE, rounding=ROUND_HALF_UP)


def _identity_reasons(*, same_domain: bool, same_key: bool, similarity: float, domain: str) -> list[str]:
    reasons = []
    if same_domain:
        reasons.append(f"same web domain {domain}")
    if same_key:
        reasons.append("same company name")
    elif similarity >= float(NAME_SIMILARITY):
        reasons.append(f"similar name ({round(similarity * 100)}%)")
    return reasons


def _registration_match(row, domain: str) -> Match:
    deal_id, same_domain, same_key, similarity, shared_names, different_lines, score = row
    reasons = _identity_reasons(same_domain=same_domain, same_key=same_key, similarity=similarity, domain=domain)
    if shared_names:
        reasons.append("also registered for " + ", ".join(shared_names))
    elif different_lines:
        reasons.append("different product lines")
    return Match(kind="registration", score=_score(score), reasons=reasons, other_deal_id=deal_id)


def _account_match(row, domain: str) -> Match:
    account_id, kind, same_domain, same_key, similarity = row
    reasons = _identity_reasons(same_domain=same_domain, same_key=same_key, similarity=similarity, domain=domain)
    reasons.append(ACCOUNT_KIND_REASONS.get(kind, "an account of the vendor"))
    score = 1.0 if same_domain or same_key else similarity
    return Match(kind="account", score=_score(score), reasons=reasons, account_id=account_id)
