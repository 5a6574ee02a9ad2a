"""Pages of the partner import (back office, vendor admins: ``PARTNERS_IMPORT``):

* ``office:recruitment_imports``: past imports and the upload form
  (``office:recruitment_import_upload``);
* ``office:recruitment_import``: one import: the mapping of its columns with a preview, the
  check's counts and first rejected rows (``office:recruitment_import_validate`` checks again
  with a new mapping), the confirmation (``office:recruitment_import_confirm``), the progress
  while the worker imports (``office:recruitment_import_progress``, polled by htmx) and the
  summary;
* ``office:recruitment_import_rejected``: every rejected row with its reason, as CSV.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.views import View

from prm.accounts.access import OFFICE, MemberRequiredMixin
from prm.errors import PolicyViolation
from prm.tabular import check_message, rejected_csv_response
from prm.web.views import ServiceView, paginate, shown_time, url_pattern

from ..forms_imports import ConfirmForm, ImportUploadForm, MappingForm
from ..models import ImportStatus, PartnerImport
from ..permissions import PARTNERS_IMPORT
from ..selectors.imports import (
    partner_import_get_for_actor,
    partner_import_preview,
    partner_import_rows,
    rejected_dataset,
    rejected_shown,
)
from ..services.imports import (
    COLUMNS,
    REJECTED_SHOWN,
    partner_import_confirm,
    partner_import_map,
    partner_import_upload,
)

STATUS_BADGES = {
    ImportStatus.UPLOADED: "text-bg-secondary",
    ImportStatus.VALIDATED: "text-bg-info",
    ImportStatus.IMPORTING: "text-bg-warning",
    ImportStatus.DONE: "text-bg-success",
    ImportStatus.FAILED: "text-bg-danger",
}


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


# --- the list and the upload ------------------------------------------------------------------


def _list_page(request, *, upload_form=None):
    page = paginate(request, partner_import_rows(actor=request.membership))
    detail_url = url_pattern("office:recruitment_import", "import_id")
    labels = dict(ImportStatus.choices)
    for row in page.object_list:
        name = f"{row['created_by__user__first_name']} {row['created_by__user__last_name']}".strip()
        row["created_by"] = name or row["created_by__user__email"]
        row["created"] = shown_time(row["created_at"])
        row["url"] = detail_url(row["id"])
        row["status_label"] = labels.get(row["status"], row["status"])
        row["badge"] = STATUS_BADGES.get(row["status"], "text-bg-secondary")
    context = {"page": page, "upload_form": upload_form or ImportUploadForm()}
    return render(request, "recruitment/imports/list.html", context)


class ImportListView(MemberRequiredMixin, View):
    area, capability = OFFICE, PARTNERS_IMPORT

    def get(self, request):
        return _list_page(request)


class ImportUploadView(ServiceView):
    """Upload a file: kept and its columns guessed, or the list again saying what is wrong."""

    area, capability = OFFICE, PARTNERS_IMPORT
    form_class = ImportUploadForm

    def perform(self, data):
        return partner_import_upload(actor=self.actor, upload=data["document"])

    def success_message(self, partner_import) -> str:
        if partner_import.status == ImportStatus.VALIDATED:
            return gettext("%(file)s is checked: look at the columns and the rejected rows, then confirm.") % {
                "file": partner_import.file_name
            }
        return gettext("%(file)s is uploaded: choose the column of each field below.") % {
            "file": partner_import.file_name
        }

    def success_url(self, partner_import) -> str:
        return reverse("office:recruitment_import", kwargs={"import_id": partner_import.pk})

    def render_invalid(self, form):
        return _list_page(self.request, upload_form=form)


# --- one import -----------------------------------------------------------------------------------


def _progress(partner_import: PartnerImport) -> dict:
    return {
        "rows": _number(partner_import.total_rows),
        "processed": _number(partner_import.processed_rows),
        "total": _number(partner_import.valid_rows),
        "partners_created": _number(partner_import.partners_created),
        "partners_existing": _number(partner_import.partners_existing),
        "users_created": _number(partner_import.users_created),
        "users_existing": _number(partner_import.users_existing),
        "rejected": _number(len(partner_import.rejected)),
    }


def _detail_context(actor, partner_import: PartnerImport, *, mapping_form=None, confirm_form=None) -> dict:
    editable = partner_import.status in (ImportStatus.UPLOADED, ImportStatus.VALIDATED)
    preview = []
    preview_error = ""
    if editable:
        mapping = partner_import.mapping
        if mapping_form is not None and mapping_form.is_bound and mapping_form.is_valid():
            mapping = mapping_form.mapping()
        try:
            preview = partner_import_preview(partner_import=partner_import, mapping=mapping)
        except (PolicyViolation, OSError) as error:
            preview_error = getattr(error, "message", str(error))
    if mapping_form is None:
        initial = {key: str(index) for key, index in partner_import.mapping.items()}
        mapping_form = MappingForm(headers=partner_import.headers, initial=initial)
    return {
        "partner_import": partner_import,
        "status_label": partner_import.get_status_display(),
        "badge": STATUS_BADGES.get(partner_import.status, "text-bg-secondary"),
        "created": shown_time(partner_import.created_at),
        "finished": shown_time(partner_import.finished_at),
        "editable": editable,
        "mapping_form": mapping_form,
        "columns": COLUMNS,
        "preview": preview,
        "preview_error": preview_error,
        "checked": partner_import.status != ImportStatus.UPLOADED,
        "rejected": rejected_shown(partner_import.rejected[:REJECTED_SHOWN]),
        "rejected_more": max(len(partner_import.rejected) - REJECTED_SHOWN, 0),
        "confirm_form": confirm_form or ConfirmForm(),
        "may_confirm": partner_import.status == ImportStatus.VALIDATED and partner_import.valid_rows > 0,
        "counts": _progress(partner_import),
        "importing": partner_import.status == ImportStatus.IMPORTING,
    }


class ImportDetailView(MemberRequiredMixin, View):
    area, capability = OFFICE, PARTNERS_IMPORT

    def get(self, request, import_id: int):
        partner_import = partner_import_get_for_actor(actor=self.actor, import_id=import_id)
        return render(request, "recruitment/imports/detail.html", _detail_context(self.actor, partner_import))


class ImportProgressView(MemberRequiredMixin, View):
    """The progress partial the page polls while the worker imports (it stops polling when done)."""

    area, capability = OFFICE, PARTNERS_IMPORT

    def get(self, request, import_id: int):
        partner_import = partner_import_get_for_actor(actor=self.actor, import_id=import_id)
        context = {
            "partner_import": partner_import,
            "counts": _progress(partner_import),
            "importing": partner_import.status == ImportStatus.IMPORTING,
        }
        return render(request, "recruitment/imports/detail.html#progress", context)


class ImportValidateView(ServiceView):
    """Check every row again with the mapping chosen; the page with the choices as made when
    they are incomplete."""

    area, capability = OFFICE, PARTNERS_IMPORT
    form_class = MappingForm

    def get_object(self):
        return partner_import_get_for_actor(actor=self.actor, import_id=self.kwargs["import_id"])

    def get_form_kwargs(self):
        return {"headers": self.object.headers}

    def perform(self, data):
        return partner_import_map(actor=self.actor, partner_import=self.object, mapping=self.form.mapping())

    def success_message(self, partner_import) -> str:
        return check_message(valid=partner_import.valid_rows, rejected=len(partner_import.rejected))

    def success_url(self, partner_import) -> str:
        return reverse("office:recruitment_import", kwargs={"import_id": partner_import.pk})

    def render_invalid(self, form):
        partner_import = partner_import_get_for_actor(actor=self.actor, import_id=self.kwargs["import_id"])
        context = _detail_context(self.actor, partner_import, mapping_form=form)
        return render(self.request, "recruitment/imports/detail.html", context)


class ImportConfirmView(ServiceView):
    """Import the valid rows (in the worker). Confirmed twice at once: one starts, one is told."""

    area, capability = OFFICE, PARTNERS_IMPORT
    form_class = ConfirmForm

    def get_object(self):
        return partner_import_get_for_actor(actor=self.actor, import_id=self.kwargs["import_id"])

    def perform(self, data):
        return partner_import_confirm(
            actor=self.actor, partner_import=self.object, invite_users=data.get("invite_users", False)
        )

    def success_message(self, partner_import) -> str:
        return gettext("The import has started: %(rows)s rows. You will be notified when it is done.") % {
            "rows": _number(partner_import.valid_rows)
        }

    def success_url(self, partner_import) -> str:
        return reverse("office:recruitment_import", kwargs={"import_id": partner_import.pk})

    def render_invalid(self, form):
        partner_import = partner_import_get_for_actor(actor=self.actor, import_id=self.kwargs["import_id"])
        context = _detail_context(self.actor, partner_import, confirm_form=form)
        return render(self.request, "recruitment/imports/detail.html", context)


class ImportRejectedView(MemberRequiredMixin, View):
    """Every rejected row of an import with its reason, as CSV (to correct and upload again)."""

    area, capability = OFFICE, PARTNERS_IMPORT

    def get(self, request, import_id: int):
        partner_import = partner_import_get_for_actor(actor=self.actor, import_id=import_id)
        dataset = rejected_dataset(partner_import=partner_import)
        return rejected_csv_response(dataset, filename=f"import-{partner_import.pk}-rejected.csv")


office_urls: list = [
    path("imports/", ImportListView.as_view(), name="recruitment_imports"),
    path("imports/upload/", ImportUploadView.as_view(), name="recruitment_import_upload"),
    path("imports/<int:import_id>/", ImportDetailView.as_view(), name="recruitment_import"),
    path("imports/<int:import_id>/validate/", ImportValidateView.as_view(), name="recruitment_import_validate"),
    path("imports/<int:import_id>/confirm/", ImportConfirmView.as_view(), name="recruitment_import_confirm"),
    path("imports/<int:import_id>/progress/", ImportProgressView.as_view(), name="recruitment_import_progress"),
    path("imports/<int:import_id>/rejected.csv", ImportRejectedView.as_view(), name="recruitment_import_rejected"),
]
portal_urls: list = []
public_urls: list = []
