"""Bulk import of the vendor's leads from a CSV or XLSX file (the back office).

The steps, as recruitment's partner import (the file is read by ``prm.tabular``, the one reader):
``lead_import_upload`` keeps the file, reads its header row and guesses the mapping of its columns
(and checks the rows at once when the guess covers the company); ``lead_import_map`` checks every
row with the mapping chosen; ``lead_import_confirm`` takes the campaign and whether to route the
leads once imported, and hands the valid rows to the worker; ``lead_import_run`` (the task
``leads.import_run``) imports one batch per run through ``lead_receive_many`` (the duplicate check
of every other arrival: repeats are merged or flagged, a repeat of an earlier row of the file too)
and sends itself the next batch, so that each batch is one transaction whose progress the page
shows as soon as it commits. The summary counts the leads created, merged, flagged and the
rejected rows.

**Nothing is written to leads before the confirmation**: checking stores only the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator, validate_email
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from prm import tabular
from prm.errors import InvalidTransition, PolicyViolation
from prm.events.services import event_record, outbox_enqueue
from prm.notifications.services import notify
from prm.segments import INDUSTRY_CHOICES
from prm.tabular import Column, Refusal, Table, header_key
from prm.tenancy.scope import current_tenant_id
from programs.models import ProductLine

from .. import events, notifications
from ..models import ImportStatus, LeadImport, LeadSource
from ..permissions import A, lead_require
from .intake import LIMITS, LeadInput, lead_receive_many

RUN_TASK = "leads.import_run"
MAX_BYTES = tabular.MAX_BYTES
MAX_ROWS = tabular.MAX_ROWS
# Rows per run of the task (one transaction).
BATCH_SIZE = 500
# The rejected rows the page lists (the download has them all).
REJECTED_SHOWN = 50
PREVIEW_ROWS = tabular.PREVIEW_ROWS

COLUMNS: tuple[Column, ...] = (
    Column(
        "company",
        _("Company"),
        required=True,
        max_length=LIMITS["company"],
        synonyms=("company name", "account", "account name", "organisation", "organization", "firma", "unternehmen"),
    ),
    Column(
        "website",
        _("Website"),
        max_length=LIMITS["website"],
        synonyms=("web", "url", "homepage", "domain", "webseite"),
    ),
    Column(
        "contact_name",
        _("Contact name"),
        max_length=LIMITS["contact_name"],
        synonyms=("name", "contact", "full name", "person", "ansprechpartner", "kontakt"),
    ),
    Column(
        "email",
        _("E-mail"),
        max_length=LIMITS["email"],
        synonyms=("email address", "e-mail address", "mail", "contact email", "e-mail-adresse"),
    ),
    Column("phone", _("Phone"), max_length=LIMITS["phone"], synonyms=("telephone", "phone number", "telefon", "tel")),
    Column("job_title", _("Job title"), max_length=LIMITS["job_title"], synonyms=("title", "position", "role")),
    Column("country", _("Country"), synonyms=("country code", "land", "staat")),
    Column("region", _("Region"), max_length=LIMITS["region_code"], synonyms=("state", "province", "bundesland")),
    Column(
        "postal_code",
        _("Postal code"),
        max_length=LIMITS["postal_code"],
        synonyms=("postcode", "zip", "zip code", "plz", "postleitzahl"),
    ),
    Column("city", _("City"), max_length=LIMITS["city"], synonyms=("town", "ort", "stadt")),
    Column("industry", _("Industry"), max_length=LIMITS["industry"], synonyms=("vertical", "sector", "branche")),
    Column("product_line", _("Product line"), synonyms=("product", "product interest", "interest", "produkt")),
    Column(
        "description",
        _("Need"),
        max_length=LIMITS["description"],
        synonyms=("description", "need", "needs", "message", "notes", "comment", "bedarf", "beschreibung"),
    ),
    Column(
        "estimated_value",
        _("Estimated value"),
        synonyms=("value", "amount", "budget", "deal size", "wert"),
    ),
    Column("currency", _("Currency"), synonyms=("curr", "wahrung")),
    Column("campaign", _("Campaign"), max_length=LIMITS["campaign"], synonyms=("source campaign", "kampagne")),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
_url = URLValidator(schemes=["http", "https"])
_INDUSTRIES = {header_key(value): value for value, _label in INDUSTRY_CHOICES}


def mapping_guess(headers: list[str]) -> dict[str, int]:
    return tabular.mapping_guess(headers, COLUMNS)


def table_read(data: bytes) -> Table:
    return tabular.table_read(data, header_example=gettext("company, contact name, e-mail, country, ..."))


# --- checking the rows --------------------------------------------------------------------------


@dataclass(frozen=True)
class References:
    """The tenant's product lines, by name and by slug (compared as headers are)."""

    lines: dict[str, int]
    line_names: str

    @classmethod
    def load(cls) -> References:
        lines: dict[str, int] = {}
        names = []
        for pk, name, slug in ProductLine.objects.order_by("name").values_list("pk", "name", "slug"):
            lines[header_key(name)] = pk
            lines[header_key(slug)] = pk
            names.append(name)
        return cls(lines=lines, line_names=", ".join(names))


