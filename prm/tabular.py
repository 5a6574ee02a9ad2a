"""Reading a table someone uploads (CSV or XLSX) for a bulk import: one way for every import.

An import declares its fields as ``Column``s; this module reads the file (``table_read``: the
content decides CSV or XLSX, never the name; the encoding, the delimiter and the header row are
found), guesses which column of the file fills each field from the header names
(``mapping_guess``), keeps a chosen mapping only where it names known fields and real columns
(``mapping_clean``), reads a row's raw values against the columns' limits (``cells_read``),
and keeps a refused row's report entry (``rejected_entry``: the row number, the reason as a
message id with its parameters, the row's values) that the page lists and the download
(``rejected_dataset``) exports; and the two forms of every import's pages (``UploadForm``:
the file; ``MappingForm``: the column of the file that fills each field). The imports
themselves (partners and users in recruitment, leads in lead distribution) judge what the
values mean.

**Why the file is read with ``csv`` and openpyxl rather than ``tablib.Dataset.load``**: the report
cites the file's row numbers, and tablib's CSV reader skips blank lines (every number after one
would be off) and refuses a row longer than the header row. The rejected-rows report is written
with tablib.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import tablib
from django import forms
from django.db import models
from django.http import HttpResponse
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from prm.countries import COUNTRY_CHOICES
from prm.errors import PolicyViolation
from prm.events import texts
from prm.tenancy.models import TenantOwned
from prm.web.exports import csv_safe
from prm.web.files import private_upload_path

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
PREVIEW_ROWS = 10


@dataclass(frozen=True)
class Column:
    """A field an import fills: its key, label, whether every row needs it, its longest value and
    the header names it is guessed from (besides its key and its label)."""

    key: str
    label: Any
    required: bool = False
    max_length: int | None = None
    synonyms: tuple[str, ...] = ()


def header_key(text: str) -> str:
    """A header (or a name typed in a cell) as compared: lower case, accents and everything but
    letters and digits gone."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


def mapping_guess(headers: list[str], columns: tuple[Column, ...]) -> dict[str, int]:
    """Which column of the file fills each field, from the header names (case, spacing, hyphens
    and accents ignored; common synonyms, German ones too). Each column fills one field at most:
    the field whose synonyms name it first in ``columns``' order, exact names before synonyms."""
    normalised = [header_key(header) for header in headers]
    taken: set[int] = set()
    mapping: dict[str, int] = {}
    for column in columns:
        names = [header_key(column.key), header_key(texts.source(column.label)), *map(header_key, column.synonyms)]
        for name in names:
            index = next((i for i, header in enumerate(normalised) if header == name and i not in taken), None)
            if index is not None:
                mapping[column.key] = index
                taken.add(index)
                break
    return mapping


def mapping_clean(mapping: dict, width: int, columns: tuple[Column, ...]) -> dict[str, int]:
    """A mapping as stored: known fields to column indexes of the file."""
    keys = {column.key for column in columns}
    cleaned = {}
    for key, index in (mapping or {}).items():
        try:
            index = int(index)
        except (TypeError, ValueError):
            continue
        if key in keys and 0 <= index < width:
            cleaned[key] = index
    return cleaned


def mapping_missing(mapping: dict, columns: tuple[Column, ...]) -> list[Column]:
    """The required fields no column fills."""
    return [column for column in columns if column.required and column.key not in mapping]


