"""The metric marketing measures for tiers and scorecards (``programs.metrics``): content
engagement. Written by the library part."""

from __future__ import annotations


def register_metrics() -> None:
    pass
