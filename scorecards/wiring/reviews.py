"""What relationship reviews plug into the foundation (called from ``wiring.register``):

* the back office's "Reviews" entry (group "Performance") and the portal's "Reviews";
* the homes' "Action items from reviews" (the open items the member owns, the earliest due
  first) on both sides, and the back office's "Reviews to schedule" (due reviews of the partners
  the member manages).
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import Count, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from prm.accounts.access import OFFICE, PORTAL
from prm.web.home import ActionGroup, ActionItem, action_source
from prm.web.menu import menu_entry


def _midnight(day: date) -> datetime:
    """The start of a due day in the active (reader's) time zone: what the homes order by."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _my_actions(*, actor, tenant, limit: int) -> ActionGroup | None:
    """The open action items the member owns, the earliest due first: one query."""
    from ..models import ActionItem as Item
    from ..models import ActionStatus, ReviewStatus

    queryset = Item.objects.filter(owner_id=actor.pk, status=ActionStatus.OPEN)
    if actor.is_partner_user:  # what the portal shows: reviews the partner sees
        queryset = queryset.filter(
            partner_id=actor.partner_id, review__status__in=[ReviewStatus.SCHEDULED, ReviewStatus.HELD]
        )
    rows = list(
        queryset.annotate(total=Window(Count("id")))
        .order_by("due_on", "id")
        .values("id", "title", "due_on", "review_id", "total", partner_name=_partner_name(actor))[:limit]
    )
    if not rows:
        return None
    today = timezone.localdate()
    name = "office:review_detail" if actor.is_staff_member else "portal:review_detail"
    items = [
        ActionItem(
            title=row["title"],
            detail=gettext("An action item from the review with %(partner)s.") % {"partner": row["partner_name"]}
            if actor.is_staff_member
            else gettext("An action item from a review with the vendor."),
            url=reverse(name, kwargs={"review_id": row["review_id"]}),
            due=_midnight(row["due_on"]),
            overdue=row["due_on"] < today,
            due_label=gettext("due"),
        )
        for row in rows
    ]
    url = reverse("portal:action_items") if actor.is_partner_user else reverse("office:reviews")
    return ActionGroup(
        name="review_actions",
        label=gettext("Your action items from reviews"),
        count=rows[0]["total"],
        items=items,
        url=url,
        overdue=sum(1 for item in items if item.overdue),
    )


def _partner_name(actor):
    from django.db.models import F, Value

    return F("partner__display_name") if actor.is_staff_member else Value("")


def _to_schedule(*, actor, tenant, limit: int) -> ActionGroup | None:
    """Due reviews, not scheduled yet, of the partners the member manages: one query."""
    from ..models import RelationshipReview, ReviewStatus

    rows = list(
        RelationshipReview.objects.filter(status=ReviewStatus.DUE, partner__account_manager_id=actor.pk)
        .annotate(total=Window(Count("id")))
        .order_by("due_on", "id")
        .values("id", "title", "due_on", "total", partner_name=_partner_name(actor))[:limit]
    )
    if not rows:
        return None
    today = timezone.localdate()
    items = [
        ActionItem(
            title=row["partner_name"],
            detail=gettext("%(title)s is due: agree a day with the partner and schedule it.") % {"title": row["title"]},
            url=reverse("office:review_detail", kwargs={"review_id": row["id"]}),
            due=_midnight(row["due_on"]),
            overdue=row["due_on"] < today,
            due_label=gettext("due"),
        )
        for row in rows
    ]
    return ActionGroup(
        name="reviews_to_schedule",
        label=gettext("Relationship reviews to schedule"),
        count=rows[0]["total"],
        items=items,
        url=reverse("office:reviews") + "?status=due&mine=on",
        overdue=sum(1 for item in items if item.overdue),
    )


def register() -> None:
    from ..permissions import SCORECARD_OWN, SCORECARDS_MANAGE, SCORECARDS_VIEW

    menu_entry(
        area=OFFICE,
        label=gettext_lazy("Reviews"),
        url_name="office:reviews",
        capability=SCORECARDS_VIEW,
        order=67,
        group=gettext_lazy("Performance"),
    )
    menu_entry(
        area=PORTAL,
        label=gettext_lazy("Reviews"),
        url_name="portal:reviews",
        capability=SCORECARD_OWN,
        order=92,
        group=gettext_lazy("Performance"),
    )
    action_source(area=PORTAL, name="review_actions", items=_my_actions, capability=SCORECARD_OWN, order=45)
    action_source(area=OFFICE, name="review_actions", items=_my_actions, capability=SCORECARDS_VIEW, order=45)
    action_source(area=OFFICE, name="reviews_to_schedule", items=_to_schedule, capability=SCORECARDS_MANAGE, order=46)
