"""What the front doors' home pages show, as the apps declare it (from their ``AppConfig.ready``).

A home answers "what needs my action?" before it shows anything else:

* **Action items** (``action_source``): each source gives, for one member, how many things wait
  for them and the few most urgent (``ActionGroup``). The homes list the items of every source of
  their area whose capability the member holds, most urgent first; the platform page lists the
  same items per vendor for a person who works with several (``inbox_for_user``).
* **Main actions** (``home_action``): the links a member takes most, one click from the home.
* **Cards** (``home_card``): what the page shows after the work, each a template and a function
  that gives its context for the member, or ``None`` to leave the card out.

The pages that own the homes are the partners app's (the portal home and the back office's
dashboard); the platform page is the foundation's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from prm.accounts.access import OFFICE, PORTAL

AREAS = (OFFICE, PORTAL)


def _check_area(area: str, what: str) -> None:
    if area not in AREAS:
        raise ValueError(f"{what}: area must be {OFFICE!r} or {PORTAL!r}")


# --- cards -----------------------------------------------------------------------------------------


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
    _check_area(area, f"home card {template!r}")
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


# --- main actions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomeAction:
    """A link a member takes often (register a deal, ...), a button at the top of the home."""

    area: str
    label: str  # a lazy translation
    url_name: str
    capability: str | None = None
    icon: str = ""  # a Bootstrap icon name, e.g. "plus-lg"
    order: int = 100


HOME_ACTIONS: list[HomeAction] = []


def home_action(
    *, area: str, label, url_name: str, capability: str | None = None, icon: str = "", order: int = 100
) -> HomeAction:
    """Declare a main action of a home page (from an ``AppConfig.ready``)."""
    _check_area(area, f"home action {url_name!r}")
    action = HomeAction(area=area, label=label, url_name=url_name, capability=capability, icon=icon, order=order)
    if action not in HOME_ACTIONS:
        HOME_ACTIONS.append(action)
        HOME_ACTIONS.sort(key=lambda a: (a.area, a.order, a.url_name))
    return action


def home_actions_for(*, actor, area: str) -> list[tuple[HomeAction, str]]:
    """(action, its URL) of each main action the member may take."""
    found = []
    for action in HOME_ACTIONS:
        if action.area != area or (action.capability is not None and not actor.can(action.capability)):
            continue
        try:
            found.append((action, reverse(action.url_name)))
        except NoReverseMatch:  # an app that is not installed here
            continue
    return found


# --- action items -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionItem:
    """One thing that waits for the member: what it is, where it is done, and by when.

    ``due`` orders the items (missed deadlines first, then the nearest; items without one last,
    the longest waiting first by ``since``); ``overdue`` marks a deadline already missed (or a
    standing at risk: what must come first); ``url`` is a path on the tenant's host."""

    title: str
    detail: str
    url: str
    due: datetime | None = None
    overdue: bool = False
    due_label: str = ""  # what the deadline is: "decision due", "protection ends" (translated)
    since: datetime | None = None  # without a deadline: how long it has waited
    since_label: str = ""  # what happened then, e.g. "answered" (translated); none: "waiting for ..."


@dataclass
class ActionGroup:
    """What one source found for the member: how many in all, and the most urgent few."""

    name: str
    label: str  # e.g. "Information requested" (translated)
    count: int
    items: list[ActionItem] = field(default_factory=list)
    url: str = ""  # the page that lists them all
    overdue: int = 0  # how many of ``count`` missed their deadline


@dataclass(frozen=True)
class ActionSource:
    area: str
    name: str
    items: Callable  # (*, actor, tenant, limit) -> ActionGroup | None
    capability: str | None = None
    order: int = 100


ACTION_SOURCES: list[ActionSource] = []

# How many items a home lists, and the platform page per vendor.
HOME_ITEMS = 10
INBOX_ITEMS = 3


def action_source(*, area: str, name: str, items: Callable, capability: str | None = None, order: int = 100):
    """Declare a source of action items for a home (from an ``AppConfig.ready``).

    ``items(actor=..., tenant=..., limit=...)`` runs in the member's tenant scope (on the tenant's
    host, or on the platform page inside that tenant's scope) and returns an ``ActionGroup``
    (its ``count`` of all, its ``limit`` most urgent items) or ``None`` when it has nothing to
    say. It must cost a bounded number of queries (one is the norm: count with a window)."""
    _check_area(area, f"action source {name!r}")
    source = ActionSource(area=area, name=name, items=items, capability=capability, order=order)
    if any(s.name == name and s.area == area and s != source for s in ACTION_SOURCES):
        raise ValueError(f"action source {name!r} is declared twice, differently")
    if source not in ACTION_SOURCES:
        ACTION_SOURCES.append(source)
        ACTION_SOURCES.sort(key=lambda s: (s.area, s.order, s.name))
    return source


@dataclass
class Actions:
    """What waits for one member: the groups with something in them, and their items merged,
    most urgent first."""

    groups: list[ActionGroup]
    items: list[ActionItem]

    @property
    def count(self) -> int:
        return sum(group.count for group in self.groups)


def _urgency(item: ActionItem):
    # Missed deadlines first, then the nearest; items without a deadline last, oldest first.
    return (not item.overdue, item.due is None, item.due or item.since or timezone.now())


def actions_for(*, actor, tenant, area: str, limit: int = HOME_ITEMS) -> Actions:
    """Every source's group for the member (in the current tenant scope) and the ``limit`` most
    urgent items of all of them."""
    groups = []
    for source in ACTION_SOURCES:
        if source.area != area or (source.capability is not None and not actor.can(source.capability)):
            continue
        group = source.items(actor=actor, tenant=tenant, limit=limit)
        if group is not None and group.count:
            groups.append(group)
    items = sorted((item for group in groups for item in group.items), key=_urgency)[:limit]
    return Actions(groups=groups, items=items)


@dataclass
class VendorInbox:
    """One vendor's part of a person's inbox on the platform page."""

    membership: object  # with ``tenant_obj``
    actions: Actions | None  # None: the vendor asks for a second factor the person has not set up


def inbox_for_user(*, portals, second_factor: bool) -> list[VendorInbox]:
    """What waits for a person in each vendor's portal (``portals``: their active memberships,
    from ``portals_for_user``), for the platform page.

    Each vendor is read inside its own tenant scope, as that membership (a partner user's with
    its partner, so the database's row-level security applies as on the portal itself); nothing
    read in one scope is asked of another. The cost is the sources' bounded queries per vendor.
    A vendor whose portal asks this person for a second factor (``second_factor``: whether they
    have one) shows nothing of its work until they set one up, as its portal would not.
    """
    from prm.accounts.middleware import mfa_required_for
    from prm.tenancy.scope import tenant_scope

    inbox = []
    for membership in portals:
        if not second_factor and mfa_required_for(membership, tenant=membership.tenant_obj):
            inbox.append(VendorInbox(membership=membership, actions=None))
            continue
        area = OFFICE if membership.is_staff_member else PORTAL
        partner = None if membership.is_staff_member else membership.partner_id
        with tenant_scope(membership.tenant_id, partner=partner):
            actions = actions_for(actor=membership, tenant=membership.tenant_obj, area=area, limit=INBOX_ITEMS)
        inbox.append(VendorInbox(membership=membership, actions=actions))
    return inbox
