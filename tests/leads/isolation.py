"""Isolation cases of lead distribution, one module per part (the walk reads ``CASES``)."""

from __future__ import annotations

from . import isolation_intake, isolation_offers, isolation_reports, isolation_routing

CASES = {
    **isolation_intake.CASES,
    **isolation_routing.CASES,
    **isolation_offers.CASES,
    **isolation_reports.CASES,
}
