"""The back office's deal list as CSV (``office:deal_list_export``): the list's filters, the
columns a channel manager works with, capped."""

from __future__ import annotations

import pytest
from django.urls import reverse

from deals.models import DealStatus
from deals.views import office
from tests.conftest import csv_rows, make_client
from tests.factories import DealFactory

pytestmark = pytest.mark.django_db
S = DealStatus
EXPORT = reverse("office:deal_list_export")


def test_the_export_has_the_lists_filters_and_a_channel_managers_columns(acme):
    # given an approved, a submitted and a draft registration
    kept = DealFactory(partner=acme.partner, status=S.APPROVED, customer_name="=Kept Ltd", stage="negotiate")
    DealFactory(partner=acme.partner, status=S.SUBMITTED, customer_name="Waiting Ltd")
    DealFactory(partner=acme.partner, status=S.DRAFT, customer_name="Draft Ltd")
    client = make_client(acme.manager)
    # then the list links its export with the filters on it
    page = client.get(reverse("office:deal_list"), {"status": "approved"}).content.decode()
    assert f'href="{EXPORT}?status=approved"' in page
    # when the manager exports the approved registrations
    header, *rows = csv_rows(client.get(EXPORT, {"status": "approved", "close_from": "junk"}))
    # then the file has the approved one only, its values under readable headings
    assert header[:3] == ["Reference", "Partner", "Customer"] and "Protected until" in header
    assert [row[0] for row in rows] == [kept.reference]
    row = dict(zip(header, rows[0], strict=True))
    assert row["Customer"] == "'=Kept Ltd"  # a formula-looking name is made inert
    assert (row["Status"], row["Stage"], row["Partner"]) == ("Approved", "Negotiate", acme.partner.display_name)
    # and without a filter the drafts stay out
    _, *rows = csv_rows(client.get(EXPORT))
    assert sorted(row[2] for row in rows) == ["'=Kept Ltd", "Waiting Ltd"]


def test_the_export_stops_at_its_cap(acme, monkeypatch):
    monkeypatch.setattr(office, "LIST_EXPORT_MAX", 2)
    for _ in range(3):
        DealFactory(partner=acme.partner, status=S.SUBMITTED)
    _, *rows = csv_rows(make_client(acme.manager).get(EXPORT))
    assert len(rows) == 2


def test_partner_users_and_other_tenants_get_nothing(acme, globex):
    DealFactory(partner=acme.partner, status=S.APPROVED, customer_name="Secret Ltd")
    assert make_client(acme.partner_admin).get(EXPORT).status_code == 404
    _, *rows = csv_rows(make_client(globex.admin).get(EXPORT))
    assert rows == []
