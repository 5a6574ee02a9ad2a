"""Isolation cases of relationship reviews (merged by tests/scorecards/isolation.py).

Acme partner 1 has a review held last month (with ratings, an action item its sales rep owns
and a PDF summary) and the next one scheduled in a week (an action item of the sales rep too);
partner 2 has none, so every review and action item is a 404 to its admin."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import tenant_today
from prm.web.files import minimal_pdf, private_upload_path
from scorecards.models import ActionItem, ActionStatus, RelationshipReview, ReviewRating, ReviewStatus
from scorecards.services.reviews import Rating, action_add, review_create, review_hold

from ..isolation import MANAGERS, PARTNER_USERS, Case, office_page, office_write, portal_page, portal_write


def reviews(ctx) -> None:
    """The held review (``ctx.held``, ``ctx.held_action``) and the scheduled one (``ctx.review``,
    ``ctx.action``) of acme partner 1, built once per side."""
    side = ctx.side
    built = getattr(side, "_matrix_reviews", None)
    if built is not None:  # several cases in one world (the page walks)
        ctx.held, ctx.held_action, ctx.review, ctx.action = built
        return
    with tenant_scope(side.tenant):
        today = tenant_today()
        held = review_create(actor=side.manager, partner=side.partner, title="Matrix last review")
        held = review_hold(
            actor=side.manager,
            review=held,
            notes="Matrix notes",
            ratings={"quality": Rating(4, "good"), "delivery": Rating(3)},
        )
        held_action = action_add(
            actor=side.manager, review=held, title="Matrix held action", owner=side.sales_rep, due_on=today
        )
        held.summary_pdf.save(
            private_upload_path(held, "summary.pdf"), ContentFile(minimal_pdf("Matrix summary")), save=False
        )
        RelationshipReview.objects.filter(pk=held.pk).update(summary_pdf=held.summary_pdf.name)
        review = review_create(
            actor=side.manager,
            partner=side.partner,
            title="Matrix review",
            starts_at=timezone.now() + timedelta(days=7),
            duration_minutes=60,
            location="Room 1",
        )
        action = action_add(
            actor=side.manager,
            review=review,
            title="Matrix action",
            owner=side.sales_rep,
            due_on=today + timedelta(days=14),
        )
    ctx.held, ctx.held_action, ctx.review, ctx.action = held, held_action, review, action
    side._matrix_reviews = (held, held_action, review, action)


def due(ctx) -> None:
    """A due review (not scheduled) of acme partner 1 (``ctx.review``)."""
    side = ctx.side
    with tenant_scope(side.tenant):
        ctx.review = review_create(actor=side.manager, partner=side.partner, title="Matrix due review")


def _status(ctx, review) -> str:
    with platform_scope():
        return RelationshipReview.objects.get(pk=review.pk).status


def scheduled_effect(ctx) -> bool:
    return _status(ctx, ctx.review) == ReviewStatus.SCHEDULED


def cancelled(ctx) -> bool:
    return _status(ctx, ctx.review) == ReviewStatus.CANCELLED


def held_effect(ctx) -> bool:
    return _status(ctx, ctx.review) == ReviewStatus.HELD


def created(ctx) -> bool:
    with platform_scope():
        return RelationshipReview.objects.filter(partner=ctx.side.partner, title="Matrix new review").exists()


def refreshed(ctx) -> bool:
    with platform_scope():
        return RelationshipReview.objects.get(pk=ctx.review.pk).agenda.get("built_at") != "stale"


def with_stale_agenda(ctx) -> None:
    reviews(ctx)
    with platform_scope():
        RelationshipReview.objects.filter(pk=ctx.review.pk).update(agenda={"built_at": "stale"})


def rated(ctx) -> bool:
    with platform_scope():
        return ReviewRating.objects.filter(review=ctx.held, criterion="satisfaction", rating=5).exists()


def action_added(ctx) -> bool:
    with platform_scope():
        return ActionItem.objects.filter(review=ctx.review, title="Matrix new action").exists()


def action_done(ctx) -> bool:
    with platform_scope():
        return ActionItem.objects.get(pk=ctx.action.pk).status == ActionStatus.DONE


REVIEW = lambda ctx: [ctx.review.pk]  # noqa: E731
HELD = lambda ctx: [ctx.held.pk]  # noqa: E731
ACTION = lambda ctx: [ctx.action.pk]  # noqa: E731


def _schedule_data(ctx) -> dict:
    with tenant_scope(ctx.side.tenant):
        day = tenant_today() + timedelta(days=10)
    return {"day": day.isoformat(), "time": "10:30", "duration_minutes": "45", "location": "Video call"}


def _action_data(ctx) -> dict:
    with tenant_scope(ctx.side.tenant):
        day = tenant_today() + timedelta(days=20)
    return {"title": "Matrix new action", "owner": str(ctx.side.partner_admin.pk), "due_on": day.isoformat()}


RATE_DATA = {
    "notes": "Corrected notes",
    "rating_quality": "4",
    "comment_quality": "good",
    "rating_delivery": "3",
    "rating_satisfaction": "5",
}
HOLD_DATA = {"notes": "We met.", "rating_quality": "5", "rating_collaboration": "4"}

CASES: dict[str, Case] = {
    "office:reviews": office_page(setup=reviews, contains="Matrix review"),
    "office:review_create": office_write(
        allowed=MANAGERS,
        data=lambda ctx: {"partner": str(ctx.side.partner.pk), "title": "Matrix new review", "duration_minutes": "60"},
        effect=created,
    ),
    "office:review_detail": office_page(setup=reviews, args=REVIEW, contains="Matrix action"),
    "office:review_schedule": office_write(
        allowed=MANAGERS, setup=due, args=REVIEW, data=_schedule_data, effect=scheduled_effect
    ),
    "office:review_cancel": office_write(
        allowed=MANAGERS, setup=reviews, args=REVIEW, data={"reason": "Moved to next quarter"}, effect=cancelled
    ),
    "office:review_agenda_refresh": office_write(
        allowed=MANAGERS, setup=with_stale_agenda, args=REVIEW, effect=refreshed
    ),
    "office:review_hold": office_write(
        allowed=MANAGERS, setup=reviews, args=REVIEW, data=HOLD_DATA, effect=held_effect
    ),
    "office:review_rate": office_write(allowed=MANAGERS, setup=reviews, args=HELD, data=RATE_DATA, effect=rated),
    "office:review_action_add": office_write(
        allowed=MANAGERS, setup=reviews, args=REVIEW, data=_action_data, effect=action_added
    ),
    # Staff who are not its owner nor a channel manager (marketing) are told on the page (200).
    "office:action_complete": office_write(
        allowed=MANAGERS,
        setup=reviews,
        args=ACTION,
        data={"note": "done"},
        effect=action_done,
        expect={"marketing": 200},
    ),
    "office:review_pdf": office_page(setup=reviews, args=HELD),
    "office:review_ics": office_page(setup=reviews, args=REVIEW, contains="BEGIN:VCALENDAR"),
    "portal:reviews": portal_page(setup=reviews, contains="Matrix review"),
    "portal:review_detail": portal_page(setup=reviews, args=REVIEW, contains="Matrix action"),
    "portal:review_pdf": portal_page(setup=reviews, args=HELD),
    "portal:review_ics": portal_page(setup=reviews, args=REVIEW, contains="METHOD:REQUEST"),
    "portal:action_items": portal_page(setup=reviews, contains="Matrix action"),
    # The owner (the sales rep) and the company's admin complete it; partner 2's admin: 404.
    "portal:action_complete": portal_write(
        allowed=PARTNER_USERS, setup=reviews, args=ACTION, data={"note": "done"}, effect=action_done
    ),
}


# --- for tests/hostile/test_fuzz_forms.py (merged into its FORM_VIEWS): name -> (who, path, valid data)


def _world_ctx(world):
    ctx = getattr(world, "_scorecards_reviews", None)
    if ctx is None:
        ctx = SimpleNamespace(side=world.acme)
        reviews(ctx)
        world._scorecards_reviews = ctx
    return ctx


FORM_VIEWS: dict = {
    "office:review_create": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:review_create"),
        lambda w: {"partner": str(w.acme.partners[1].pk), "title": "Fuzzed review", "duration_minutes": "60"},
    ),
    "office:review_schedule": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:review_schedule", args=REVIEW(_world_ctx(w))),
        lambda w: _schedule_data(_world_ctx(w)),
    ),
    "office:review_cancel": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:review_cancel", args=REVIEW(_world_ctx(w))),
        lambda w: {"reason": "Not needed"},
    ),
    "office:review_hold": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:review_hold", args=REVIEW(_world_ctx(w))),
        lambda w: dict(HOLD_DATA),
    ),
    "office:review_rate": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:review_rate", args=HELD(_world_ctx(w))),
        lambda w: dict(RATE_DATA),
    ),
    "office:review_action_add": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:review_action_add", args=REVIEW(_world_ctx(w))),
        lambda w: _action_data(_world_ctx(w)),
    ),
    "office:action_complete": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:action_complete", args=ACTION(_world_ctx(w))),
        lambda w: {"note": "done"},
    ),
    "portal:action_complete": (
        lambda w: w.acme.sales_rep,
        lambda w: reverse("portal:action_complete", args=ACTION(_world_ctx(w))),
        lambda w: {"note": "done"},
    ),
}
# POSTs without input (a button).
NO_INPUT: set[str] = {"office:review_agenda_refresh"}
