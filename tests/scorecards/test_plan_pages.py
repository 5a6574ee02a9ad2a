"""Business plans' pages as people use them: the vendor drafts and signs in the back office, the
partner's admin signs in the portal and the plan locks; a signature of a page read before a
change is refused with the current version shown; the list's filters; the homes' "waiting for
your signature"; who may post what."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from prm.tenancy.scope import tenant_scope
from prm.tenancy.time import tenant_today
from scorecards.models import BusinessPlan, ObjectiveKind, PlanObjective, PlanStatus
from scorecards.services.plans import plan_objective_add, plan_sign
from tests.conftest import body, make_client

from .isolation_plans import draft, sign_both, token

pytestmark = pytest.mark.django_db


def _token_on(html: str) -> str:
    return re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)


def _text(response) -> str:
    return unescape(body(response))


def test_the_vendor_drafts_both_sign_and_the_plan_locks(acme):
    vendor, partner = make_client(acme.manager), make_client(acme.partner_admin)
    # given the account manager drafting a plan for partner 1 from its record's tab
    tab = _text(vendor.get(reverse("office:partner_plans", args=[acme.partner.pk])))
    assert "No business plan with this partner yet." in tab and f"?partner={acme.partner.pk}" in tab
    form = _text(vendor.get(reverse("office:plan_create") + f"?partner={acme.partner.pk}"))
    assert f'<option value="{acme.partner.pk}" selected>' in form
    response = vendor.post(
        reverse("office:plan_create"),
        {
            "partner": str(acme.partner.pk),
            "title": "Growth 2030",
            "starts_on": "2030-01-01",
            "ends_on": "2030-12-31",
            "summary": "Banks",
        },
    )
    with tenant_scope(acme.tenant):
        plan = BusinessPlan.objects.get(title="Growth 2030")
    detail = reverse("office:plan_detail", args=[plan.pk])
    assert response.status_code == 302 and response["Location"] == detail
    # ... a target below zero is refused, and what was typed stays
    response = vendor.post(
        reverse("office:plan_objective_add", args=[plan.pk]),
        {"kind": ObjectiveKind.REVENUE, "description": "Revenue from banks", "target": "-5"},
    )
    assert response.status_code == 200 and 'value="Revenue from banks"' in body(response)
    vendor.post(
        reverse("office:plan_objective_add", args=[plan.pk]),
        {"kind": ObjectiveKind.REVENUE, "description": "Revenue from banks", "target": "250000"},
    )
    # when the vendor signs the page it read
    page = _text(vendor.get(detail))
    assert "Revenue from banks" in page and "Not started yet" in page
    response = vendor.post(reverse("office:plan_sign", args=[plan.pk]), {"token": _token_on(page), "confirm": "on"})
    assert response.status_code == 302
    assert "the other side is asked to sign" in _text(vendor.get(detail))

    # then the partner's admin sees it waiting, on its home and the plan's page, and signs
    home = _text(partner.get(reverse("portal:home")))
    assert "Plans waiting for your signature" in home and "Growth 2030" in home
    portal_detail = reverse("portal:plan_detail", args=[plan.pk])
    page = _text(partner.get(portal_detail))
    assert "I agree to this plan on behalf of Acme Partner 1" in page
    response = partner.post(reverse("portal:plan_sign", args=[plan.pk]), {"token": _token_on(page)})
    assert response.status_code == 200 and "Tick the box to sign the plan." in _text(response)
    response = partner.post(reverse("portal:plan_sign", args=[plan.pk]), {"token": _token_on(page), "confirm": "on"})
    page = _text(partner.get(response["Location"]))
    assert "the plan is agreed and locked" in page and "Agreed by both sides and locked on" in page
    assert 'name="token"' not in page and "Start a new version" in page
    with tenant_scope(acme.tenant):
        plan.refresh_from_db()
        assert plan.status == PlanStatus.AGREED
        objective = PlanObjective.objects.get(plan=plan)

    # and a locked plan refuses an edit with a clear message
    response = vendor.post(
        reverse("office:plan_objective_edit", args=[plan.pk, objective.pk]),
        {"kind": ObjectiveKind.REVENUE, "description": "Revenue from banks", "target": "1"},
    )
    assert response.status_code == 200 and "agreed and locked: start a new version" in _text(response)
    assert "agreed and locked" in _text(vendor.get(reverse("office:plan_edit", args=[plan.pk])))

    # a new version: its page, and the agreed one points to it; a second one is refused
    response = partner.post(reverse("portal:plan_revise", args=[plan.pk]))
    with tenant_scope(acme.tenant):
        revision = BusinessPlan.objects.get(supersedes=plan)
    assert response["Location"] == reverse("portal:plan_detail", args=[revision.pk])
    assert "is being drafted; this plan stays in force" in _text(partner.get(portal_detail))
    assert "This version replaces" in _text(partner.get(response["Location"]))
    response = vendor.post(reverse("office:plan_revise", args=[plan.pk]))
    assert response.status_code == 200 and "Version 2 of this plan is already being drafted" in _text(response)


def test_a_signature_of_a_page_read_before_a_change_is_refused_and_the_current_version_shown(acme):
    with tenant_scope(acme.tenant):
        plan = draft(acme, "Matrix plan")
    partner = make_client(acme.partner_admin)
    detail = reverse("portal:plan_detail", args=[plan.pk])
    read = _token_on(_text(partner.get(detail)))
    # the vendor raises the target meanwhile
    with tenant_scope(acme.tenant):
        objective = PlanObjective.objects.get(plan=plan)
    make_client(acme.manager).post(
        reverse("office:plan_objective_edit", args=[plan.pk, objective.pk]),
        {"kind": ObjectiveKind.REVENUE, "description": "Matrix revenue", "target": "5000"},
    )
    response = partner.post(reverse("portal:plan_sign", args=[plan.pk]), {"token": read, "confirm": "on"})
    page = _text(response)
    assert response.status_code == 200 and "was changed after you opened it, so it was not signed" in page
    assert "$5,000.00" in page and _token_on(page) != read
    with tenant_scope(acme.tenant):
        assert BusinessPlan.objects.get(pk=plan.pk).partner_signed_at is None
    # the current version signs
    response = partner.post(reverse("portal:plan_sign", args=[plan.pk]), {"token": _token_on(page), "confirm": "on"})
    assert response.status_code == 302


def test_an_edit_after_a_signature_says_the_signatures_were_cleared(acme):
    with tenant_scope(acme.tenant):
        plan = draft(acme, "Matrix plan")
        plan_sign(actor=acme.manager, plan=plan, token=token(plan))
    partner = make_client(acme.partner_admin)
    edit = reverse("portal:plan_edit", args=[plan.pk])
    assert "saving a change clears the signatures" in _text(partner.get(edit))
    response = partner.post(
        edit, {"title": "Matrix plan", "starts_on": "2030-01-01", "ends_on": "2030-06-30", "summary": "Longer"}
    )
    page = _text(partner.get(response["Location"]))
    assert "The signatures were cleared: both sides sign the changed plan again." in page
    # a date out of order keeps what was typed
    response = partner.post(
        edit, {"title": "Matrix plan", "starts_on": "2030-07-01", "ends_on": "2030-06-30", "summary": "Typed"}
    )
    assert response.status_code == 200 and "ends on or after" in _text(response) and "Typed" in body(response)


def test_custom_progress_is_recorded_from_the_page_of_an_agreed_plan(acme):
    with tenant_scope(acme.tenant):
        plan = sign_both(acme, draft(acme, "Matrix plan", objectives=((ObjectiveKind.CUSTOM, "References", "4"),)))
        custom = PlanObjective.objects.get(plan=plan)
    partner = make_client(acme.partner_admin)
    path = reverse("portal:plan_objective_progress", args=[plan.pk, custom.pk])
    response = partner.post(path, {"value": "-1"})
    assert response.status_code == 200 and "progress_" in body(response)
    response = partner.post(path, {"value": "3"})
    page = _text(partner.get(response["Location"]))
    assert "Progress of References recorded." in page and "3 of 4 (75%)" in page
    # a sales rep reads the page but records nothing
    rep = make_client(acme.sales_rep)
    assert "Record progress" not in _text(rep.get(reverse("portal:plan_detail", args=[plan.pk])))
    assert rep.post(path, {"value": "4"}).status_code == 403


def test_who_may_post_the_form_pages(acme):
    with tenant_scope(acme.tenant):
        plan = draft(acme, "Matrix plan")
        objective = PlanObjective.objects.get(plan=plan)
    fields = {"title": "Hacked", "starts_on": "2030-01-01", "ends_on": "2030-01-31", "summary": ""}
    rep, marketing, other = (
        make_client(acme.sales_rep),
        make_client(acme.marketing),
        make_client(acme.partner_admins[1]),
    )
    assert rep.post(reverse("portal:plan_create"), fields).status_code == 403
    assert rep.post(reverse("portal:plan_edit", args=[plan.pk]), fields).status_code == 403
    assert marketing.post(reverse("office:plan_edit", args=[plan.pk]), fields).status_code == 403
    assert marketing.post(reverse("office:plan_create"), {**fields, "partner": acme.partner.pk}).status_code == 403
    assert other.post(reverse("portal:plan_edit", args=[plan.pk]), fields).status_code == 404
    objective_fields = {"kind": "custom", "description": "Hacked", "target": "1"}
    path = reverse("portal:plan_objective_edit", args=[plan.pk, objective.pk])
    assert other.post(path, objective_fields).status_code == 404
    # a partner admin's new plan is its own company's, whatever it posts
    response = make_client(acme.partner_admins[1]).post(
        reverse("portal:plan_create"), {**fields, "title": "Mine", "partner": acme.partner.pk}
    )
    assert response.status_code == 302
    with tenant_scope(acme.tenant):
        assert BusinessPlan.objects.get(title="Mine").partner_id == acme.partners[1].pk
        assert BusinessPlan.objects.get(pk=plan.pk).title == "Matrix plan"


def test_the_office_list_filters_and_the_vendors_home(acme):
    with tenant_scope(acme.tenant):
        today = tenant_today()
        waiting = draft(acme, "Waiting plan")
        plan_sign(actor=acme.partner_admin, plan=waiting, token=token(waiting))
        sign_both(acme, draft(acme, "Agreed plan"))
        draft(acme, "Quiet draft")
        other = BusinessPlan.objects.create(
            partner=acme.partners[1],
            title="Second partner plan",
            starts_on=today,
            ends_on=today + timedelta(days=30),
            created_by=acme.admin,
        )
        plan_objective_add(
            actor=acme.admin, plan=other, kind=ObjectiveKind.MDF, description="Events", target=Decimal(2)
        )
    manager = make_client(acme.manager)
    plans = reverse("office:plans")
    everything = _text(manager.get(plans))
    assert all(title in everything for title in ("Waiting plan", "Agreed plan", "Quiet draft", "Second partner plan"))
    waiting_page = _text(manager.get(plans, {"status": "to_sign"}))
    assert "Waiting plan" in waiting_page and "Quiet draft" not in waiting_page
    assert "Partner signed; the vendor's signature is missing" in waiting_page
    agreed = _text(manager.get(plans, {"status": "agreed"}))
    assert "Agreed plan" in agreed and "Waiting plan" not in agreed
    found = _text(manager.get(plans, {"q": "partner 2"}))
    assert "Second partner plan" in found and "Quiet draft" not in found
    # "my partners": the admin manages none of them
    assert "No business plan matches." in _text(make_client(acme.admin).get(plans, {"mine": "on"}))
    assert "Waiting plan" in _text(manager.get(plans, {"mine": "on"}))
    # a nonsense filter shows everything rather than failing
    assert manager.get(plans, {"status": "nonsense", "page": "x"}).status_code == 200
    # the account manager's home: the plan waiting for the vendor's signature
    home = _text(manager.get(reverse("office:dashboard")))
    assert "Plans waiting for your signature" in home and "Waiting plan" in home
    # the menus
    assert reverse("office:plans") in body(manager.get(reverse("office:dashboard")))
    assert reverse("portal:plans") in body(make_client(acme.sales_rep).get(reverse("portal:home")))
