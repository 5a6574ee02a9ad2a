"""Pages of certification (see learning/urls.py):

* public: ``learning_verify``, a certificate's verification page on the tenant's host (HTML for
  people, JSON for machines), rate limited per client address;
* portal: ``portal:learning_certificates`` (my certificates; for a partner admin the company's
  people's certificates and competencies with their history) and ``portal:learning_certificate_pdf``;
* office: ``office:learning_certificates`` (filtered, paginated), ``office:learning_certificate``
  (detail and timeline), ``office:learning_certificate_pdf``, ``office:learning_certificate_revoke``.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.events.selectors import events_for_object
from prm.tenancy.time import tenant_today
from prm.web.files import document_response
from prm.web.views import ServiceView, paginate, query_without_page, url_pattern

from ..models import Certificate
from ..pdf import render_certificate_pdf
from ..permissions import CERTIFICATES_REVOKE, LEARNING_TAKE, LEARNING_TEAM, LEARNING_VIEW, A, learning_may
from ..selectors.certificates import (
    ACTIVE,
    EXPIRING,
    STATE_BADGES,
    STATE_LABELS,
    certificate_get_for_actor,
    certificate_list_for_company,
    certificate_list_for_holder,
    certificate_office_rows_for_actor,
    certificate_rows,
    certificate_state,
    certificate_verify_lookup,
    certificates_at_risk,
    certification_options,
    competency_history_for_partner,
)
from ..services.certification import certificate_revoke

# --- the public verification page ----------------------------------------------------------------

# Per client address (allauth's, which honours PRM_TRUSTED_PROXY_COUNT), across the tenant's
# hosts: enough for a person or an HR system checking a few certificates, too few to guess.
VERIFY_RATE = getattr(settings, "PRM_VERIFY_RATE_LIMIT", "30/m/ip")


def _rate_limited(request) -> bool:
    from allauth.core.internal import ratelimit

    usage = ratelimit.consume(
        request,
        app="learning",
        action="certificate_verify",
        config={"certificate_verify": VERIFY_RATE},
        limit_get=True,
    )
    return usage is None


def _wants_json(request) -> bool:
    return request.GET.get("format") == "json" or "application/json" in request.headers.get("Accept", "")


class CertificateVerifyView(View):
    """``/verify/<code>/``: whether a certificate is genuine, for anyone holding its code: the
    holder's name, the certification, the dates and the status; nothing about the partner or the
    person. An unknown code is a 404 that says so."""

    def get(self, request, code: str):
        if getattr(request, "tenant", None) is None:
            raise Http404
        as_json = _wants_json(request)
        if _rate_limited(request):
            message = gettext("Too many verifications from your address: try again in a minute.")
            if as_json:
                return JsonResponse({"status": "rate_limited", "message": message}, status=429)
            response = render(request, "learning/certificates/verify.html", {"limited": True, "message": message})
            response.status_code = 429
            return response
        found = certificate_verify_lookup(code=code, today=tenant_today())
        if found is None:
            if as_json:
                return JsonResponse({"status": "unknown"}, status=404)
            response = render(request, "learning/certificates/verify.html", {"unknown": True})
            response.status_code = 404
            return response
        if as_json:
            response = JsonResponse(found.as_json())
        else:
            response = render(request, "learning/certificates/verify.html", {"found": found})
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex"
        return response


# --- PDFs --------------------------------------------------------------------------------------------


def _pdf_response(certificate: Certificate):
    """The stored PDF, or (before the worker rendered it) one rendered now and not kept: a GET
    writes nothing."""
    name = f"certificate-{certificate.code}"
    if certificate.pdf and certificate.pdf_rendered_at:
        return document_response(certificate.pdf, name=name)
    response = HttpResponse(render_certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- the portal ------------------------------------------------------------------------------------


def _course_url():
    """The catalogue's course page (``portal:learning_course``), as a pattern for a course id."""
    return url_pattern("portal:learning_course", "course_id")


def _renewal_links(rows: list[dict]) -> list[dict]:
    pdf_url = url_pattern("portal:learning_certificate_pdf", "certificate_id")
    course_url = _course_url() if any(row["certification__renewal_course_id"] for row in rows) else None
    for row in rows:
        row["pdf_url"] = pdf_url(row["id"])
        renewal = row["certification__renewal_course_id"]
        row["renewal"] = bool(renewal) and row["state"] in (EXPIRING, ACTIVE)
        row["renewal_url"] = course_url(renewal) if course_url and row["renewal"] else ""
    return rows


class PortalCertificateListView(MemberRequiredMixin, View):
    """My certificates; for a partner admin also the company's people's and its competencies."""

    area, capability = PORTAL, LEARNING_TAKE

    def get(self, request):
        today = tenant_today()
        actor = self.actor
        context = {"mine": _renewal_links(certificate_list_for_holder(actor=actor, today=today)), "team": None}
        if actor.can(LEARNING_TEAM):
            context.update(
                team=_renewal_links(certificate_list_for_company(actor=actor, today=today)),
                holdings=competency_history_for_partner(partner_id=actor.partner_id),
                at_risk=certificates_at_risk(today=today, partner_id=actor.partner_id, in_window=True),
            )
        return render(request, "learning/certificates/portal_list.html", context)


class PortalCertificatePdfView(MemberRequiredMixin, View):
    """A certificate's PDF: its holder's, or their company admin's (a 404 for anyone else)."""

    area, capability = PORTAL, LEARNING_TAKE

    def get(self, request, certificate_id: int):
        certificate = certificate_get_for_actor(
            actor=self.actor, certificate_id=certificate_id, action=A.DOWNLOAD_CERTIFICATE
        )
        return _pdf_response(certificate)


