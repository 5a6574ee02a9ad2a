"""Who may act on a deal registration, asked of the services themselves (not only the pages)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from deals.models import DealExtension, DealStatus
from deals.services import (
    deal_approve,
    deal_mark_lost,
    deal_mark_won,
    deal_submit,
    deal_update,
    deal_update_stage,
    deal_withdraw,
    extension_request,
)
from prm.accounts.roles import Role
from prm.errors import NotAllowed
from prm.events.models import Event
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.factories import PartnerMembershipFactory, refresh

from .deal_setup import as_partner, draft, make_catalogue, submitted

pytestmark = pytest.mark.django_db
S = DealStatus


@pytest.fixture
def cat(acme):
    return make_catalogue(acme)


def _event_count(deal) -> int:
    with platform_scope():
        return Event.objects.filter(object_id=deal.pk, verb__startswith="deal.").count()


class _Undo(Exception):
    pass


def test_a_sales_rep_may_not_act_on_a_colleagues_registration(acme, cat):
    # given two sales reps of partner 1: a colleague's draft and a colleague's approved registration
    rep, colleague = acme.sales_rep, PartnerMembershipFactory(partner=acme.partner, role=Role.SALES)
    their_draft = draft(colleague, cat, customer_name="Colleague Draft")
    their_deal = submitted(colleague, cat, customer_name="Colleague Approved", customer_website="approved.example")
    with tenant_scope(acme.tenant):
        their_deal = deal_approve(actor=acme.manager, deal=their_deal)
    before = {deal.pk: _event_count(deal) for deal in (their_draft, their_deal)}
    today = timezone.localdate()
    # when the rep calls each service a rep may call on their own registrations, on the colleague's
    calls = {
        "edit": lambda: deal_update(actor=rep, deal=their_draft, changes={"notes": "Mine now"}),
        "submit": lambda: deal_submit(actor=rep, deal=their_draft),
        "withdraw a draft": lambda: deal_withdraw(actor=rep, deal=their_draft, reason="Mine now"),
        "update the stage": lambda: deal_update_stage(actor=rep, deal=their_deal, stage="negotiate"),
        "mark won": lambda: deal_mark_won(actor=rep, deal=their_deal, amount=Decimal("1"), won_on=today),
        "mark lost": lambda: deal_mark_lost(actor=rep, deal=their_deal, reason="Mine now"),
        "request an extension": lambda: extension_request(actor=rep, deal=their_deal, days=30, reason="Mine now"),
        "withdraw": lambda: deal_withdraw(actor=rep, deal=their_deal, reason="Mine now"),
    }
    allowed = []
    for action, call in calls.items():
        try:
            with as_partner(rep):
                call()
                raise _Undo  # a call that went through is rolled back: the next ones start alike
        except NotAllowed:
            pass
        except _Undo:
            allowed.append(action)
    # then each is refused, as the portal's pages (which 404 the colleague's deal) are
    assert allowed == []
    # and nothing was written
    assert (refresh(their_draft).status, refresh(their_draft).notes) == (S.DRAFT, "")
    assert (refresh(their_deal).status, refresh(their_deal).stage) == (S.APPROVED, their_deal.stage)
    with platform_scope():
        assert not DealExtension.objects.filter(deal_id=their_deal.pk).exists()
    assert {deal.pk: _event_count(deal) for deal in (their_draft, their_deal)} == before