# --- reading the file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A file's header row and its data rows, each with its row number in the file (header = 1).
    Blank rows are left out (their numbers are skipped)."""

    kind: str  # "csv" or "xlsx"
    headers: list[str]
    rows: list[tuple[int, list[str]]]


NOT_A_TABLE = _("Upload a CSV file or an Excel workbook (.xlsx) with a header row and one row per record.")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a postal code or phone number Excel stored as a number
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def _headers(cells: list[str]) -> list[str]:
    """Header names, blanks named by their column number, repeats numbered (the report's
    columns are keyed by them)."""
    seen: dict[str, int] = defaultdict(int)
    headers = []
    for index, cell in enumerate(cells):
        name = cell.strip() or gettext("Column %(number)s") % {"number": index + 1}
        seen[name] += 1
        headers.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return headers


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PolicyViolation(
        gettext("The file's characters could not be read: save it as CSV in UTF-8 (or Windows-1252) and try again.")
    )


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    if "\x00" in text:
        raise PolicyViolation(str(NOT_A_TABLE))
    first_line = text.split("\n", 1)[0]
    # Excel in many European languages separates with semicolons; some exports use tabs.
    delimiter = max((",", ";", "\t", "|"), key=first_line.count)
    try:
        return [
            [cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        ]
    except csv.Error as error:
        raise PolicyViolation(gettext("The CSV file could not be read: %(error)s") % {"error": error}) from error


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.active
        rows = [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
    except Exception as error:  # a damaged or disguised workbook: openpyxl raises many kinds
        raise PolicyViolation(str(NOT_A_TABLE)) from error
    return rows


def file_kind(data: bytes) -> str:
    """``xlsx`` or ``csv``, judged by the content (never the name): a workbook is a zip with
    ``xl/workbook.xml``; a text file that decodes is CSV; anything else is refused."""
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "xl/workbook.xml" in archive.namelist():
                    return "xlsx"
        except zipfile.BadZipFile:
            pass
        raise PolicyViolation(str(NOT_A_TABLE))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise PolicyViolation(gettext("This is an old Excel file (.xls): save it as .xlsx or CSV and upload that."))
    if data.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        raise PolicyViolation(str(NOT_A_TABLE))
    return "csv"


def table_read(data: bytes, *, header_example: str = "", max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> Table:
    """The file's header row and data rows; a ``PolicyViolation`` saying what is wrong with it
    (empty, too large, not a table, unreadable characters, no header row, too many rows).
    ``header_example``: a few of the import's column names, for the message when the header row
    is missing."""
    if not data or not data.strip(b"\x00\r\n\t \xef\xbb\xbf"):
        raise PolicyViolation(gettext("The file is empty."))
    if len(data) > max_bytes:
        raise PolicyViolation(gettext("Keep the file under %(size)s MB.") % {"size": max_bytes // (1024 * 1024)})
    kind = file_kind(data)
    raw = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    numbered = [(number, row) for number, row in enumerate(raw, start=1) if any(cell for cell in row)]
    if not numbered:
        raise PolicyViolation(gettext("The file is empty."))
    header_number, header_cells = numbered[0]
    if header_number != 1 or not _looks_like_header(header_cells):
        raise PolicyViolation(
            gettext("The first row must name the columns (%(example)s): add a header row and upload the file again.")
            % {"example": header_example or "..."}
        )
    width = len(header_cells)
    rows = []
    for number, cells in numbered[1:]:
        cells = (cells + [""] * width)[:width] if len(cells) != width else cells
        if any(cells):
            rows.append((number, cells))
    if not rows:
        raise PolicyViolation(gettext("The file has a header row but no rows to import."))
    if len(rows) > max_rows:
        raise PolicyViolation(
            gettext("The file has %(count)s rows: import at most %(max)s at a time.")
            % {"count": len(rows), "max": max_rows}
        )
    return Table(kind=kind, headers=_headers(header_cells), rows=rows)


def _looks_like_header(cells: list[str]) -> bool:
    """A header row names columns: no e-mail address, no cell that is only a number, and some
    cell with letters."""
    filled = [cell for cell in cells if cell]
    if not filled:
        return False
    if any("@" in cell for cell in filled):
        return False
    if any(re.fullmatch(r"[\d\s.,+\-/]+", cell) for cell in filled):
        return False
    return any(re.search(r"[^\W\d_]", cell) for cell in filled)


def preview_rows(table: Table, mapping: dict[str, int], columns: tuple[Column, ...], limit: int = PREVIEW_ROWS):
    """The file's first rows as ``mapping`` fills the fields: [{row, cells: [value per column]}]."""
    return [
        {"row": number, "cells": [cells[mapping[c.key]] if c.key in mapping else "" for c in columns]}
        for number, cells in table.rows[:limit]
    ]


# --- a row's values -------------------------------------------------------------------------------


class Refusal(Exception):
    """A row refused: a message id and its parameters (rendered in the reader's language)."""

    def __init__(self, message: str, **params):
        super().__init__(message)
        self.message, self.params = message, params


def field_label(column: Column) -> dict:
    return texts.label(column.label)


def cells_read(cells: list[str], mapping: dict[str, int], columns: tuple[Column, ...]) -> dict[str, str]:
    """The row's raw values by field (stripped; "" for a field no column fills); a ``Refusal``
    for a control character, a value over its column's length, or a required field left empty."""
    raw = {key: cells[index].strip() for key, index in mapping.items()}
    by_key = {column.key: column for column in columns}
    for key, value in raw.items():
        if "\x00" in value or any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in value):
            raise Refusal(gettext_noop("%(field)s holds a control character."), field=field_label(by_key[key]))
        limit = by_key[key].max_length
        if limit and len(value) > limit:
            raise Refusal(
                gettext_noop("%(field)s is too long (at most %(max)s characters)."),
                field=field_label(by_key[key]),
                max=limit,
            )
    for column in columns:
        if column.required and not raw.get(column.key):
            raise Refusal(gettext_noop("%(field)s is missing."), field=field_label(column))
    return {column.key: raw.get(column.key, "") for column in columns}


_COUNTRY_ALIASES = {
    "usa": "US", "unitedstatesofamerica": "US", "uk": "GB", "greatbritain": "GB", "england": "GB",
    "deutschland": "DE", "osterreich": "AT", "schweiz": "CH", "frankreich": "FR", "niederlande": "NL",
    "holland": "NL", "spanien": "ES", "italien": "IT", "vereinigteskonigreich": "GB", "vereinigtestaaten": "US",
}  # fmt: skip
_countries: dict[str, str] = {}


