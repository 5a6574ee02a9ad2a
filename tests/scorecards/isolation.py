"""Isolation cases of scorecards, plans and reviews (the walk reads ``CASES``), with the form views
the hostile-input fuzz posts to (``FORM_VIEWS``) and the writes that take no input (``NO_INPUT``):
one module per part, merged here."""

from __future__ import annotations

from . import isolation_plans, isolation_reviews, isolation_scoring

_PARTS = (isolation_scoring, isolation_plans, isolation_reviews)
CASES = {name: case for part in _PARTS for name, case in part.CASES.items()}
FORM_VIEWS = {name: view for part in _PARTS for name, view in part.FORM_VIEWS.items()}
NO_INPUT = {name for part in _PARTS for name in part.NO_INPUT}
