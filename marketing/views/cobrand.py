"""Pages of co-branding.

* portal: ``portal:cobrand_templates`` (the templates meant for the company, and its latest
  documents), ``portal:cobrand_template`` (the fill form, pre-filled from the company's profile,
  with "Preview" and "Create PDF"; a document asked for shows its status, polled by htmx every two
  seconds until it is ready, then a download link), ``portal:cobrand_request`` (the form's POST),
  ``portal:cobrand_document`` (a document's status: a fragment for htmx, a page otherwise),
  ``portal:cobrand_download``;
* office: ``office:cobrand_templates`` (with the partners and documents of each),
  ``office:cobrand_template_create``, ``office:cobrand_template`` (details, areas with their forms,
  publish, archive, the sample), ``office:cobrand_template_edit``, ``office:cobrand_area_add``,
  ``office:cobrand_area_edit``, ``office:cobrand_area_delete``, ``office:cobrand_template_publish``,
  ``office:cobrand_template_archive``, ``office:cobrand_template_sample`` (a PDF with example
  content and every area outlined), ``office:cobrand_usage`` (who co-branded what).

Reading: ``CONTENT_VIEW`` (partner users: what the audience lets them see; anything else is a 404)
and ``MARKETING_VIEW`` (staff); writing: ``COBRAND_MAKE`` and ``MARKETING_MANAGE``. The services
check again.
"""

from __future__ import annotations

import re

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, gettext_lazy
from django.views import View

from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.web.files import document_response
from prm.web.views import ServiceView, paginate, query_without_page, shown_time, url_pattern

from ..forms_cobrand import AreaForm, FillForm, TemplateFilterForm, TemplateForm, UsageFilterForm
from ..models import CobrandStatus, PublishStatus
from ..permissions import COBRAND_MAKE, CONTENT_VIEW, MARKETING_MANAGE, MARKETING_VIEW
from ..selectors.audience import audience_labels
from ..selectors.cobrand import (
    cobrand_area_get_for_actor,
    cobrand_areas,
    cobrand_document_get_for_actor,
    cobrand_documents_for_actor,
    cobrand_template_get_for_actor,
    cobrand_usage_for_actor,
    fill_page_for_actor,
    office_templates_for_actor,
    portal_templates_for_actor,
    template_choices,
)
from ..services.cobrand import (
    cobrand_area_add,
    cobrand_area_delete,
    cobrand_area_update,
    cobrand_request,
    cobrand_sample,
    cobrand_template_archive,
    cobrand_template_create,
    cobrand_template_publish,
    cobrand_template_update,
)

T = "marketing/cobrand/"
STATUS_BADGES = {
    CobrandStatus.PENDING: "text-bg-warning",
    CobrandStatus.READY: "text-bg-success",
    CobrandStatus.FAILED: "text-bg-danger",
}


def _file_name(name: str, *, preview: bool = False) -> str:
    """A download's name from the template's: letters, digits and dashes."""
    slug = re.sub(r"[^\w]+", "-", name, flags=re.UNICODE).strip("-").lower()[:60] or "co-branded"
    return f"{slug}-{gettext('preview')}" if preview else slug


# --- the portal ---------------------------------------------------------------------------------------


def _document_rows(rows: list[dict]) -> list[dict]:
    status_url = url_pattern("portal:cobrand_document", "document_id")
    download_url = url_pattern("portal:cobrand_download", "document_id")
    for row in rows:
        row["status_label"] = CobrandStatus(row["status"]).label
        row["badge"] = STATUS_BADGES[row["status"]]
        row["created"] = shown_time(row["created_at"])
        row["status_url"] = status_url(row["id"])
        row["download_url"] = download_url(row["id"]) if row["status"] == CobrandStatus.READY else ""
        row["error_text"] = gettext(row["error"]) if row["error"] else ""
    return rows


class PortalTemplatesView(MemberRequiredMixin, View):
    """The templates meant for the company, by name, and its latest documents."""

    area, capability = PORTAL, CONTENT_VIEW

    def get(self, request):
        rows, counted = portal_templates_for_actor(actor=self.actor)
        page = paginate(request, rows, count_from=counted)
        detail = url_pattern("portal:cobrand_template", "template_id")
        for row in page.object_list:
            row["url"] = detail(row["id"])
        documents = _document_rows(cobrand_documents_for_actor(actor=self.actor))
        context = {"page": page, "query": query_without_page(request), "documents": documents}
        return render(request, f"{T}portal_list.html", context)


