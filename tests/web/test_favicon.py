"""Tabs and bookmarks show the product's icon: the layout links it, and /favicon.ico finds it."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

from ..conftest import PLATFORM_HOST, make_client

pytestmark = pytest.mark.django_db


def test_the_layout_links_the_icon_and_favicon_ico_leads_to_it(world):
    # given the sign-in page of a tenant, and the platform's host
    page = make_client(None, host=world.acme.host).get("/accounts/login/").content.decode()
    # then the page links the SVG icon, which static files hold
    assert f'<link rel="icon" href="{static("img/favicon.svg")}" type="image/svg+xml">' in page
    assert finders.find("img/favicon.svg")
    # and a browser asking for /favicon.ico on any host is sent to it
    for host in (world.acme.host, PLATFORM_HOST):
        response = make_client(None, host=host).get("/favicon.ico")
        assert response.status_code == 302 and response["Location"] == static("img/favicon.svg")
