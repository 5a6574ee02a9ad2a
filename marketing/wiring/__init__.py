"""What the library, co-branding, campaigns, announcements and the locator plug into the
foundation and the apps below, one module per part (menus, home cards, action sources, event
subscriptions); the metric they measure goes to the registry from ``metrics.py``."""

from __future__ import annotations

import importlib

PARTS = ("library", "cobrand", "campaigns", "announcements", "locator")


def register() -> None:
    from .. import metrics

    metrics.register_metrics()
    for part in PARTS:
        try:
            module = importlib.import_module(f"{__name__}.{part}")
        except ModuleNotFoundError as missing:  # a part not written yet
            if missing.name != f"{__name__}.{part}":
                raise
            continue
        module.register()