def _status_context(document) -> dict:
    row = {
        "id": document.pk,
        "status": document.status,
        "preview": document.preview,
        "created_at": document.created_at,
        "error": document.error,
        "template_id": document.template_id,
        "template__name": document.template.name,
    }
    return {"document": _document_rows([row])[0]}


def _fill_context(request, actor, template_id: int, *, form=None) -> dict:
    page = fill_page_for_actor(actor=actor, template_id=template_id)
    chosen = request.GET.get("document", "")
    chosen_row = next((row for row in page.documents if chosen.isdigit() and row["id"] == int(chosen)), None)
    if form is None:
        # Back from "Preview" or "Create PDF": the text as it was typed for that document, so the
        # next one starts from it, not from the defaults.
        typed = (chosen_row or {}).get("values") or {}
        initial = {
            FillForm.field_name(area): typed.get(str(area.pk), page.defaults.get(area.pk, "")) for area in page.editable
        }
        form = FillForm(areas=page.editable, initial=initial)
    context = {
        "page": page,
        "template": page.template,
        "form": form,
        "fields": [form[FillForm.field_name(area)] for area in page.editable],
        "documents": _document_rows(page.documents),
        "may_make": actor.can(COBRAND_MAKE),
    }
    if chosen_row is not None:
        context["document"] = next(row for row in context["documents"] if row["id"] == chosen_row["id"])
    return context


class PortalTemplateView(MemberRequiredMixin, View):
    """One template: what each area will show (the company's own data, pre-filled), the editable
    text, "Preview" and "Create PDF", and the company's documents of it."""

    area, capability = PORTAL, CONTENT_VIEW

    def get(self, request, template_id: int):
        return render(request, f"{T}portal_detail.html", _fill_context(request, self.actor, template_id))


class CobrandRequestView(ServiceView):
    """Ask for a preview or the PDF: back to the template's page, which shows its status."""

    area, capability = PORTAL, COBRAND_MAKE
    invalid_message = gettext_lazy("Nothing was made: correct the fields marked below.")

    def get_object(self):
        self.page = fill_page_for_actor(actor=self.actor, template_id=self.kwargs["template_id"])
        return self.page.template

    def get_form(self):
        return FillForm(self.request.POST, areas=self.page.editable)

    def perform(self, data):
        return cobrand_request(
            actor=self.actor, template=self.object, values=self.form.values(), preview=self.form.preview
        )

    def success_message(self, document) -> str:
        if document.preview:
            return gettext("Your preview is being made: it shows below in a moment.")
        return gettext("Your PDF is being made: it shows below in a moment, and you are notified when it is ready.")

    def success_url(self, document) -> str:
        return reverse("portal:cobrand_template", args=[document.template_id]) + f"?document={document.pk}"

    def render_invalid(self, form):
        context = _fill_context(self.request, self.actor, self.kwargs["template_id"], form=form)
        return render(self.request, f"{T}portal_detail.html", context)


class PortalDocumentView(MemberRequiredMixin, View):
    """A document's status: the fragment the template's page polls (htmx), or a page of its own."""

    area, capability = PORTAL, CONTENT_VIEW

    def get(self, request, document_id: int):
        document = cobrand_document_get_for_actor(actor=self.actor, document_id=document_id)
        template = f"{T}portal_document.html#status" if request.htmx else f"{T}portal_document.html"
        return render(request, template, _status_context(document))


class PortalDownloadView(MemberRequiredMixin, View):
    area, capability = PORTAL, CONTENT_VIEW

    def get(self, request, document_id: int):
        document = cobrand_document_get_for_actor(actor=self.actor, document_id=document_id)
        if document.status != CobrandStatus.READY:
            raise Http404
        return document_response(document.file, name=_file_name(document.template.name, preview=document.preview))


# --- the back office -----------------------------------------------------------------------------------


class OfficeTemplatesView(MemberRequiredMixin, View):
    """Every template with its areas, partners and documents; filter: status."""

    area, capability = OFFICE, MARKETING_VIEW

    def get(self, request):
        filter_form = TemplateFilterForm(request.GET)
        rows, counted = office_templates_for_actor(actor=self.actor, **filter_form.values())
        page = paginate(request, rows, count_from=counted)
        detail = url_pattern("office:cobrand_template", "template_id")
        for row in page.object_list:
            row["url"] = detail(row["id"])
            row["status_label"] = PublishStatus(row["status"]).label
            row["updated"] = shown_time(row["updated_at"])
        context = {
            "page": page,
            "filter_form": filter_form,
            "query": query_without_page(request),
            "may_manage": self.actor.can(MARKETING_MANAGE),
        }
        return render(request, f"{T}office_list.html", context)


