"""Reads of relationship reviews: the back office's list, a partner's reviews and action items,
one review with its ratings, actions and timeline, the agenda in words, the people an action item
may be given to. What the actor may not see is a 404 (``services.reviews.review_filter``)."""

from __future__ import annotations

from datetime import date

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from partners.models import Partner, PartnerStatus
from prm.accounts.models import Membership
from prm.accounts.roles import MembershipKind
from prm.accounts.selectors import staff_members
from prm.events.selectors import events_for_object
from prm.l10n import as_date

from ..models import ActionItem, ActionStatus, Criterion, ObjectiveKind, RelationshipReview, ReviewRating, ReviewStatus
from ..permissions import R, action_may_complete, review_filter
from ..presenters import figure, measure
from ..services.reviews import OPEN_STATUSES

# The back office list's status filter.
OPEN, ALL = "open", "all"
STATUS_FILTERS = (OPEN, ReviewStatus.DUE, ReviewStatus.SCHEDULED, ReviewStatus.HELD, ReviewStatus.CANCELLED, ALL)


def _visible(actor, action=R.VIEW) -> Q:
    narrowed = review_filter(actor, action)
    if narrowed is None:
        raise Http404
    if actor.is_partner_user:
        # A review due but not yet scheduled is the vendor's to-do; the partner sees it once a
        # time is set (a cancelled one only if it had been scheduled: its invitation went out).
        narrowed &= Q(status__in=[ReviewStatus.SCHEDULED, ReviewStatus.HELD]) | Q(
            status=ReviewStatus.CANCELLED, starts_at__isnull=False
        )
    return narrowed


def person_name(first: str | None, last: str | None, email: str | None) -> str:
    return " ".join(part for part in (first, last) if part) or email or ""


# --- lists ------------------------------------------------------------------------------------------


def review_rows_for_actor(*, actor, status: str = OPEN, mine: bool = False) -> tuple[QuerySet, QuerySet]:
    """The back office's reviews: (rows, the queryset to count). ``status``: open (due and
    scheduled, the soonest first), one status, or all (the latest first); ``mine``: reviews the
    actor organizes or of the partners it manages."""
    queryset = RelationshipReview.objects.filter(_visible(actor))
    if status == OPEN:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif status in ReviewStatus.values:
        queryset = queryset.filter(status=status)
    if mine:
        queryset = queryset.filter(Q(organizer_id=actor.pk) | Q(partner__account_manager_id=actor.pk))
    if status in (OPEN, ReviewStatus.DUE, ReviewStatus.SCHEDULED):
        order = ("due_on", "id")
    elif status == ReviewStatus.HELD:
        order = ("-held_at", "-id")
    else:
        order = ("-due_on", "-id")
    rows = queryset.values(
        "id",
        "title",
        "status",
        "due_on",
        "starts_at",
        "held_at",
        "organizer_id",
        "partner_id",
        partner_name=F("partner__display_name"),
        manager_id=F("partner__account_manager_id"),
    ).order_by(*order)
    return rows, queryset


def staff_names() -> dict[int, str]:
    """{staff membership id: name}, from the tenant's memoised staff list (no query when warm)."""
    return {member.id: member.label for member in staff_members()}


def review_portal_rows_for_actor(*, actor) -> tuple[QuerySet, QuerySet]:
    """The company's reviews the partner sees, the latest first: (rows, the queryset to count)."""
    queryset = RelationshipReview.objects.filter(_visible(actor), partner_id=actor.partner_id)
    rows = queryset.values(
        "id",
        "title",
        "status",
        "due_on",
        "starts_at",
        "held_at",
        "duration_minutes",
        "location",
        "summary_pdf",
        organizer_first=F("organizer__user__first_name"),
        organizer_last=F("organizer__user__last_name"),
        organizer_email=F("organizer__user__email"),
    ).order_by("-due_on", "-id")
    return rows, queryset


MINE_ACTIONS, COMPANY_ACTIONS = "mine", "company"


def action_rows_for_actor(*, actor, show: str = COMPANY_ACTIONS, open_only: bool = True) -> tuple[QuerySet, QuerySet]:
    """A partner's action items (its users see the company's; ``mine``: the reader's own), the
    open ones first by due date: (rows, the queryset to count)."""
    narrowed = review_filter(actor, R.VIEW)
    if narrowed is None or not actor.is_partner_user:
        raise Http404
    queryset = ActionItem.objects.filter(narrowed, partner_id=actor.partner_id).filter(
        Q(review__status__in=[ReviewStatus.SCHEDULED, ReviewStatus.HELD])
        | Q(review__status=ReviewStatus.CANCELLED, review__starts_at__isnull=False)
    )
    if show == MINE_ACTIONS:
        queryset = queryset.filter(owner_id=actor.pk)
    if open_only:
        queryset = queryset.filter(status=ActionStatus.OPEN)
    rows = queryset.values(
        "id",
        "title",
        "status",
        "due_on",
        "completed_at",
        "owner_id",
        "review_id",
        "partner_id",
        review_title=F("review__title"),
        owner_partner_id=F("owner__partner_id"),
        owner_first=F("owner__user__first_name"),
        owner_last=F("owner__user__last_name"),
        owner_email=F("owner__user__email"),
    ).order_by("status", "due_on", "id")
    return rows, queryset


