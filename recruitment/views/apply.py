"""Pages of the apply part of recruitment (see recruitment/urls.py):

* public, on each tenant's host, in its branding: ``recruitment_apply`` (the application form:
  honeypot, rate limits per client address and per contact address, size limits),
  ``recruitment_apply_sent`` ("check your inbox"), ``recruitment_apply_verify`` (the e-mailed
  link: a button, since mail scanners prefetch links), ``recruitment_apply_status`` (the signed
  status link) with its actions ``recruitment_apply_documents``, ``recruitment_apply_withdraw``
  and ``recruitment_apply_join``;
* portal: ``portal:recruitment_join_requests`` (a partner admin's requests to join the company)
  with ``portal:recruitment_join_approve`` and ``portal:recruitment_join_decline``.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.views import View

from prm.accounts.access import PORTAL, MemberRequiredMixin
from prm.web.public import PublicView, client_ip, mailbox, rate_limited
from prm.web.views import INVALID, ServiceView, call_service, paginate, shown_time

from ..forms_apply import UPLOAD_MAX_BYTES, ApplicationForm, DocumentsForm, JoinForm
from ..models import JoinRequestStatus
from ..permissions import JOIN_DECIDE
from ..selectors.apply import (
    application_for_status,
    application_for_verification,
    application_status_page,
    join_request_get_for_actor,
    join_request_rows_for_actor,
)
from ..services.apply import (
    application_documents_add,
    application_status_path,
    application_submit,
    application_verify,
    application_withdraw,
    join_request_approve,
    join_request_create,
    join_request_decline,
)
from ..services.common import recruitment_settings

# --- limits (the rate limits are prm/web/public.py's) ----------------------------------------------


def _too_large(request) -> bool:
    """Whether the request is over what one form may carry (a Content-Length that is no number is
    none: the server reads nothing of such a body)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > UPLOAD_MAX_BYTES + 256 * 1024