class TemplateCreateView(ServiceView):
    """A new template: its PDF, name and audience; then its page, to mark the areas."""

    area, capability = OFFICE, MARKETING_MANAGE
    invalid_message = gettext_lazy("The template was not added: correct the fields marked below.")

    def get_form(self):
        return TemplateForm(self.request.POST, self.request.FILES or None)

    def get(self, request):
        return self.render_invalid(TemplateForm())

    def perform(self, data):
        return cobrand_template_create(actor=self.actor, **self.form.template_fields())

    def success_message(self, template) -> str:
        return gettext("%(template)s is added as a draft: mark the areas partners fill, then publish it.") % {
            "template": template.name
        }

    def success_url(self, template) -> str:
        return reverse("office:cobrand_template", args=[template.pk])

    def render_invalid(self, form):
        return render(self.request, f"{T}office_form.html", {"form": form, "template": None})


def _office_context(request, actor, template_id: int, *, area_form=None) -> dict:
    template = cobrand_template_get_for_actor(actor=actor, template_id=template_id)
    areas = cobrand_areas(template=template)
    may_manage = actor.can(MARKETING_MANAGE)
    context = {
        "template": template,
        "areas": areas,
        "audience": audience_labels(template),
        "status_label": template.get_status_display(),
        "may_manage": may_manage,
        "editable": may_manage and template.status != PublishStatus.ARCHIVED,
    }
    if context["editable"]:
        context["area_form"] = area_form or AreaForm(auto_id="new_area_%s")
    return context


class OfficeTemplateView(MemberRequiredMixin, View):
    """A template's page: its details and audience, its areas (add, edit, delete), publish or
    archive, the sample PDF."""

    area, capability = OFFICE, MARKETING_VIEW

    def get(self, request, template_id: int):
        return render(request, f"{T}office_detail.html", _office_context(request, self.actor, template_id))


class _TemplateAction(ServiceView):
    """A write on one template from its page: back to the page, or the page again."""

    area, capability = OFFICE, MARKETING_MANAGE

    def get_object(self):
        return cobrand_template_get_for_actor(actor=self.actor, template_id=self.kwargs["template_id"])

    def success_url(self, result) -> str:
        return reverse("office:cobrand_template", args=[self.kwargs["template_id"]])

    def render_invalid(self, form):
        context = _office_context(self.request, self.actor, self.kwargs["template_id"])
        return render(self.request, f"{T}office_detail.html", context)


class TemplateEditView(_TemplateAction):
    """A template's details, audience and PDF (a page of its own)."""

    invalid_message = gettext_lazy("Nothing was changed: correct the fields marked below.")

    def get_form(self):
        return TemplateForm(self.request.POST, self.request.FILES or None, new=False)

    def get(self, request, template_id: int):
        self.object = template = self.get_object()
        return self.render_invalid(TemplateForm(initial=TemplateForm.initial_from(template), new=False))

    def perform(self, data):
        return cobrand_template_update(actor=self.actor, template=self.object, **self.form.template_fields())

    def success_message(self, template) -> str:
        return gettext("The template is saved.")

    def render_invalid(self, form):
        return render(self.request, f"{T}office_form.html", {"form": form, "template": self.object})


class AreaAddView(_TemplateAction):
    form_class = AreaForm

    def get_form(self):
        return AreaForm(self.request.POST, auto_id="new_area_%s")

    def perform(self, data):
        return cobrand_area_add(actor=self.actor, template=self.object, area=self.form.values())

    def success_message(self, area) -> str:
        return gettext("The area “%(area)s” is added.") % {"area": area}

    def render_invalid(self, form):
        context = _office_context(self.request, self.actor, self.kwargs["template_id"], area_form=form)
        return render(self.request, f"{T}office_detail.html", context)


class AreaEditView(_TemplateAction):
    """An area (a page of its own)."""

    form_class = AreaForm

    def get_object(self):
        return cobrand_area_get_for_actor(
            actor=self.actor, template_id=self.kwargs["template_id"], area_id=self.kwargs["area_id"]
        )

    def get(self, request, template_id: int, area_id: int):
        self.object = area = self.get_object()
        return self.render_invalid(AreaForm(initial=AreaForm.initial_from(area)))

    def perform(self, data):
        return cobrand_area_update(actor=self.actor, area=self.object, values=self.form.values())

    def success_message(self, area) -> str:
        return gettext("The area “%(area)s” is saved.") % {"area": area}

    def render_invalid(self, form):
        area = self.object
        context = {"form": form, "area": area, "template": area.template}
        return render(self.request, f"{T}office_area_form.html", context)


