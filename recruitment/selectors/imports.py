"""Reads of the imports part: the list of past imports, one import (a 404 for anyone who may not
import partners, or for another tenant's), its preview as mapped and its report of rejected rows."""

from __future__ import annotations

import tablib
from django.http import Http404
from django.utils.translation import gettext

from prm.web.exports import csv_safe

from ..models import PartnerImport
from ..permissions import A, recruitment_filter
from ..services.imports import COLUMNS, PREVIEW_ROWS, rejected_reason, table_read

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
    return [
        {"row": number, "cells": [cells[mapping[c.key]] if c.key in mapping else "" for c in COLUMNS]}
        for number, cells in table.rows[:PREVIEW_ROWS]
    ]


def rejected_shown(entries: list[dict]) -> list[dict]:
    """Rejected rows as the page lists them: number, reason (in the reader's language), values."""
    return [
        {"row": entry["row"], "reason": rejected_reason(entry), "values": entry.get("values", {})} for entry in entries
    ]


def rejected_dataset(*, partner_import: PartnerImport) -> tablib.Dataset:
    """Every rejected row: its row number, the file's columns as they were, and the reason
    (text that starts like a formula is quoted, so a spreadsheet shows it rather than runs it)."""
    headers = list(partner_import.headers)
    dataset = tablib.Dataset(headers=[gettext("Row"), *(csv_safe(h) for h in headers), gettext("Reason")])
    for entry in partner_import.rejected:
        values = entry.get("values", {})
        cells = (csv_safe(str(values.get(header, ""))) for header in headers)
        dataset.append([entry["row"], *cells, csv_safe(rejected_reason(entry))])
    return dataset
