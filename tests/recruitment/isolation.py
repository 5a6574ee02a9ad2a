"""Isolation cases of recruitment, one module per part (the walk reads ``CASES``)."""

from __future__ import annotations

from . import isolation_apply, isolation_imports, isolation_onboard, isolation_select

CASES = {
    **isolation_apply.CASES,
    **isolation_select.CASES,
    **isolation_onboard.CASES,
    **isolation_imports.CASES,
}
