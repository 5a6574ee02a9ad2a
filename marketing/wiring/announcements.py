"""What announcements plug into the foundation (called from ``marketing.wiring.register``):

* the menus' "Announcements" (the group "Marketing", in the back office and the portal);
* the portal home's card: up to three current announcements, unread first, then pinned, with how
  many are unread (one query).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from prm.accounts.access import OFFICE, PORTAL
from prm.web.home import home_card
from prm.web.menu import menu_entry

from . import GROUP


def _home_card(*, request, actor) -> dict | None:
    """Up to three current announcements for the person and the unread count; no card when there
    is none."""
    from prm.web.views import url_pattern

    from ..selectors.announcements import announcement_card_for_actor

    if actor.partner_id is None:
        return None
    rows, unread = announcement_card_for_actor(actor=actor)
    if not rows:
        return None
    detail = url_pattern("portal:announcement", "announcement_id")
    for row in rows:
        row["url"] = detail(row["id"])
    return {"rows": rows, "unread": unread}


def register() -> None:
    from ..permissions import CONTENT_VIEW, MARKETING_VIEW

    menu_entry(
        area=OFFICE,
        label=gettext_lazy("Announcements"),
        url_name="office:announcements",
        capability=MARKETING_VIEW,
        order=58,
        group=GROUP,
    )
    menu_entry(
        area=PORTAL,
        label=gettext_lazy("Announcements"),
        url_name="portal:announcements",
        capability=CONTENT_VIEW,
        order=58,
        group=GROUP,
    )
    home_card(
        area=PORTAL,
        template="marketing/announcements/_home_card.html",
        context=_home_card,
        capability=CONTENT_VIEW,
        order=15,
    )
