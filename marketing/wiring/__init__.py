"""What the library, co-branding, campaigns, announcements and the locator plug into the
foundation and the apps below, one module per part (menus, home cards, action sources, event
subscriptions); the metric they measure goes to the registry from ``metrics.py``."""

from __future__ import annotations


def register() -> None:
    from .. import metrics
    from ..parts import part_modules

    metrics.register_metrics()
    for module in part_modules("marketing.wiring"):
        module.register()
