"""Data exports: a side's data taken out whole, as CSV files and a JSON manifest in one zip.

A vendor admin exports the tenant's data: every tenant-owned table, and the people who belong to
it (``users.csv``). A partner admin exports the partner's: the rows of every partner-owned table
that are the partner's (and not vendor-internal), its own partner record, its people. Secrets
(key hashes, signing and client secrets, invitation nonces) are never written, nor passwords:
each table's columns are listed explicitly, and those are left out of the list.

The work is a chain of worker steps (``data_export_step``), each a transaction that writes a few
tables (``TABLES_PER_STEP``) and sends the next step through the outbox, so the progress the page
shows commits as it goes; the last step writes ``manifest.json`` and the zip, and tells the person
who asked. Each table is one ``COPY (SELECT ...) TO STDOUT`` through the tenant's scope, so row-level
security applies to it as to any other statement of the app: the tenant's policy always, and for a
partner's export the partner's policies too (the statement runs in the partner's scope).

The tables are written one transaction after another, so the export is not one instant's picture:
each table's entry in the manifest says when it was read.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import zipfile
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import FieldDoesNotExist
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from psycopg2 import sql

from prm.accounts.models import Membership, User
from prm.accounts.roles import DATA_EXPORT, PARTNER_DATA_EXPORT
from prm.errors import NotAllowed, PolicyViolation
from prm.events.services import event_record, outbox_enqueue
from prm.events.tasks import tenant_task
from prm.notifications.services import notify
from prm.tenancy.models import Tenant, tenant_owned_models
from prm.tenancy.scope import current_tenant_id, tenant_scope
from prm.web.files import private_upload_path

from . import events, notifications
from .models import EXPORT_ACTIVE, DataExport, ExportStatus

logger = logging.getLogger(__name__)

STEP_TASK = "api.data_export_step"
TABLES_PER_STEP = 10
FORMAT_VERSION = 1
# pg_advisory_xact_lock's first key: "data export requests of one tenant take turns" (the second
# is the tenant), so two clicks at once start one export and tell the other.
_REQUEST_LOCK = 90_001
_COPY_CHUNK = 1024 * 1024

# Tables that are not the tenant's data to take away: stored answers of API calls, which replay
# whatever a response carried (a webhook endpoint's signing secret among them).
SKIPPED_MODELS = {"api.IdempotencyRecord"}
# Columns holding secrets, left out of their table's CSV. tests/api/test_data_export.py fails on a
# column whose name looks like one and is neither here nor known to be harmless.
SECRET_COLUMNS = {
    "accounts.ApiKey": {"secret_hash", "previous_hash"},
    "accounts.IdentityProvider": {"client_secret"},
    "accounts.Invitation": {"nonce"},  # with the site's key it makes the invitation link
    "api.WebhookEndpoint": {"secret", "previous_secret"},
}
# Columns a partner's export leaves out: the vendor's own labels of the partner (the investment
# mark among its tags), which the portal never shows the partner either.
VENDOR_COLUMNS = {"partners.Partner": {"tags"}}
# A person's row: what the people of the side are, never their password or platform flags.
USER_COLUMNS = ("id", "email", "first_name", "last_name", "language", "time_zone", "is_active", "date_joined")
PARTNER_MODEL = "partners.Partner"
# The partner policy of a vendor-internal table (no partner user ever reads a row of it).
VENDOR_ONLY = "false"


@dataclass(frozen=True)
class Table:
    """One CSV of the export: which rows of which table, with which columns."""

    name: str  # the database table's name; the file is <name>.csv
    model: str  # the model's label
    columns: tuple[str, ...]
    order_by: str  # the primary key's column: rows in a stable order
    partner_column: str | None = None  # what names the partner, for a partner's export
    internal: bool = False  # has an ``internal`` column: rows the vendor keeps to itself

    @property
    def file(self) -> str:
        return f"{self.name}.csv"


USERS = Table(name="users", model=User._meta.label, columns=USER_COLUMNS, order_by="id")


def _partner_column(model) -> str | None:
    """The column naming the partner whose row it is: ``partner_id`` of a partner-owned table
    (``id`` of the partner record), None for a table no partner owns or only the vendor reads."""
    if model._meta.label == PARTNER_MODEL:
        return model._meta.pk.column
    if model.rls_partner_predicate == VENDOR_ONLY:
        return None
    try:
        field = model._meta.get_field("partner")
    except FieldDoesNotExist:
        return None
    if field.many_to_one and field.related_model._meta.label == PARTNER_MODEL:
        return field.column
    return None


def export_tables(*, for_partner: bool) -> list[Table]:
    """The tables an export writes, in a stable order (by model label): every tenant-owned one for
    the tenant's, the partner-owned ones for a partner's; the people last but in that order too."""
    tables = [USERS]
    for model in tenant_owned_models():
        label = model._meta.label
        if label in SKIPPED_MODELS:
            continue
        partner_column = _partner_column(model)
        if for_partner and partner_column is None:
            continue
        left_out = SECRET_COLUMNS.get(label, set()) | (VENDOR_COLUMNS.get(label, set()) if for_partner else set())
        fields = model._meta.concrete_fields
        tables.append(
            Table(
                name=model._meta.db_table,
                model=label,
                columns=tuple(field.column for field in fields if field.column not in left_out),
                order_by=model._meta.pk.column,
                partner_column=partner_column,
                internal=any(field.column == "internal" for field in fields),
            )
        )
    return sorted(tables, key=lambda table: (table.model, table.name))


def copy_statement(table: Table, *, tenant_id: int, partner_id: int | None) -> sql.Composed:
    """``COPY (SELECT <columns> ...) TO STDOUT`` of the table's rows of the tenant (and partner).

    The filters are written out although row-level security applies them too: the two layers of
    the app, here as everywhere. A partner's export reads only the partner's rows and no row the
    vendor keeps to itself (``internal``)."""
    columns = sql.SQL(", ").join(sql.Identifier(column) for column in table.columns)
    if table is USERS:
        members = [sql.SQL("tenant_id = {}").format(sql.Literal(tenant_id))]
        if partner_id is not None:
            members.append(sql.SQL("partner_id = {}").format(sql.Literal(partner_id)))
        query = sql.SQL("SELECT {columns} FROM {users} WHERE id IN (SELECT user_id FROM {members} WHERE {where})")
        query = query.format(
            columns=columns,
            users=sql.Identifier(User._meta.db_table),
            members=sql.Identifier(Membership._meta.db_table),
            where=sql.SQL(" AND ").join(members),
        )
    else:
        where = [sql.SQL("tenant_id = {}").format(sql.Literal(tenant_id))]
        if partner_id is not None:
            where.append(sql.SQL("{} = {}").format(sql.Identifier(table.partner_column), sql.Literal(partner_id)))
            if table.internal:
                where.append(sql.SQL("NOT internal"))
        query = sql.SQL("SELECT {columns} FROM {table} WHERE {where}").format(
            columns=columns, table=sql.Identifier(table.name), where=sql.SQL(" AND ").join(where)
        )
    return sql.SQL("COPY ({query} ORDER BY {order}) TO STDOUT WITH (FORMAT csv, HEADER)").format(
        query=query, order=sql.Identifier(table.order_by)
    )


def _copy(statement: sql.Composed, out) -> int:
    """Run a ``COPY ... TO STDOUT`` into ``out`` (binary); the number of rows written."""
    with connection.cursor() as cursor:
        # The scope's row-level-security settings ride on the next statement sent through Django's
        # cursor (prm/tenancy/backend). The raw cursor's COPY carries none, so a statement goes
        # first: without it the COPY would run with the settings of whatever ran last (fail closed
        # at worst: no setting, no rows).
        cursor.execute("SELECT 1")
        raw = cursor.cursor
        raw.copy_expert(statement.as_string(raw), out, size=_COPY_CHUNK)
        return raw.rowcount


# --- who may ---------------------------------------------------------------------------------------


def _may_export(actor) -> None:
    capability = DATA_EXPORT if actor.is_staff_member else PARTNER_DATA_EXPORT
    if not actor.can(capability):
        raise NotAllowed(gettext("Your role cannot export data."))


def data_export_list_for_actor(*, actor) -> QuerySet:
    """The exports of the actor's side (the tenant's own for staff, the partner's for its admins),
    newest first."""
    _may_export(actor)
    exports = (
        DataExport.objects.filter(partner_id=actor.partner_id)
        if actor.partner_id
        else DataExport.objects.filter(partner__isnull=True)
    )
    return exports.order_by("-created_at", "-id")


def data_export_get_for_actor(*, actor, export_id: int) -> DataExport:
    export = data_export_list_for_actor(actor=actor).filter(pk=export_id).first()
    if export is None:
        raise Http404
    return export


# --- the request -----------------------------------------------------------------------------------


@transaction.atomic
def data_export_request(*, actor) -> DataExport:
    """Start an export of the actor's side in the worker. One at a time per side: a second request
    while one is queued or running is refused (the tenant's requests take turns on a lock, so two
    at once start one; the constraints of ``DataExport`` hold it in the database too)."""
    _may_export(actor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_REQUEST_LOCK, current_tenant_id()])
    if data_export_list_for_actor(actor=actor).filter(status__in=EXPORT_ACTIVE).exists():
        raise PolicyViolation(gettext("An export is already under way. Wait until it is ready to start another."))
    export = DataExport.objects.create(
        partner_id=actor.partner_id,
        requested_by=actor,
        tables_total=len(export_tables(for_partner=actor.partner_id is not None)),
    )
    event_record(
        actor=actor,
        target=export,
        verb=events.EXPORT_REQUESTED,
        to_state=ExportStatus.QUEUED,
        message=gettext_noop("Data export started"),
        internal=export.partner_id is None,
    )
    outbox_enqueue(task_name=STEP_TASK, export_id=export.pk)
    return export


# --- the worker's steps ----------------------------------------------------------------------------


def _work_name(export: DataExport, file: str) -> str:
    """Where a table's CSV waits for the zip: a folder of the export's in the private media."""
    return f"private/dataexport/work-{export.pk}/{file}"


def _store(name: str, content) -> None:
    """Save ``content`` under exactly ``name`` (a step run again writes the same file again)."""
    if default_storage.exists(name):
        default_storage.delete(name)
    saved = default_storage.save(name, File(content, name=name.rsplit("/", 1)[-1]))
    if saved != name:  # written meanwhile by another run of the step: keep one
        default_storage.delete(saved)
        raise RuntimeError(f"{name} was written twice at once")


def _remove(names: list[str]) -> None:
    for name in names:
        if default_storage.exists(name):
            default_storage.delete(name)


@transaction.atomic
def data_export_step(*, export_id: int) -> dict:
    """Write the next tables of an export, or, when every table is written, its zip; then send the
    next step, or finish. One transaction (the task's): the tables written and the progress commit
    together.

    Idempotent and resumable: the step starts at the first table the export has not recorded (a
    table's file is written again under the same name), and a step of an export that is done or
    failed does nothing. A step that fails marks the export failed, with the error, rather than
    raising: raised, the outbox would send it again every few minutes without end, and the side
    could start no other export meanwhile. A worker lost in the middle of a step leaves its
    message unclaimed (its transaction rolled back): the outbox sends it again, and the step starts
    over from the last commit."""
    export = DataExport.objects.select_for_update().filter(pk=export_id).first()
    if export is None or not export.active:
        return {"done": True}
    try:
        with transaction.atomic():  # a failure undoes this step's writes, not the failure's record
            finished = _advance(export)
    except Exception as error:  # whatever went wrong ends this export, and says so
        logger.exception("data export %s failed", export.pk)
        _fail(export, error)
        return {"done": True, "failed": True}
    if not finished:
        outbox_enqueue(task_name=STEP_TASK, export_id=export.pk)
    return {"done": finished, "tables_done": export.tables_done}


def _advance(export: DataExport) -> bool:
    """The step's work on the locked export; whether it is finished."""
    tables = export_tables(for_partner=export.partner_id is not None)
    written = {entry["name"] for entry in export.tables}
    waiting = [table for table in tables if table.name not in written]
    export.status = ExportStatus.RUNNING
    export.tables_total = len(tables)
    if not waiting:
        _finish(export)
        return True
    entries = _write_tables(export, waiting[:TABLES_PER_STEP])
    export.tables = [*export.tables, *entries]
    export.tables_done = len(export.tables)
    export.rows_written = sum(entry["rows"] for entry in export.tables)
    export.save(update_fields=["status", "tables_total", "tables", "tables_done", "rows_written"])
    return False


def _write_tables(export: DataExport, tables: list[Table]) -> list[dict]:
    """Each table's CSV into the export's working folder; their manifest entries."""
    entries = []
    # A partner's export reads in the partner's scope, so the partner policies bind its statements
    # as they bind the partner's own requests (the opposite of stepping out: a narrower scope).
    scope = (
        tenant_scope(export.tenant_id, partner=export.partner_id) if export.partner_id is not None else nullcontext()
    )
    with scope:
        for table in tables:
            statement = copy_statement(table, tenant_id=export.tenant_id, partner_id=export.partner_id)
            with tempfile.TemporaryFile() as out:
                rows = _copy(statement, out)
                out.seek(0)
                _store(_work_name(export, table.file), out)
            entries.append(
                {
                    "name": table.name,
                    "model": table.model,
                    "file": table.file,
                    "columns": list(table.columns),
                    "rows": rows,
                    "exported_at": timezone.now().isoformat(),
                }
            )
    return entries


def _manifest(export: DataExport) -> dict:
    tenant = Tenant.objects.get(pk=export.tenant_id)
    partner = export.partner
    return {
        "format": "prm-data-export",
        "format_version": FORMAT_VERSION,
        "generated_at": timezone.now().isoformat(),
        "tenant": {"id": tenant.pk, "slug": tenant.slug, "name": tenant.name},
        "partner": None if partner is None else {"id": partner.pk, "name": partner.display_name},
        "export": {"id": export.pk, "requested_at": export.created_at.isoformat()},
        "tables": export.tables,
    }


def _finish(export: DataExport) -> None:
    """Zip the manifest and the tables, keep the zip, tell the person who asked."""
    names = [_work_name(export, entry["file"]) for entry in export.tables]
    with tempfile.TemporaryFile() as archive:
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
            zipped.writestr("manifest.json", json.dumps(_manifest(export), indent=2, ensure_ascii=False))
            for entry, name in zip(export.tables, names, strict=True):
                large = default_storage.size(name) >= zipfile.ZIP64_LIMIT
                with (
                    default_storage.open(name, "rb") as source,
                    zipped.open(entry["file"], "w", force_zip64=large) as target,
                ):
                    shutil.copyfileobj(source, target, _COPY_CHUNK)
        export.size = archive.tell()
        archive.seek(0)
        stored = default_storage.save(private_upload_path(export, "export.zip"), File(archive, name="export.zip"))
    try:
        _done(export, stored)
    except BaseException:
        default_storage.delete(stored)  # not kept: the export is not done
        raise
    # The working files go once the export is recorded done.
    transaction.on_commit(partial(_remove, names))


def _done(export: DataExport, stored: str) -> None:
    export.file.name = stored
    export.status = ExportStatus.DONE
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "tables_total", "file", "size", "finished_at"])
    event = event_record(
        actor=None,
        target=export,
        verb=events.EXPORT_FINISHED,
        from_state=ExportStatus.RUNNING,
        to_state=ExportStatus.DONE,
        message=gettext_noop("Data export ready: %(tables)s tables, %(rows)s rows"),
        params={"tables": export.tables_done, "rows": export.rows_written},
        internal=export.partner_id is None,
    )
    notify(
        recipients=[export.requested_by],
        kind=notifications.EXPORT_FINISHED,
        title=gettext_noop("Your data export is ready"),
        body=gettext_noop("%(tables)s tables, %(rows)s rows. Download it from the data export page."),
        params={"tables": export.tables_done, "rows": export.rows_written},
        url=_page_url(export),
        event=event,
    )


