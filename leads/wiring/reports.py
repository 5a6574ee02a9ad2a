"""What the reports part of lead distribution plugs into the foundation (called from LeadsConfig.ready):
the back office's "Fairness" and "Aging" entries of the "Leads" menu, the partner admin's "Lead
share", and the tier metrics lead acceptance rate and response time (``leads.metrics``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from prm.accounts.access import OFFICE, PORTAL
from prm.web.menu import menu_entry

from ..metrics import register_metrics
from ..permissions import LEADS_CAPACITY, LEADS_VIEW

# The menu group of lead distribution's pages (the other parts' entries share it).
GROUP = _("Leads")


def register() -> None:
    office = {"area": OFFICE, "capability": LEADS_VIEW, "group": GROUP}
    menu_entry(label=_("Fairness"), url_name="office:lead_fairness", order=36, **office)
    menu_entry(label=_("Aging"), url_name="office:lead_aging", order=37, **office)
    menu_entry(
        area=PORTAL,
        label=_("Lead share"),
        url_name="portal:lead_share",
        capability=LEADS_CAPACITY,
        order=37,
        group=GROUP,
    )
    register_metrics()
