"""Announcements' pages cost the same with many announcements (and many readers) as with few, and
that number is pinned; no template runs a query. The portal home's card is one query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketing.services.announcements import announcement_create, announcement_read
from prm.accounts.roles import Role
from prm.tenancy.scope import tenant_scope
from tests.conftest import make_client
from tests.query_budget import assert_list_page, assert_pinned, cost

from ..factories import PartnerMembershipFactory

pytestmark = pytest.mark.django_db

# the user, the savepoint and its release (the tests' transaction), then:
PINNED_PORTAL_LIST = 5  # the count, the page (unread flag and count in the same statement)
PINNED_OFFICE_LIST = 5  # the count, the page with each row's audience size and readers
PINNED_OFFICE_DETAIL = 6  # the announcement with its figures, the receipts' count and page
PINNED_PORTAL_DETAIL = 4  # the announcement with its audience and read flag (read before)
PINNED_PORTAL_FIRST_READ = 6  # and, the first time, the partner's enrolments (the service's check), the receipt


def _announcements(side, n: int, *, read_by=None) -> list:
    with tenant_scope(side.tenant):
        made = [
            announcement_create(actor=side.marketing, title=f"News {i}", body="Text", pinned=not i % 7)
            for i in range(n)
        ]
        for announcement in made[::2] if read_by is not None else ():
            announcement_read(actor=read_by, announcement=announcement)
    return made


def test_the_lists_cost_the_same_with_many_announcements(acme, no_queries_from_templates):
    _announcements(acme, 5, read_by=acme.sales_rep)
    pages = {
        "portal": (acme.sales_rep, reverse("portal:announcements")),
        "office": (acme.marketing, reverse("office:announcements")),
    }
    few = {name: cost(member, path) for name, (member, path) in pages.items()}
    _announcements(acme, 45, read_by=acme.sales_rep)
    many = {name: cost(member, path) for name, (member, path) in pages.items()}
    assert_list_page(
        few["portal"],
        many["portal"],
        pinned=PINNED_PORTAL_LIST,
        row=r'<li class="list-group-item announcement-row',
        rows=(5, 25),
        what="portal",
    )
    assert_list_page(
        few["office"],
        many["office"],
        pinned=PINNED_OFFICE_LIST,
        row=r'<tr id="announcement-',
        rows=(5, 25),
        what="office",
    )


def test_an_announcements_page_costs_the_same_with_many_readers(acme, no_queries_from_templates):
    few_readers, many_readers = _announcements(acme, 2)
    people = [PartnerMembershipFactory(partner=acme.partner, role=Role.SALES) for _ in range(30)]
    with tenant_scope(acme.tenant):
        announcement_read(actor=acme.sales_rep, announcement=few_readers)
        for person in [acme.sales_rep, *people]:
            announcement_read(actor=person, announcement=many_readers)
    few = cost(acme.marketing, reverse("office:announcement", args=[few_readers.pk]))
    many = cost(acme.marketing, reverse("office:announcement", args=[many_readers.pk]))
    assert_pinned(few, many, PINNED_OFFICE_DETAIL, "office announcement page")
    assert many.rows(r'<tr id="receipt-') == 25


def test_opening_an_announcement_costs_a_fixed_number_of_queries(acme, no_queries_from_templates):
    first, second = _announcements(acme, 2)
    # cost() asks twice: the first request reads it (the receipt), the second finds it read
    again = cost(acme.partner_admin, reverse("portal:announcement", args=[first.pk]))
    assert_pinned(again, again, PINNED_PORTAL_DETAIL, "portal announcement page, read before")
    # the first opening: the receipt too
    client = make_client(acme.sales_rep)
    client.get(reverse("portal:announcements"))  # warm the per-process caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("portal:announcement", args=[second.pk])).status_code == 200
    assert len(captured) == PINNED_PORTAL_FIRST_READ, "\n".join(q["sql"] for q in captured.captured_queries)


def test_the_portal_home_card_is_one_query(acme, no_queries_from_templates):
    path = reverse("portal:home")
    without = cost(acme.sales_rep, path)
    _announcements(acme, 30, read_by=acme.sales_rep)
    with_many = cost(acme.sales_rep, path)
    assert without.queries == with_many.queries, with_many.sql
    assert with_many.rows(r'<li class="mb-2 announcement-item') == 3
    assert with_many.sql.count("marketing_announcement") >= 1
