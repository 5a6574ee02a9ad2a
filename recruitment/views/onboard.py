"""Pages of the onboard part of recruitment (see recruitment/urls.py):

* portal: ``portal:recruitment_onboarding`` (the checklist and its progress),
  ``portal:recruitment_agreements`` (the current agreements, accepted or not),
  ``portal:recruitment_agreement_accept`` (the partner admin accepts), ``portal:recruitment_agreement_pdf``;
* office: ``office:recruitment_onboarding_board``, ``office:recruitment_onboarding_tick`` (a manual
  item), ``office:recruitment_onboarding_start`` (a partner created by hand),
  ``office:recruitment_agreement_pdf``; the partner record's "Onboarding" tab
  (``office:partner_onboarding``, declared in ``recruitment.wiring.onboard``).
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views import View

from partners.hooks import record_page
from partners.models import PartnerStatus
from partners.selectors import partner_get_for_actor
from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.tenancy.time import tenant_today
from prm.web.views import ServiceView, paginate, query_without_page, shown_time, url_pattern

from ..forms_onboard import AcceptForm, BoardFilterForm, TickForm
from ..pdf import render_acceptance_pdf
from ..permissions import (
    AGREEMENTS_ACCEPT,
    ONBOARDING_MANAGE,
    ONBOARDING_VIEW,
    RECRUITMENT_VIEW,
)
from ..selectors.onboard import (
    acceptance_get_for_actor,
    acceptances_for_partner,
    agreements_for_partner,
    board_rows_for_actor,
    checklist_for_partner,
    overdue_by_partner,
    task_get_for_actor,
    version_get_for_actor,
)
from ..services.common import recruitment_settings
from ..services.onboard import agreement_accept, onboarding_start, onboarding_tick

# --- the portal ------------------------------------------------------------------------------------


class PortalOnboardingView(MemberRequiredMixin, View):
    """The company's onboarding checklist: its progress and, for each item, what it needs and where
    it is done."""

    area, capability = PORTAL, ONBOARDING_VIEW

    def get(self, request):
        checklist = checklist_for_partner(actor=self.actor, partner_id=self.actor.partner_id)
        return render(request, "recruitment/onboard/portal_onboarding.html", {"checklist": checklist})


def _agreements_context(actor, *, form=None, form_version_id=None) -> dict:
    rows = agreements_for_partner(actor=actor, partner_id=actor.partner_id)
    may_accept = actor.can(AGREEMENTS_ACCEPT)
    company = actor.partner.display_name
    for row in rows:
        bound = form is not None and form_version_id == row["id"]
        row["form"] = (
            (form if bound else AcceptForm(company=company, auto_id=f"accept_{row['id']}_%s")) if may_accept else None
        )
    return {"agreements": rows, "may_accept": may_accept}


class PortalAgreementsView(MemberRequiredMixin, View):
    """The company's agreements: the current version of each, its text, accepted or not."""

    area, capability = PORTAL, ONBOARDING_VIEW

    def get(self, request):
        return render(request, "recruitment/onboard/portal_agreements.html", _agreements_context(self.actor))


def _client_address(request) -> str | None:
    """Where the person is: the address the trusted proxy reports (``PRM_TRUSTED_PROXY_COUNT``,
    the same that the rate limits read), else ``REMOTE_ADDR``; in full (the rate limits fold IPv6
    to its /64). Behind the proxy, ``REMOTE_ADDR`` alone is the proxy's own address."""
    from allauth.core.internal.httpkit import get_client_ip

    return get_client_ip(request)


class PortalAgreementAcceptView(ServiceView):
    """The partner admin accepts the current version for the company, from the client's address."""

    area, capability = PORTAL, AGREEMENTS_ACCEPT
    form_class = AcceptForm

    def get_form_kwargs(self):
        return {"company": self.actor.partner.display_name, "auto_id": f"accept_{self.kwargs['version_id']}_%s"}

    def get_object(self):
        return version_get_for_actor(actor=self.actor, version_id=self.kwargs["version_id"])

    def perform(self, data):
        return agreement_accept(
            actor=self.actor,
            version=self.object,
            ip_address=_client_address(self.request),
            user_agent=self.request.headers.get("User-Agent", ""),
        )

    def success_message(self, acceptance) -> str:
        return gettext("You accepted %(agreement)s (version %(number)s) for your company.") % {
            "agreement": self.object.agreement.title,
            "number": self.object.number,
        }

    def success_url(self, acceptance) -> str:
        return reverse("portal:recruitment_agreements")

    def render_invalid(self, form):
        context = _agreements_context(self.actor, form=form, form_version_id=self.object.pk)
        return render(self.request, "recruitment/onboard/portal_agreements.html", context)


