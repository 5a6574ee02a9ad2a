"""Incentives in the Django admin: finance enters exchange rates; the ledger is shown, never edited."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from incentives.models import Account, ExchangeRate, LedgerTransaction, TransactionKind
from incentives.services import Line, ledger_post
from prm.events.models import Event
from prm.tenancy.scope import tenant_scope

pytestmark = pytest.mark.django_db


def _posting(side, memo):
    with tenant_scope(side.tenant):
        return ledger_post(
            kind=TransactionKind.ACCRUAL,
            partner=side.partner,
            earned_on=date(2026, 3, 1),
            lines=[Line(Account.EXPENSE, Decimal("10.00"), "USD"), Line(Account.PENDING, Decimal("-10.00"), "USD")],
            memo=memo,
        )


def test_a_vendor_admin_enters_an_exchange_rate_in_the_admin(world, client_for):
    client = client_for(world.acme.admin)
    response = client.post(
        "/admin/incentives/exchangerate/add/", {"currency": "eur", "on": "2026-01-01", "rate": "1.0850"}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    with tenant_scope(world.acme.tenant):
        rate = ExchangeRate.objects.get()
        assert (rate.currency, rate.on, rate.rate, rate.entered_by) == (
            "EUR",
            date(2026, 1, 1),
            Decimal("1.0850"),
            world.acme.admin,
        )
        assert Event.objects.filter(verb="exchangerate.created_in_admin", object_id=rate.pk).exists()
    with tenant_scope(world.globex.tenant):
        assert not ExchangeRate.objects.exists()
    # the same day twice is refused on the form, with what was typed kept
    again = client.post("/admin/incentives/exchangerate/add/", {"currency": "EUR", "on": "2026-01-01", "rate": "2"})
    assert again.status_code == 200 and "already exists" in again.content.decode()


def test_the_ledger_is_shown_to_the_tenants_admin_and_cannot_be_changed_there(world, client_for):
    ours, theirs = _posting(world.acme, "Acme's posting"), _posting(world.globex, "Globex's posting")
    client = client_for(world.acme.admin)
    listing = client.get("/admin/incentives/ledgertransaction/")
    assert listing.status_code == 200
    assert "Acme&#x27;s posting" in listing.content.decode() and "Globex" not in listing.content.decode()
    page = client.get(f"/admin/incentives/ledgertransaction/{ours.pk}/change/")
    assert page.status_code == 200 and "10.00" in page.content.decode()
    assert client.get(f"/admin/incentives/ledgertransaction/{theirs.pk}/change/").status_code == 302
    # no adding, changing or deleting, whatever is posted
    assert client.get("/admin/incentives/ledgertransaction/add/").status_code == 403
    changed = client.post(f"/admin/incentives/ledgertransaction/{ours.pk}/change/", {"memo": "rewritten"})
    assert changed.status_code == 403
    assert client.post(f"/admin/incentives/ledgertransaction/{ours.pk}/delete/", {"post": "yes"}).status_code == 403
    with tenant_scope(world.acme.tenant):
        assert LedgerTransaction.objects.get(pk=ours.pk).memo == "Acme's posting"


def test_finance_configures_a_spiff_campaign_in_the_admin_and_a_wrong_window_is_refused(world, client_for):
    from incentives.models import SpiffCampaign
    from tests.factories import ProductLineFactory

    with tenant_scope(world.acme.tenant):
        storage = ProductLineFactory(tenant=world.acme.tenant, name="Storage")
    client = client_for(world.acme.admin)
    campaign = {
        "name": "Q1 storage push",
        "description": "",
        "program": "",
        "product_lines": [str(storage.pk)],
        "starts_on": "2026-01-01",
        "ends_on": "2026-03-31",
        "basis": "per_unit",
        "amount": "40",
        "currency": "usd",
        "cap_per_rep": "2000",
        "cap_per_partner": "",
        "payee": "rep",
        "claim_mode": "automatic",
        "is_active": "on",
    }
    wrong = client.post("/admin/incentives/spiffcampaign/add/", campaign | {"ends_on": "2025-12-31"})
    assert wrong.status_code == 200 and "The last day comes after the first." in wrong.content.decode()
    too_much = client.post("/admin/incentives/spiffcampaign/add/", campaign | {"basis": "percent", "amount": "150"})
    assert too_much.status_code == 200 and "A percentage is at most 100." in too_much.content.decode()
    response = client.post("/admin/incentives/spiffcampaign/add/", campaign)
    assert response.status_code == 302, response.context["adminform"].form.errors
    with tenant_scope(world.acme.tenant):
        saved = SpiffCampaign.objects.get()
    assert (saved.product_line_ids, saved.currency, saved.cap_per_rep) == ([storage.pk], "USD", Decimal("2000"))
    # its page shows the product line ticked
    page = client.get(f"/admin/incentives/spiffcampaign/{saved.pk}/change/").content.decode()
    assert re.search(rf'name="product_lines" value="{storage.pk}"[^>]*checked', page)


def test_finance_sets_up_a_rebate_plan_in_the_admin_and_measures_the_quarter_from_there(world, client_for):
    from incentives.models import RebateAccrual, RebatePlan
    from tests.factories import DealFactory

    client = client_for(world.acme.admin)
    plan = {
        "name": "Growth rebate",
        "program": "",
        "min_tier": "",
        "growth_only": "on",
        "baseline": "last_year",
        "bands": "[[0, 1], [100000, 2]]",
        "accelerator_percent": "0",
        "accelerator_certifications": "",
        "is_active": "on",
    }
    wrong = client.post("/admin/incentives/rebateplan/add/", plan | {"bands": '[["lots", 1]]'})
    assert wrong.status_code == 200 and "Write the bands as" in wrong.content.decode()
    no_tiers = client.post("/admin/incentives/rebateplan/add/", plan | {"add_tier_percent": "on"})
    assert no_tiers.status_code == 200 and "pick the plan&#x27;s program first" in no_tiers.content.decode()
    assert client.post("/admin/incentives/rebateplan/add/", plan).status_code == 302
    with tenant_scope(world.acme.tenant):
        saved = RebatePlan.objects.get()
        assert saved.bands == [["0", "1"], ["100000", "2"]]
        from prm.tenancy.time import tenant_today

        DealFactory(
            tenant=world.acme.tenant, partner=world.acme.partner, status="won", won_on=tenant_today(), won_amount=50000
        )
    response = client.post(
        "/admin/incentives/rebateplan/", {"action": "accrue_now", "_selected_action": [str(saved.pk)]}, follow=True
    )
    assert "Growth rebate: 1 partner measured." in response.content.decode()
    with tenant_scope(world.acme.tenant):
        assert RebateAccrual.objects.get().amount == Decimal("500.00")
