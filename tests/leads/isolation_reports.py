"""Isolation cases of lead distribution: the reports part (tests/leads/isolation.py merges them), with
its form views for the hostile-input fuzz (tests/hostile/test_fuzz_forms.py). The office pages are
every staff member's (``LEADS_VIEW``); the lead share is the partner admin's (``LEADS_CAPACITY``):
the sales rep gets a 403, and it never names another partner. The pages only read (GET with
filters: their query strings are fuzzed in tests/leads/test_reports_hostile.py), so there is no
form view here."""

from __future__ import annotations

from ..isolation import Case, office_page, portal_page
from .reports_setup import lead_report_world

CASES: dict[str, Case] = {
    "office:lead_fairness": office_page(setup=lead_report_world, contains="Quiet Partner"),
    "office:lead_aging": office_page(setup=lead_report_world, contains="Germany"),
    "portal:lead_share": portal_page(
        allowed=("partner_admin",), setup=lead_report_world, contains="Your weight is 3 of a rotation weighing 6"
    ),
}
FORM_VIEWS: dict = {}
NO_INPUT: set[str] = set()
