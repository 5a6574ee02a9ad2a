"""The business plans' lists cost the same with many plans as with few (pinned), and a plan's
page the same with many objectives as with few; no template runs a query."""

from __future__ import annotations

import pytest
from django.urls import reverse

from prm.tenancy.scope import tenant_scope
from scorecards.models import ObjectiveKind
from tests.query_budget import assert_list_page, cost

from .isolation_plans import draft, sign_both

pytestmark = pytest.mark.django_db

PINNED_OFFICE_LIST = 5
PINNED_PORTAL_LIST = 5
PINNED_RECORD_TAB = 6
PINNED_DETAIL = 11

OBJECTIVES = (
    (ObjectiveKind.REVENUE, "Revenue", "1000"),
    (ObjectiveKind.REGISTRATIONS, "Registrations", "3"),
    (ObjectiveKind.CERTIFICATIONS, "Certified people", "2"),
    (ObjectiveKind.MDF, "Activities", "2"),
    (ObjectiveKind.CUSTOM, "References", "2"),
)


def _plans(side, n: int) -> list:
    with tenant_scope(side.tenant):
        made = [draft(side, f"Plan {i}", objectives=OBJECTIVES) for i in range(n)]
        sign_both(side, made[0])
    return made


def test_the_plan_lists_cost_the_same_with_many_plans(acme, no_queries_from_templates):
    first = _plans(acme, 1)[0]
    pages = {
        "office": (acme.manager, reverse("office:plans")),
        "portal": (acme.partner_admin, reverse("portal:plans")),
        "tab": (acme.manager, reverse("office:partner_plans", args=[acme.partner.pk])),
    }
    few = {name: cost(member, path) for name, (member, path) in pages.items()}
    _plans(acme, 30)
    many = {name: cost(member, path) for name, (member, path) in pages.items()}
    row = r'<tr id="plan-'
    assert_list_page(few["office"], many["office"], pinned=PINNED_OFFICE_LIST, row=row, rows=(1, 25), what="office")
    assert_list_page(few["portal"], many["portal"], pinned=PINNED_PORTAL_LIST, row=row, rows=(1, 25), what="portal")
    assert_list_page(few["tab"], many["tab"], pinned=PINNED_RECORD_TAB, row=row, rows=(1, 20), what="record tab")
    assert first.title in few["office"].html


def test_a_plans_page_costs_the_same_with_many_objectives(acme, no_queries_from_templates):
    with tenant_scope(acme.tenant):
        few_plan = draft(acme, "Few", objectives=OBJECTIVES)
        many_plan = draft(acme, "Many", objectives=OBJECTIVES * 5)
    for member, area in ((acme.manager, "office"), (acme.partner_admin, "portal")):
        few = cost(member, reverse(f"{area}:plan_detail", args=[few_plan.pk]))
        many = cost(member, reverse(f"{area}:plan_detail", args=[many_plan.pk]))
        assert few.queries == many.queries, f"{area}: {few.queries} vs {many.queries}\n{many.sql}"
        assert many.queries == PINNED_DETAIL, f"{area}: {many.queries}\n{many.sql}"
