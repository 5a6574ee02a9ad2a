"""What every list page shares: a count that stays cheap on long lists (capped: "10,000+", pages
past the cap still served) and reference data memoised per tenant that a change through the
admin or a service shows on the next request."""

from __future__ import annotations

import re

import pytest

from partners.models import PartnerType
from prm import memo
from prm.accounts.services import membership_deactivate
from prm.tenancy.scope import tenant_scope
from prm.web import views
from prm.web.views import CappedPaginator

from ..factories import PartnerFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db


def _names(response) -> list[str]:
    return re.findall(r'<td><a href="/office/partners/\d+/">([^<]+)</a>', response.content.decode())


# --- the capped count -----------------------------------------------------------------------------


def test_a_list_past_the_cap_says_10000_plus_and_its_pages_still_work():
    paginator = CappedPaginator(list(range(10_060)), 25)
    assert (paginator.count, paginator.capped, paginator.shown_count) == (10_001, True, "10,000+")
    assert paginator.shown_num_pages == "400+"
    # a page past the cap is served from its own rows, and knows whether another follows
    page = paginator.get_page(403)
    assert (list(page.object_list), page.has_next(), page.has_previous()) == (list(range(10_050, 10_060)), False, True)
    assert paginator.get_page(402).has_next()


def test_a_short_list_is_counted_exactly():
    paginator = CappedPaginator(list(range(60)), 25)
    assert (paginator.count, paginator.capped, paginator.shown_count, paginator.shown_num_pages) == (
        60,
        False,
        "60",
        "3",
    )


def test_the_directory_past_the_cap_shows_a_capped_count_no_last_page_and_every_page(world, client_for, monkeypatch):
    # given a cap of 30 rows and 42 partners (acme's 2 and 40 more)
    monkeypatch.setattr(views, "COUNT_CAP", 30)
    acme = world.acme
    for n in range(40):
        PartnerFactory(partner_type=acme.partner_type, display_name=f"Bulk {n:02d}")
    client = client_for(acme.manager)
    # when the first page is opened, then it says "30+" and offers no last page
    first = client.get("/office/partners/").content.decode()
    assert "30+ partners" in first and "Page 1 of 1+" in first
    assert ">Last<" not in first and 'href="?page=2"' in first
    # the second page, past the cap, shows the remaining 17 rows and no next page
    second = client.get("/office/partners/", {"page": 2})
    assert len(_names(second)) == 17 and ">Next<" not in second.content.decode()
    # a page past the end gives the last page, as an uncapped list does
    assert _names(client.get("/office/partners/", {"page": 9})) == _names(second)


def test_a_list_within_the_cap_offers_its_last_page(world, client_for):
    acme = world.acme
    for n in range(60):
        PartnerFactory(partner_type=acme.partner_type, display_name=f"Bulk {n:02d}")
    page = client_for(acme.manager).get("/office/partners/").content.decode()
    assert "62 partners" in page and "Page 1 of 3" in page and 'href="?page=3">Last<' in page


# --- reference data -------------------------------------------------------------------------------


def test_a_partner_type_renamed_in_the_admin_shows_on_the_next_directory_request(world, client_for):
    acme = world.acme
    client = client_for(acme.manager)
    assert ">Reseller</option>" in client.get("/office/partners/").content.decode()  # memoised now
    # when the vendor admin renames the type in the admin
    response = client_for(acme.admin).post(
        f"/admin/partners/partnertype/{acme.partner_type.pk}/change/",
        {"name": "Value-added reseller", "slug": "reseller", "description": ""},
    )
    assert response.status_code == 302
    # then the directory's filter and rows say so at once
    page = client.get("/office/partners/").content.decode()
    assert ">Value-added reseller</option>" in page and "<td>Value-added reseller</td>" in page


def test_a_type_changed_around_the_admin_shows_after_the_ttl_or_a_bump(world, client_for):
    acme = world.acme
    client = client_for(acme.manager)
    client.get("/office/partners/")
    with tenant_scope(acme.tenant):
        PartnerType.objects.filter(pk=acme.partner_type.pk).update(name="Renamed in SQL")
    # memoised: the old name until the version changes (or REFERENCE_TTL passes)
    assert "Renamed in SQL" not in client.get("/office/partners/").content.decode()
    memo.reference_changed(tenant_id=acme.tenant.pk)
    assert "Renamed in SQL" in client.get("/office/partners/").content.decode()


def test_a_deactivated_staff_member_leaves_the_filters_on_the_next_request(world, client_for):
    acme = world.acme
    leaver = StaffMembershipFactory(tenant=acme.tenant, user__first_name="Lee", user__last_name="Ver")
    client = client_for(acme.manager)
    assert ">Lee Ver</option>" in client.get("/office/partners/").content.decode()
    with tenant_scope(acme.tenant):
        membership_deactivate(actor=acme.admin, membership=leaver)
    assert ">Lee Ver</option>" not in client.get("/office/partners/").content.decode()
    assert ">Lee Ver</option>" not in client.get("/office/deals/").content.decode()


def test_memos_are_per_tenant(world, client_for):
    globex_page = client_for(world.globex.manager).get("/office/partners/").content.decode()
    acme_page = client_for(world.acme.manager).get("/office/partners/").content.decode()
    assert str(world.globex.manager.user) in globex_page and str(world.globex.manager.user) not in acme_page
