"""The data export pages, in the back office (the tenant's data, for its admins) and in the portal
(a partner's, for its admins): start an export, watch it run (the list polls while one is queued
or running), download the zip when it is ready.

One set of views serves both areas, as the Integrations pages do: ``OfficeSide`` and
``PortalSide`` say where a page lives; the selectors decide whose exports an actor sees.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.views import View

from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.accounts.roles import DATA_EXPORT, PARTNER_DATA_EXPORT
from prm.web.files import document_response
from prm.web.views import ServiceView, paginate, shown_time, url_pattern

from ..exports import (
    data_export_file_name,
    data_export_get_for_actor,
    data_export_list_for_actor,
    data_export_request,
)
from ..models import ExportStatus

TEMPLATE = "api/data_export.html"
PER_PAGE = 20
BADGES = {
    ExportStatus.QUEUED: "text-bg-secondary",
    ExportStatus.RUNNING: "text-bg-info",
    ExportStatus.DONE: "text-bg-success",
    ExportStatus.FAILED: "text-bg-danger",
}


class OfficeSide:
    """The back office's page: the tenant's exports, for its admins."""

    area, capability, ns = OFFICE, DATA_EXPORT, "office"

    def url(self, name: str) -> str:
        return reverse(f"{self.ns}:{name}")


class PortalSide(OfficeSide):
    """The portal's page: the partner's exports, for the partner's admins."""

    area, capability, ns = PORTAL, PARTNER_DATA_EXPORT, "portal"


def _rows(exports, ns: str) -> list[dict]:
    download = url_pattern(f"{ns}:data_export_download", "export_id")
    return [
        {
            "export": export,
            "status": export.get_status_display(),
            "badge": BADGES[export.status],
            "requested_by": export.requested_by.user,
            "created": shown_time(export.created_at),
            "finished": shown_time(export.finished_at),
            "tables_done": number_format(export.tables_done, force_grouping=True),
            "tables_total": number_format(export.tables_total, force_grouping=True),
            "rows": number_format(export.rows_written, force_grouping=True),
            "download_url": download(export.pk) if export.status == ExportStatus.DONE else "",
        }
        for export in exports
    ]


class DataExportView(OfficeSide, MemberRequiredMixin, View):
    """The side's exports, newest first, with the button that starts one. Answers htmx's poll
    with the list alone (the ``exports`` partial), which polls again while an export runs."""

    def get(self, request):
        exports = data_export_list_for_actor(actor=self.actor)
        page = paginate(request, exports.select_related("requested_by__user"), PER_PAGE, count_from=exports)
        rows = _rows(page.object_list, self.ns)
        context = {
            "area": self.area,
            "partner": self.actor.partner if self.area == PORTAL else None,
            "page": page,
            "rows": rows,
            "active": any(row["export"].active for row in rows),
            "start_url": self.url("data_export_start"),
            "poll_url": request.get_full_path(),
        }
        template = f"{TEMPLATE}#exports" if request.htmx else TEMPLATE
        return render(request, template, context)


class DataExportStartView(OfficeSide, ServiceView):
    """Start an export (in the worker); a second one while one runs is refused with the reason."""

    def perform(self, data):
        return data_export_request(actor=self.actor)

    def success_message(self, export):
        return gettext(
            "The export has started. This page shows its progress, and you will be notified when it is ready."
        )

    def success_url(self, export=None):
        return self.url("data_export")

    def render_invalid(self, form):
        return redirect(self.success_url())


class DataExportDownloadView(OfficeSide, MemberRequiredMixin, View):
    """The zip of a ready export of the actor's side (another side's, or one not ready: 404)."""

    def get(self, request, export_id: int):
        export = data_export_get_for_actor(actor=self.actor, export_id=export_id)
        if export.status != ExportStatus.DONE:
            raise Http404
        return document_response(export.file, name=data_export_file_name(export, tenant=request.tenant))


class PortalDataExportView(PortalSide, DataExportView):
    pass


class PortalDataExportStartView(PortalSide, DataExportStartView):
    pass


class PortalDataExportDownloadView(PortalSide, DataExportDownloadView):
    pass
