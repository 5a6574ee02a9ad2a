"""The portal home and the back office's dashboard as the partners app owns them: work first,
then the cards; the tier gaps the programs app adds as work; nothing to do said plainly."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.urls import reverse

from tests.conftest import make_client
from tests.programs.tier_setup import tier_ladder

pytestmark = pytest.mark.django_db


def _page(member, path: str) -> str:
    response = make_client(member).get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_a_tier_gap_is_work_on_the_partner_home_linked_to_the_tier_page(world):
    # given partner 1 in Silver, 8,000 USD of revenue short of Gold
    tier_ladder(SimpleNamespace(side=world.acme))
    # when its admin opens the portal
    page = _page(world.acme.partner_admin, reverse("portal:home"))
    work = page[page.index('id="work"') : page.index("</section>", page.index('id="work"'))]
    # then the gap is an item of the work, linked to the tier page, before the cards
    assert "Silver in Resell" in work and "To reach Gold: Annual revenue, 8,000 USD more" in work
    assert f'href="{reverse("portal:program")}"' in work
    assert re.search(r"Tier gaps</a> <span[^>]*>1</span>", work)
    assert page.index('id="work"') < page.index('id="tier-card"')
    # and partner 2, enrolled nowhere, has nothing to do
    assert "Nothing needs your action right now." in _page(world.acme.partner_admins[1], reverse("portal:home"))


def test_a_tier_at_risk_comes_first(world):
    tier_ladder(SimpleNamespace(side=world.acme), at_risk=True)
    page = _page(world.acme.partner_admin, reverse("portal:home"))
    assert "Silver is at risk. To reach Gold" in page
    assert re.search(r'work-item list-group-item-danger">\s*<div[^>]*>\s*<a[^>]*>Silver in Resell', page)


def test_the_homes_keep_their_own_content_after_the_work(world):
    portal = _page(world.acme.sales_rep, reverse("portal:home"))
    assert portal.index("Needs your action") < portal.index("Your company") < portal.index("Latest notifications")
    office = _page(world.acme.manager, reverse("office:dashboard"))
    assert office.index("Needs your action") < office.index("Partners by status") < office.index("Partners you manage")
