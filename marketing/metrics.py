"""The metrics marketing measures for tiers and scorecards (``programs.metrics``): content
engagement (the library part, ``metrics_library.py`` when written)."""

from __future__ import annotations


def register_metrics() -> None:
    from .parts import part_modules

    for module in part_modules("marketing", prefix="metrics_"):
        module.register_metrics()
