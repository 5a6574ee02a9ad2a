"""Reads of the imports part: the list of past imports, one import (a 404 for anyone who may not
import partners, or for another tenant's), its preview as mapped and its report of rejected rows."""

from __future__ import annotations

import tablib
from django.http import Http404

from prm.tabular import preview_rows, rejected_shown
from prm.tabular import rejected_dataset as tabular_rejected_dataset

from ..models import PartnerImport
from ..permissions import A, recruitment_filter
from ..services.imports import COLUMNS, PREVIEW_ROWS, table_read

IMPORT_LIST_FIELDS = (
    "id",
    "file_name",
    "file_format",
    "status",
    "created_at",
    "total_rows",
    "valid_rows",
    "processed_rows",
    "partners_created",
    "partners_existing",
    "users_created",
    "users_existing",
    "created_by__user__email",
    "created_by__user__first_name",
    "created_by__user__last_name",
)


def partner_import_rows(*, actor):
    """The tenant's imports, newest first, as rows of ``IMPORT_LIST_FIELDS`` (plus the number of
    rejected rows, counted by the database: the report itself stays there)."""
    from django.db.models import Func, IntegerField

    if recruitment_filter(actor, A.IMPORT) is None:
        return PartnerImport.objects.none().values(*IMPORT_LIST_FIELDS)
    return (
        PartnerImport.objects.order_by("-created_at", "-id")
        .annotate(rejected_count=Func("rejected", function="jsonb_array_length", output_field=IntegerField()))
        .values(*IMPORT_LIST_FIELDS, "rejected_count")
    )


def partner_import_get_for_actor(*, actor, import_id: int) -> PartnerImport:
    if recruitment_filter(actor, A.IMPORT) is None:
        raise Http404
    partner_import = PartnerImport.objects.select_related("created_by__user").filter(pk=import_id).first()
    if partner_import is None:
        raise Http404
    return partner_import


def partner_import_preview(*, partner_import: PartnerImport, mapping: dict[str, int]) -> list[dict]:
    """The file's first rows as ``mapping`` fills the fields: [{row, cells: [value per field]}]."""
    with partner_import.document.open("rb") as handle:
        table = table_read(handle.read())
    return preview_rows(table, mapping, COLUMNS, PREVIEW_ROWS)


def rejected_dataset(*, partner_import: PartnerImport) -> tablib.Dataset:
    """Every rejected row: its row number, the file's columns as they were, and the reason."""
    return tabular_rejected_dataset(headers=list(partner_import.headers), rejected=partner_import.rejected)


__all__ = [
    "partner_import_get_for_actor",
    "partner_import_preview",
    "partner_import_rows",
    "rejected_dataset",
    "rejected_shown",
]