def _fail(export: DataExport, error: Exception) -> None:
    # Every table's working file, written by an earlier step or by this one before it failed.
    names = [_work_name(export, table.file) for table in export_tables(for_partner=export.partner_id is not None)]
    from_state = export.status
    export.status = ExportStatus.FAILED
    export.error = f"{type(error).__name__}: {error}"[:2000]
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "error", "finished_at"])
    event = event_record(
        actor=None,
        target=export,
        verb=events.EXPORT_FAILED,
        from_state=from_state,
        to_state=ExportStatus.FAILED,
        message=gettext_noop("Data export failed"),
        internal=export.partner_id is None,
    )
    notify(
        recipients=[export.requested_by],
        kind=notifications.EXPORT_FINISHED,
        title=gettext_noop("Your data export failed"),
        body=gettext_noop("Nothing was kept. Start a new export from the data export page."),
        url=_page_url(export),
        event=event,
    )
    transaction.on_commit(partial(_remove, names))


def _page_url(export: DataExport) -> str:
    return reverse("portal:data_export" if export.partner_id is not None else "office:data_export")


def data_export_file_name(export: DataExport, *, tenant) -> str:
    """The zip's name when downloaded: ``<tenant>-data-export-<when>.zip`` (a partner's says so)."""
    when = timezone.localtime(export.created_at).strftime("%Y%m%d-%H%M")
    side = f"-partner-{export.partner_id}" if export.partner_id is not None else ""
    return f"{tenant.slug}{side}-data-export-{when}.zip"


# --- the task --------------------------------------------------------------------------------------
# Declared here rather than in tasks.py with the webhooks' (api/apps.py imports this module, so
# the worker knows it): the step is the whole of the task.


@tenant_task(STEP_TASK, max_retries=3)
def data_export_step_task(*, export_id: int) -> dict:
    return data_export_step(export_id=export_id)
