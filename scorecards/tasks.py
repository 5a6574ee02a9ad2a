"""Thin Celery tasks of scorecards, plans and reviews: re-enter the tenant scope, call a service."""

from __future__ import annotations

from prm.events.tasks import fan_out_task, tenant_task

MEASURE_PARTNER = "scorecards.measure_partner"


@tenant_task("scorecards.measure")
def scorecards_measure_task() -> int:
    """Measure every active scorecard of one tenant for the current month (nightly)."""
    from .services.scoring import scorecards_measure_all

    return scorecards_measure_all()


scorecards_measure_all_task = fan_out_task("scorecards.measure_all", scorecards_measure_task)


@tenant_task(MEASURE_PARTNER)
def scorecards_measure_partner_task(*, partner_id: int) -> int:
    """Measure one partner on its scorecards now, as of today (asked for from its page, through
    the outbox): what it did today counts, and a partner enrolled today is measured too."""
    from prm.tenancy.time import tenant_today

    from .services.scoring import scorecards_measure_all

    return scorecards_measure_all(as_of=tenant_today(), partner_ids=[partner_id])


# --- relationship reviews -------------------------------------------------------------------------


@tenant_task("scorecards.reviews_due")
def reviews_due_task() -> int:
    """Open the relationship reviews that fell due by the tiers' cadence, for one tenant. Safe to
    run twice: a partner has one open review at most."""
    from .services.reviews import reviews_due_sweep

    return reviews_due_sweep()


# Nightly (beat): one cadence sweep per active tenant.
reviews_due_all_task = fan_out_task("scorecards.reviews_due_all", reviews_due_task)


@tenant_task("scorecards.review_summary")
def review_summary_task(*, review_id: int, announce: bool = True) -> bool:
    """Render and keep a held review's PDF summary (through the outbox: each message once)."""
    from .services.reviews import review_summary_store

    return review_summary_store(review_id=review_id, announce=announce)


@tenant_task("scorecards.measure_cards")
def scorecards_measure_cards_task(*, scorecard_ids: list[int]) -> int:
    """Measure these scorecards now (the admin's "measure now")."""
    from .services.scoring import scorecards_measure_all

    return scorecards_measure_all(scorecard_ids=scorecard_ids)


@tenant_task("scorecards.at_risk_digest")
def scorecards_at_risk_digest_task() -> int:
    """The weekly digest of partners at risk to each channel account manager."""
    from .services.digest import at_risk_digest

    return at_risk_digest()


scorecards_at_risk_digest_all_task = fan_out_task("scorecards.at_risk_digest_all", scorecards_at_risk_digest_task)
