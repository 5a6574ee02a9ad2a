"""An over-long entry is refused with a message and kept, never cut silently by ``maxlength``."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def _field(page: str, name: str) -> str:
    [tag] = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    return tag


def test_pages_carry_no_maxlength_but_the_limit_for_the_counter(world, client_for):
    # given the company profile form of acme partner 1, whose city holds at most 100 characters
    client = client_for(world.acme.partner_admin)
    # when its admin opens it
    page = client.get("/portal/company/edit/").content.decode()
    # then the browser is given no maxlength to cut a paste with, only the limit for the counter
    city = _field(page, "city")
    assert not re.search(r"\smaxlength=", city)
    assert 'data-maxlength="100"' in city


def test_an_over_long_paste_is_refused_with_the_limit_and_the_length_and_kept(world, client_for):
    # given the company profile form
    client = client_for(world.acme.partner_admin)
    page = client.get("/portal/company/edit/").content.decode()
    data = {
        name: value
        for name, value in re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page)
        if name != "csrfmiddlewaretoken"
    }
    # when 130 characters are pasted into the city
    pasted = "Llanfairpwllgwyngyll" * 6 + "-gogogoch"[:10]
    response = client.post("/portal/company/edit/", data | {"city": pasted})
    # then the page says the limit and what it got, and the whole paste is still in the field
    page = response.content.decode()
    assert response.status_code == 200
    assert f"at most 100 characters (it has {len(pasted)})" in page
    assert f'value="{pasted}"' in _field(page, "city")
