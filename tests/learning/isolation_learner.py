"""Isolation cases of e-learning: learner (tests/learning/isolation.py merges them)."""

from __future__ import annotations

CASES: dict = {}
