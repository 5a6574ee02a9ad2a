"""List pages cost the same number of queries for 5 rows as for 50, that number is pinned, and
no query runs while a template renders (the no_queries_from_templates fixture).

A changed number is not necessarily wrong: look at the captured SQL (printed on failure), and if
the new query is deliberate, pin the new number here. The harness is tests/query_budget.py.
"""

from __future__ import annotations

import pytest

from prm.accounts.roles import Role

from .factories import (
    EnrollmentFactory,
    NotificationFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    PartnerTypeFactory,
    StaffMembershipFactory,
    TenantFactory,
    TierFactory,
    give_totp,
)
from .query_budget import Cost, assert_list_page, assert_pinned, cost

pytestmark = pytest.mark.django_db


def _directory(n):
    tenant = TenantFactory()
    viewer = StaffMembershipFactory(tenant=tenant, role=Role.CHANNEL_MANAGER)
    partner_type = PartnerTypeFactory(tenant=tenant)
    tier = TierFactory(tenant=tenant)
    for i in range(n):
        manager = StaffMembershipFactory(tenant=tenant) if i % 2 else viewer
        partner = PartnerFactory(partner_type=partner_type, account_manager=manager)
        EnrollmentFactory(partner=partner, tier=tier)
    return viewer, "/office/partners/"


def _staff(n):
    tenant = TenantFactory()
    viewer = StaffMembershipFactory(tenant=tenant, role=Role.ADMIN)
    give_totp(viewer.user)
    for _ in range(n - 1):
        StaffMembershipFactory(tenant=tenant)
    return viewer, "/office/staff/"


def _people(n):
    viewer = PartnerMembershipFactory(role=Role.PARTNER_ADMIN)
    for _ in range(n - 1):
        PartnerMembershipFactory(partner=viewer.partner, role=Role.SALES)
    return viewer, "/portal/people/"


def _notifications(n):
    viewer = PartnerMembershipFactory(role=Role.SALES)
    for _ in range(n):
        NotificationFactory(recipient=viewer)
    return viewer, "/notifications/"


PAGES = {
    # page: (set-up, pinned number of queries, a row on the page, rows shown of 5 / of 50).
    # Every request also pays for the user and, here, the savepoint of the tenant scope and its
    # release (inside the test's transaction); the tenant, the session, the membership and the
    # unread count come from caches (prm/tenancy/request_cache.py), and the scope's settings ride
    # on the first statement (prm/tenancy/backend/base.py).
    "directory": (_directory, 6, r'<td><a href="/office/partners/\d+/">', (5, 25)),
    "staff": (_staff, 6, r'<tr id="membership-', (5, 50)),
    "portal_people": (_people, 5, r'<tr id="membership-', (5, 50)),
    "notifications": (_notifications, 5, r'<div class="list-group-item', (5, 25)),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_list_pages_cost_the_same_for_5_and_50_rows(page, no_queries_from_templates):
    setup, pinned, row, rows = PAGES[page]
    # the rows really are on the page (with their related data: see the set-ups)
    assert_list_page(cost(*setup(5)), cost(*setup(50)), pinned=pinned, row=row, rows=rows, what=page)


def test_the_budget_catches_a_lazy_relation_in_a_template_loop(world, no_queries_from_templates):
    # given partners fetched without their types, as a careless view would
    from django.template import Context, Template

    from partners.models import Partner
    from prm.tenancy.scope import tenant_scope

    with tenant_scope(world.acme.tenant):
        partners = list(Partner.objects.all())
        # when a template follows the relation in a loop
        template = Template("{% for p in partners %}{{ p.partner_type.name }}{% endfor %}")
        # then the budget stops it
        with pytest.raises(AssertionError, match="a template ran a query"):
            template.render(Context({"partners": partners}))


def test_a_moved_number_fails_with_the_sql_to_look_at():
    # given a page that costs one query more with many rows, and one pinned at 3 that costs 4
    few, many = Cost(3, "SELECT 1", ""), Cost(4, "SELECT 1\nSELECT 2", "")
    steady = Cost(4, "SELECT 1\nSELECT 2", "")
    # when they are held to their budget, then the failure says so and shows the queries
    with pytest.raises(AssertionError, match=r"the page: 3 queries with few rows, 4 with many\n.*\nSELECT 1\nSELECT 2"):
        assert_pinned(few, many, 3)
    with pytest.raises(AssertionError, match=r"list: 4 queries, pinned 3\nSELECT 1\nSELECT 2"):
        assert_pinned(steady, steady, 3, "list")
