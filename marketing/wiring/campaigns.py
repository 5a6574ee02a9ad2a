"""What campaigns in a box plug into the foundation (called from ``marketing.wiring.register``):
the menus' "Campaigns" in the "Marketing" group of both areas."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from prm.accounts.access import OFFICE, PORTAL
from prm.web.menu import menu_entry

from . import GROUP


def register() -> None:
    from ..permissions import CONTENT_VIEW, MARKETING_VIEW

    menu_entry(
        area=OFFICE,
        label=gettext_lazy("Campaigns"),
        url_name="office:campaigns",
        capability=MARKETING_VIEW,
        order=56,
        group=GROUP,
    )
    menu_entry(
        area=PORTAL,
        label=gettext_lazy("Campaigns"),
        url_name="portal:campaigns",
        capability=CONTENT_VIEW,
        order=56,
        group=GROUP,
    )
