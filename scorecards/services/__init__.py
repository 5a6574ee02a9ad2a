"""The services of scorecards, plans and reviews (every write goes through one of them)."""

from .potential import INVEST_TAG, partner_invest_set, scorecard_recompute_request
from .scoring import scorecard_measure, scorecards_backfill, scorecards_measure_all

__all__ = [
    "INVEST_TAG",
    "partner_invest_set",
    "scorecard_measure",
    "scorecard_recompute_request",
    "scorecards_backfill",
    "scorecards_measure_all",
]