def _pdf_response(acceptance) -> HttpResponse:
    name = f"agreement-{acceptance.version.agreement_id}-v{acceptance.version.number}-{acceptance.pk}"
    response = HttpResponse(render_acceptance_pdf(acceptance), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class PortalAcceptancePdfView(MemberRequiredMixin, View):
    area, capability = PORTAL, ONBOARDING_VIEW

    def get(self, request, acceptance_id: int):
        return _pdf_response(acceptance_get_for_actor(actor=self.actor, acceptance_id=acceptance_id))


# --- the back office ----------------------------------------------------------------------------------


class OfficeAcceptancePdfView(MemberRequiredMixin, View):
    area, capability = OFFICE, RECRUITMENT_VIEW

    def get(self, request, acceptance_id: int):
        return _pdf_response(acceptance_get_for_actor(actor=self.actor, acceptance_id=acceptance_id))


class OnboardingBoardView(MemberRequiredMixin, View):
    """Partners in onboarding, the longest first: progress, days in onboarding, last progress, account
    manager, overdue agreements; stalled ones marked. Filters: mine, stalled, all."""

    area, capability = OFFICE, RECRUITMENT_VIEW

    def get(self, request):
        filter_form = BoardFilterForm(request.GET)
        stall_days = recruitment_settings().stall_days
        now = timezone.now()
        rows, counted = board_rows_for_actor(
            actor=self.actor, show=filter_form.show_value(), stall_days=stall_days, now=now
        )
        page = paginate(request, rows, count_from=counted)
        overdue = overdue_by_partner(partner_ids=[row["partner_id"] for row in page.object_list], today=tenant_today())
        record_url = url_pattern("office:partner_onboarding", "partner_id")
        for row in page.object_list:
            row["url"] = record_url(row["partner_id"])
            row["percent"] = round(100 * row["tasks_done"] / row["tasks_total"]) if row["tasks_total"] else 0
            row["days"] = (now - row["started_at"]).days
            last = row["last_progress_at"] or row["started_at"]
            row["stalled"] = (now - last).days >= stall_days
            row["last_progress"] = shown_time(row["last_progress_at"])
            row["manager"] = (
                " ".join(p for p in (row["manager_first"], row["manager_last"]) if p) or row["manager_email"] or ""
            )
            row["overdue"] = overdue.get(row["partner_id"], [])
        context = {
            "filter_form": filter_form,
            "page": page,
            "query": query_without_page(request),
            "stall_days": stall_days,
            "show": filter_form.show_value(),
        }
        return render(request, "recruitment/onboard/board.html", context)


def onboarding_tab_context(*, request, actor, partner) -> dict:
    """The partner record's "Onboarding" tab: the checklist with tick buttons, the agreements'
    acceptances (PDF links), overdue agreements, and "Start onboarding" when it has none."""
    checklist = checklist_for_partner(actor=actor, partner_id=partner.pk, links=False)
    return {
        "checklist": checklist,
        "acceptances": acceptances_for_partner(actor=actor, partner_id=partner.pk),
        "overdue": overdue_by_partner(partner_ids=[partner.pk], today=tenant_today()).get(partner.pk, []),
        "may_manage": actor.can(ONBOARDING_MANAGE),
        "may_start": checklist.onboarding is None
        and partner.status == PartnerStatus.ONBOARDING
        and actor.can(ONBOARDING_MANAGE),
    }


class _RecordTabAction(ServiceView):
    area, capability = OFFICE, ONBOARDING_MANAGE

    def success_url(self, result) -> str:
        return reverse("office:partner_onboarding", kwargs={"partner_id": self.kwargs["partner_id"]})

    def render_invalid(self, form):
        partner = partner_get_for_actor(actor=self.actor, partner_id=self.kwargs["partner_id"])
        return record_page(self.request, actor=self.actor, partner=partner, tab="onboarding")


class OnboardingTickView(_RecordTabAction):
    """Tick or untick a manual item of the partner's checklist."""

    form_class = TickForm

    def get_object(self):
        task = task_get_for_actor(actor=self.actor, task_id=self.kwargs["task_id"])
        if task.partner_id != self.kwargs["partner_id"]:
            raise Http404
        return task

    def perform(self, data):
        return onboarding_tick(actor=self.actor, task=self.object, done=data["done"])

    def success_message(self, task) -> str:
        if task.done_at:
            return gettext("Ticked: %(item)s.") % {"item": task.title}
        return gettext("Reopened: %(item)s.") % {"item": task.title}


class OnboardingStartView(_RecordTabAction):
    """Open the checklist of a partner created by hand in status onboarding."""

    def get_object(self):
        return partner_get_for_actor(actor=self.actor, partner_id=self.kwargs["partner_id"])

    def perform(self, data):
        return onboarding_start(actor=self.actor, partner=self.object)

    def success_message(self, onboarding) -> str:
        return gettext("Onboarding of %(partner)s started.") % {"partner": self.object}


office_urls: list = [
    path("recruitment/onboarding/", OnboardingBoardView.as_view(), name="recruitment_onboarding_board"),
    path(
        "recruitment/onboarding/<int:partner_id>/start/",
        OnboardingStartView.as_view(),
        name="recruitment_onboarding_start",
    ),
    path(
        "recruitment/onboarding/<int:partner_id>/tasks/<int:task_id>/tick/",
        OnboardingTickView.as_view(),
        name="recruitment_onboarding_tick",
    ),
    path(
        "recruitment/acceptances/<int:acceptance_id>/pdf/",
        OfficeAcceptancePdfView.as_view(),
        name="recruitment_agreement_pdf",
    ),
]
portal_urls: list = [
    path("onboarding/", PortalOnboardingView.as_view(), name="recruitment_onboarding"),
    path("agreements/", PortalAgreementsView.as_view(), name="recruitment_agreements"),
    path(
        "agreements/<int:version_id>/accept/", PortalAgreementAcceptView.as_view(), name="recruitment_agreement_accept"
    ),
    path(
        "agreements/acceptances/<int:acceptance_id>/pdf/",
        PortalAcceptancePdfView.as_view(),
        name="recruitment_agreement_pdf",
    ),
]
public_urls: list = []
