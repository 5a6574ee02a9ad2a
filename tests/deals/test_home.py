"""The homes show work before status: what the deals app puts on a partner's home and on a
channel manager's dashboard, most urgent first, each item a link to where it is done."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import Deal
from deals.services import deal_refuse_win, deal_request_info, pipeline_refresh, pricing_decide
from prm.accounts.roles import Role
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.conftest import make_client
from tests.query_budget import assert_pinned, cost

from . import office_setup, pricing_setup
from .deal_setup import submitted

pytestmark = pytest.mark.django_db


def _page(member, path) -> str:
    response = make_client(member).get(path)
    assert response.status_code == 200
    return response.content.decode()


def _items(page: str) -> list[str]:
    """The titles of the work items, in the order the page lists them."""
    return re.findall(r'<li class="list-group-item[^"]*work-item[^"]*">\s*<div[^>]*>\s*<a[^>]*>([^<]*)</a>', page)


def _protect_until(deal, days: int) -> None:
    # Set-up only: a protection that ends in ``days`` days (the sweep's business otherwise).
    with platform_scope():
        Deal.objects.filter(pk=deal.pk).update(protected_until=timezone.localdate() + timedelta(days=days))


def _info_requested(side, ctx) -> Deal:
    deal = submitted(side.sales[0], ctx.cat, customer_name="Hooli Inc", customer_website="https://hooli.example")
    with tenant_scope(side.tenant):
        return deal_request_info(
            actor=side.manager, deal=deal, fields=["amount", "expected_close_on"], message="Which quarter?"
        )


# --- the partner's home -----------------------------------------------------------------------------


def test_a_partner_home_with_nothing_to_do_says_so_and_offers_the_main_actions(acme):
    page = _page(acme.sales_rep, reverse("portal:home"))
    assert "Nothing needs your action right now." in page
    assert f'href="{reverse("portal:deal_create")}"' in page and "Register a deal" in page


def test_a_partner_home_lists_what_needs_the_partner_first_most_urgent_first(acme):
    # given acme's partner 1 with a deal returned for information, two protections ending in 20
    # and 5 days, and one ending in 60 days (outside the window)
    ctx = SimpleNamespace(side=acme)
    office_setup.approved(ctx, "Soon")
    _protect_until(ctx.deal, 20)
    office_setup.approved(ctx, "Sooner")
    _protect_until(ctx.deal, 5)
    sooner = ctx.deal
    office_setup.approved(ctx, "Later")
    _protect_until(ctx.deal, 60)
    info = _info_requested(acme, ctx)
    # when its sales rep opens the portal home
    page = _page(acme.sales_rep, reverse("portal:home"))
    # then the work comes before the company card: protections by end date, the information
    # request by the customer's close date (60 days away)
    titles = _items(page)
    assert titles == [
        f"{sooner.reference} · Sooner Corp",
        titles[1],
        f"{info.reference} · Hooli Inc",
    ]
    assert "Soon Corp" in titles[1] and not any("Later Corp" in title for title in titles)
    assert page.index("Needs your action") < page.index("Your company")
    assert "Protection ends in 5 days: close it or ask for an extension." in page
    assert "Information requested: Amount, Expected close date" in page
    # and each item links to where it is done
    assert f'href="{reverse("portal:deal_edit", args=[info.pk])}"' in page
    assert f'href="{reverse("portal:deal_detail", args=[sooner.pk])}"' in page
    # and the groups carry their counts
    assert re.search(r"Protections ending soon</a> <span[^>]*>2</span>", page)


def test_a_partner_sees_only_its_own_work(acme):
    # given partner 1's deal returned for information
    ctx = SimpleNamespace(side=acme)
    office_setup.catalogue(ctx)
    _info_requested(acme, ctx)
    # then partner 2's users have nothing to do, and partner 1's admin (who reads the company's) does
    assert "Hooli" not in _page(acme.sales[1], reverse("portal:home"))
    assert "Hooli" not in _page(acme.partner_admins[1], reverse("portal:home"))
    assert "Hooli" in _page(acme.partner_admin, reverse("portal:home"))


def test_a_special_pricing_answer_is_on_the_partner_home(acme):
    # given a special-pricing request the channel manager approved
    ctx = SimpleNamespace(side=acme)
    pricing_setup.pending(ctx)
    with tenant_scope(acme.tenant):
        pricing_decide(actor=acme.manager, pricing=ctx.pricing, approve=True, note="Go", step_role=Role.CHANNEL_MANAGER)
    # then the partner is told to use it
    page = _page(acme.sales_rep, reverse("portal:home"))
    assert "Special price of 8 % approved: use it in your quote." in page


# --- the channel manager's dashboard ------------------------------------------------------------------


def test_the_dashboard_lists_the_review_queue_with_breaches_first_and_what_else_waits(acme):
    # given a registration whose decision is overdue, one due later, a pricing request for the
    # channel manager, a win to confirm and an extension request
    ctx = SimpleNamespace(side=acme)
    office_setup.catalogue(ctx)
    late = submitted(acme.sales[0], ctx.cat, customer_name="Late Ltd", customer_website="https://late.example")
    on_time = submitted(acme.sales[1], ctx.cat, customer_name="Calm Ltd", customer_website="https://calm.example")
    with platform_scope():
        Deal.objects.filter(pk=late.pk).update(decision_due_at=timezone.now() - timedelta(hours=3))
    pricing_setup.pending(ctx)
    office_setup.won_pending(ctx, "Winner")
    office_setup.pending_extension(ctx)
    # when the channel manager opens the dashboard
    page = _page(acme.manager, reverse("office:dashboard"))
    # then the overdue registration is first, marked, and the queue counts its breach
    titles = _items(page)
    assert titles[0] == f"{late.reference} · Late Ltd"
    assert f"{on_time.reference} · Calm Ltd" in titles
    assert re.search(
        r"Registrations to review</a> <span[^>]*>2</span> <span class=\"badge text-bg-danger\">1 overdue", page
    )
    # and what else waits, each linked to the deal page where it is handled
    assert "Special pricing to decide" in page and "asks for 8 % off." in page
    assert "Wins to confirm" in page and "reports the deal won: confirm it or refuse it." in page
    assert "Extension requests" in page and "asks for 30 more days of protection." in page
    assert f'href="{reverse("office:deal_detail", args=[late.pk])}"' in page
    # and the work comes before the partners' figures
    assert page.index("Needs your action") < page.index("Partners by status")


def test_the_dashboard_shows_the_pipeline(acme):
    ctx = SimpleNamespace(side=acme)
    office_setup.approved(ctx)
    with tenant_scope(acme.tenant):
        pipeline_refresh()
    page = _page(acme.manager, reverse("office:dashboard"))
    assert 'id="pipeline-card"' in page and "Approved" in page
    assert f'href="{reverse("office:deal_pipeline")}"' in page


def test_staff_who_do_not_review_have_no_review_work(acme):
    # given a registration waiting for review
    ctx = SimpleNamespace(side=acme)
    office_setup.catalogue(ctx)
    submitted(acme.sales[0], ctx.cat)
    # then marketing (no review, no pricing) sees no work on its dashboard
    page = _page(acme.marketing, reverse("office:dashboard"))
    assert "Registrations to review" not in page and "Nothing needs your action right now." in page


def test_the_homes_show_nothing_of_another_tenant(world):
    # given globex's work: a registration to review and a protection ending soon
    ctx = SimpleNamespace(side=world.globex)
    office_setup.approved(ctx, "Globexer")
    _protect_until(ctx.deal, 3)
    submitted(world.globex.sales[1], ctx.cat, customer_name="Globalcorp")
    # then acme's homes show none of it
    for member, path in (
        (world.acme.manager, "/office/"),
        (world.acme.admin, "/office/"),
        (world.acme.sales_rep, "/portal/"),
    ):
        page = _page(member, path)
        assert "Globexer" not in page and "Globalcorp" not in page


# --- query counts -------------------------------------------------------------------------------------


def _dashboard(n):
    ctx = SimpleNamespace(side=None)
    from tests.conftest import build_side

    ctx.side = build_side(f"dash{n}", f"Dash {n}")
    office_setup.catalogue(ctx)
    for i in range(n):
        submitted(ctx.side.sales[i % 2], ctx.cat, customer_name=f"Queue {i}", customer_website=f"https://q{i}.example")
    for _ in range(2):
        office_setup.won_pending(ctx)
        office_setup.pending_extension(ctx)
        ctx.pricing = pricing_setup.ask(ctx.side, ctx.deal)
    return ctx.side.manager, reverse("office:dashboard")


def test_the_dashboard_costs_the_same_for_5_and_50_waiting_registrations(db, no_queries_from_templates):
    few, many = cost(*_dashboard(5)), cost(*_dashboard(50))
    # the user, the savepoint and its release, partners by status, the member's own with their tiers, one query
    # per source of work (review, pricing, wins, extensions; recruitment's applications to review; the
    # leads waiting in the vendor's queue; the business plans waiting for the vendor's signature, the
    # review action items the member owns, the relationship reviews due to schedule), the pipeline's snapshot
    assert_pinned(few, many, pinned=16, what="office dashboard")
    assert many.rows(r'class="list-group-item[^"]*work-item') == 10


def test_the_window_of_protections_ending_soon_is_a_setting(acme, settings):
    # given a protection that ends in 45 days
    ctx = SimpleNamespace(side=acme)
    office_setup.approved(ctx, "Window")
    _protect_until(ctx.deal, 45)
    # then it is not on the home with the default 30 days, and is with a 60-day window
    assert "Window Corp" not in "".join(_items(_page(acme.sales_rep, reverse("portal:home"))))
    settings.DEALS_HOME_PROTECTION_WINDOW_DAYS = 60
    assert f"{ctx.deal.reference} · Window Corp" in _items(_page(acme.sales_rep, reverse("portal:home")))


def test_a_win_the_vendor_did_not_confirm_is_on_the_partner_home(acme):
    # given a reported win the channel manager refused
    ctx = SimpleNamespace(side=acme)
    office_setup.won_pending(ctx, "Refused")
    with tenant_scope(acme.tenant):
        deal_refuse_win(actor=acme.manager, deal=ctx.deal, reason="No purchase order yet.")
    # then the rep who reported it is told, with a link to the deal
    page = _page(acme.sales_rep, reverse("portal:home"))
    assert "The win was not confirmed: read why, then report it again or carry on." in page
    assert f'href="{reverse("portal:deal_detail", args=[ctx.deal.pk])}"' in page
    # and partner 2 is not
    assert "Refused Corp" not in _page(acme.sales[1], reverse("portal:home"))
