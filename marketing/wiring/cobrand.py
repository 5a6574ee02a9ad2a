"""What co-branding plugs into the foundation (called from ``marketing.wiring.register``): the
menus' "Co-branding", in the back office's and the portal's "Marketing" group."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from prm.accounts.access import OFFICE, PORTAL
from prm.web.menu import menu_entry

from . import GROUP


def register() -> None:
    from ..permissions import CONTENT_VIEW, MARKETING_VIEW

    menu_entry(
        area=OFFICE,
        label=gettext_lazy("Co-branding"),
        url_name="office:cobrand_templates",
        capability=MARKETING_VIEW,
        order=57,
        group=GROUP,
    )
    menu_entry(
        area=PORTAL,
        label=gettext_lazy("Co-branding"),
        url_name="portal:cobrand_templates",
        capability=CONTENT_VIEW,
        order=57,
        group=GROUP,
    )
