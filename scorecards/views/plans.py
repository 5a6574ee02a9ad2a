"""Pages of joint business plans, the same in both areas (each URL once per area):

* portal: ``portal:plans`` (the company's plans), ``portal:plan_create``, ``portal:plan_detail``
  (objectives with their progress, signatures, versions, history, the actions);
* office: ``office:plans`` (every partner's, with filters: status, partner or title, my partners),
  ``office:plan_create`` (for a partner chosen there or from its record), ``office:plan_detail``;
* in both, the writes on one plan: ``plan_edit`` (a page), ``plan_objective_add``,
  ``plan_objective_edit`` (a page), ``plan_objective_remove``, ``plan_objective_progress``,
  ``plan_sign``, ``plan_revise``, ``plan_withdraw``;
* the partner record's "Business plans" tab (``office:partner_plans``, declared in
  ``scorecards.wiring.plans``).

Reading: ``SCORECARDS_VIEW`` (staff) and ``SCORECARD_OWN`` (partner users); drafting and signing:
``SCORECARDS_MANAGE`` (the vendor's admins and channel people) and ``PLANS_SIGN`` (a partner's
admins). The services check again.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext, gettext_lazy
from django.views import View

from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.tenancy.time import tenant_clock
from prm.web.views import ServiceView, paginate, query_without_page, url_pattern

from ..forms_plans import ObjectiveForm, OfficePlanForm, PlanFilterForm, PlanForm, ProgressForm, SignForm
from ..models import PlanObjective, PlanStatus
from ..permissions import PLANS_SIGN, SCORECARD_OWN, SCORECARDS_MANAGE, SCORECARDS_VIEW, PlanAction, plan_may
from ..selectors.plans import (
    PARTNER_SIDE,
    VENDOR_SIDE,
    objective_get_for_actor,
    partner_for_new_plan,
    partner_options,
    plan_get_for_actor,
    plan_list_for_actor,
    plan_page_for_actor,
)
from ..services.plans import (
    PlanChange,
    plan_create,
    plan_objective_add,
    plan_objective_remove,
    plan_objective_update,
    plan_progress_record,
    plan_revise,
    plan_sign,
    plan_update,
    plan_withdraw,
)

T = "scorecards/plans/"
READ = {OFFICE: SCORECARDS_VIEW, PORTAL: SCORECARD_OWN}
WRITE = {OFFICE: SCORECARDS_MANAGE, PORTAL: PLANS_SIGN}


def _status_label(status: str) -> str:
    return PlanStatus(status).label


def _quarter(today: date) -> tuple[date, date]:
    """This quarter's first and last day: a new plan's period until someone changes it."""
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    following = date(first.year + (first.month == 10), (first.month + 2) % 12 + 1, 1)
    return first, following - timedelta(days=1)


def _cleared(change: PlanChange, done: str) -> str:
    """``done``, and that the signatures went when they did."""
    if change.signatures_cleared:
        return gettext("%(done)s The signatures were cleared: both sides sign the changed plan again.") % {"done": done}
    return done


# --- lists --------------------------------------------------------------------------------------------


def _waiting_for(row: dict) -> str:
    """The side a draft waits for once the other has signed ("": nobody signed yet, or not a draft)."""
    if row["status"] != PlanStatus.DRAFT:
        return ""
    partner, vendor = row["partner_signed_at"], row["vendor_signed_at"]
    if partner and not vendor:
        return VENDOR_SIDE
    if vendor and not partner:
        return PARTNER_SIDE
    return ""


def _list_rows(rows, area: str) -> None:
    detail = url_pattern(f"{area}:plan_detail", "plan_id")
    for row in rows:
        row["url"] = detail(row["id"])
        row["status_label"] = _status_label(row["status"])
        row["waiting_for"] = _waiting_for(row)


class OfficePlansView(MemberRequiredMixin, View):
    """Every partner's plans, the newest period first; filters: status (or waiting for the vendor's
    signature), partner or title, my partners."""

    area, capability = OFFICE, SCORECARDS_VIEW

    def get(self, request):
        filter_form = PlanFilterForm(request.GET)
        rows, counted = plan_list_for_actor(actor=self.actor, **filter_form.values())
        page = paginate(request, rows, count_from=counted)
        _list_rows(page.object_list, OFFICE)
        context = {
            "filter_form": filter_form,
            "page": page,
            "query": query_without_page(request),
            "may_draft": self.actor.can(SCORECARDS_MANAGE),
        }
        return render(request, f"{T}office_list.html", context)


class PortalPlansView(MemberRequiredMixin, View):
    """The company's plans, the newest period first."""

    area, capability = PORTAL, SCORECARD_OWN

    def get(self, request):
        rows, counted = plan_list_for_actor(actor=self.actor)
        page = paginate(request, rows, count_from=counted)
        _list_rows(page.object_list, PORTAL)
        context = {"page": page, "query": query_without_page(request), "may_draft": self.actor.can(PLANS_SIGN)}
        return render(request, f"{T}portal_list.html", context)


