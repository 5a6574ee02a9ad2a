"""What the offers part of lead distribution plugs into the foundation (called from LeadsConfig.ready):

* the portal's "Leads" entry (the inbox);
* the portal home's "Lead offers waiting for your answer", the nearest deadline first;
* ``prm.events.hooks.events_recorded``: a deal registration converted from a lead that is won or
  lost brings the lead along (attribution of the win), after commit through the outbox; one that
  is rejected, withdrawn or expires hands the lead back to be worked (and converted again).
"""

from __future__ import annotations

from django.db.models import Count, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from prm.accounts.access import PORTAL
from prm.web.home import ActionGroup, ActionItem, action_source
from prm.web.menu import menu_entry
from prm.web.views import url_pattern

DEAL_CLOSED_TASK = "leads.deal_closed"
_VERBS: frozenset[str] = frozenset()
# A registration that ends without being won or lost hands its lead back to be worked (register()).
_ENDED: dict[str, str] = {}


def _offers_waiting(*, actor, tenant, limit: int) -> ActionGroup | None:
    """The company's offers waiting for an answer, the nearest deadline first: one query (the
    rows carry the count of all of them)."""
    from ..models import LeadOffer, OfferStatus

    if not actor.is_partner_user or actor.partner_id is None:
        return None
    rows = list(
        LeadOffer.objects.filter(partner_id=actor.partner_id, status=OfferStatus.PENDING)
        .annotate(total=Window(Count("id")))
        .order_by("due_at", "id")
        .values("id", "due_at", "offered_at", "opened_at", "lead__reference", "total")[:limit]
    )
    if not rows:
        return None
    now = timezone.now()
    url = url_pattern("portal:lead_offer", "offer_id")
    items = [
        ActionItem(
            title=row["lead__reference"],
            detail=gettext("A lead offered to your company: accept or decline it.")
            if row["opened_at"]
            else gettext("A new lead offered to your company, not opened yet: accept or decline it."),
            url=url(row["id"]),
            due=row["due_at"],
            overdue=row["due_at"] <= now,
            due_label=gettext("answer by"),
        )
        for row in rows
    ]
    return ActionGroup(
        name="lead_offers",
        label=gettext("Lead offers waiting for your answer"),
        count=rows[0]["total"],
        items=items,
        url=reverse("portal:leads"),
        overdue=sum(1 for item in items if item.overdue),
    )


def _events_recorded(*, events) -> None:
    """One outbox task per won or lost deal that a lead became; no query for any other verb."""
    closed = [event for event in events if event.verb in _VERBS]
    if not closed:
        return
    from deals import events as deal_events
    from prm.events.services import outbox_enqueue_many

    from ..models import Lead

    converted = set(
        Lead.objects.filter(deal_id__in={event.object_id for event in closed}).values_list("deal_id", flat=True)
    )
    kwargs_list = []
    for event in closed:
        if event.object_id not in converted:
            continue
        if event.verb in _ENDED:
            kwargs_list.append({"deal_id": event.object_id, "won": False, "ended": _ENDED[event.verb]})
            continue
        won = event.verb == deal_events.WON
        day = (event.params or {}).get("day") or {}
        kwargs_list.append(
            {
                "deal_id": event.object_id,
                "won": won,
                "amount": (event.data or {}).get("amount") if won else None,
                "currency": (event.data or {}).get("currency", "") if won else "",
                "won_on": day.get("day") if won and isinstance(day, dict) else None,
            }
        )
    outbox_enqueue_many(task_name=DEAL_CLOSED_TASK, kwargs_list=kwargs_list)


def register() -> None:
    global _VERBS
    from deals import events as deal_events
    from prm.events.hooks import events_recorded

    from ..permissions import LEADS_RECEIVE

    _ENDED.update(
        {deal_events.REJECTED: "rejected", deal_events.WITHDRAWN: "withdrawn", deal_events.EXPIRED: "expired"}
    )
    # A reversed win closes the lead as lost, as a loss does.
    _VERBS = frozenset({deal_events.WON, deal_events.LOST, deal_events.WIN_REVERSED, *_ENDED})
    menu_entry(
        area=PORTAL,
        label=gettext_lazy("Offers and leads"),
        url_name="portal:leads",
        capability=LEADS_RECEIVE,
        order=33,
        group=gettext_lazy("Leads"),
    )
    action_source(area=PORTAL, name="lead_offers", items=_offers_waiting, capability=LEADS_RECEIVE, order=8)
    events_recorded.connect(_events_recorded)