# --- one review -------------------------------------------------------------------------------------


def review_get_for_actor(*, actor, review_id: int) -> RelationshipReview:
    """A review with its partner, organizer and who held it; 404 for what the actor may not see."""
    review = (
        RelationshipReview.objects.filter(_visible(actor), pk=review_id)
        .select_related("partner__account_manager__user", "organizer__user", "held_by__user")
        .first()
    )
    if review is None:
        raise Http404
    return review


def action_get_for_actor(*, actor, action_id: int) -> ActionItem:
    """An action item of a review the actor sees; else 404."""
    narrowed = review_filter(actor, R.VIEW)
    if narrowed is None:
        raise Http404
    item = ActionItem.objects.filter(narrowed, pk=action_id).select_related("review", "owner__user").first()
    if item is None or (actor.is_partner_user and not _visible_review(actor, item.review)):
        raise Http404
    return item


def _visible_review(actor, review) -> bool:
    return review.status in (ReviewStatus.SCHEDULED, ReviewStatus.HELD) or (
        review.status == ReviewStatus.CANCELLED and review.starts_at is not None
    )


def ratings_for_review(review: RelationshipReview) -> list[dict]:
    """The review's ratings in the criteria's order, each with its label (one query)."""
    given = {
        row["criterion"]: row
        for row in ReviewRating.objects.filter(review=review).values("criterion", "rating", "comment")
    }
    return [
        {"criterion": value, "label": label, **given[value]} for value, label in Criterion.choices if value in given
    ]


def actions_for_review(*, actor, review: RelationshipReview) -> list[dict]:
    """The review's action items (open first, by due date) with their owners, and whether the
    actor may complete each (one query)."""
    items = list(
        ActionItem.objects.filter(review=review)
        .select_related("owner__user", "completed_by__user")
        .order_by("status", "due_on", "id")
    )
    return [
        {
            "id": item.pk,
            "title": item.title,
            "status": item.status,
            "status_label": item.get_status_display(),
            "due_on": item.due_on,
            "owner": str(item.owner.user),
            "owner_side": "vendor" if item.owner.is_staff_member else "partner",
            "completed_at": item.completed_at,
            "completed_by": str(item.completed_by.user) if item.completed_by_id else "",
            "note": item.note,
            "may_complete": item.status == ActionStatus.OPEN and action_may_complete(actor, item),
        }
        for item in items
    ]


def events_for_review(*, actor, review: RelationshipReview) -> list:
    return list(events_for_object(actor=actor, target=review)[:100])


def owner_options_for_review(*, actor, review: RelationshipReview) -> list[tuple[str, list[tuple[int, str]]]]:
    """Who an action item may be given to, grouped by side: the partner's active users, the
    vendor's active staff (staff only: two queries)."""
    if review_filter(actor, R.MANAGE) is None:
        raise Http404
    people = list(
        Membership.objects.filter(
            Q(partner_id=review.partner_id, kind=MembershipKind.PARTNER) | Q(kind=MembershipKind.STAFF),
            is_active=True,
        )
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    )
    partner_side = [(m.pk, str(m.user)) for m in people if m.is_partner_user]
    staff = [(m.pk, str(m.user)) for m in people if m.is_staff_member]
    return [(review.partner.display_name, partner_side), (gettext("Vendor staff"), staff)]


def owner_for_review(*, review: RelationshipReview, owner_id: int) -> Membership | None:
    """The membership an action item is given to, if it may own one of this review's items."""
    return (
        Membership.objects.filter(
            Q(partner_id=review.partner_id, kind=MembershipKind.PARTNER) | Q(kind=MembershipKind.STAFF),
            pk=owner_id,
            is_active=True,
        )
        .select_related("user")
        .first()
    )


def partner_options_for_reviews(*, actor) -> list[tuple[int, str]]:
    """The partners a review may be opened with (active and onboarding), by name."""
    if review_filter(actor, R.MANAGE) is None:
        raise Http404
    return list(
        Partner.objects.filter(status__in=[PartnerStatus.ACTIVE, PartnerStatus.ONBOARDING])
        .order_by("display_name", "id")
        .values_list("id", "display_name")
    )


# --- the agenda in words -------------------------------------------------------------------------------


def _kpi_label(row: dict) -> str:
    if row.get("label"):
        return row["label"]
    key = row.get("metric") or ""
    metric_label = row.get("metric_label")
    if metric_label:
        return gettext(metric_label) if not key.startswith("manual:") else metric_label
    from programs.selectors.metrics import metric_get

    metric = metric_get(key) if key else None
    return metric.display_label if metric is not None else key


