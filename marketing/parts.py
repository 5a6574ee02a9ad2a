"""The parts of marketing, and how the app's shared modules (tasks, admin, demo, URLs, wiring)
gather what each part offers: ``<package>.<part>`` for every part that has one."""

from __future__ import annotations

import importlib
from types import ModuleType

PARTS = ("library", "cobrand", "campaigns", "announcements", "locator")


def part_modules(package: str, *, prefix: str = "") -> list[ModuleType]:
    """``package.<prefix><part>`` of every part that has such a module, in the order of PARTS."""
    found = []
    for part in PARTS:
        name = f"{package}.{prefix}{part}"
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as missing:
            if missing.name != name:
                raise
    return found
