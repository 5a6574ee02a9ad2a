"""Channel-conflict detection for deal registrations.

A registration conflicts with another partner's *active* registration (submitted, more
information requested, approved, won awaiting confirmation) or with one of the vendor's own
accounts when the end customer is the same company: the same registrable web domain, or a
normalised name (``deals.normalize.company_key``) similar by trigram (PostgreSQL ``pg_trgm``,
served by the partial GIN indexes on ``Deal.customer_key`` and ``CustomerAccount.name_key``).
Product overlap raises a registration match's score; registrations for disjoint product lines
are reported but weigh less.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# A name this similar (pg_trgm similarity of the normalised keys, 0..1) is a possible conflict.
NAME_SIMILARITY = Decimal("0.55")


@dataclass(frozen=True)
class Match:
    """One possible conflict, for staff: it names the other party. Partners see only a hint."""

    kind: str  # DealConflict.Kind: "registration" or "account"
    score: Decimal  # 0..1
    reasons: list[str] = field(default_factory=list)  # sentences: "same web domain example.com", ...
    other_deal_id: int | None = None
    account_id: int | None = None


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
    raise NotImplementedError


def conflict_hint(*, partner_id: int, customer_name: str, customer_website: str = "", contact_email: str = "") -> bool:
    """For the registration form's live hint: is there a possible conflict? Never says with whom."""
    raise NotImplementedError


def conflicts_record(*, deal, phase: str) -> list:
    """Run the check for a deal (at "submit" or "approval"), store its DealConflict report (the
    phase's earlier rows of this deal are replaced) and set ``deal.has_conflict``. Returns the rows."""
    raise NotImplementedError
