"""The navigation tells people where they are: the current page's entry is marked, in both areas."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def _current(page: str) -> list[str]:
    """The labels of the navigation links marked aria-current="page"."""
    return re.findall(r'<a class="[^"]*\bactive\b[^"]*" href="[^"]*" aria-current="page">([^<]+)</a>', page)


def test_the_back_office_marks_the_section_of_the_page_shown(world, client_for):
    # given acme's channel manager
    acme = world.acme
    client = client_for(acme.manager)
    # when they open the dashboard, then the partner directory, then one partner's record
    dashboard = client.get("/office/").content.decode()
    directory = client.get("/office/partners/").content.decode()
    record = client.get(f"/office/partners/{acme.partner.pk}/").content.decode()
    # then the dashboard marks only itself, and a record is marked as under "Partners"
    assert _current(dashboard) == ["Dashboard"]
    assert _current(directory) == ["Partners"]
    assert _current(record) == ["Partners"]


def test_the_portal_marks_the_current_page_and_only_that_one(world, client_for):
    # given a sales rep of acme partner 1
    client = client_for(world.acme.sales_rep)
    # when they open their company's page and their notifications
    company = client.get("/portal/company/").content.decode()
    notifications = client.get("/notifications/").content.decode()
    # then "Company" is marked on the first, and nothing in the menu on the second
    assert _current(company) == ["Company"]
    assert _current(notifications) == []


def test_a_light_brand_colour_gets_a_navigation_bar_with_dark_text(world, client_for):
    # given acme's brand colour set to a light yellow, on which white text would not read
    acme = world.acme
    acme.tenant.brand_color = "#ffd54f"
    acme.tenant.save(update_fields=["brand_color"])
    # when a member opens a page
    page = client_for(acme.manager).get("/office/").content.decode()
    # then the bar is drawn light (dark text), where the default dark blue keeps white text
    [nav] = re.findall(r'<nav class="([^"]*brand-bar[^"]*)"', page)
    assert "brand-light" in nav and "navbar-dark" not in nav
    globex_page = client_for(world.globex.manager).get("/office/").content.decode()
    [nav] = re.findall(r'<nav class="([^"]*brand-bar[^"]*)"', globex_page)
    assert "navbar-dark" in nav
