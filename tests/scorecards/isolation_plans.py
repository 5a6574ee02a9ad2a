"""Isolation cases of business plans (merged by tests/scorecards/isolation.py).

Acme partner 1 has a draft plan ("Matrix plan", drafted by its account manager, with a revenue and
a custom objective) and an agreed one ("Matrix agreed plan", signed by both sides). Partner 2's
admin and globex see neither: a 404."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.urls import reverse

from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import tenant_today
from scorecards.models import BusinessPlan, ObjectiveKind, PlanObjective, PlanStatus
from scorecards.services.plans import plan_create, plan_fingerprint, plan_objective_add, plan_sign

from ..isolation import MANAGERS, PARTNER_ID, Case, in_platform, office_page, office_write, portal_page, portal_write

PARTNER_ADMIN = ("partner_admin",)


def token(plan) -> str:
    with platform_scope():
        plan = BusinessPlan.objects.get(pk=plan.pk)
        return plan_fingerprint(plan, list(PlanObjective.objects.filter(plan=plan)))


def sign_both(side, plan) -> BusinessPlan:
    plan_sign(actor=side.partner_admin, plan=plan, token=token(plan))
    return plan_sign(actor=side.manager, plan=BusinessPlan.objects.get(pk=plan.pk), token=token(plan))


def draft(side, title: str, *, objectives=((ObjectiveKind.REVENUE, "Matrix revenue", "1000"),)) -> BusinessPlan:
    today = tenant_today()
    plan = plan_create(
        actor=side.manager,
        partner=side.partner,
        title=title,
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=60),
        summary="Matrix summary",
    )
    for kind, description, target in objectives:
        plan_objective_add(actor=side.manager, plan=plan, kind=kind, description=description, target=Decimal(target))
    return BusinessPlan.objects.get(pk=plan.pk)


def plans(ctx) -> None:
    side = ctx.side
    with tenant_scope(side.tenant):
        ctx.plan = draft(
            side,
            "Matrix plan",
            objectives=(
                (ObjectiveKind.REVENUE, "Matrix revenue", "1000"),
                (ObjectiveKind.CUSTOM, "Matrix references", "4"),
            ),
        )
        ctx.objective = PlanObjective.objects.get(plan=ctx.plan, kind=ObjectiveKind.REVENUE)
        ctx.custom = PlanObjective.objects.get(plan=ctx.plan, kind=ObjectiveKind.CUSTOM)
        ctx.agreed = sign_both(side, draft(side, "Matrix agreed plan"))


def _plan(ctx) -> BusinessPlan:
    return BusinessPlan.objects.get(pk=ctx.plan.pk)


@in_platform
def created(ctx) -> bool:
    return BusinessPlan.objects.filter(partner=ctx.side.partner, title="Matrix new plan").exists()


@in_platform
def edited(ctx) -> bool:
    return _plan(ctx).title == "Matrix renamed"


@in_platform
def objective_added(ctx) -> bool:
    return PlanObjective.objects.filter(plan=ctx.plan, description="Matrix new objective").exists()


@in_platform
def objective_edited(ctx) -> bool:
    return PlanObjective.objects.get(pk=ctx.objective.pk).description == "Matrix changed objective"


@in_platform
def objective_removed(ctx) -> bool:
    return not PlanObjective.objects.filter(pk=ctx.objective.pk).exists()


@in_platform
def progress_recorded(ctx) -> bool:
    return PlanObjective.objects.get(pk=ctx.custom.pk).manual_progress == Decimal("2.00")


@in_platform
def vendor_signed(ctx) -> bool:
    return _plan(ctx).vendor_signed_at is not None


@in_platform
def partner_signed(ctx) -> bool:
    return _plan(ctx).partner_signed_at is not None


@in_platform
def revised(ctx) -> bool:
    return BusinessPlan.objects.filter(supersedes=ctx.agreed, status=PlanStatus.DRAFT).exists()


@in_platform
def withdrawn(ctx) -> bool:
    return _plan(ctx).status == PlanStatus.WITHDRAWN


PLAN = lambda ctx: [ctx.plan.pk]  # noqa: E731
AGREED = lambda ctx: [ctx.agreed.pk]  # noqa: E731
OBJECTIVE = lambda ctx: [ctx.plan.pk, ctx.objective.pk]  # noqa: E731
CUSTOM = lambda ctx: [ctx.plan.pk, ctx.custom.pk]  # noqa: E731


def _plan_fields(ctx=None, *, title: str = "Matrix new plan") -> dict:
    return {"title": title, "starts_on": "2030-01-01", "ends_on": "2030-03-31", "summary": "Matrix"}


def _office_create(ctx) -> dict:
    return {**_plan_fields(), "partner": str(ctx.side.partner.pk)}


def _sign(ctx) -> dict:
    return {"token": token(ctx.plan), "confirm": "on"}


OBJECTIVE_FIELDS = {"kind": ObjectiveKind.REGISTRATIONS, "description": "Matrix new objective", "target": "5"}
CHANGED_OBJECTIVE = {"kind": ObjectiveKind.REVENUE, "description": "Matrix changed objective", "target": "2000"}
RENAMED = _plan_fields(title="Matrix renamed")


def _area_cases(area: str) -> dict[str, Case]:
    """The writes and form pages of one plan, the same in both areas."""
    write = office_write if area == "office" else portal_write
    page = office_page if area == "office" else portal_page
    allowed = MANAGERS if area == "office" else PARTNER_ADMIN
    signed = vendor_signed if area == "office" else partner_signed
    return {
        f"{area}:plan_detail": page(setup=plans, args=PLAN, contains="Matrix references"),
        f"{area}:plan_edit": page(allowed=allowed, setup=plans, args=PLAN, contains="Matrix plan"),
        f"{area}:plan_objective_edit": page(allowed=allowed, setup=plans, args=OBJECTIVE, contains="Matrix revenue"),
        f"{area}:plan_objective_add": write(
            allowed=allowed, setup=plans, args=PLAN, data=OBJECTIVE_FIELDS, effect=objective_added
        ),
        f"{area}:plan_objective_remove": write(allowed=allowed, setup=plans, args=OBJECTIVE, effect=objective_removed),
        f"{area}:plan_objective_progress": write(
            allowed=allowed, setup=plans, args=CUSTOM, data={"value": "2"}, effect=progress_recorded
        ),
        f"{area}:plan_sign": write(allowed=allowed, setup=plans, args=PLAN, data=_sign, effect=signed),
        f"{area}:plan_revise": write(allowed=allowed, setup=plans, args=AGREED, effect=revised),
        f"{area}:plan_withdraw": write(allowed=allowed, setup=plans, args=PLAN, effect=withdrawn),
    }


CASES: dict[str, Case] = {
    "office:plans": office_page(setup=plans, contains="Matrix agreed plan"),
    "office:plan_create": office_page(allowed=MANAGERS, contains="Acme Partner 1"),
    "office:partner_plans": office_page(setup=plans, args=PARTNER_ID, contains="Matrix agreed plan"),
    "portal:plans": portal_page(setup=plans, contains="Matrix agreed plan"),
    "portal:plan_create": portal_page(allowed=PARTNER_ADMIN, contains="New business plan"),
    **_area_cases("office"),
    **_area_cases("portal"),
}
# The create and edit pages are GET cases here (a URL has one case); their POSTs go through the same
# view (area, capability, selector), are fuzzed (FORM_VIEWS) and tested in test_plan_pages.py.


# --- for tests/hostile/test_fuzz_forms.py (merged into its FORM_VIEWS): name -> (who, path, valid data)


def _world_ctx(world):
    ctx = getattr(world, "_scorecards_plans", None)
    if ctx is None:
        ctx = SimpleNamespace(side=world.acme)
        plans(ctx)
        world._scorecards_plans = ctx
    return ctx


def _form_views(area: str) -> dict:
    who = (lambda w: w.acme.manager) if area == "office" else (lambda w: w.acme.partner_admin)
    create = (lambda w: _office_create(_world_ctx(w))) if area == "office" else (lambda w: _plan_fields())
    return {
        f"{area}:plan_create": (who, lambda w: reverse(f"{area}:plan_create"), create),
        f"{area}:plan_edit": (
            who,
            lambda w: reverse(f"{area}:plan_edit", args=PLAN(_world_ctx(w))),
            lambda w: dict(RENAMED),
        ),
        f"{area}:plan_objective_add": (
            who,
            lambda w: reverse(f"{area}:plan_objective_add", args=PLAN(_world_ctx(w))),
            lambda w: dict(OBJECTIVE_FIELDS),
        ),
        f"{area}:plan_objective_edit": (
            who,
            lambda w: reverse(f"{area}:plan_objective_edit", args=OBJECTIVE(_world_ctx(w))),
            lambda w: dict(CHANGED_OBJECTIVE),
        ),
        f"{area}:plan_objective_progress": (
            who,
            lambda w: reverse(f"{area}:plan_objective_progress", args=CUSTOM(_world_ctx(w))),
            lambda w: {"value": "2"},
        ),
        f"{area}:plan_sign": (
            who,
            lambda w: reverse(f"{area}:plan_sign", args=PLAN(_world_ctx(w))),
            lambda w: _sign(_world_ctx(w)),
        ),
    }


FORM_VIEWS: dict = {**_form_views("office"), **_form_views("portal")}
# POSTs without input (a button).
NO_INPUT: set[str] = {
    f"{area}:{name}"
    for area in ("office", "portal")
    for name in ("plan_objective_remove", "plan_revise", "plan_withdraw")
}
