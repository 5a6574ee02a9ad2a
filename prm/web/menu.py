"""The navigation bar, as the apps declare it.

Each app declares its entries in its ``AppConfig.ready`` (``menu_entry(...)``); the layout shows a
member the entries of their area (back office or portal) whose capability they hold, in
``order``. Entries that share a ``group`` fold into one dropdown named after the group.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from prm.accounts.access import OFFICE, PORTAL
from prm.accounts.roles import CAPABILITIES


@dataclass(frozen=True)
class MenuEntry:
    area: str  # OFFICE or PORTAL
    label: str
    url_name: str
    capability: str | None = None  # None: every member of the area
    order: int = 100
    group: str = ""  # entries of one group share a dropdown


MENU: list[MenuEntry] = []
_urls: dict[str, str] = {}


def menu_entry(*, area: str, label: str, url_name: str, capability: str | None = None, order: int = 100, group=""):
    """Declare an entry of the navigation bar (from an ``AppConfig.ready``)."""
    if area not in (OFFICE, PORTAL):
        raise ValueError(f"menu entry {label!r}: area must be {OFFICE!r} or {PORTAL!r}")
    if capability is not None:
        CAPABILITIES.require(capability)  # a misspelt capability would hide the entry silently
    entry = MenuEntry(area=area, label=label, url_name=url_name, capability=capability, order=order, group=group)
    if entry not in MENU:
        MENU.append(entry)
        MENU.sort(key=lambda e: (e.area, e.order, e.label))
    return entry


def _url(url_name: str) -> str:
    # The URLconf does not change while the process runs: reverse each entry once.
    if url_name not in _urls:
        _urls[url_name] = reverse(url_name)
    return _urls[url_name]


def menu_for(membership, path: str = "") -> list[dict]:
    """What the layout shows ``membership``: ``{"label", "url", "current"}`` items and, for groups,
    ``{"label", "children": [...], "current"}`` at the place of their first entry.

    ``path`` is the page being shown: the entry whose URL is the longest prefix of it is the
    current one (a deal's page is under "Deals"), and so is the group that holds it.
    """
    if membership is None or not membership.is_active:
        return []
    area = OFFICE if membership.is_staff_member else PORTAL
    held = membership.capabilities
    items: list[dict] = []
    links: list[dict] = []
    groups: dict[str, dict] = {}
    for entry in MENU:
        if entry.area != area or (entry.capability is not None and entry.capability not in held):
            continue
        link = {"label": entry.label, "url": _url(entry.url_name), "current": False}
        links.append(link)
        if not entry.group:
            items.append(link)
        elif entry.group in groups:
            groups[entry.group]["children"].append(link)
        else:
            groups[entry.group] = {"label": entry.group, "children": [link], "current": False}
            items.append(groups[entry.group])
    current = _current(links, path)
    if current is not None:
        current["current"] = True
        for group in groups.values():
            group["current"] = group["current"] or current in group["children"]
    return items


def _current(links: list[dict], path: str) -> dict | None:
    best = None
    for link in links:
        url = link["url"]
        # an area's home ("/office/") holds every page of the area: it is current only on itself
        matches = path == url if url.count("/") <= 2 else path.startswith(url)
        if matches and (best is None or len(url) > len(best["url"])):
            best = link
    return best
