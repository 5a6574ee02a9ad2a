"""A confirmed win that did not stand: the vendor reverses it (the deal is lost with the reason, the
partner is told, the event incentives claw back from); nobody else can lose a won deal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from deals.models import DealStatus
from deals.services import deal_approve, deal_confirm_win, deal_mark_lost, deal_mark_won, deal_reverse_win
from prm.errors import InvalidTransition, PolicyViolation
from prm.events.models import Event
from prm.tenancy.scope import tenant_scope

from .deal_setup import make_catalogue, submitted

pytestmark = pytest.mark.django_db


def test_the_vendor_reverses_a_confirmed_win_and_only_a_confirmed_one(acme):
    deal = submitted(acme.sales_rep, make_catalogue(acme))
    with tenant_scope(acme.tenant):
        deal_approve(actor=acme.manager, deal=deal)
        deal_mark_won(actor=acme.manager, deal=deal, amount=Decimal("900"), won_on=timezone.localdate())
        with pytest.raises(InvalidTransition, match="not a confirmed win"):
            deal_reverse_win(actor=acme.manager, deal=deal, reason="Cancelled")
        deal_confirm_win(actor=acme.manager, deal=deal)
        with pytest.raises(InvalidTransition, match="reverses a win"):
            deal_mark_lost(actor=acme.manager, deal=deal, reason="Lost after all")
        with pytest.raises(PolicyViolation, match="Say why"):
            deal_reverse_win(actor=acme.manager, deal=deal, reason=" ")
        deal_reverse_win(actor=acme.manager, deal=deal, reason="The customer cancelled the order")
        deal.refresh_from_db()
        assert (deal.status, deal.closed_reason) == (DealStatus.LOST, "The customer cancelled the order")
        event = Event.objects.get(verb="deal.win_reversed", object_id=deal.pk)
        assert event.note == "The customer cancelled the order" and event.data["amount"] == "900.00"


def test_a_reviewer_reverses_a_win_from_the_deal_page_after_confirming(acme):
    from types import SimpleNamespace

    from django.urls import reverse

    from tests.conftest import body, make_client

    from .office_setup import won

    ctx = SimpleNamespace(side=acme)
    won(ctx)
    client = make_client(acme.manager)
    path = reverse("office:deal_reverse_win", args=[ctx.deal.pk])
    page = body(client.get(reverse("office:deal_detail", args=[ctx.deal.pk])))
    assert "Reverse the win" in page and path in page
    # no reason: the page again, nothing changed
    assert client.post(path, {"reason": ""}).status_code == 200
    # a reason: first the question, then the deed
    asked = body(client.post(path, {"reason": "Order cancelled"}))
    assert "Yes, reverse the win" in asked
    with tenant_scope(acme.tenant):
        ctx.deal.refresh_from_db()
        assert ctx.deal.status == DealStatus.WON
    assert client.post(path, {"reason": "Order cancelled", "confirm": "1"}).status_code == 302
    with tenant_scope(acme.tenant):
        ctx.deal.refresh_from_db()
        assert (ctx.deal.status, ctx.deal.closed_reason) == (DealStatus.LOST, "Order cancelled")
    # a partner user does not see the action
    partner_page = body(make_client(acme.partner_admin).get(reverse("portal:deal_detail", args=[ctx.deal.pk])))
    assert path not in partner_page
