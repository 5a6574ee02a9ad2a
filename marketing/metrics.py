"""The metrics marketing measures for tiers and scorecards (``programs.metrics``), one module per
part that measures one (``metrics_<part>.py``): the library's content engagement."""

from __future__ import annotations


def register_metrics() -> None:
    from .parts import part_modules

    for module in part_modules("marketing", prefix="metrics_"):
        module.register_metrics()
