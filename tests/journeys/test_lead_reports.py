"""The lead reports in a browser: a channel manager reads the fairness and aging reports (their
charts drawn), a partner admin its lead share; no serious or critical accessibility violation."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from ..conftest import build_side
from ..leads.reports_setup import lead_report_world
from .conftest import BLOCKING, axe_violations, can_sign_in, shot, sign_in

pytestmark = pytest.mark.journey


@pytest.fixture
def acme(live_server):
    side = build_side("acme", "Acme")
    lead_report_world(SimpleNamespace(side=side))
    return side


def _accessible(page) -> None:
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert blocking == [], blocking


def test_the_reports_and_the_lead_share_read_well(acme, open_page, tenant_url):
    office = open_page(tenant_url(acme.tenant))
    sign_in(office, can_sign_in(acme.manager).user.email)
    office.goto("/office/leads/fairness/?period=30")
    expect(office.locator("#fairness")).to_contain_text("Quiet Partner")
    # Chart.js drew the chart: it sizes the canvas it takes over
    office.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('canvas'))")
    shot(office, "lead-fairness")
    _accessible(office)
    office.goto("/office/leads/aging/")
    expect(office.locator("#open-offers")).to_contain_text("Germany")
    shot(office, "lead-aging")
    _accessible(office)
    portal = open_page(tenant_url(acme.tenant))
    sign_in(portal, can_sign_in(acme.partner_admin).user.email)
    portal.goto("/portal/leads/share/")
    expect(portal.locator("main")).to_contain_text("Your weight is 3 of a rotation weighing 6")
    shot(portal, "lead-share")
    _accessible(portal)