def _amount(text: str) -> Decimal:
    """A value as people type it in a spreadsheet: "12 500", "12,500.50", "12.500,50", "€ 900"."""
    cleaned = re.sub(r"[^\d,.\-]", "", text)
    if "," in cleaned and "." in cleaned:
        thousands = "," if cleaned.index(",") < cleaned.index(".") else "."
        cleaned = cleaned.replace(thousands, "").replace(",", ".")
    elif "," in cleaned:
        cleaned = cleaned.replace(",", ".") if re.search(r",\d{1,2}$", cleaned) else cleaned.replace(",", "")
    value = Decimal(cleaned)
    if not value.is_finite():
        raise InvalidOperation
    return value.quantize(Decimal("0.01"))


def row_read(cells: list[str], mapping: dict[str, int], refs: References) -> LeadInput:
    """The row as a cleaned ``LeadInput``; a ``Refusal`` for the first thing wrong with it."""
    raw = tabular.cells_read(cells, mapping, COLUMNS)
    country = ""
    if raw["country"]:
        country = tabular.country_code(raw["country"])
        if country is None:
            raise Refusal(
                gettext_noop("Unknown country %(value)s: give its ISO code (such as DE) or its English name."),
                value=raw["country"],
            )
    email = raw["email"].lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Refusal(gettext_noop("%(value)s is not an e-mail address."), value=raw["email"]) from None
    if not email and not raw["phone"]:
        raise Refusal(gettext_noop("Give an e-mail address or a phone number to reach the lead."))
    website = raw["website"]
    if website:
        full = website if "://" in website else f"https://{website}"
        try:
            _url(full)
        except ValidationError:
            raise Refusal(gettext_noop("%(value)s is not a website address."), value=website) from None
    line_id = None
    if raw["product_line"]:
        line_id = refs.lines.get(header_key(raw["product_line"]))
        if line_id is None:
            raise Refusal(
                gettext_noop("Unknown product line %(value)s: use one of %(choices)s."),
                value=raw["product_line"],
                choices=refs.line_names,
            )
    value = None
    if raw["estimated_value"]:
        try:
            value = _amount(raw["estimated_value"])
        except (InvalidOperation, ValueError):
            raise Refusal(gettext_noop("%(value)s is not an amount."), value=raw["estimated_value"]) from None
        if value < 0 or value >= Decimal("1e12"):
            raise Refusal(gettext_noop("%(value)s is not an amount."), value=raw["estimated_value"])
    currency = raw["currency"].upper()
    if currency and not re.fullmatch(r"[A-Z]{3}", currency):
        raise Refusal(gettext_noop("%(value)s is not a currency code (such as EUR)."), value=raw["currency"])
    industry = _INDUSTRIES.get(header_key(raw["industry"]), raw["industry"])
    item = LeadInput(
        company=raw["company"],
        website=website,
        contact_name=raw["contact_name"],
        email=email,
        phone=raw["phone"],
        job_title=raw["job_title"],
        country=country,
        region_code=raw["region"],
        postal_code=raw["postal_code"],
        city=raw["city"],
        industry=industry,
        product_line_id=line_id,
        description=raw["description"],
        estimated_value=value,
        currency=currency,
        campaign=raw["campaign"],
    )
    try:
        return item.clean()
    except PolicyViolation as error:  # a limit the columns do not know
        raise Refusal(gettext_noop("This row could not be read: %(reason)s"), reason=error.message) from None


@dataclass
class Checked:
    valid: list[tuple[int, LeadInput]]
    rejected: list[dict]