def issue_text(issue: dict) -> str:
    """One open issue of the agenda in words (the codes the scorecards' risks and the agenda use)."""
    code, value, days = issue.get("code"), issue.get("value"), issue.get("days")
    count = int(value) if isinstance(value, int | float) else 0
    if code == "score_drop":
        return gettext("The score fell by %(points)s points against the month before.") % {"points": figure(value)}
    if code == "no_portal_use":
        return gettext("Nobody used the portal for %(days)s days.") % {"days": days or value}
    if code == "no_registrations":
        return gettext("No deal registered for %(days)s days.") % {"days": days or value}
    if code == "expiring_certificates":
        return ngettext("%(count)s certificate expires soon.", "%(count)s certificates expire soon.", count) % {
            "count": count
        }
    if code == "plan_behind":
        return ngettext(
            "%(count)s business plan objective is behind.", "%(count)s business plan objectives are behind.", count
        ) % {"count": count}
    if code == "actions_overdue":
        return ngettext(
            "%(count)s action item of earlier reviews is overdue.",
            "%(count)s action items of earlier reviews are overdue.",
            count,
        ) % {"count": count}
    if code == "deals_info_requested":
        return ngettext(
            "%(count)s deal registration waits for the partner's information.",
            "%(count)s deal registrations wait for the partner's information.",
            count,
        ) % {"count": count}
    return str(code or "")


def _plan_status(status: str | None) -> str:
    """An objective's pace in words, as the plan's page says it."""
    from .plans import _status_label

    try:
        return _status_label(status) if status else ""
    except KeyError:
        return ""


def _day(value: str | None) -> date | None:
    return as_date(value) if value else None


def agenda_shown(agenda: dict | None) -> dict:
    """The stored agenda (language-neutral JSON) as the pages and the PDF show it: labels in the
    reader's language, values with their units, dates as dates."""
    agenda = agenda or {}
    kinds = dict(ObjectiveKind.choices)
    scorecards = []
    for part in agenda.get("scorecards") or []:
        trend = part.get("trend")
        scorecards.append(
            {
                **part,
                "period_day": _day(part.get("period")),
                "score_text": figure(part.get("score")),
                "trend_text": (("+" if trend > 0 else "") + figure(trend)) if trend is not None else "",
                "trend_class": "success" if (trend or 0) > 0 else "danger" if (trend or 0) < 0 else "secondary",
                "percentile_text": figure(part.get("percentile")) if part.get("percentile") is not None else "",
                "weakest": [
                    {
                        **row,
                        "label_text": _kpi_label(row),
                        "value_text": measure(row.get("value"), row.get("unit") or ""),
                        "target_text": measure(row.get("target"), row.get("unit") or ""),
                        "points_text": figure(row.get("points")),
                        "max_points_text": figure(row.get("max_points")),
                    }
                    for row in part.get("weakest") or []
                ],
            }
        )
    plans = [
        {
            **plan,
            "starts_day": _day(plan.get("starts_on")),
            "ends_day": _day(plan.get("ends_on")),
            "objectives": [
                {
                    **objective,
                    "kind_label": kinds.get(objective.get("kind"), objective.get("kind")),
                    "status_label": _plan_status(objective.get("status")),
                    "target_text": figure(objective.get("target")),
                    "progress_text": figure(objective.get("progress")) if objective.get("progress") is not None else "",
                }
                for objective in plan.get("objectives") or []
            ],
        }
        for plan in agenda.get("plans") or []
    ]
    actions = [{**action, "due_day": _day(action.get("due_on"))} for action in agenda.get("actions") or []]
    issues = [issue_text(issue) for issue in agenda.get("issues") or []]
    built = agenda.get("built_at")
    return {
        "empty": not agenda,
        "built_at": built,
        "scorecards": scorecards,
        "plans": plans,
        "actions": actions,
        "issues": issues,
    }


def agenda_text(agenda: dict | None) -> str:
    """The agenda as plain text (the invitation's DESCRIPTION)."""
    shown = agenda_shown(agenda)
    lines: list[str] = []
    for part in shown["scorecards"]:
        lines.append(
            gettext("%(scorecard)s: score %(score)s") % {"scorecard": part["scorecard"], "score": part["score_text"]}
            + (f" ({part['trend_text']})" if part["trend_text"] else "")
        )
        for row in part["weakest"]:
            lines.append(
                "- "
                + gettext("%(kpi)s: %(value)s of %(target)s")
                % {"kpi": row["label_text"], "value": row["value_text"], "target": row["target_text"]}
            )
    for plan in shown["plans"]:
        lines.append(gettext("Business plan: %(title)s") % {"title": plan["title"]})
    if shown["actions"]:
        lines.append(gettext("Open action items:"))
        lines += [f"- {action['title']} ({action['owner']})" for action in shown["actions"]]
    if shown["issues"]:
        lines.append(gettext("Open issues:"))
        lines += [f"- {issue}" for issue in shown["issues"]]
    return "\n".join(lines)


def day_text(value) -> str:
    return date_format(value, "DATE_FORMAT") if value else ""
