"""Later apps (leads, learning, incentives) add their work to the homes by declaring a source of
action items (``prm.web.home.action_source``) and main actions (``home_action``): the homes and
the platform page show them without being edited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from deals.permissions import DEALS_REVIEW
from prm.accounts.access import OFFICE, PORTAL
from prm.web import home
from tests.conftest import PLATFORM_HOST, make_client

pytestmark = pytest.mark.django_db


def _leads(*, actor, tenant, limit):
    """What a leads app would declare: two leads to accept, one of them overdue."""
    now = timezone.now()
    items = [
        home.ActionItem(
            title="Lead: Wayne Enterprises",
            detail="Accept or decline.",
            url="/portal/",
            due=now + timedelta(days=2),
            due_label="answer due",
        ),
        home.ActionItem(
            title="Lead: Stark Industries",
            detail="Accept or decline.",
            url="/portal/",
            due=now - timedelta(hours=1),
            overdue=True,
            due_label="answer due",
        ),
    ]
    return home.ActionGroup(
        name="leads", label=f"Leads to accept at {tenant.name}", count=7, items=items[:limit], url="/portal/"
    )


@pytest.fixture
def leads_source():
    source = home.action_source(area=PORTAL, name="test_leads", items=_leads, order=5)
    action = home.home_action(area=PORTAL, label="Accept leads", url_name="portal:company", order=1)
    yield source
    home.ACTION_SOURCES.remove(source)
    home.HOME_ACTIONS.remove(action)


def _titles(page: str) -> list[str]:
    return re.findall(r">(Lead: [^<]*)<", page)


def test_a_declared_source_is_on_the_portal_home_most_urgent_first(acme, leads_source):
    page = make_client(acme.sales_rep).get("/portal/").content.decode()
    # the overdue lead first, marked, with the group's count and the app's main action
    assert _titles(page) == ["Lead: Stark Industries", "Lead: Wayne Enterprises"]
    assert "Overdue" in page and re.search(r"Leads to accept at Acme</a> <span[^>]*>7</span>", page)
    assert "Accept leads" in page and "Nothing needs your action right now." not in page


def test_a_declared_source_is_in_the_platform_inbox_read_in_each_vendors_scope(world, leads_source):
    client = Client(HTTP_HOST=PLATFORM_HOST)
    client.force_login(world.acme.sales_rep.user)
    page = client.get("/").content.decode()
    # the source ran for acme, as acme's member (the group names its tenant)
    assert "Leads to accept at Acme" in page and "Globex" not in page
    # and the inbox lists the few most urgent of each vendor
    assert _titles(page)[:1] == ["Lead: Stark Industries"]


def test_a_source_of_another_area_or_capability_stays_off(acme, leads_source):
    # the office's dashboard does not show the portal's work
    assert "Lead:" not in make_client(acme.manager).get("/office/").content.decode()
    # and a source that needs a capability is shown to those who hold it only
    source = home.action_source(area=OFFICE, name="test_reviews", items=_leads, capability=DEALS_REVIEW)
    try:
        assert "Lead:" in make_client(acme.manager).get("/office/").content.decode()
        assert "Lead:" not in make_client(acme.marketing).get("/office/").content.decode()
    finally:
        home.ACTION_SOURCES.remove(source)


def test_a_source_declared_again_differently_is_an_error(leads_source):
    home.action_source(area=PORTAL, name="test_leads", items=_leads, order=5)  # the same: fine
    with pytest.raises(ValueError, match="declared twice"):
        home.action_source(area=PORTAL, name="test_leads", items=_leads, order=6)
    with pytest.raises(ValueError, match="area"):
        home.action_source(area="elsewhere", name="x", items=_leads)
