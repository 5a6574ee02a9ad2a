"""What the routing part of lead distribution plugs into the foundation (called from LeadsConfig.ready)."""

from __future__ import annotations


def register() -> None:
    pass
