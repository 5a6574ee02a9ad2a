"""The reviews' lists cost the same with many reviews and action items as with few (pinned), and a
review's page the same with many action items; no template runs a query."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import tenant_today
from scorecards.models import ActionItem, RelationshipReview, ReviewStatus
from scorecards.services.reviews import action_add, review_create
from tests.query_budget import assert_list_page, assert_pinned, cost

pytestmark = pytest.mark.django_db

PINNED_OFFICE_LIST = 5
PINNED_PORTAL_LIST = 6
PINNED_PORTAL_ACTIONS = 5
PINNED_OFFICE_DETAIL = 8
PINNED_PORTAL_DETAIL = 6


def _held(side, n: int) -> None:
    """``n`` reviews of acme partner 1 held in the past weeks, each with an action item of its
    sales rep."""
    now = timezone.now()
    with platform_scope():
        made = RelationshipReview.objects.bulk_create(
            [
                RelationshipReview(
                    tenant=side.tenant,
                    partner=side.partner,
                    title=f"Held {i}",
                    status=ReviewStatus.HELD,
                    due_on=(now - timedelta(days=7 * i + 10)).date(),
                    starts_at=now - timedelta(days=7 * i + 7),
                    held_at=now - timedelta(days=7 * i + 7),
                    organizer=side.manager,
                    held_by=side.manager,
                )
                for i in range(n)
            ]
        )
        ActionItem.objects.bulk_create(
            [
                ActionItem(
                    tenant=side.tenant,
                    review=review,
                    partner=side.partner,
                    title=f"Action {review.title}",
                    owner=side.sales_rep,
                    due_on=review.due_on + timedelta(days=30),
                )
                for review in made
            ]
        )


def _scheduled(side):
    with tenant_scope(side.tenant):
        review = review_create(
            actor=side.manager,
            partner=side.partner,
            title="Next review",
            starts_at=timezone.now() + timedelta(days=5),
            duration_minutes=60,
        )
        action_add(
            actor=side.manager,
            review=review,
            title="First action",
            owner=side.sales_rep,
            due_on=tenant_today() + timedelta(days=10),
        )
    return review


def test_the_review_lists_cost_the_same_with_many_rows(acme, no_queries_from_templates):
    _scheduled(acme)
    pages = {
        "office": (acme.manager, reverse("office:reviews") + "?status=all"),
        "portal": (acme.partner_admin, reverse("portal:reviews")),
        "actions": (acme.sales_rep, reverse("portal:action_items")),
    }
    few = {name: cost(member, path) for name, (member, path) in pages.items()}
    _held(acme, 30)
    many = {name: cost(member, path) for name, (member, path) in pages.items()}
    row = r'<tr id="review-'
    assert_list_page(few["office"], many["office"], pinned=PINNED_OFFICE_LIST, row=row, rows=(1, 25), what="office")
    assert_list_page(few["portal"], many["portal"], pinned=PINNED_PORTAL_LIST, row=row, rows=(1, 25), what="portal")
    assert_list_page(
        few["actions"],
        many["actions"],
        pinned=PINNED_PORTAL_ACTIONS,
        row=r'<tr id="action-',
        rows=(1, 25),
        what="action items",
    )


def test_a_reviews_page_costs_the_same_with_many_action_items(acme, no_queries_from_templates):
    review = _scheduled(acme)
    office = reverse("office:review_detail", args=[review.pk])
    portal = reverse("portal:review_detail", args=[review.pk])
    few = {"office": cost(acme.manager, office), "portal": cost(acme.partner_admin, portal)}
    with tenant_scope(acme.tenant):
        for i in range(20):
            action_add(
                actor=acme.manager,
                review=review,
                title=f"Action {i}",
                owner=acme.partner_admin if i % 2 else acme.marketing,
                due_on=tenant_today() + timedelta(days=i),
            )
    many = {"office": cost(acme.manager, office), "portal": cost(acme.partner_admin, portal)}
    assert many["office"].rows(r'<li class="list-group-item') == 21
    assert_pinned(few["office"], many["office"], PINNED_OFFICE_DETAIL, "office review page")
    assert_pinned(few["portal"], many["portal"], PINNED_PORTAL_DETAIL, "portal review page")
