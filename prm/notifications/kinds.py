"""Every kind of notification, declared by the app that sends it (``<app>/notifications.py``,
imported by its ``AppConfig.ready``): people choose per kind how they hear about it, and
``notify`` refuses an undeclared kind. The preferences page lists kinds in declaration order.

    SUBMITTED = kind("deal.submitted", "A deal registration is submitted for your review")
"""

from __future__ import annotations

from prm.registry import Registry

KINDS: Registry[str] = Registry("notification kind")


def kind(name: str, label: str) -> str:
    """Declare a notification kind and the sentence the preferences page shows for it."""
    return KINDS.declare(name, label)


def label(name: str) -> str:
    return KINDS.get(name) or name