def country_code(value: str) -> str | None:
    """The ISO code of a country given by its code or its English (or German) name; None if unknown."""
    if not _countries:
        table = dict(_COUNTRY_ALIASES)
        for language in ("de", "en"):
            with translation.override(language):
                table.update({header_key(str(name)): code for code, name in COUNTRY_CHOICES})
        table.update({code.lower(): code for code, _name in COUNTRY_CHOICES})
        _countries.update(table)
    return _countries.get(header_key(value))


# --- the report of refused rows ---------------------------------------------------------------------


def rejected_entry(table: Table, number: int, cells: list[str], refusal: Refusal, **extra) -> dict:
    """A refused row as an import keeps it: its number, the reason (message id and parameters),
    the file's values by header."""
    return {
        "row": number,
        "reason": refusal.message,
        "params": texts.jsonable(refusal.params),
        "values": dict(zip(table.headers, cells, strict=False)),
        **extra,
    }


def rejected_reason(entry: dict) -> str:
    """A rejected row's reason in the reader's language."""
    return texts.render(entry.get("reason", ""), entry.get("params"))


def rejected_shown(entries: list[dict]) -> list[dict]:
    """Rejected rows as a page lists them: number, reason (in the reader's language), values."""
    return [
        {"row": entry["row"], "reason": rejected_reason(entry), "values": entry.get("values", {})} for entry in entries
    ]


def rejected_dataset(*, headers: list[str], rejected: list[dict]) -> tablib.Dataset:
    """Every rejected row: its row number, the file's columns as they were, and the reason
    (text that starts like a formula is quoted, so a spreadsheet shows it rather than runs it)."""
    dataset = tablib.Dataset(headers=[gettext("Row"), *(csv_safe(h) for h in headers), gettext("Reason")])
    for entry in rejected:
        values = entry.get("values", {})
        cells = (csv_safe(str(values.get(header, ""))) for header in headers)
        dataset.append([entry["row"], *cells, csv_safe(rejected_reason(entry))])
    return dataset


# --- the forms of an import's pages -------------------------------------------------------------


def check_message(*, valid: int, rejected: int) -> str:
    """What an import page says once every row is checked with a mapping."""
    return gettext("Every row is checked: %(valid)s can be imported, %(rejected)s are rejected.") % {
        "valid": number_format(valid, force_grouping=True),
        "rejected": number_format(rejected, force_grouping=True),
    }


def rejected_csv_response(dataset: tablib.Dataset, *, filename: str) -> HttpResponse:
    """The rejected rows of an import as a CSV download (to correct and upload again)."""
    # A byte-order mark: Excel then reads the UTF-8 names right.
    response = HttpResponse("\ufeff" + dataset.export("csv"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class UploadForm(forms.Form):
    """The file of an import; a subclass says what a row is in ``help_text``."""

    help_text: Any = ""
    document = forms.FileField(
        label=_("CSV or Excel file"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
        error_messages={"required": _("Choose the file to import."), "empty": _("The file is empty.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].help_text = self.help_text

    def clean_document(self):
        document = self.cleaned_data["document"]
        if document.size > MAX_BYTES:
            raise forms.ValidationError(_("Keep the file under %(size)s MB."), params={"size": MAX_BYTES // 2**20})
        return document


class MappingForm(forms.Form):
    """For each field of an import (a subclass's ``columns``), the column of the file that fills
    it (or none); two fields never from one column."""

    columns: tuple[Column, ...] = ()

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("(not in the file)")), *((str(i), header) for i, header in enumerate(headers))]
        for column in self.columns:
            self.fields[column.key] = forms.TypedChoiceField(
                label=column.label,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=column.required,
                error_messages={"required": _("Choose the column that holds this field.")},
            )

    def clean(self):
        data = super().clean()
        used: dict[int, str] = {}
        for column in self.columns:
            index = data.get(column.key)
            if index is None:
                continue
            if index in used:
                self.add_error(column.key, _("This column already fills another field."))
            used[index] = column.key
        return data

    def mapping(self) -> dict[str, int]:
        return {key: index for key, index in self.cleaned_data.items() if index is not None}


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded: map the columns")
    VALIDATED = "validated", _("Checked: confirm to import")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class TabularImport(TenantOwned):
    """What every import of an uploaded table stores (an app's model adds its options and its
    counts): the file, its mapping, the check's report, the worker's progress. Vendor-internal."""

    rls_partner_predicate = "false"

    created_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    document = models.FileField(_("file"), upload_to=private_upload_path, max_length=300)
    file_name = models.CharField(_("file name"), max_length=200)
    file_format = models.CharField(_("format"), max_length=8)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    rejected = models.JSONField(default=list, blank=True)  # [{"row": n, "reason": "...", "values": {...}}]
    processed_rows = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        abstract = True

    @property
    def rejected_count(self) -> int:
        return len(self.rejected)

    @property
    def percent(self) -> int:
        return round(100 * self.processed_rows / self.valid_rows) if self.valid_rows else 0