def rows_check(table: Table, mapping: dict[str, int]) -> Checked:
    """Check every row's values (reads only; repeats of earlier leads are the import's to merge
    or flag, not refusals)."""
    refs = References.load()
    valid, rejected = [], []
    for number, cells in table.rows:
        try:
            valid.append((number, row_read(cells, mapping, refs)))
        except Refusal as refusal:
            rejected.append(tabular.rejected_entry(table, number, cells, refusal))
    return Checked(valid=valid, rejected=rejected)


# --- the services -------------------------------------------------------------------------------


def _read_stored(lead_import: LeadImport) -> Table:
    with lead_import.document.open("rb") as handle:
        return table_read(handle.read())


def _check_into(lead_import: LeadImport, table: Table) -> None:
    checked = rows_check(table, lead_import.mapping)
    lead_import.total_rows = len(table.rows)
    lead_import.valid_rows = len(checked.valid)
    lead_import.rejected = checked.rejected
    lead_import.status = ImportStatus.VALIDATED


@transaction.atomic
def lead_import_upload(*, actor, upload) -> LeadImport:
    """Keep an uploaded file, read its header row and guess the mapping; when the guess covers
    the company the rows are checked at once (the mapping may still change)."""
    lead_require(actor, None, A.CREATE)
    if (getattr(upload, "size", 0) or 0) > MAX_BYTES:
        raise PolicyViolation(gettext("Keep the file under %(size)s MB.") % {"size": MAX_BYTES // (1024 * 1024)})
    upload.seek(0)
    data = upload.read()
    table = table_read(data)
    lead_import = LeadImport(
        created_by=actor,
        file_name=(getattr(upload, "name", "") or "leads")[-200:],
        file_format=table.kind,
        headers=table.headers,
        mapping=mapping_guess(table.headers),
        total_rows=len(table.rows),
    )
    lead_import.document.save(f"leads.{table.kind}", ContentFile(data), save=False)
    if not tabular.mapping_missing(lead_import.mapping, COLUMNS):
        _check_into(lead_import, table)
    lead_import.save()
    event_record(
        actor=actor,
        target=lead_import,
        verb=events.IMPORT_UPLOADED,
        to_state=lead_import.status,
        data={"rows": len(table.rows), "format": table.kind},
    )
    return lead_import


def _lock_import(lead_import: LeadImport) -> LeadImport:
    return LeadImport.objects.select_for_update().select_related("created_by__user").get(pk=lead_import.pk)


@transaction.atomic
def lead_import_map(*, actor, lead_import: LeadImport, mapping: dict) -> LeadImport:
    """Check every row with ``mapping`` (field -> column index)."""
    lead_require(actor, None, A.CREATE)
    lead_import = _lock_import(lead_import)
    if lead_import.status not in (ImportStatus.UPLOADED, ImportStatus.VALIDATED):
        raise InvalidTransition(gettext("This import was confirmed already: its mapping can no longer change."))
    mapping = tabular.mapping_clean(mapping, len(lead_import.headers), COLUMNS)
    missing = tabular.mapping_missing(mapping, COLUMNS)
    if missing:
        raise PolicyViolation(
            gettext("Choose a column for %(fields)s.") % {"fields": ", ".join(str(c.label) for c in missing)}
        )
    if len(mapping.values()) != len(set(mapping.values())):
        raise PolicyViolation(gettext("Each column of the file fills one field at most."))
    lead_import.mapping = mapping
    _check_into(lead_import, _read_stored(lead_import))
    lead_import.save()
    return lead_import


@transaction.atomic
def lead_import_confirm(*, actor, lead_import: LeadImport, campaign: str = "", route: bool = True) -> LeadImport:
    """Import the valid rows in the worker, with ``campaign`` on every lead whose row names none,
    routed once imported when ``route``. Two confirmations at once: one starts, one is told."""
    lead_require(actor, None, A.CREATE)
    campaign = " ".join((campaign or "").split())
    if len(campaign) > LIMITS["campaign"]:
        raise PolicyViolation(gettext("Keep the campaign under %(max)s characters.") % {"max": LIMITS["campaign"]})
    lead_import = _lock_import(lead_import)
    if lead_import.status in (ImportStatus.IMPORTING, ImportStatus.DONE):
        raise InvalidTransition(gettext("This import was confirmed already."))
    if lead_import.status != ImportStatus.VALIDATED:
        raise InvalidTransition(gettext("Check the rows before importing them."))
    if not lead_import.valid_rows:
        raise PolicyViolation(gettext("No row can be imported: correct the file and upload it again."))
    lead_import.status = ImportStatus.IMPORTING
    lead_import.campaign = campaign
    lead_import.route_after_import = route
    lead_import.started_at = timezone.now()
    lead_import.processed_rows = lead_import.leads_created = lead_import.leads_merged = lead_import.leads_flagged = 0
    lead_import.save()
    event_record(
        actor=actor,
        target=lead_import,
        verb=events.IMPORT_CONFIRMED,
        from_state=ImportStatus.VALIDATED,
        to_state=ImportStatus.IMPORTING,
        data={"valid_rows": lead_import.valid_rows, "campaign": campaign, "route": route},
    )
    outbox_enqueue(task_name=RUN_TASK, lead_import_id=lead_import.pk)
    return lead_import


@transaction.atomic
def lead_import_run(*, lead_import_id: int) -> dict:
    """Import the next batch of a confirmed import's valid rows (one transaction: the task's),
    then send the task again for the next batch, or finish. Idempotent and resumable: the batch
    starts at ``processed_rows`` (committed with the batch), and a run for an import that is not
    importing does nothing."""
    # Batches of one tenant's imports take turns (their duplicate checks would otherwise wait
    # on each other's keys in the order of two files).
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [15_002, current_tenant_id()])
    lead_import = LeadImport.objects.select_for_update().filter(pk=lead_import_id).first()
    if lead_import is None or lead_import.status != ImportStatus.IMPORTING:
        return {"done": True, "rows": 0}
    try:
        table = _read_stored(lead_import)
    except (PolicyViolation, OSError, ValueError) as error:
        lead_import.status = ImportStatus.FAILED
        lead_import.error = str(getattr(error, "message", error))[:2000]
        lead_import.finished_at = timezone.now()
        lead_import.save()
        return {"done": True, "rows": 0}
    refused_first = {entry["row"] for entry in lead_import.rejected if not entry.get("at_run")}
    candidates = [(number, cells) for number, cells in table.rows if number not in refused_first]
    batch = candidates[lead_import.processed_rows : lead_import.processed_rows + BATCH_SIZE]
    refs = References.load()
    items: list[LeadInput] = []
    late: list[dict] = []
    for number, cells in batch:
        try:
            item = row_read(cells, lead_import.mapping, refs)
        except Refusal as refusal:  # the tenant changed since the check (a product line)
            late.append(tabular.rejected_entry(table, number, cells, refusal, at_run=True))
            continue
        item.campaign = item.campaign or lead_import.campaign
        items.append(item)
    results = lead_receive_many(
        items=items,
        source=LeadSource.IMPORT,
        created_by=lead_import.created_by,
        lead_import=lead_import,
        route=lead_import.route_after_import,
    )
    created = sum(1 for result in results if result.created and not result.flagged)
    flagged = sum(1 for result in results if result.flagged)
    merged = sum(1 for result in results if result.merged)
    lead_import.processed_rows += len(batch)
    lead_import.leads_created += created
    lead_import.leads_flagged += flagged
    lead_import.leads_merged += merged
    if late:
        lead_import.rejected = sorted(lead_import.rejected + late, key=lambda entry: entry["row"])
    done = lead_import.processed_rows >= len(candidates)
    if done:
        _finish(lead_import)
    lead_import.save()
    if not done:
        outbox_enqueue(task_name=RUN_TASK, lead_import_id=lead_import.pk)
    return {"done": done, "rows": len(batch), "created": created, "merged": merged, "flagged": flagged}


def _finish(lead_import: LeadImport) -> None:
    lead_import.status = ImportStatus.DONE
    lead_import.finished_at = timezone.now()
    summary = {
        "created": lead_import.leads_created,
        "merged": lead_import.leads_merged,
        "flagged": lead_import.leads_flagged,
        "rejected": len(lead_import.rejected),
    }
    event = event_record(
        actor=None,
        target=lead_import,
        verb=events.IMPORTED,
        from_state=ImportStatus.IMPORTING,
        to_state=ImportStatus.DONE,
        data=summary,
    )
    notify(
        recipients=[lead_import.created_by],
        kind=notifications.IMPORT_FINISHED,
        title=gettext_noop("Lead import of %(file)s finished"),
        body=gettext_noop(
            "%(created)s leads created, %(merged)s merged into earlier leads, %(flagged)s flagged as duplicates; "
            "%(rejected)s rows rejected."
        ),
        params={"file": lead_import.file_name, **summary},
        url=reverse("office:lead_import", kwargs={"import_id": lead_import.pk}),
        event=event,
    )
