"""Co-branding's lists cost the same with many templates, documents and areas as with few
(pinned), and no template runs a query."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from marketing.models import AreaKind, CobrandDocument, CobrandStatus
from marketing.services.cobrand import AreaInput, cobrand_area_add
from prm.tenancy.scope import tenant_scope
from tests.query_budget import assert_list_page, assert_pinned, cost

from .isolation_cobrand import make_template

pytestmark = pytest.mark.django_db

PINNED_OFFICE_LIST = 5
PINNED_PORTAL_LIST = 6
PINNED_USAGE = 6
PINNED_PORTAL_TEMPLATE = 9
PINNED_OFFICE_TEMPLATE = 5

ONE_AREA = [AreaInput(kind=AreaKind.TEXT, label="Text", page=1, x=10, y=10, width=200, height=40)]


def _templates(side, n: int, start: int = 0) -> list:
    return [make_template(side, name=f"Template {start + i:03}", pages=1, areas=ONE_AREA) for i in range(n)]


def _made(side, templates, members) -> None:
    """Ready documents (as the worker leaves them), one per template and member."""
    with tenant_scope(side.tenant):
        CobrandDocument.objects.bulk_create(
            CobrandDocument(
                template=template,
                partner_id=member.partner_id,
                requested_by=member,
                values={},
                status=CobrandStatus.READY,
                file="private/cobranddocument/made.pdf",
                finished_at=timezone.now(),
            )
            for template in templates
            for member in members
        )


def test_the_template_lists_and_the_usage_report_cost_the_same_with_many_rows(acme, no_queries_from_templates):
    members = [acme.partner_admin, acme.sales_rep, acme.partner_admins[1]]
    few_templates = _templates(acme, 1)
    _made(acme, few_templates, members)
    pages = {
        "office": (acme.marketing, reverse("office:cobrand_templates")),
        "portal": (acme.partner_admin, reverse("portal:cobrand_templates")),
        "usage": (acme.manager, reverse("office:cobrand_usage")),
    }
    few = {name: cost(member, path) for name, (member, path) in pages.items()}
    many_templates = _templates(acme, 30, start=1)
    _made(acme, many_templates, members)
    many = {name: cost(member, path) for name, (member, path) in pages.items()}
    row = r'<tr id="cobrand-template-'
    assert_list_page(few["office"], many["office"], pinned=PINNED_OFFICE_LIST, row=row, rows=(1, 25), what="office")
    portal_row = r'<a class="list-group-item[^"]*" id="cobrand-template-'
    assert_list_page(
        few["portal"], many["portal"], pinned=PINNED_PORTAL_LIST, row=portal_row, rows=(1, 25), what="portal"
    )
    # two partners per template: 2 rows of few, a page of 25 of many
    usage_row = r'class="cobrand-usage-row"'
    assert_list_page(few["usage"], many["usage"], pinned=PINNED_USAGE, row=usage_row, rows=(2, 25), what="usage")
    assert "62 partners and templates" in many["usage"].html


def test_a_templates_page_costs_the_same_with_many_areas_and_documents(acme, no_queries_from_templates):
    few_template = make_template(acme, name="Few", pages=1, areas=ONE_AREA)
    many_template = make_template(acme, name="Many", pages=1, areas=ONE_AREA)
    with tenant_scope(acme.tenant):
        for i in range(12):
            cobrand_area_add(
                actor=acme.marketing,
                template=many_template,
                area=AreaInput(
                    kind=AreaKind.TEXT, label=f"Text {i}", page=1, x=10, y=60 + i * 50, width=200, height=40
                ),
            )
    _made(acme, [few_template], [acme.partner_admin])
    _made(acme, [many_template] * 15, [acme.partner_admin, acme.sales_rep])
    for member, name in ((acme.partner_admin, "portal"), (acme.marketing, "office")):
        few = cost(member, reverse(f"{name}:cobrand_template", args=[few_template.pk]))
        many = cost(member, reverse(f"{name}:cobrand_template", args=[many_template.pk]))
        pinned = PINNED_PORTAL_TEMPLATE if name == "portal" else PINNED_OFFICE_TEMPLATE
        assert_pinned(few, many, pinned, name)
