"""Decisions that are hard to get wrong, at the service: approving over a strong conflict needs
the reviewer's acknowledgement, which the approval event keeps; a weak conflict does not."""

from __future__ import annotations

from decimal import Decimal

import pytest

from deals.conflicts import is_strong
from deals.models import CustomerAccount, DealStatus
from deals.services import deal_approve
from prm.errors import PolicyViolation
from prm.events.models import Event
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.factories import CustomerAccountFactory, refresh

from .deal_setup import submitted

pytestmark = pytest.mark.django_db
S = DealStatus


def _approval_event(deal) -> Event:
    with platform_scope():
        return Event.objects.get(object_id=deal.pk, verb="deal.approved")


def test_approving_over_another_partners_registration_of_the_customer_needs_the_acknowledgement(acme, cat):
    # given partner 2's registration of Initech's firewalls, and partner 1's of the same
    other = submitted(acme.sales[1], cat)
    deal = submitted(acme.sales_rep, cat)
    # when the manager approves without acknowledging the conflict, it is refused and nothing is written
    with tenant_scope(acme.tenant), pytest.raises(PolicyViolation) as refused:
        deal_approve(actor=acme.manager, deal=deal)
    assert refused.value.code == "conflict_not_acknowledged" and deal.reference in refused.value.message
    assert refresh(deal).status == S.SUBMITTED
    # when they acknowledge it, the deal is approved and the event names what was acknowledged
    with tenant_scope(acme.tenant):
        deal_approve(actor=acme.manager, deal=deal, conflicts_acknowledged=True)
    assert refresh(deal).status == S.APPROVED
    data = _approval_event(deal).data
    assert data["conflicts_acknowledged"] is True
    assert [(c["other_deal_id"], c["score"]) for c in data["strong_conflicts"]] == [(other.pk, "1.000")]


def test_a_vendor_named_account_needs_the_acknowledgement(acme, cat):
    CustomerAccountFactory(
        tenant=acme.tenant, name="Initech GmbH", domain="initech.de", kind=CustomerAccount.Kind.NAMED
    )
    deal = submitted(acme.sales_rep, cat)
    with tenant_scope(acme.tenant), pytest.raises(PolicyViolation, match="strong conflict"):
        deal_approve(actor=acme.manager, deal=deal)
    with tenant_scope(acme.tenant):
        deal_approve(actor=acme.manager, deal=deal, conflicts_acknowledged=True)
    assert refresh(deal).status == S.APPROVED


def test_a_weak_conflict_is_approved_without_an_acknowledgement(acme, cat):
    # given partner 2's registration of the same customer for another product line (a weaker claim)
    submitted(acme.sales[1], cat, products=[cat.switch])
    deal = submitted(acme.sales_rep, cat)
    assert refresh(deal).has_conflict
    # when the manager approves, no acknowledgement is asked and none is recorded
    with tenant_scope(acme.tenant):
        deal_approve(actor=acme.manager, deal=deal)
    data = _approval_event(deal).data
    assert (data["strong_conflicts"], data["conflicts_acknowledged"]) == ([], False)


def test_what_counts_as_strong():
    assert is_strong(score=Decimal("0.850"))
    assert not is_strong(score=Decimal("0.849"))
    # a vendor's named or direct-only account is strong at any score; an existing customer is not
    assert is_strong(score=Decimal("0.6"), account_kind=CustomerAccount.Kind.NAMED)
    assert is_strong(score=Decimal("0.6"), account_kind=CustomerAccount.Kind.DIRECT_ONLY)
    assert not is_strong(score=Decimal("0.6"), account_kind=CustomerAccount.Kind.CUSTOMER)
