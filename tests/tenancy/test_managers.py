"""The ORM layer of isolation: fail-closed managers, and querysets that belong to their scope."""

from __future__ import annotations

import re

import pytest

from partners.models import PartnerType
from prm.tenancy.scope import platform_scope, tenant_scope

from ..factories import PartnerFactory, PartnerTypeFactory

pytestmark = pytest.mark.django_db


def test_the_scope_follows_the_context_not_the_object(world):
    # a queryset made in one scope and evaluated in another follows where it is evaluated
    with platform_scope():
        every = sorted(t.tenant_id for t in PartnerType.objects.all())
    assert every == sorted([world.acme.tenant.pk, world.globex.tenant.pk])


def test_an_import_time_queryset_serves_each_tenant_its_own_rows(world):
    # given a queryset built outside any scope, as a form field's choices are
    pending = PartnerType.objects.all()
    # when acme's request and then globex's request copy it
    with tenant_scope(world.acme.tenant):
        acme_rows = [t.tenant_id for t in pending.all()]
    with tenant_scope(world.globex.tenant):
        globex_rows = [t.tenant_id for t in pending.all()]
    # then each sees its own partner types
    assert acme_rows == [world.acme.tenant.pk]
    assert globex_rows == [world.globex.tenant.pk]


def _type_options(page: str) -> list[str]:
    select = re.search(r'<select class="form-select" name="type" id="id_type">(.*?)</select>', page, re.S).group(1)
    return re.findall(r'<option value="([^"]+)"', select)


def test_directory_type_filter_works_for_the_second_tenant_served(world, client_for):
    # given a partner type of each tenant with partners of that type
    for side, slug in ((world.acme, "acme-msp"), (world.globex, "globex-msp")):
        PartnerFactory(partner_type=PartnerTypeFactory(tenant=side.tenant, slug=slug), display_name=f"{slug} partner")
    # when acme's manager, then globex's, filter their directories by their own type
    acme_page = client_for(world.acme.manager).get("/office/partners/", {"type": "acme-msp"}).content.decode()
    globex_page = client_for(world.globex.manager).get("/office/partners/", {"type": "globex-msp"}).content.decode()
    # then both see the choice and the filtered list
    assert sorted(_type_options(acme_page)) == ["acme-msp", "reseller"]
    assert "acme-msp partner" in acme_page and "Acme Partner 1" not in acme_page
    assert sorted(_type_options(globex_page)) == ["globex-msp", "reseller"]
    assert "globex-msp partner" in globex_page and "Globex Partner 1" not in globex_page
