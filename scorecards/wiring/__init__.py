"""What scorecards, plans and reviews plug into the foundation and the apps below, one module per
part (menus, home cards, action sources, event subscriptions); the metrics it measures go to the
registry from ``metrics.py``."""

from __future__ import annotations


def register() -> None:
    from .. import metrics
    from . import plans, reviews, scoring

    metrics.register_metrics()
    scoring.register()
    plans.register()
    reviews.register()
