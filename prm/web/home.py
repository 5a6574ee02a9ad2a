"""Cards of the front doors' home pages, as the apps declare them.

The page that owns a home (both are the partners app's: the portal home and the back office's
dashboard) shows its own content and then the registered cards of its area whose capability the
member holds, in ``order``. A card is a template and a function that gives its context for the
member, or ``None`` to leave the card out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from prm.accounts.access import OFFICE, PORTAL


@dataclass(frozen=True)
class HomeCard:
    area: str
    template: str
    context: Callable  # (*, request, actor) -> dict | None
    capability: str | None = None
    order: int = 100


HOME_CARDS: list[HomeCard] = []


def home_card(*, area: str, template: str, context: Callable, capability: str | None = None, order: int = 100):
    """Declare a card of a home page (from an ``AppConfig.ready``)."""
    if area not in (OFFICE, PORTAL):
        raise ValueError(f"home card {template!r}: area must be {OFFICE!r} or {PORTAL!r}")
    card = HomeCard(area=area, template=template, context=context, capability=capability, order=order)
    if card not in HOME_CARDS:
        HOME_CARDS.append(card)
        HOME_CARDS.sort(key=lambda c: (c.area, c.order, c.template))
    return card


def home_cards_for(*, request, actor, area: str) -> list[tuple[str, dict]]:
    """(template, context) of each card the member sees, evaluated here (never while rendering)."""
    cards = []
    for card in HOME_CARDS:
        if card.area != area or (card.capability is not None and not actor.can(card.capability)):
            continue
        context = card.context(request=request, actor=actor)
        if context is not None:
            cards.append((card.template, context))
    return cards
