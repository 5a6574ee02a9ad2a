"""What the deal tests share: acme's catalogue, and partner 1's registration approved."""

from __future__ import annotations

import pytest

from deals.services import deal_approve
from prm.tenancy.scope import tenant_scope

from .deal_setup import make_catalogue, submitted


@pytest.fixture
def cat(acme):
    return make_catalogue(acme)


@pytest.fixture
def approved(acme, cat):
    """Partner 1's registration (by its sales rep), approved by the channel manager."""
    deal = submitted(acme.sales_rep, cat)
    with tenant_scope(acme.tenant):
        return deal_approve(actor=acme.manager, deal=deal)