class AreaDeleteView(_TemplateAction):
    def get_object(self):
        return cobrand_area_get_for_actor(
            actor=self.actor, template_id=self.kwargs["template_id"], area_id=self.kwargs["area_id"]
        )

    def perform(self, data):
        return cobrand_area_delete(actor=self.actor, area=self.object)

    def success_message(self, template) -> str:
        return gettext("The area is deleted.")


class PublishView(_TemplateAction):
    def perform(self, data):
        return cobrand_template_publish(actor=self.actor, template=self.object)

    def success_message(self, template) -> str:
        return gettext("%(template)s is published: the partners it is meant for can co-brand it now.") % {
            "template": template.name
        }


class ArchiveView(_TemplateAction):
    def perform(self, data):
        return cobrand_template_archive(actor=self.actor, template=self.object)

    def success_message(self, template) -> str:
        return gettext("%(template)s is archived: partners no longer see it; their documents stay theirs.") % {
            "template": template.name
        }


class SampleView(MemberRequiredMixin, View):
    """The template with example content in every area, each outlined: where things land."""

    area, capability = OFFICE, MARKETING_VIEW

    def get(self, request, template_id: int):
        template = cobrand_template_get_for_actor(actor=self.actor, template_id=template_id)
        data = cobrand_sample(template=template, areas=cobrand_areas(template=template))
        response = HttpResponse(data, content_type="application/pdf")
        name = f"{_file_name(template.name)}-{gettext('sample')}.pdf"
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class UsageView(MemberRequiredMixin, View):
    """Who co-branded what: a row per partner and template, the latest first; filter: template."""

    area, capability = OFFICE, MARKETING_VIEW

    def get(self, request):
        filter_form = UsageFilterForm(request.GET, templates=template_choices())
        rows, counted = cobrand_usage_for_actor(actor=self.actor, template_id=filter_form.template_id())
        page = paginate(request, rows, count_from=counted)
        template_url = url_pattern("office:cobrand_template", "template_id")
        partner_url = url_pattern("office:partner_detail", "partner_id")
        for row in page.object_list:
            row["template_url"] = template_url(row["template_id"])
            row["partner_url"] = partner_url(row["partner_id"])
            row["last"] = shown_time(row["last_at"])
            row["people"] = sorted(name for name in row["people"] if name)
        context = {"page": page, "query": query_without_page(request), "filter_form": filter_form}
        return render(request, f"{T}office_usage.html", context)


_template = "cobranding/<int:template_id>/"
_area = f"{_template}areas/<int:area_id>/"

office_urlpatterns: list = [
    path("cobranding/", OfficeTemplatesView.as_view(), name="cobrand_templates"),
    path("cobranding/new/", TemplateCreateView.as_view(), name="cobrand_template_create"),
    path("cobranding/usage/", UsageView.as_view(), name="cobrand_usage"),
    path(_template, OfficeTemplateView.as_view(), name="cobrand_template"),
    path(f"{_template}edit/", TemplateEditView.as_view(), name="cobrand_template_edit"),
    path(f"{_template}publish/", PublishView.as_view(), name="cobrand_template_publish"),
    path(f"{_template}archive/", ArchiveView.as_view(), name="cobrand_template_archive"),
    path(f"{_template}sample/", SampleView.as_view(), name="cobrand_template_sample"),
    path(f"{_template}areas/add/", AreaAddView.as_view(), name="cobrand_area_add"),
    path(f"{_area}edit/", AreaEditView.as_view(), name="cobrand_area_edit"),
    path(f"{_area}delete/", AreaDeleteView.as_view(), name="cobrand_area_delete"),
]
portal_urlpatterns: list = [
    path("cobranding/", PortalTemplatesView.as_view(), name="cobrand_templates"),
    path(_template, PortalTemplateView.as_view(), name="cobrand_template"),
    path(f"{_template}make/", CobrandRequestView.as_view(), name="cobrand_request"),
    path("cobranding/documents/<int:document_id>/", PortalDocumentView.as_view(), name="cobrand_document"),
    path("cobranding/documents/<int:document_id>/download/", PortalDownloadView.as_view(), name="cobrand_download"),
]
