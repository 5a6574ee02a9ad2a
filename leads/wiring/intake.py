"""What the intake part of lead distribution plugs into the foundation (called from
LeadsConfig.ready): the back office's "Leads" and "Import leads" entries (a "Leads" group), the
portal's "Referrals", the staff home's "Leads waiting in the queue", and the lead list's saved
filters."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from prm.accounts.access import OFFICE, PORTAL
from prm.web.home import ActionGroup, ActionItem, action_source
from prm.web.menu import menu_entry
from prm.web.saved_filters import filter_page


def queue_items(*, actor, tenant, limit: int) -> ActionGroup | None:
    """The leads waiting in the vendor's queue, the longest waiting first (one query)."""
    from ..models import LeadStatus
    from ..selectors.intake import queue_items_for_actor

    rows, count = queue_items_for_actor(actor=actor, limit=limit)
    if not count:
        return None
    details = {
        LeadStatus.PENDING_REVIEW: gettext("Review the partner's referral."),
        LeadStatus.DUPLICATE: gettext("Release the flagged duplicate into routing, or discard it."),
    }
    items = []
    for row in rows:
        reviewed = row["status"] in details
        items.append(
            ActionItem(
                title=f"{row['reference']} · {row['company']}",
                detail=details.get(row["status"], gettext("No partner took this lead: route it by hand.")),
                url=reverse("office:lead_review", args=[row["id"]]) if reviewed else reverse("office:leads"),
                since=row["created_at"],
            )
        )
    return ActionGroup(
        name="lead_queue",
        label=gettext("Leads waiting in the queue"),
        count=count,
        items=items,
        url=reverse("office:leads"),
    )


def _clean_list_query(query) -> str:
    from ..views.intake import list_filter_form

    return list_filter_form(query).query_string()


def register() -> None:
    from ..permissions import LEADS_MANAGE, LEADS_REFER, LEADS_VIEW

    group = gettext_lazy("Leads")
    menu_entry(
        area=OFFICE, label=gettext_lazy("Leads"), url_name="office:leads", capability=LEADS_VIEW, order=32, group=group
    )
    menu_entry(
        area=OFFICE,
        label=gettext_lazy("Import leads"),
        url_name="office:lead_imports",
        capability=LEADS_MANAGE,
        order=33,
        group=group,
    )
    menu_entry(
        area=PORTAL,
        label=gettext_lazy("Referrals"),
        url_name="portal:lead_referrals",
        capability=LEADS_REFER,
        order=34,
        group=group,
    )
    action_source(area=OFFICE, name="lead_queue", items=queue_items, capability=LEADS_MANAGE, order=18)
    filter_page("leads", url_name="office:leads", capability=LEADS_VIEW, clean=_clean_list_query)
    from partners.hooks import record_tab

    from ..views.intake import partner_leads_tab

    record_tab(
        name="leads",
        label=gettext_lazy("Leads"),
        template="leads/intake/_partner_leads.html",
        context=partner_leads_tab,
        capability=LEADS_VIEW,
        order=65,
    )