def plans_tab_context(*, request, actor, partner) -> dict:
    """The partner record's "Business plans" tab: its latest plans and "New plan"."""
    rows, _counted = plan_list_for_actor(actor=actor, partner_id=partner.pk)
    rows = list(rows[:20])
    _list_rows(rows, OFFICE)
    return {
        "plans": rows,
        "may_draft": plan_may(actor, partner.pk, PlanAction.DRAFT),
        "new_url": f"{reverse('office:plan_create')}?partner={partner.pk}",
    }


# --- a new plan ---------------------------------------------------------------------------------------


class PlanCreateView(ServiceView):
    """A new draft: its details (in the office, for a partner picked here), then its page to add
    objectives."""

    # Each area's URL passes its own (``_urls``); these are the stricter defaults.
    area, capability = OFFICE, SCORECARDS_MANAGE

    invalid_message = gettext_lazy("The plan was not created: correct the fields marked below.")

    def _office(self) -> bool:
        return self.area == OFFICE

    def get_form(self):
        if self._office():
            return OfficePlanForm(self.request.POST, partners=partner_options())
        return PlanForm(self.request.POST)

    def get(self, request):
        first, last = _quarter(tenant_clock(request.tenant)[0])
        initial = {"starts_on": first, "ends_on": last}
        if self._office():
            chosen = request.GET.get("partner", "")
            if chosen.isdigit():
                initial["partner"] = int(chosen)
            form = OfficePlanForm(initial=initial, partners=partner_options())
        else:
            form = PlanForm(initial=initial)
        return self.render_invalid(form)

    def perform(self, data):
        partner_id = data["partner"] if self._office() else self.actor.partner_id
        partner = partner_for_new_plan(actor=self.actor, partner_id=partner_id)
        return plan_create(
            actor=self.actor,
            partner=partner,
            title=data["title"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            summary=data.get("summary", ""),
        )

    def success_message(self, plan) -> str:
        return gettext("%(plan)s is drafted: add its objectives, then sign it.") % {"plan": plan.title}

    def success_url(self, plan) -> str:
        return reverse(f"{self.area}:plan_detail", args=[plan.pk])

    def render_invalid(self, form):
        return render(self.request, f"{T}plan_form.html", {"form": form, "plan": None, "area": self.area})


# --- one plan -----------------------------------------------------------------------------------------


def _detail_context(request, actor, area: str, plan_id: int, **bound) -> dict:
    today = tenant_clock(request.tenant)[0]
    page = plan_page_for_actor(actor=actor, plan_id=plan_id, today=today, currency=request.tenant.default_currency)
    progress_form = bound.get("progress_form")
    progress_for = bound.get("progress_for")
    rows = []
    for row in page.progress.objectives:
        form = None
        if row.custom and page.can_record_progress:
            if progress_form is not None and progress_for == row.id:
                form = progress_form
            else:
                form = ProgressForm(initial={"value": row.manual_progress}, auto_id=f"progress_{row.id}_%s")
        rows.append({"o": row, "progress_form": form})
    company = page.plan.partner.display_name if page.side == PARTNER_SIDE else request.tenant.name
    context = {
        "page": page,
        "plan": page.plan,
        "rows": rows,
        "area": area,
        "office": area == OFFICE,
        "status_label": _status_label(page.plan.status),
    }
    if page.editable:
        context["objective_form"] = bound.get("objective_form") or ObjectiveForm(auto_id="objective_%s")
    if page.can_sign:
        sign_form = bound.get("sign_form")
        context["sign_form"] = sign_form or SignForm(
            initial={"token": page.fingerprint}, company=company, auto_id="sign_%s"
        )
    return context


class PlanDetailView(MemberRequiredMixin, View):
    """A plan's page in either area: objectives and progress, signatures, versions, history."""

    area, capability = OFFICE, SCORECARDS_VIEW

    def get(self, request, plan_id: int):
        return render(request, f"{T}plan_detail.html", _detail_context(request, self.actor, self.area, plan_id))


class _PlanAction(ServiceView):
    """A write on one plan from its page: back to the page, or the page again with the form."""

    area, capability = OFFICE, SCORECARDS_MANAGE
    bound_name = ""

    def get_object(self):
        return plan_get_for_actor(actor=self.actor, plan_id=self.kwargs["plan_id"])

    def success_url(self, result) -> str:
        if isinstance(result, PlanChange):
            result = result.plan
        plan_id = result.plan_id if isinstance(result, PlanObjective) else result.pk
        return reverse(f"{self.area}:plan_detail", args=[plan_id])

    def render_invalid(self, form):
        bound = {self.bound_name: form} if self.bound_name and form is not None else {}
        context = _detail_context(self.request, self.actor, self.area, self.kwargs["plan_id"], **bound)
        return render(self.request, f"{T}plan_detail.html", context)


class PlanEditView(_PlanAction):
    """A draft's details (a page of its own)."""

    form_class = PlanForm

    def get(self, request, plan_id: int):
        self.object = plan = self.get_object()
        initial = {"title": plan.title, "starts_on": plan.starts_on, "ends_on": plan.ends_on, "summary": plan.summary}
        return self.render_invalid(PlanForm(initial=initial))

    def perform(self, data):
        return plan_update(
            actor=self.actor,
            plan=self.object,
            title=data["title"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            summary=data.get("summary", ""),
        )

    def success_message(self, change) -> str:
        return _cleared(change, gettext("The plan's details are saved."))

    def render_invalid(self, form):
        context = {"form": form, "plan": self.object, "area": self.area}
        return render(self.request, f"{T}plan_form.html", context)


class ObjectiveAddView(_PlanAction):
    form_class, bound_name = ObjectiveForm, "objective_form"

    def get_form(self):
        return ObjectiveForm(self.request.POST, auto_id="objective_%s")

    def perform(self, data):
        return plan_objective_add(
            actor=self.actor,
            plan=self.object,
            kind=data["kind"],
            description=data["description"],
            target=data["target"],
        )

    def success_message(self, change) -> str:
        return _cleared(change, gettext("Objective added."))


class _ObjectiveAction(_PlanAction):
    def get_object(self):
        return objective_get_for_actor(
            actor=self.actor, plan_id=self.kwargs["plan_id"], objective_id=self.kwargs["objective_id"]
        )


class ObjectiveEditView(_ObjectiveAction):
    """An objective of a draft (a page of its own)."""

    form_class = ObjectiveForm

    def get(self, request, plan_id: int, objective_id: int):
        self.object = objective = self.get_object()
        initial = {"kind": objective.kind, "description": objective.description, "target": objective.target}
        return self.render_invalid(ObjectiveForm(initial=initial))

    def perform(self, data):
        return plan_objective_update(
            actor=self.actor,
            objective=self.object,
            kind=data["kind"],
            description=data["description"],
            target=data["target"],
        )

    def success_message(self, change) -> str:
        return _cleared(change, gettext("Objective saved."))

    def render_invalid(self, form):
        context = {"form": form, "objective": self.object, "plan": self.object.plan, "area": self.area}
        return render(self.request, f"{T}objective_form.html", context)


class ObjectiveRemoveView(_ObjectiveAction):
    def perform(self, data):
        return plan_objective_remove(actor=self.actor, objective=self.object)

    def success_message(self, change) -> str:
        return _cleared(change, gettext("Objective removed."))


class ProgressView(_ObjectiveAction):
    """A custom objective's progress so far (also on an agreed plan)."""

    form_class, bound_name = ProgressForm, "progress_form"

    def get_form(self):
        return ProgressForm(self.request.POST, auto_id=f"progress_{self.kwargs['objective_id']}_%s")

    def perform(self, data):
        return plan_progress_record(actor=self.actor, objective=self.object, value=data["value"])

    def success_message(self, objective) -> str:
        return gettext("Progress of %(objective)s recorded.") % {"objective": objective.description}

    def render_invalid(self, form):
        bound = {"progress_form": form, "progress_for": self.kwargs["objective_id"]} if form is not None else {}
        context = _detail_context(self.request, self.actor, self.area, self.kwargs["plan_id"], **bound)
        return render(self.request, f"{T}plan_detail.html", context)


class SignView(_PlanAction):
    """The actor signs for its side the version its page showed."""

    form_class, bound_name = SignForm, "sign_form"

    def get_form(self):
        company = self.object.partner.display_name if self.actor.is_partner_user else self.request.tenant.name
        return SignForm(self.request.POST, company=company, auto_id="sign_%s")

    def perform(self, data):
        return plan_sign(actor=self.actor, plan=self.object, token=data["token"])

    def success_message(self, plan) -> str:
        if plan.status == PlanStatus.AGREED:
            return gettext("Signed: both sides have signed, so the plan is agreed and locked.")
        return gettext("Signed: the other side is asked to sign.")

    def render_invalid(self, form):
        # Refused (the plan changed, say): a fresh form, with the fingerprint of what is shown now.
        if form is not None and form.is_valid():
            form = None
        return super().render_invalid(form)


class ReviseView(_PlanAction):
    def perform(self, data):
        return plan_revise(actor=self.actor, plan=self.object)

    def success_message(self, plan) -> str:
        return gettext(
            "Version %(version)s is drafted from the agreed plan, which stays in force until both sides sign "
            "the new version."
        ) % {"version": plan.version}


class WithdrawView(_PlanAction):
    def perform(self, data):
        return plan_withdraw(actor=self.actor, plan=self.object)

    def success_message(self, plan) -> str:
        return gettext("The draft is withdrawn.")


def _urls(area: str) -> list:
    read, write = READ[area], WRITE[area]
    plan = "plans/<int:plan_id>/"
    objective = f"{plan}objectives/<int:objective_id>/"
    writes = [
        ("plans/new/", PlanCreateView, "plan_create"),
        (f"{plan}edit/", PlanEditView, "plan_edit"),
        (f"{plan}objectives/add/", ObjectiveAddView, "plan_objective_add"),
        (f"{objective}edit/", ObjectiveEditView, "plan_objective_edit"),
        (f"{objective}remove/", ObjectiveRemoveView, "plan_objective_remove"),
        (f"{objective}progress/", ProgressView, "plan_objective_progress"),
        (f"{plan}sign/", SignView, "plan_sign"),
        (f"{plan}revise/", ReviseView, "plan_revise"),
        (f"{plan}withdraw/", WithdrawView, "plan_withdraw"),
    ]
    return [
        path(plan, PlanDetailView.as_view(area=area, capability=read), name="plan_detail"),
        *(path(route, view.as_view(area=area, capability=write), name=name) for route, view, name in writes),
    ]


office_urlpatterns: list = [path("plans/", OfficePlansView.as_view(), name="plans"), *_urls(OFFICE)]
portal_urlpatterns: list = [path("plans/", PortalPlansView.as_view(), name="plans"), *_urls(PORTAL)]
