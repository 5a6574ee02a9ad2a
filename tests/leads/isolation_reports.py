"""Isolation cases of lead distribution: the reports part (tests/leads/isolation.py merges them), with
its form views for the hostile-input fuzz (tests/hostile/test_fuzz_forms.py)."""

from __future__ import annotations

CASES: dict = {}
FORM_VIEWS: dict = {}
NO_INPUT: set[str] = set()
