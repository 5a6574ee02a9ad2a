"""Incentives' part of the demo loads through the services, once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from incentives import demo
from incentives.models import ExchangeRate, LedgerTransaction, TransactionKind
from incentives.selectors import balances
from prm.accounts.roles import Role
from prm.tenancy.scope import tenant_scope
from prm.web.demo_kit import Demo
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_demo_enters_rates_and_a_first_few_postings_once(acme):
    finance = MembershipFactory(tenant=acme.tenant, role=Role.FINANCE)
    loaded = Demo(tenant=acme.tenant, seed=1, staff={"admin": acme.admin, "finance": finance})
    with tenant_scope(acme.tenant):
        demo.load(loaded)
        demo.load(loaded)
        assert ExchangeRate.objects.count() == 8
        kinds = sorted(LedgerTransaction.objects.values_list("kind", flat=True))
        assert kinds == [TransactionKind.ADJUSTMENT, TransactionKind.ADJUSTMENT, TransactionKind.REVERSAL]
        owed = {(b.account, b.currency): b.amount for b in balances(partner_id=acme.partner.pk)}
    assert owed[("approved", "EUR")] == Decimal("250.00")
    assert owed[("approved", "USD")] == Decimal("0.00")
