"""What the select part of recruitment plugs into the foundation (called from RecruitmentConfig.ready):
the back office's "Applications" entry (in a "Recruitment" group) and the staff home's
"Applications to review" (the member's open applications as their vetter, the nearest deadline
first)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from prm.accounts.access import OFFICE
from prm.web.home import ActionGroup, ActionItem, action_source
from prm.web.menu import menu_entry


def review_items(*, actor, tenant, limit: int) -> ActionGroup | None:
    """The actor's open applications as their vetter (one query: the rows carry the counts)."""
    from ..selectors.select import applications_to_review

    rows, count, late = applications_to_review(actor=actor, limit=limit)
    if not count:
        return None
    from django.utils import timezone

    now = timezone.now()
    items = [
        ActionItem(
            title=f"{row['reference']} · {row['company_name']}",
            detail=gettext("Vet the application and decide, or pass it to someone who may."),
            url=reverse("office:recruitment_application", args=[row["id"]]),
            due=row["due_at"],
            overdue=row["due_at"] is not None and row["due_at"] < now,
            due_label=gettext("decision due"),
            since=row["verified_at"],
        )
        for row in rows
    ]
    return ActionGroup(
        name="recruitment_review",
        label=gettext("Applications to review"),
        count=count,
        items=items,
        url=reverse("office:recruitment_applications") + "?vetter=me",
        overdue=late,
    )


def register() -> None:
    from ..permissions import RECRUITMENT_REVIEW, RECRUITMENT_VIEW

    menu_entry(
        area=OFFICE,
        label=gettext_lazy("Applications"),
        url_name="office:recruitment_applications",
        capability=RECRUITMENT_VIEW,
        order=25,
        group=gettext_lazy("Recruitment"),
    )
    action_source(area=OFFICE, name="recruitment_review", items=review_items, capability=RECRUITMENT_REVIEW, order=15)
