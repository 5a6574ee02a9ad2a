"""Bulk import of existing partners and their users from a CSV or XLSX file (the back office).

The steps: ``partner_import_upload`` keeps the file, reads its header row and guesses the
mapping of its columns (then checks the rows at once with that guess);
``partner_import_map`` checks every row with a mapping the admin chose; ``partner_import_confirm``
hands the valid rows to the worker; ``partner_import_run`` (the task ``recruitment.import_run``)
imports one batch per run and sends itself the next one, so that each batch is one transaction
whose progress the page can show as soon as it commits.

**Nothing is written to partners or people before the confirmation**: checking stores only the
report on the import (``rejected``: each refused row's number, the reason as a message id with
its parameters, and the row's values; ``valid_rows``).

**How a row finds its partner** (decided here; a re-import relies on it): a row with a CRM id is
the partner with that CRM id; if none has it, the partner with the same legal name (ignoring
case) that has no CRM id yet; a row without a CRM id is the partner with the same legal name
(ignoring case, the oldest if several). Rows of one partner in the file share that key: a CRM
id, else the legal name. Existing partners are never changed by an import ("already there");
missing ones are created active. A user (the row's e-mail) who already has a membership of
that partner, or a pending invitation to it, is "already there"; anyone else gets a pending
invitation (e-mailed only when the admin asked for it). A user of another company, of the
vendor's staff, or invited to another company, is a rejected row.

The file is read, its columns guessed and its rows' raw values checked by ``prm.tabular`` (the
one reader of every import); this module judges what the values mean.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator, validate_email
from django.db import connection, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from partners import events as partner_events
from partners.models import Partner, PartnerStatus, PartnerType
from prm import tabular
from prm.accounts import events as account_events
from prm.accounts.models import Invitation, Membership
from prm.accounts.roles import PARTNER_ROLES, MembershipKind, Role
from prm.accounts.services import INVITATION_EMAIL_TASK
from prm.errors import InvalidTransition, PolicyViolation
from prm.events import texts
from prm.events.services import event_record, event_record_many, outbox_enqueue, outbox_enqueue_many, system_event
from prm.notifications.services import notify
from prm.tabular import Refusal, Table, header_key
from prm.tenancy.scope import current_tenant_id

from .. import events, notifications
from ..models import ImportStatus, PartnerImport
from ..permissions import A, recruitment_require

RUN_TASK = "recruitment.import_run"
MAX_BYTES = tabular.MAX_BYTES
MAX_ROWS = tabular.MAX_ROWS
# Rows per run of the task (one transaction): a partner's rows are never split across two.
BATCH_SIZE = 500
# The rejected rows the page lists (the download has them all).
REJECTED_SHOWN = 50
PREVIEW_ROWS = tabular.PREVIEW_ROWS


# --- the columns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column(tabular.Column):
    """A field of the partner import; ``partner``: it belongs to the partner (repeated on each of
    its users' rows), not to the user."""

    partner: bool = True


COLUMNS: tuple[Column, ...] = (
    Column(
        "legal_name",
        _("Legal name"),
        required=True,
        max_length=200,
        synonyms=(
            "legal name",
            "company",
            "company name",
            "partner",
            "partner name",
            "name",
            "firma",
            "firmenname",
            "unternehmen",
            "rechtlicher name",
            "account name",
        ),
    ),
    Column(
        "display_name",
        _("Display name"),
        max_length=200,
        synonyms=("display name", "short name", "trading name", "anzeigename", "kurzname"),
    ),
    Column(
        "partner_type",
        _("Partner type"),
        required=True,
        synonyms=("partner type", "type", "partnertyp", "typ", "art", "category"),
    ),
    Column(
        "country",
        _("Country"),
        required=True,
        synonyms=("country", "hq country", "country code", "land", "staat", "laendercode", "länderkennung"),
    ),
    Column(
        "website",
        _("Website"),
        max_length=200,
        synonyms=("website", "web", "url", "homepage", "webseite", "internetseite"),
    ),
    Column(
        "email_domains",
        _("E-mail domains"),
        synonyms=("email domains", "e-mail domains", "domains", "domain", "email domain", "e-mail-domains"),
    ),
    Column("city", _("City"), max_length=100, synonyms=("city", "town", "ort", "stadt")),
    Column(
        "postal_code",
        _("Postal code"),
        max_length=20,
        synonyms=("postal code", "postcode", "zip", "zip code", "plz", "postleitzahl"),
    ),
    Column("phone", _("Phone"), max_length=40, synonyms=("phone", "telephone", "phone number", "telefon", "tel")),
    Column(
        "crm_id",
        _("CRM id"),
        max_length=64,
        synonyms=("crm id", "external id", "external crm id", "account id", "crm", "crm-id", "kundennummer"),
    ),
    Column(
        "account_manager",
        _("Account manager e-mail"),
        synonyms=(
            "account manager",
            "account manager email",
            "account manager e-mail",
            "cam",
            "owner",
            "owner email",
            "betreuer",
            "accountmanager",
            "partner manager",
        ),
    ),
    Column(
        "user_email",
        _("User e-mail"),
        partner=False,
        max_length=254,
        synonyms=(
            "user email",
            "user e-mail",
            "email",
            "e-mail",
            "contact email",
            "mail",
            "e-mail-adresse",
            "email address",
            "benutzer e-mail",
        ),
    ),
    Column(
        "user_first_name",
        _("User first name"),
        partner=False,
        max_length=150,
        synonyms=("user first name", "first name", "firstname", "given name", "vorname"),
    ),
    Column(
        "user_last_name",
        _("User last name"),
        partner=False,
        max_length=150,
        synonyms=(
            "user last name",
            "last name",
            "lastname",
            "surname",
            "family name",
            "nachname",
            "name des benutzers",
        ),
    ),
    Column("user_role", _("User role"), partner=False, synonyms=("user role", "role", "rolle", "funktion")),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
PARTNER_KEYS = tuple(column.key for column in COLUMNS if column.partner)


def mapping_guess(headers: list[str]) -> dict[str, int]:
    """Which column of the file fills each field (``prm.tabular.mapping_guess``)."""
    return tabular.mapping_guess(headers, COLUMNS)


def mapping_clean(mapping: dict, width: int) -> dict[str, int]:
    """A mapping as stored: known fields to column indexes of the file."""
    return tabular.mapping_clean(mapping, width, COLUMNS)


# --- reading the file ---------------------------------------------------------------------------


def table_read(data: bytes) -> Table:
    """The file's header row and data rows (``prm.tabular.table_read``)."""
    return tabular.table_read(
        data, header_example=gettext("legal name, partner type, country, user e-mail, ..."), max_rows=MAX_ROWS
    )


# --- checking the rows --------------------------------------------------------------------------


def _role_lookup() -> dict[str, str]:
    table = {}
    for role in PARTNER_ROLES:
        table[header_key(role.value)] = role.value
        table[header_key(texts.source(role.label))] = role.value
        with translation.override("de"):
            table[header_key(str(role.label))] = role.value
    table.update({"admin": Role.PARTNER_ADMIN, "sales": Role.SALES, "salesrep": Role.SALES, "vertrieb": Role.SALES})
    return table


_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_url = URLValidator(schemes=["http", "https"])


def partner_key(cells: list[str], mapping: dict[str, int]) -> str:
    """Which partner a row is, within the file: its CRM id, else its legal name (casefolded).
    Read from the cells as they are, so that a row refused later keeps its place in the order
    the batches follow."""
    crm = cells[mapping["crm_id"]].strip() if "crm_id" in mapping else ""
    if crm:
        return f"crm:{crm}"
    return "name:" + " ".join(cells[mapping["legal_name"]].split()).casefold()


@dataclass
class Row:
    """One row of the file as an import reads it: its number, its partner's key (``partner_key``),
    the partner's fields and the user's (``data``), or why it is refused now (``refusal``)."""

    number: int
    cells: list[str]
    partner_key: str
    data: dict[str, Any] = field(default_factory=dict)
    refusal: Refusal | None = None


@dataclass
class References:
    """The tenant's rows a check compares the file with, read once per check (set-based)."""

    types: dict[str, int]
    type_names: str
    managers: dict[str, int]

    @classmethod
    def load(cls, table: Table, mapping: dict[str, int]) -> References:
        types: dict[str, int] = {}
        names = []
        for pk, slug, name in PartnerType.objects.order_by("name").values_list("pk", "slug", "name"):
            types[slug.casefold()] = pk
            types[name.casefold()] = pk
            names.append(slug)
        managers: dict[str, int] = {}
        if "account_manager" in mapping:
            wanted = {row[mapping["account_manager"]].casefold() for _n, row in table.rows} - {""}
            if wanted:
                managers = dict(
                    Membership.objects.annotate(email=Lower("user__email"))
                    .filter(kind=MembershipKind.STAFF, is_active=True, email__in=wanted)
                    .values_list("email", "pk")
                )
        return cls(types=types, type_names=", ".join(names), managers=managers)


def _field_label(key: str) -> dict:
    return tabular.field_label(COLUMNS_BY_KEY[key])


def row_read(number: int, cells: list[str], mapping: dict[str, int], refs: References) -> Row:
    """The row's fields, cleaned; a ``Refusal`` for the first thing wrong with it."""
    row = Row(number=number, cells=cells, partner_key=partner_key(cells, mapping))
    raw = tabular.cells_read(cells, mapping, COLUMNS)
    data = row.data
    data["legal_name"] = " ".join(raw["legal_name"].split())
    data["display_name"] = " ".join(raw.get("display_name", "").split()) or data["legal_name"]
    type_id = refs.types.get(raw["partner_type"].casefold())
    if type_id is None:
        raise Refusal(
            gettext_noop("Unknown partner type %(value)s: use one of %(choices)s."),
            value=raw["partner_type"],
            choices=refs.type_names,
        )
    data["partner_type"] = type_id
    country = tabular.country_code(raw["country"])
    if country is None:
        raise Refusal(
            gettext_noop("Unknown country %(value)s: give its ISO code (such as DE) or its English name."),
            value=raw["country"],
        )
    data["country"] = country
    website = raw.get("website", "")
    if website:
        if "://" not in website:
            website = f"https://{website}"
        try:
            _url(website)
        except ValidationError:
            raise Refusal(gettext_noop("%(value)s is not a website address."), value=raw["website"]) from None
    data["website"] = website
    domains = []
    for domain in re.split(r"[,;\s]+", raw.get("email_domains", "").lower()):
        domain = domain.strip().lstrip("@")
        if not domain:
            continue
        if not _DOMAIN.match(domain):
            raise Refusal(gettext_noop("%(value)s is not an e-mail domain."), value=domain)
        if domain not in domains:
            domains.append(domain)
    data["email_domains"] = domains
    for key in ("city", "postal_code", "phone", "crm_id"):
        data[key] = raw.get(key, "")
    manager = raw.get("account_manager", "")
    data["account_manager"] = None
    if manager:
        data["account_manager"] = refs.managers.get(manager.casefold())
        if data["account_manager"] is None:
            raise Refusal(gettext_noop("%(value)s is not an active staff member (account manager)."), value=manager)
    email = raw.get("user_email", "")
    data["user_email"] = ""
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Refusal(gettext_noop("%(value)s is not an e-mail address."), value=email) from None
        data["user_email"] = email.lower()
    elif any(raw.get(key) for key in ("user_first_name", "user_last_name", "user_role")):
        raise Refusal(gettext_noop("A user's name or role is given without the user's e-mail address."))
    data["user_first_name"] = raw.get("user_first_name", "")
    data["user_last_name"] = raw.get("user_last_name", "")
    role = raw.get("user_role", "")
    data["user_role"] = Role.SALES.value
    if role:
        data["user_role"] = _role_lookup().get(header_key(role))
        if data["user_role"] is None:
            raise Refusal(
                gettext_noop("Unknown role %(value)s: use one of %(choices)s."),
                value=role,
                choices=", ".join(sorted(r.value for r in PARTNER_ROLES)),
            )
    return row


_rejected = tabular.rejected_entry


@dataclass
class PartnerMatch:
    """The tenant's partners the file's rows name: by CRM id, by legal name (casefolded)."""

    by_crm: dict[str, int]
    by_name: dict[str, int]  # any partner
    by_name_without_crm: dict[str, int]

    @classmethod
    def load(cls, rows: list[Row]) -> PartnerMatch:
        crms = {row.data["crm_id"] for row in rows if row.data["crm_id"]}
        names = {row.data["legal_name"].casefold() for row in rows}
        by_crm = dict(Partner.objects.filter(external_crm_id__in=crms).values_list("external_crm_id", "pk"))
        by_name: dict[str, int] = {}
        by_name_without_crm: dict[str, int] = {}
        if names:
            # lower() is enough for the names people type; casefold() compares them in Python.
            found = (
                Partner.objects.annotate(lname=Lower("legal_name"))
                .filter(lname__in={name.lower() for name in names})
                .order_by("pk")
                .values_list("pk", "legal_name", "external_crm_id")
            )
            for pk, legal_name, crm in found:
                by_name.setdefault(legal_name.casefold(), pk)
                if not crm:
                    by_name_without_crm.setdefault(legal_name.casefold(), pk)
        return cls(by_crm=by_crm, by_name=by_name, by_name_without_crm=by_name_without_crm)

    def find(self, row: Row) -> int | None:
        name = row.data["legal_name"].casefold()
        if row.data["crm_id"]:
            return self.by_crm.get(row.data["crm_id"]) or self.by_name_without_crm.get(name)
        return self.by_name.get(name)


@dataclass
class People:
    """Who the file's e-mail addresses already are in the tenant: members (their partner, None
    for staff) and pending invitations (the partners they are invited to)."""

    members: dict[str, int | None]
    invited: dict[str, set]

    @classmethod
    def load(cls, emails: set[str]) -> People:
        members: dict[str, int | None] = {}
        invited: dict[str, set] = defaultdict(set)
        if emails:
            members = dict(
                Membership.objects.annotate(email=Lower("user__email"))
                .filter(email__in=emails)
                .values_list("email", "partner_id")
            )
            for email, partner_id in (
                Invitation.objects.pending().annotate(lemail=Lower("email")).filter(lemail__in=emails)
            ).values_list("lemail", "partner_id"):
                invited[email].add(partner_id)
        return cls(members=members, invited=invited)

    def judge(self, email: str, partner_id: int | None) -> bool:
        """True when the person is already there (a member of, or invited to, ``partner_id``);
        False for someone new; a ``Refusal`` when they belong to someone else."""
        if email in self.members:
            if partner_id is not None and self.members[email] == partner_id:
                return True
            raise Refusal(gettext_noop("%(value)s already belongs to another company or to your staff."), value=email)
        invited = self.invited.get(email, set())
        if partner_id is not None and partner_id in invited:
            return True
        if invited:
            raise Refusal(gettext_noop("%(value)s is already invited to another company."), value=email)
        return False


@dataclass
class Checked:
    """What checking a file found: the valid rows (in the file's order) and the refused ones."""

    valid: list[Row]
    rejected: list[dict]


def rows_check(table: Table, mapping: dict[str, int]) -> Checked:
    """Check every row: its fields, the file's consistency (a partner's columns agree on each
    of its rows; no user twice) and the tenant (a user of another company). Reads only."""
    refs = References.load(table, mapping)
    valid: list[Row] = []
    rejected: list[dict] = []
    read: list[Row] = []
    for number, cells in table.rows:
        try:
            read.append(row_read(number, cells, mapping, refs))
        except Refusal as refusal:
            rejected.append(_rejected(table, number, cells, refusal))
    first_of: dict[str, Row] = {}
    seen_users: dict[str, int] = {}
    consistent: list[Row] = []
    for row in read:
        try:
            first = first_of.setdefault(row.partner_key, row)
            for key in PARTNER_KEYS:
                index = mapping.get(key)
                if index is None or not row.cells[index].strip() or not first.cells[index].strip():
                    continue  # a blank cell repeats nothing: the partner's first row says it
                mine, theirs = row.data[key], first.data[key]
                if isinstance(mine, str) and isinstance(theirs, str):
                    mine, theirs = mine.casefold(), theirs.casefold()
                if mine != theirs:
                    raise Refusal(
                        gettext_noop("Row %(other)s gives the same partner another %(field)s (%(value)s)."),
                        other=first.number,
                        field=_field_label(key),
                        value=first.cells[index].strip(),
                    )
            email = row.data["user_email"]
            if email:
                if email in seen_users:
                    raise Refusal(
                        gettext_noop("%(value)s is already on row %(other)s."), value=email, other=seen_users[email]
                    )
                seen_users[email] = row.number
            consistent.append(row)
        except Refusal as refusal:
            rejected.append(_rejected(table, row.number, row.cells, refusal))
    partners = PartnerMatch.load(consistent)
    people = People.load({row.data["user_email"] for row in consistent if row.data["user_email"]})
    for row in consistent:
        email = row.data["user_email"]
        try:
            if email:
                people.judge(email, partners.find(row))
            valid.append(row)
        except Refusal as refusal:
            rejected.append(_rejected(table, row.number, row.cells, refusal))
    rejected.sort(key=lambda entry: entry["row"])
    return Checked(valid=valid, rejected=rejected)


rejected_reason = tabular.rejected_reason


# --- the services -------------------------------------------------------------------------------


def _read_stored(partner_import: PartnerImport) -> Table:
    with partner_import.document.open("rb") as handle:
        return table_read(handle.read())


def _check_into(partner_import: PartnerImport, table: Table) -> None:
    checked = rows_check(table, partner_import.mapping)
    partner_import.total_rows = len(table.rows)
    partner_import.valid_rows = len(checked.valid)
    partner_import.rejected = checked.rejected
    partner_import.status = ImportStatus.VALIDATED


def _missing_required(mapping: dict) -> list[str]:
    return [column.key for column in COLUMNS if column.required and column.key not in mapping]


@transaction.atomic
def partner_import_upload(*, actor, upload) -> PartnerImport:
    """Keep an uploaded file, read its header row and guess the mapping; when the guess covers
    every required field the rows are checked at once (the admin may change the mapping)."""
    recruitment_require(actor, None, A.IMPORT)
    size = getattr(upload, "size", 0) or 0
    if size > MAX_BYTES:
        raise PolicyViolation(gettext("Keep the file under %(size)s MB.") % {"size": MAX_BYTES // (1024 * 1024)})
    upload.seek(0)
    data = upload.read()
    table = table_read(data)
    name = (getattr(upload, "name", "") or "import")[-200:]
    partner_import = PartnerImport(
        created_by=actor,
        file_name=name,
        file_format=table.kind,
        headers=table.headers,
        mapping=mapping_guess(table.headers),
        total_rows=len(table.rows),
    )
    partner_import.document.save(f"import.{table.kind}", ContentFile(data), save=False)
    if not _missing_required(partner_import.mapping):
        _check_into(partner_import, table)
    partner_import.save()
    event_record(
        actor=actor,
        target=partner_import,
        verb=events.IMPORT_UPLOADED,
        data={"rows": len(table.rows), "format": table.kind},
    )
    return partner_import


@transaction.atomic
def partner_import_map(*, actor, partner_import: PartnerImport, mapping: dict) -> PartnerImport:
    """Check every row with ``mapping`` (field -> column index); a new mapping checks again."""
    recruitment_require(actor, partner_import, A.IMPORT)
    partner_import = PartnerImport.objects.select_for_update().get(pk=partner_import.pk)
    if partner_import.status not in (ImportStatus.UPLOADED, ImportStatus.VALIDATED):
        raise InvalidTransition(gettext("This import was confirmed already: its mapping can no longer change."))
    mapping = mapping_clean(mapping, len(partner_import.headers))
    missing = _missing_required(mapping)
    if missing:
        raise PolicyViolation(
            gettext("Choose a column for %(fields)s.")
            % {"fields": ", ".join(str(COLUMNS_BY_KEY[key].label) for key in missing)}
        )
    used = list(mapping.values())
    if len(used) != len(set(used)):
        raise PolicyViolation(gettext("Each column of the file fills one field at most."))
    partner_import.mapping = mapping
    _check_into(partner_import, _read_stored(partner_import))
    partner_import.save()
    return partner_import


@transaction.atomic
def partner_import_confirm(*, actor, partner_import: PartnerImport, invite_users: bool) -> PartnerImport:
    """Import the valid rows in the worker. Two confirmations at once: one starts the import,
    the other is told it has started."""
    recruitment_require(actor, partner_import, A.IMPORT)
    partner_import = PartnerImport.objects.select_for_update().get(pk=partner_import.pk)
    if partner_import.status in (ImportStatus.IMPORTING, ImportStatus.DONE):
        raise InvalidTransition(gettext("This import was confirmed already."))
    if partner_import.status != ImportStatus.VALIDATED:
        raise InvalidTransition(gettext("Check the rows before importing them."))
    if not partner_import.valid_rows:
        raise PolicyViolation(gettext("No row can be imported: correct the file and upload it again."))
    partner_import.status = ImportStatus.IMPORTING
    partner_import.invite_users = invite_users
    partner_import.started_at = timezone.now()
    partner_import.processed_rows = 0
    partner_import.partners_created = partner_import.partners_existing = 0
    partner_import.users_created = partner_import.users_existing = 0
    partner_import.save()
    event_record(
        actor=actor,
        target=partner_import,
        verb=events.IMPORT_CONFIRMED,
        from_state=ImportStatus.VALIDATED,
        to_state=ImportStatus.IMPORTING,
        data={"valid_rows": partner_import.valid_rows, "invite_users": invite_users},
    )
    outbox_enqueue(task_name=RUN_TASK, partner_import_id=partner_import.pk)
    return partner_import


def _batches_order(rows: list[Row]) -> list[Row]:
    """The valid rows grouped by partner (in the order each partner first appears): a batch
    then holds every row of its partners, so a partner is counted created or existing once."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.partner_key, []).append(row)
    return [row for group in groups.values() for row in group]


def _next_batch(ordered: list[Row], start: int) -> list[Row]:
    batch = ordered[start : start + BATCH_SIZE]
    if not batch:
        return batch
    end = start + len(batch)
    last_key = batch[-1].partner_key
    while end < len(ordered) and ordered[end].partner_key == last_key:  # finish the last partner
        batch.append(ordered[end])
        end += 1
    return batch


@transaction.atomic
def partner_import_run(*, partner_import_id: int) -> dict:
    """Import the next batch of a confirmed import's valid rows (one transaction: the task's), and
    send the task again for the next batch, or finish. Idempotent and resumable: the batch starts
    at ``processed_rows`` (committed with the batch), partners and users found are not created
    again, and a run for an import that is not importing does nothing."""
    tenant_id = current_tenant_id()
    # Batches of one tenant's imports take turns: two imports of the same file at once would
    # otherwise both create a partner neither could see yet.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [72_311, tenant_id])
    partner_import = PartnerImport.objects.select_for_update().filter(pk=partner_import_id).first()
    if partner_import is None or partner_import.status != ImportStatus.IMPORTING:
        return {"done": True, "rows": 0}
    try:
        table = _read_stored(partner_import)
    except (PolicyViolation, OSError, ValueError) as error:
        partner_import.status = ImportStatus.FAILED
        partner_import.error = str(getattr(error, "message", error))[:2000]
        partner_import.finished_at = timezone.now()
        partner_import.save()
        return {"done": True, "rows": 0}
    refused_first = {entry["row"] for entry in partner_import.rejected if not entry.get("at_run")}
    refs = References.load(table, partner_import.mapping)
    candidates: list[Row] = []
    late: list[dict] = []
    for number, cells in table.rows:
        if number in refused_first:
            continue
        try:
            candidates.append(row_read(number, cells, partner_import.mapping, refs))
        except Refusal as refusal:  # the tenant changed since the check (a type, a manager)
            key = partner_key(cells, partner_import.mapping)
            candidates.append(Row(number=number, cells=cells, partner_key=key, refusal=refusal))
    ordered = _batches_order(candidates)
    batch = _next_batch(ordered, partner_import.processed_rows)
    rows = []
    for row in batch:
        if row.refusal is not None:
            late.append(_rejected(table, row.number, row.cells, row.refusal, at_run=True))
        else:
            rows.append(row)
    created, existing, invited, known, late_users, new_partner_ids = _import_rows(partner_import, rows, table)
    late += late_users
    partner_import.processed_rows += len(batch)
    partner_import.partners_created += created
    partner_import.partners_existing += existing
    partner_import.users_created += invited
    partner_import.users_existing += known
    if late:
        partner_import.rejected = sorted(partner_import.rejected + late, key=lambda entry: entry["row"])
    done = partner_import.processed_rows >= len(ordered)
    if done:
        _finish(partner_import)
    partner_import.save()
    if new_partner_ids:
        # As the nightly run would: auto-enrol programs take the new partners in (after commit).
        from programs.services.evaluation import tier_evaluate_soon

        tier_evaluate_soon(partner_ids=new_partner_ids)
    if not done:
        outbox_enqueue(task_name=RUN_TASK, partner_import_id=partner_import.pk)
    return {"done": done, "rows": len(batch), "partners_created": created, "users_created": invited}


def _import_rows(partner_import: PartnerImport, rows: list[Row], table: Table):
    """Find or create the rows' partners, then find or invite their users: set-based, a few
    statements whatever the number of rows."""
    partners = PartnerMatch.load(rows)
    first_of: dict[str, Row] = {}
    for row in rows:
        first_of.setdefault(row.partner_key, row)
    partner_of: dict[str, int] = {}
    missing: list[tuple[str, Row]] = []
    for key, row in first_of.items():
        found = partners.find(row)
        if found is None:
            missing.append((key, row))
        else:
            partner_of[key] = found
    now = timezone.now()
    new = Partner.objects.bulk_create(
        [
            Partner(
                legal_name=row.data["legal_name"],
                display_name=row.data["display_name"],
                partner_type_id=row.data["partner_type"],
                country=row.data["country"],
                website=row.data["website"],
                email_domains=row.data["email_domains"],
                city=row.data["city"],
                postal_code=row.data["postal_code"],
                phone=row.data["phone"],
                external_crm_id=row.data["crm_id"],
                account_manager_id=row.data["account_manager"],
                status=PartnerStatus.ACTIVE,
                status_changed_at=now,
            )
            for _key, row in missing
        ]
    )
    for (key, _row), partner in zip(missing, new, strict=True):
        partner_of[key] = partner.pk
    importer = partner_import.created_by
    partner_type = ContentType.objects.get_for_model(Partner)
    created_events = [
        system_event(
            target_type=partner_type,
            object_id=partner.pk,
            partner_id=partner.pk,
            verb=partner_events.CREATED,
            to_state=PartnerStatus.ACTIVE,
            data={"import": partner_import.pk},
        )
        for partner in new
    ]
    # People: members or invitees of the row's partner are there already; the rest are invited.
    people = People.load({row.data["user_email"] for row in rows if row.data["user_email"]})
    late: list[dict] = []
    invitations: list[Invitation] = []
    known = 0
    for row in rows:
        email = row.data["user_email"]
        if not email:
            continue
        try:
            there = people.judge(email, partner_of[row.partner_key])
        except Refusal as refusal:
            late.append(_rejected(table, row.number, row.cells, refusal, at_run=True))
            continue
        if there:
            known += 1
        else:
            invitations.append(
                Invitation(
                    email=email,
                    kind=MembershipKind.PARTNER,
                    role=row.data["user_role"],
                    partner_id=partner_of[row.partner_key],
                    invited_by_id=partner_import.created_by_id,
                )
            )
    invitations = Invitation.objects.bulk_create(invitations)
    invitation_type = ContentType.objects.get_for_model(Invitation)
    invited_events = [
        system_event(
            target_type=invitation_type,
            object_id=invitation.pk,
            partner_id=invitation.partner_id,
            verb=account_events.INVITATION_SENT,
            to_state=invitation.role,
            data={"email": invitation.email, "import": partner_import.pk, "emailed": partner_import.invite_users},
        )
        for invitation in invitations
    ]
    for event in (*created_events, *invited_events):
        # The admin who confirmed the import did these, through the worker.
        event.actor_id, event.actor_label = importer.pk, str(importer.user)
    event_record_many(events=[*created_events, *invited_events])
    if partner_import.invite_users:
        outbox_enqueue_many(
            task_name=INVITATION_EMAIL_TASK, kwargs_list=[{"invitation_id": inv.pk} for inv in invitations]
        )
    return len(new), len(first_of) - len(new), len(invitations), known, late, [p.pk for p in new]


def _finish(partner_import: PartnerImport) -> None:
    partner_import.status = ImportStatus.DONE
    partner_import.finished_at = timezone.now()
    summary = {
        "partners_created": partner_import.partners_created,
        "partners_existing": partner_import.partners_existing,
        "users_created": partner_import.users_created,
        "users_existing": partner_import.users_existing,
        "rejected": len(partner_import.rejected),
    }
    event = event_record(
        actor=None,
        target=partner_import,
        verb=events.IMPORT_FINISHED,
        from_state=ImportStatus.IMPORTING,
        to_state=ImportStatus.DONE,
        data=summary,
    )
    notify(
        recipients=[partner_import.created_by],
        kind=notifications.IMPORT_FINISHED,
        title=gettext_noop("Partner import of %(file)s finished"),
        body=gettext_noop(
            "%(partners_created)s partners created, %(partners_existing)s already there; "
            "%(users_created)s users invited, %(users_existing)s already there; %(rejected)s rows rejected."
        ),
        params={"file": partner_import.file_name, **summary},
        url=reverse("office:recruitment_import", kwargs={"import_id": partner_import.pk}),
        event=event,
    )
