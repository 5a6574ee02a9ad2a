"""Isolation cases of e-learning: reports (tests/learning/isolation.py merges them). The office
pages are every staff member's (``LEARNING_VIEW``); the team page is the partner admin's
(``LEARNING_TEAM``): the sales rep gets a 403, and it never names another partner's people."""

from __future__ import annotations

from ..isolation import Case, office_page, portal_page
from .reports_setup import learning_world

CASES: dict[str, Case] = {
    "office:learning_reports": office_page(setup=learning_world, contains="Selling the platform"),
    "office:learning_report_export": office_page(setup=learning_world, contains="Selling the platform"),
    "portal:learning_team": portal_page(allowed=("partner_admin",), setup=learning_world, contains="Bo Builder"),
}
