"""What the library, co-branding, campaigns, announcements and the locator plug into the
foundation and the apps below, one module per part (menus, home cards, action sources, event
subscriptions); the metric they measure goes to the registry from ``metrics.py``. Every part's
menu entries go to the one "Marketing" group (``GROUP``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

# The menu group every part adds its entries to, in both areas, in the order of ``parts.PARTS``
# (``order`` 55 to 59): Library, Campaigns, Co-branding, Announcements, Locator.
GROUP = gettext_lazy("Marketing")


def register() -> None:
    from .. import metrics
    from ..parts import part_modules

    metrics.register_metrics()
    for module in part_modules("marketing.wiring"):
        module.register()
