"""What the content library plugs into the foundation (called from ``marketing.wiring.register``):
the back office's "Content library" entry of the "Marketing" menu, and the portal's "Library"."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from prm.accounts.access import OFFICE, PORTAL
from prm.web.menu import menu_entry

from . import GROUP


def register() -> None:
    from ..permissions import CONTENT_VIEW, MARKETING_VIEW

    menu_entry(
        area=OFFICE,
        label=gettext_lazy("Content library"),
        url_name="office:assets",
        capability=MARKETING_VIEW,
        order=55,
        group=GROUP,
    )
    menu_entry(
        area=PORTAL,
        label=gettext_lazy("Library"),
        url_name="portal:library",
        capability=CONTENT_VIEW,
        order=55,
        group=GROUP,
    )