# --- the back office ---------------------------------------------------------------------------------

STATE_CHOICES = [("", _("Any status")), *((key, label) for key, label in STATE_LABELS.items())]


class CertificateFilterForm(forms.Form):
    status = forms.ChoiceField(choices=STATE_CHOICES, required=False, label=_("Status"))
    certification = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label=_("Certification"))
    partner = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    expiring = forms.TypedChoiceField(
        choices=[
            ("", _("Any expiry")),
            ("30", _("Expiring in 30 days")),
            ("60", _("Expiring in 60 days")),
            ("90", _("Expiring in 90 days")),
        ],
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Expiry"),
    )

    def __init__(self, *args, certifications, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["certification"].choices = [("", _("Any certification")), *certifications]

    def filters(self) -> dict:
        if not self.is_valid():
            return {"status": "", "certification_id": None, "partner_id": None, "expiring_days": None}
        data = self.cleaned_data
        return {
            "status": data["status"],
            "certification_id": data["certification"],
            "partner_id": data["partner"],
            "expiring_days": data["expiring"],
        }


class OfficeCertificateListView(MemberRequiredMixin, View):
    """Every certificate of the tenant, newest first, filtered; htmx swaps the results."""

    area, capability = OFFICE, LEARNING_VIEW

    def get(self, request):
        today = tenant_today()
        filter_form = CertificateFilterForm(request.GET, certifications=certification_options())
        rows, certificates = certificate_office_rows_for_actor(actor=self.actor, today=today, **filter_form.filters())
        page = paginate(request, rows, count_from=certificates)
        detail_url = url_pattern("office:learning_certificate", "certificate_id")
        page.object_list = certificate_rows(page.object_list, today=today)
        for row in page.object_list:
            row["url"] = detail_url(row["id"])
        context = {"filter_form": filter_form, "page": page, "query": query_without_page(request)}
        template = "learning/certificates/office_list.html"
        return render(request, f"{template}#results" if request.htmx else template, context)


class RevokeForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the certificate is revoked: the holder reads it.")},
    )


def _detail_context(actor, certificate: Certificate, revoke_form=None) -> dict:
    today = tenant_today()
    state = certificate_state(
        status=certificate.status,
        expires_on=certificate.expires_on,
        window_days=certificate.certification.renewal_window_days,
        today=today,
    )
    return {
        "certificate": certificate,
        "state": state,
        "state_label": STATE_LABELS[state],
        "badge": STATE_BADGES[state],
        "may_revoke": certificate.status == ACTIVE and learning_may(actor, certificate, A.REVOKE),
        "revoke_form": revoke_form or RevokeForm(auto_id="revoke_%s"),
        "events": list(events_for_object(actor=actor, target=certificate)[:200]),
        "verify_url": reverse("learning_verify", kwargs={"code": certificate.code}),
    }


class OfficeCertificateDetailView(MemberRequiredMixin, View):
    area, capability = OFFICE, LEARNING_VIEW

    def get(self, request, certificate_id: int):
        certificate = certificate_get_for_actor(actor=self.actor, certificate_id=certificate_id)
        return render(request, "learning/certificates/office_detail.html", _detail_context(self.actor, certificate))


class OfficeCertificatePdfView(MemberRequiredMixin, View):
    area, capability = OFFICE, LEARNING_VIEW

    def get(self, request, certificate_id: int):
        certificate = certificate_get_for_actor(
            actor=self.actor, certificate_id=certificate_id, action=A.DOWNLOAD_CERTIFICATE
        )
        return _pdf_response(certificate)


class OfficeCertificateRevokeView(ServiceView):
    """Revoke with a reason; the page again with what was typed when the reason is missing or
    someone else changed the certificate meanwhile."""

    area, capability = OFFICE, CERTIFICATES_REVOKE
    form_class = RevokeForm

    def get_form_kwargs(self):
        return {"auto_id": "revoke_%s"}

    def get_object(self):
        return certificate_get_for_actor(actor=self.actor, certificate_id=self.kwargs["certificate_id"])

    def perform(self, data):
        return certificate_revoke(actor=self.actor, certificate=self.object, reason=data["reason"])

    def success_message(self, certificate) -> str:
        return gettext("The certificate of %(person)s is revoked; they and their company are told why.") % {
            "person": certificate.holder_name
        }

    def success_url(self, certificate) -> str:
        return reverse("office:learning_certificate", kwargs={"certificate_id": certificate.pk})

    def render_invalid(self, form):
        certificate = certificate_get_for_actor(actor=self.actor, certificate_id=self.kwargs["certificate_id"])
        return render(
            self.request, "learning/certificates/office_detail.html", _detail_context(self.actor, certificate, form)
        )


office_urls: list = [
    path("certificates/", OfficeCertificateListView.as_view(), name="learning_certificates"),
    path("certificates/<int:certificate_id>/", OfficeCertificateDetailView.as_view(), name="learning_certificate"),
    path("certificates/<int:certificate_id>/pdf/", OfficeCertificatePdfView.as_view(), name="learning_certificate_pdf"),
    path(
        "certificates/<int:certificate_id>/revoke/",
        OfficeCertificateRevokeView.as_view(),
        name="learning_certificate_revoke",
    ),
]
portal_urls: list = [
    path("certificates/", PortalCertificateListView.as_view(), name="learning_certificates"),
    path("certificates/<int:certificate_id>/pdf/", PortalCertificatePdfView.as_view(), name="learning_certificate_pdf"),
]
public_urls: list = [
    path("verify/<str:code>/", CertificateVerifyView.as_view(), name="learning_verify"),
]