def _too_many(request, seconds: int, *, what: str = ""):
    """The 429 page: when to try again; nothing of the request was kept."""
    minutes = max(math.ceil(seconds / 60), 1)
    message = what or gettext("Too many applications were sent from your network.")
    response = render(
        request,
        "recruitment/apply/limited.html",
        {
            "message": message,
            "retry": ngettext(
                "Please try again in %(count)s minute.", "Please try again in %(count)s minutes.", minutes
            )
            % {"count": minutes},
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def _private(response):
    """Pages reached through a signed link: never cached, indexed, or named in a Referer to
    another site. ``same-origin``, not ``no-referrer``: under ``no-referrer`` a browser posts the
    page's own forms (confirm, withdraw, documents) with ``Origin: null``, which CSRF refuses."""
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "same-origin"
    return response


# --- the application form --------------------------------------------------------------------------


class ApplyView(PublicView):
    """``/apply/``: a company applies to become a partner."""

    def page(self, form, status: int = 200):
        context = {"form": form, "intro": recruitment_settings().intro}
        return render(self.request, "recruitment/apply/form.html", context, status=status)

    def get(self, request):
        return self.page(ApplicationForm())

    def post(self, request):
        if _too_large(request):
            response = render(
                request,
                "recruitment/apply/limited.html",
                {"message": gettext("The documents are too large: at most 3 files of 5 MB each.")},
                status=413,
            )
            return response
        ip = client_ip(request)
        ip_rate = settings.PRM_APPLY_RATE_PER_IP
        # A client already over its limit is refused before anything is read.
        wait = rate_limited(request, group="recruitment.apply.ip", value=ip, rate=ip_rate, increment=False)
        if wait:
            return _too_many(request, wait)
        form = ApplicationForm(request.POST, request.FILES)
        if form.is_bot:
            # The honeypot: counted like a submission, answered like one, and nothing is kept.
            wait = rate_limited(request, group="recruitment.apply.ip", value=ip, rate=ip_rate)
            return _too_many(request, wait) if wait else redirect("recruitment_apply_sent")
        if not form.is_valid():
            messages.error(request, INVALID)
            return self.page(form)
        data = form.cleaned_data
        wait = rate_limited(request, group="recruitment.apply.ip", value=ip, rate=ip_rate) or rate_limited(
            request,
            group="recruitment.apply.address",
            value=mailbox(data["contact_email"]),
            rate=settings.PRM_APPLY_RATE_PER_ADDRESS,
        )
        if wait:
            return _too_many(request, wait)
        outcome = call_service(
            request,
            application_submit,
            company_name=data["company_name"],
            website=data["website"],
            email_domains=data["email_domains"],
            country=data["country"],
            partner_type_id=data["partner_type"],
            regions_served=data["regions_served"],
            industries=data["industries"],
            capabilities=data["capabilities"],
            capability_notes=data["capability_notes"],
            references=data["references"],
            contact_first_name=data["contact_first_name"],
            contact_last_name=data["contact_last_name"],
            contact_email=data["contact_email"],
            contact_phone=data["contact_phone"],
            contact_title=data["contact_title"],
            documents=data["documents"],
            language=getattr(request, "LANGUAGE_CODE", ""),
            submitted_ip=ip or None,
        )
        if not outcome.ok:
            return self.page(form)
        return redirect("recruitment_apply_sent")


class ApplySentView(PublicView):
    """``/apply/sent/``: check your inbox (the same page whatever was sent, honeypot included)."""

    def get(self, request):
        hours = recruitment_settings().unverified_expiry_hours
        return render(request, "recruitment/apply/sent.html", {"hours": hours})


# --- the verification link ------------------------------------------------------------------------


class ApplyVerifyView(PublicView):
    """``/apply/verify/<token>/``: GET shows a button (mail scanners follow links; only a person
    presses it); POST verifies. A bad or expired link: a page that says so (404)."""

    def application(self):
        return application_for_verification(token=self.kwargs["token"])

    def invalid(self):
        return _private(render(self.request, "recruitment/apply/verify.html", {"invalid": True}, status=404))

    def get(self, request, token: str):
        application = self.application()
        if application is None:
            return self.invalid()
        context = {"application": application, "status_path": None}
        if application.verified_at is not None:
            context["status_path"] = application_status_path(application)
        return _private(render(request, "recruitment/apply/verify.html", context))

    def post(self, request, token: str):
        application = self.application()
        if application is None:
            return self.invalid()
        outcome = call_service(
            request,
            application_verify,
            application=application,
            success=gettext("Thank you: your e-mail address is confirmed and your application is with us."),
        )
        if not outcome.ok:
            return _private(render(request, "recruitment/apply/verify.html", {"application": application}))
        return redirect(application_status_path(outcome.value))


# --- the status page and what the applicant does there --------------------------------------------------


def _status_page(request, application, *, documents_form=None, join_form=None, status: int = 200):
    page = application_status_page(application=application)
    context = {
        "page": page,
        "application": application,
        "token": request.resolver_match.kwargs["token"],
        "documents_form": documents_form or DocumentsForm(),
        "join_form": join_form
        or (JoinForm(initial={"partner": page.join_partner["id"]}) if page.join_partner else None),
        "verified_at": shown_time(application.verified_at),
        "created_at": shown_time(application.created_at),
        "decided_at": shown_time(application.decided_at),
    }
    return _private(render(request, "recruitment/apply/status.html", context, status=status))


class ApplyStatusView(PublicView):
    """``/apply/status/<signed>/``: where the application stands, what is missing, the criteria it
    is judged on, the decision. A tampered link (or another tenant's): 404."""

    def get(self, request, token: str):
        return _status_page(request, application_for_status(token=token))


class ApplyDocumentsView(PublicView):
    """Send more documents from the status page (the same checks as the form; rate limited)."""

    def post(self, request, token: str):
        application = application_for_status(token=token)
        if _too_large(request):
            return render(
                request,
                "recruitment/apply/limited.html",
                {"message": gettext("The documents are too large: at most 3 files of 5 MB each.")},
                status=413,
            )
        wait = rate_limited(
            request,
            group="recruitment.apply.documents",
            value=client_ip(request),
            rate=settings.PRM_APPLY_RATE_DOCUMENTS,
        )
        if wait:
            return _too_many(request, wait, what=gettext("Too many uploads were sent from your network."))
        form = DocumentsForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, INVALID)
            return _status_page(request, application, documents_form=form)
        outcome = call_service(
            request,
            application_documents_add,
            application=application,
            documents=form.cleaned_data["documents"],
            success=gettext("Thank you: the documents are with the partner team."),
        )
        if not outcome.ok:
            return _status_page(request, application, documents_form=form)
        return redirect(application_status_path(application))


class ApplyWithdrawView(PublicView):
    """Withdraw the application while it is open."""

    def post(self, request, token: str):
        application = application_for_status(token=token)
        call_service(
            request,
            application_withdraw,
            application=application,
            success=gettext("Your application is withdrawn."),
        )
        return redirect(application_status_path(application))


class ApplyJoinView(PublicView):
    """Ask to join the existing partner the status page offers (instead of applying)."""

    def post(self, request, token: str):
        application = application_for_status(token=token)
        form = JoinForm(request.POST)
        if not form.is_valid():
            messages.error(request, INVALID)
            return _status_page(request, application, join_form=form)
        outcome = call_service(
            request,
            join_request_create,
            application=application,
            partner_id=form.cleaned_data["partner"],
            message=form.cleaned_data["message"],
            success=gettext("Your request is sent: the company's administrators decide, and you will hear by e-mail."),
        )
        if not outcome.ok:
            return _status_page(request, application, join_form=form)
        return redirect(application_status_path(application))


# --- the partner admin's requests to join ---------------------------------------------------------------


def _join_page(request, actor):
    rows = join_request_rows_for_actor(actor=actor)
    page = paginate(request, rows)
    for row in page.object_list:
        row["created"] = shown_time(row["created_at"])
        row["decided"] = shown_time(row["decided_at"])
        row["pending"] = row["status"] == JoinRequestStatus.PENDING
        row["status_label"] = JoinRequestStatus(row["status"]).label
    return render(request, "recruitment/apply/join_requests.html", {"page": page})


class JoinRequestListView(MemberRequiredMixin, View):
    """The requests to join the partner admin's company: approve (an invitation follows) or
    decline."""

    area, capability = PORTAL, JOIN_DECIDE

    def get(self, request):
        return _join_page(request, self.actor)


class _JoinDecideView(ServiceView):
    area, capability = PORTAL, JOIN_DECIDE

    def get_object(self):
        return join_request_get_for_actor(actor=self.actor, join_id=self.kwargs["join_id"])

    def success_url(self, join) -> str:
        return reverse("portal:recruitment_join_requests")

    def render_invalid(self, form):
        return _join_page(self.request, self.actor)


class JoinRequestApproveView(_JoinDecideView):
    def perform(self, data):
        return join_request_approve(actor=self.actor, join=self.object)

    def success_message(self, join) -> str:
        return gettext("%(person)s is invited to join your company as a sales rep.") % {"person": join.name}


class JoinRequestDeclineView(_JoinDecideView):
    def perform(self, data):
        return join_request_decline(actor=self.actor, join=self.object)

    def success_message(self, join) -> str:
        return gettext("The request of %(person)s is declined; they are told by e-mail.") % {"person": join.name}


office_urls: list = []
portal_urls: list = [
    path("join-requests/", JoinRequestListView.as_view(), name="recruitment_join_requests"),
    path("join-requests/<int:join_id>/approve/", JoinRequestApproveView.as_view(), name="recruitment_join_approve"),
    path("join-requests/<int:join_id>/decline/", JoinRequestDeclineView.as_view(), name="recruitment_join_decline"),
]
public_urls: list = [
    path("apply/", ApplyView.as_view(), name="recruitment_apply"),
    path("apply/sent/", ApplySentView.as_view(), name="recruitment_apply_sent"),
    path("apply/verify/<str:token>/", ApplyVerifyView.as_view(), name="recruitment_apply_verify"),
    path("apply/status/<str:token>/", ApplyStatusView.as_view(), name="recruitment_apply_status"),
    path("apply/status/<str:token>/documents/", ApplyDocumentsView.as_view(), name="recruitment_apply_documents"),
    path("apply/status/<str:token>/withdraw/", ApplyWithdrawView.as_view(), name="recruitment_apply_withdraw"),
    path("apply/status/<str:token>/join/", ApplyJoinView.as_view(), name="recruitment_apply_join"),
]
