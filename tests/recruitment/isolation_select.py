"""Isolation cases of recruitment: the select part (tests/recruitment/isolation.py merges them)."""

from __future__ import annotations

from ..isolation import Case

CASES: dict[str, Case] = {}

# --- for tests/hostile/test_fuzz_forms.py (merged into its FORM_VIEWS): name -> (who, path, valid data)
FORM_VIEWS: dict = {}
# POSTs without input (a button).
NO_INPUT: set[str] = set()
