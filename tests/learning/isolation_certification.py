"""Isolation cases of e-learning: certification (tests/learning/isolation.py merges them)."""

from __future__ import annotations

CASES: dict = {}
