"""Isolation cases of e-learning: reports (tests/learning/isolation.py merges them)."""

from __future__ import annotations

CASES: dict = {}
