"""What the apply part of recruitment plugs into the foundation (called from RecruitmentConfig.ready):

* the portal home's "Requests to join" action source: a partner admin sees the people waiting
  for a decision (one query; nothing shown, and no menu entry taken, when none waits). The
  notification of each request links to the same page.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext

from prm.accounts.access import PORTAL
from prm.web.home import ActionGroup, ActionItem, action_source


def _join_requests(*, actor, tenant, limit: int) -> ActionGroup | None:
    if actor.partner_id is None:
        return None
    from ..selectors.apply import join_requests_pending

    pending = join_requests_pending(partner_id=actor.partner_id, limit=limit)
    if not pending:
        return None
    url = reverse("portal:recruitment_join_requests")
    return ActionGroup(
        name="join_requests",
        label=gettext("Requests to join"),
        count=pending[0]["total"],
        items=[
            ActionItem(
                title=f"{row['first_name']} {row['last_name']}".strip(),
                detail=gettext("%(email)s asks to join your company.") % {"email": row["email"]},
                url=url,
                since=row["created_at"],
                since_label=gettext("asked"),
            )
            for row in pending
        ],
        url=url,
    )


def register() -> None:
    from ..permissions import JOIN_DECIDE

    action_source(area=PORTAL, name="join_requests", items=_join_requests, capability=JOIN_DECIDE, order=30)
