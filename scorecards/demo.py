"""Demo data of scorecards, business plans and reviews (``load_demo`` calls ``load``): the plans
and reviews first, so that the scorecards measured last count their objectives and ratings."""

from __future__ import annotations


def load(demo) -> None:
    from .demo_parts import plans, reviews, scoring

    plans.load(demo)
    reviews.load(demo)
    scoring.load(demo)
