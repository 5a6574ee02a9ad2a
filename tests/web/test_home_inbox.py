"""One inbox across vendors: the platform page shows a person, vendor by vendor, what needs their
action in each portal (counts and the most urgent items), each item a way into that portal; every
vendor is read in its own scope, and no portal shows another vendor's work."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deals.services import deal_request_info
from prm.accounts.roles import Role
from prm.tenancy.scope import tenant_scope
from tests.conftest import PLATFORM_HOST, make_client
from tests.deals import office_setup
from tests.deals.deal_setup import submitted
from tests.factories import PartnerMembershipFactory, StaffMembershipFactory, give_totp

pytestmark = pytest.mark.django_db


def _platform(user) -> Client:
    client = Client(HTTP_HOST=PLATFORM_HOST)
    client.force_login(user)
    return client


def _vendor(page: str, tenant) -> str:
    """The part of the platform page about one vendor."""
    found = re.search(rf'<section class="card mb-3 vendor-inbox" id="vendor-{tenant.pk}".*?</section>', page, re.S)
    assert found, f"no section for {tenant.name}"
    return found.group(0)


def _info_requested(side, customer: str, member=None):
    """``member`` (partner 1's sales rep by default) registers a deal the vendor returns for information."""
    ctx = SimpleNamespace(side=side)
    office_setup.catalogue(ctx)
    website = f"https://{customer.replace(' ', '').lower()}.example"
    deal = submitted(member or side.sales[0], ctx.cat, customer_name=customer, customer_website=website)
    with tenant_scope(side.tenant):
        return deal_request_info(actor=side.manager, deal=deal, fields=["amount"], message="Which quarter?")


@pytest.fixture
def two_vendors(world):
    """acme's partner 1 sales rep also sells for globex's partner 1; each vendor returned a
    registration for information, and globex has a second one of its partner 2."""
    person = world.acme.sales_rep
    at_globex = PartnerMembershipFactory(partner=world.globex.partners[0], user=person.user, role=Role.SALES)
    acme_deal = _info_requested(world.acme, "Acme Customer")
    globex_deal = _info_requested(world.globex, "Globex Customer", at_globex)
    other = _info_requested(world.globex, "Other Co", world.globex.sales[1])
    return SimpleNamespace(
        person=person, at_globex=at_globex, acme_deal=acme_deal, globex_deal=globex_deal, other=other
    )


def test_a_person_in_two_vendors_sees_each_vendors_work_with_its_counts(world, two_vendors):
    page = _platform(two_vendors.person.user).get("/").content.decode()
    acme, globex = _vendor(page, world.acme.tenant), _vendor(page, world.globex.tenant)
    # then each vendor lists its own item, counted, and nothing of the other's
    assert "Acme Customer" in acme and "Globex Customer" not in acme
    assert "Globex Customer" in globex and "Acme Customer" not in globex
    assert re.search(r"Information requested <span[^>]*>1</span>", acme)
    assert re.search(r"Information requested <span[^>]*>1</span>", globex)
    # and globex's partner 2's registration is no business of this person (row-level security)
    assert "Other Co" not in page


def test_an_inbox_item_opens_its_portal_on_the_page_where_it_is_done(world, two_vendors):
    # given the person on the platform page
    platform = _platform(two_vendors.person.user)
    edit = reverse("portal:deal_edit", args=[two_vendors.globex_deal.pk])
    assert f'name="next" value="{edit}"' in _vendor(platform.get("/").content.decode(), world.globex.tenant)
    # when they open the item
    response = platform.post(reverse("portal_open", args=[world.globex.tenant.pk]), {"next": edit})
    ticket = response["Location"].removeprefix("https://globex.localhost")
    portal = Client(HTTP_HOST="globex.localhost")
    landed = portal.get(ticket)
    # then globex's portal signs them in on that page
    assert landed.status_code == 302 and landed["Location"] == edit
    assert portal.get(edit).status_code == 200


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"])
def test_the_handoff_lands_only_on_a_page_of_the_portal(world, elsewhere):
    platform = _platform(world.acme.partner_admin.user)
    response = platform.post(reverse("portal_open", args=[world.acme.tenant.pk]), {"next": elsewhere})
    landed = Client(HTTP_HOST="acme.localhost").get(response["Location"].removeprefix("https://acme.localhost"))
    assert landed.status_code == 302 and landed["Location"] == "/"


def test_a_partner_of_one_vendor_sees_nothing_of_the_other(world, two_vendors):
    # given globex's work, and acme's partner admin, who works with acme only
    page = _platform(world.acme.partner_admin.user).get("/").content.decode()
    # then the platform page shows acme only, with acme's work
    assert world.globex.tenant.name not in page and "Globex Customer" not in page
    assert "Acme Customer" in _vendor(page, world.acme.tenant)


def test_the_portal_home_of_acme_shows_nothing_of_globex(world, two_vendors):
    page = make_client(two_vendors.person).get("/portal/").content.decode()
    assert "Acme Customer" in page
    assert "Globex Customer" not in page and "Other Co" not in page and world.globex.tenant.name not in page


def test_a_staff_member_sees_the_back_offices_work_in_the_inbox(world):
    # given a registration waiting for review at acme
    ctx = SimpleNamespace(side=world.acme)
    office_setup.catalogue(ctx)
    deal = submitted(world.acme.sales[0], ctx.cat, customer_name="Review Me")
    # then acme's channel manager sees it in the inbox, linked to the back office's deal page
    acme = _vendor(_platform(world.acme.manager.user).get("/").content.decode(), world.acme.tenant)
    assert "Registrations to review" in acme and "Review Me" in acme
    assert f'value="{reverse("office:deal_detail", args=[deal.pk])}"' in acme


def test_nothing_to_do_is_said_per_vendor(world):
    acme = _vendor(_platform(world.acme.partner_admin.user).get("/").content.decode(), world.acme.tenant)
    assert "Nothing needs your action here." in acme


# --- query counts -------------------------------------------------------------------------------------


def _queries(user) -> int:
    client = _platform(user)
    client.get("/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    return len(captured)


def test_each_vendor_costs_a_bounded_number_of_queries(world, no_queries_from_templates):
    # given a partner user of one vendor, then of two (each vendor's partners in a program)
    for side in (world.acme, world.globex):
        office_setup.catalogue(SimpleNamespace(side=side))
    person = world.acme.partner_admin
    one = _queries(person.user)
    PartnerMembershipFactory(partner=world.globex.partners[0], user=person.user, role=Role.PARTNER_ADMIN)
    two = _queries(person.user)
    # and with many items waiting in the first vendor
    for n in range(6):
        _info_requested(world.acme, f"Customer {n}")
    two_busy = _queries(person.user)
    # then a partner's vendor costs the same whatever waits there, and that is pinned: the
    # savepoint of its scope and its release, four deal sources, the tier gaps (enrollments, ladders, standings),
    # the courses in progress, the requests to join the company (a partner admin's), the lead
    # offers waiting for an answer, the business plans waiting for its signature, its open review
    # action items, its public profile waiting to be confirmed (the locator); the page itself asks
    # once whether the person has a second factor
    assert two == two_busy
    assert (one, two - one) == (23, 15)
    # and a staff member's vendor too: its scope's savepoint and release, four deal sources,
    # recruitment's applications to review, the leads waiting in the vendor's queue, the business
    # plans waiting for the vendor's signature, the member's review action items, the reviews to schedule
    staff = world.acme.manager
    alone = _queries(staff.user)
    StaffMembershipFactory(tenant=world.globex.tenant, user=staff.user, role=Role.CHANNEL_MANAGER)
    assert _queries(staff.user) - alone == 11


def test_a_platform_superuser_with_a_membership_sees_its_work_too(world, two_vendors):
    # given the rep is also a platform superuser (whose platform pages run in the platform scope)
    user = two_vendors.person.user
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    give_totp(user)  # superusers sign in with a second factor
    # then each vendor is still read in its own scope, as the membership
    page = _platform(user).get("/").content.decode()
    assert "Acme Customer" in _vendor(page, world.acme.tenant)
    globex = _vendor(page, world.globex.tenant)
    assert "Globex Customer" in globex and "Other Co" not in globex


def test_a_vendor_that_asks_for_a_second_factor_shows_its_work_only_once_one_is_set_up(world, two_vendors):
    # given globex asks everybody for two-factor sign-in, and the person has not set it up
    from prm.tenancy.models import Tenant

    Tenant.objects.filter(pk=world.globex.tenant.pk).update(require_mfa=True)
    page = _platform(two_vendors.person.user).get("/").content.decode()
    # then globex's part says so and shows nothing of its work, while acme's is unchanged
    globex = _vendor(page, world.globex.tenant)
    assert "Globex Customer" not in globex and "asks for two-factor sign-in" in globex
    assert "Acme Customer" in _vendor(page, world.acme.tenant)
    # once they set one up, globex's work shows too
    give_totp(two_vendors.person.user)
    page = _platform(two_vendors.person.user).get("/").content.decode()
    assert "Globex Customer" in _vendor(page, world.globex.tenant)
