"""What the partner locator plugs into the foundation (called from ``marketing.wiring.register``):

* the back office's "Partner locator" (group "Marketing"; settings and every profile) and the
  portal's "Locator profile";
* the portal home's "Confirm your public profile" for the people who keep it, while the
  locator's prompt (or a hiding for want of a confirmation) waits for them.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from prm.accounts.access import OFFICE, PORTAL
from prm.web.home import ActionGroup, ActionItem, action_source
from prm.web.menu import menu_entry

from . import GROUP


def _confirm_profile(*, actor, tenant, limit: int) -> ActionGroup | None:
    """The company's public profile when its confirmation is due (one query)."""
    from ..models import ProfileStatus
    from ..selectors.locator import confirmation_due_for_actor

    profile = confirmation_due_for_actor(actor=actor)
    if profile is None:
        return None
    hidden = profile.status == ProfileStatus.HIDDEN
    item = ActionItem(
        title=gettext("Confirm your public profile"),
        detail=gettext("It was hidden from the partner locator: confirm it is still right to show it again.")
        if hidden
        else gettext("The partner locator asks whether your profile is still right."),
        url=reverse("portal:locator_profile"),
        overdue=hidden,
        since=profile.hidden_at if hidden else profile.prompted_at,
        since_label=gettext("hidden") if hidden else gettext("asked"),
    )
    return ActionGroup(
        name="locator_confirm",
        label=gettext("Your public profile"),
        count=1,
        items=[item],
        url=reverse("portal:locator_profile"),
        overdue=1 if hidden else 0,
    )


def register() -> None:
    from ..permissions import MARKETING_VIEW, PROFILE_MANAGE

    menu_entry(
        area=OFFICE,
        label=gettext_lazy("Partner locator"),
        url_name="office:locator",
        capability=MARKETING_VIEW,
        order=59,
        group=GROUP,
    )
    menu_entry(
        area=PORTAL,
        label=gettext_lazy("Locator profile"),
        url_name="portal:locator_profile",
        capability=PROFILE_MANAGE,
        order=59,
        group=GROUP,
    )
    action_source(area=PORTAL, name="locator_confirm", items=_confirm_profile, capability=PROFILE_MANAGE, order=60)
