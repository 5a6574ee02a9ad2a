"""What the routing part of lead distribution plugs into the foundation (called from LeadsConfig.ready):
the portal's "Lead capacity" entry for the partner admin (the routing log is reached from a lead)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from prm.accounts.access import PORTAL
from prm.web.menu import menu_entry


def register() -> None:
    from ..permissions import LEADS_CAPACITY

    menu_entry(
        area=PORTAL,
        label=gettext_lazy("Lead capacity"),
        url_name="portal:lead_capacity",
        capability=LEADS_CAPACITY,
        order=36,
        group=gettext_lazy("Leads"),
    )
