"""What business plans plug into the foundation and the apps below (called from
``scorecards.wiring.register``):

* the menus' "Business plans" (the back office's "Performance" group, and the portal);
* "Plans waiting for your signature" on both homes (``prm.web.home.action_source``): for a
  partner's admins, drafts the vendor signed; for the vendor's admins and channel people, drafts
  the partner signed, of the partners they manage and of those nobody manages;
* the partner record's "Business plans" tab (``partners.hooks.record_tab``).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from prm.accounts.access import OFFICE, PORTAL
from prm.web.home import ActionGroup, ActionItem, action_source
from prm.web.menu import menu_entry


def _waiting(*, actor, tenant, limit: int, area: str) -> ActionGroup | None:
    from ..selectors.plans import TO_SIGN, plans_waiting_for_actor

    rows, count = plans_waiting_for_actor(actor=actor, limit=limit)
    if not count:
        return None
    detail = f"{area}:plan_detail"
    items = [
        ActionItem(
            title=gettext("%(plan)s (version %(version)s)") % {"plan": row["title"], "version": row["version"]},
            detail=gettext("%(partner)s: the other side signed; your signature is missing.")
            % {"partner": row["partner_name"]},
            url=reverse(detail, args=[row["id"]]),
            since=row["signed_at"],
            since_label=gettext("signed by the other side"),
        )
        for row in rows
    ]
    url = reverse(f"{area}:plans")
    if area == OFFICE:
        url = f"{url}?status={TO_SIGN}"
    return ActionGroup(
        name="plans_to_sign", label=gettext("Plans waiting for your signature"), count=count, items=items, url=url
    )


def _office_waiting(*, actor, tenant, limit: int) -> ActionGroup | None:
    return _waiting(actor=actor, tenant=tenant, limit=limit, area=OFFICE)


def _portal_waiting(*, actor, tenant, limit: int) -> ActionGroup | None:
    return _waiting(actor=actor, tenant=tenant, limit=limit, area=PORTAL)


def _tab_context(*, request, actor, partner) -> dict:
    from ..views.plans import plans_tab_context

    return plans_tab_context(request=request, actor=actor, partner=partner)


def register() -> None:
    from partners.hooks import record_tab

    from ..permissions import PLANS_SIGN, SCORECARD_OWN, SCORECARDS_MANAGE, SCORECARDS_VIEW

    menu_entry(
        area=OFFICE,
        label=gettext_lazy("Business plans"),
        url_name="office:plans",
        capability=SCORECARDS_VIEW,
        order=66,
        group=gettext_lazy("Performance"),
    )
    menu_entry(
        area=PORTAL,
        label=gettext_lazy("Business plans"),
        url_name="portal:plans",
        capability=SCORECARD_OWN,
        order=91,
        group=gettext_lazy("Performance"),
    )
    action_source(area=OFFICE, name="plans_to_sign", items=_office_waiting, capability=SCORECARDS_MANAGE, order=60)
    action_source(area=PORTAL, name="plans_to_sign", items=_portal_waiting, capability=PLANS_SIGN, order=60)
    record_tab(
        name="plans",
        label=gettext_lazy("Business plans"),
        template="scorecards/plans/_record_tab.html",
        context=_tab_context,
        capability=SCORECARDS_VIEW,
        order=85,
    )
