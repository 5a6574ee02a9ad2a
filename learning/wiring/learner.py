"""What the learner part of e-learning plugs into the foundation: the portal's "Learning" entry and
the home's "Continue your course" (the courses a person is taking, latest first); called once from
LearningConfig.ready."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from prm.accounts.access import PORTAL
from prm.web.home import ActionGroup, ActionItem, action_source
from prm.web.menu import menu_entry

from ..permissions import LEARNING_TAKE


def continue_items(*, actor, tenant, limit: int) -> ActionGroup | None:
    """The actor's courses in progress (one query: the rows carry the count of all)."""
    from ..selectors.catalogue import in_progress_for_home

    rows, count = in_progress_for_home(actor=actor, limit=limit)
    if not count:
        return None
    items = [
        ActionItem(
            title=row["course__title"],
            detail=gettext("%(percent)s%% done") % {"percent": row["progress_percent"]},
            url=reverse("portal:learning_course", args=[row["course_id"]]),
            since=row["last_activity_at"] or row["enrolled_at"],
            since_label=gettext("last studied"),
        )
        for row in rows
    ]
    return ActionGroup(
        name="learning_continue",
        label=gettext("Continue your course"),
        count=count,
        items=items,
        url=reverse("portal:learning_mine"),
    )


def register() -> None:
    # Next to Deals (40) and before Company (50).
    # The portal's "Learning" dropdown: the catalogue and one's own learning here, certificates and
    # the partner admin's team page from the certification and reports parts.
    menu_entry(
        area=PORTAL,
        label=gettext_lazy("Courses"),
        url_name="portal:learning_catalogue",
        capability=LEARNING_TAKE,
        order=45,
        group=gettext_lazy("Learning"),
    )
    menu_entry(
        area=PORTAL,
        label=gettext_lazy("My learning"),
        url_name="portal:learning_mine",
        capability=LEARNING_TAKE,
        order=46,
        group=gettext_lazy("Learning"),
    )
    action_source(area=PORTAL, name="learning_continue", items=continue_items, capability=LEARNING_TAKE, order=60)
