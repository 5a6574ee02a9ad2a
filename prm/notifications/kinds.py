"""Every kind of notification, declared by the app that sends it (``<app>/notifications.py``,
imported by its ``AppConfig.ready``): people choose per kind how they hear about it, and
``notify`` refuses an undeclared kind. The preferences page lists kinds in declaration order.

    SUBMITTED = kind("deal.submitted", "A deal registration is submitted for your review")

A kind meant for one side only (a review reminder is for vendor staff, a pricing decision on your
deal for the partner's people) says so with ``kind_audience(OFFICE, SUBMITTED, ...)``: the other
side is not offered it in their settings. A kind without an audience is offered to everyone.
"""

from __future__ import annotations

from prm.accounts.access import OFFICE, PORTAL
from prm.registry import Registry

KINDS: Registry[str] = Registry("notification kind")
AUDIENCES: dict[str, str] = {}  # kind -> OFFICE or PORTAL; a kind not here is for both


def kind(name: str, label: str) -> str:
    """Declare a notification kind and the sentence the preferences page shows for it."""
    return KINDS.declare(name, label)


def label(name: str) -> str:
    return KINDS.get(name) or name


def kind_audience(area: str, *names: str) -> None:
    """Offer these kinds only to members of ``area`` (OFFICE: vendor staff; PORTAL: partner users)."""
    if area not in (OFFICE, PORTAL):
        raise ValueError(f"notification audience must be {OFFICE!r} or {PORTAL!r}, not {area!r}")
    for name in names:
        KINDS.require(name)
        if AUDIENCES.get(name, area) != area:
            raise ValueError(f"notification kind {name!r} is given two audiences")
        AUDIENCES[name] = area


def kinds_for(area: str) -> list[tuple[str, str]]:
    """(name, label) of the kinds offered to a member of ``area``, in declaration order."""
    return [(name, text) for name, text in KINDS.items() if AUDIENCES.get(name, area) == area]
