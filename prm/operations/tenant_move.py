"""Moving one tenant to another installation (another shard, another host), ids kept.

``tenant_export`` writes one tenant into an archive (a .tar.gz):

* ``manifest.json``: the format, the tenant, the source's schema (every app's latest applied
  migration and every table's columns), and per table its rows' count, largest id and checksum;
* ``data/<table>.csv``: ``COPY ... TO STDOUT`` of the table's rows of the tenant: every
  tenant-owned table (``TenantOwned``: ``tenant_id`` = the tenant), tables without a tenant
  column whose rows hang off tenant-owned ones (auto-created many-to-many tables), the tenant's
  row, and the global rows those reference, found from the models' foreign keys (the members'
  users) together with the global rows that belong to a moved user or to the tenant (e-mail
  addresses, authenticators, social accounts, group memberships). The installation's own records
  about a tenant (a table with a tenant key that is not ``TenantOwned``: the operator page's task
  runs and failures) stay behind;
* ``files/media/...``: every file a FileField of an exported row names, and the tenant's own
  folders (``TENANT_FOLDERS``, e.g. unpacked SCORM packages).

Rows every installation makes for itself (content types, permissions, groups: ``MAPPED``) have
different ids in each: a reference to one travels as its natural key and is mapped to the
target's id on import.

``tenant_import`` loads an archive in one transaction of the platform connection, all or nothing:
it refuses a different schema and anything an export does not write (below), then checks every
incoming row against the target (an id already
taken, a unique value such as the slug, a custom domain or an e-mail address already used by
another row) and every file (present with other bytes), and reports all collisions per table
before writing anything. A global row already present with the same id and the same identity (a
person who also belongs to a tenant moved before) is shared: the target's copy stays. Then it
loads the rows in foreign-key order with their ids, puts back any row the target's triggers
added or changed while loading (a tally the archive carries itself), checks every foreign key,
advances every sequence past the ids it brought, copies the files and, after the commit, tells
every process that the tenants changed.

The archive is not signed (its checksums catch damage, not tampering), so the import takes
nothing on trust and refuses, before loading: a table the export does not write (the
installation's own records, sessions, the admin log, ...: ``written_tables()``); a tenant row of
another tenant, or an archive whose tenant row is not exactly the manifest's tenant; a global row
(an e-mail address, an authenticator, a social account, a group) for a user the archive does not
bring, unless the target has that very row already (an archive must not give an existing user,
say a platform superuser, another address or authenticator); a file other than those the incoming
rows' FileFields name and the tenant's own folders (``<root>/<tenant id>/``); anything else in the
tar.

Ids are kept, so references inside JSON (events' data, webhook payloads, API clients' bookmarks)
stay true; the price is that two installations must not hand out the same ids (README,
"Moving a tenant to another installation").
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import psycopg2
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import File
from django.db import connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from psycopg2 import sql

from prm.events.models import OutboxMessage
from prm.tenancy.db import platform_alias
from prm.tenancy.models import Tenant, TenantOwned
from prm.tenancy.request_cache import people_changed, tenants_changed
from prm.tenancy.rls import platform_only_models
from prm.tenancy.scope import current_scope

from .health import unapplied_migrations

FORMAT_VERSION = 1

# Global rows that every installation creates for itself (migrate makes them), under ids of its
# own: references to them are carried as natural keys and mapped on import. A key the target does
# not know refuses the import.
MAPPED = {
    "django_content_type": "SELECT id, app_label || '.' || model FROM django_content_type",
    "auth_permission": (
        "SELECT p.id, c.app_label || '.' || c.model || '.' || p.codename"
        " FROM auth_permission p JOIN django_content_type c ON c.id = p.content_type_id"
    ),
    "auth_group": "SELECT id, name FROM auth_group",
}

# Global tables that point at a user but are the installation's, not the person's: the admin
# site's log (it names objects of every tenant) and e-mail confirmations in flight.
NOT_MOVED = {"django_admin_log", "django_session", "account_emailconfirmation"}


# Columns naming a folder of ``TENANT_FOLDERS`` (relative to its root): the tenant's own,
# ``<tenant id>/...``, or the import refuses (a row must not serve another tenant's files).
FOLDER_COLUMNS = {"learning_scormpackage": ("storage_path", "scorm")}


def _scorm_root() -> Path:
    return Path(settings.PRM_SCORM_ROOT)


# Folders kept per tenant outside FileFields, as (name in the archive, root): the tenant's part is
# ``<root>/<tenant id>/`` and keeps its path, since the id does not change. Unpacked SCORM packages
# live there (their rows' ``storage_path`` names ``<tenant id>/<token>``).
TENANT_FOLDERS: list[tuple[str, Callable[[], Path]]] = [("scorm", _scorm_root)]

EXAMPLES = 5  # ids shown per kind of collision


class MoveError(Exception):
    """The export or import cannot go on; ``problems`` says why, one line each."""

    def __init__(self, message: str, problems: Iterable[str] = ()):
        self.problems = list(problems)
        super().__init__("\n".join([message, *self.problems]))


# --- The tables ------------------------------------------------------------------------------------


@dataclass
class Table:
    """One database table as the move sees it."""

    model: type[models.Model]
    name: str
    pk: str
    columns: list[str]
    fks: dict[str, str]  # column -> the table it references
    files: list[str]  # columns of FileFields
    # "tenant" (TenantOwned), "link" (hangs off tenant rows), "root" (the tenant), "global",
    # "mapped" (MAPPED), "platform" (the installation's records about a tenant: not moved)
    kind: str
    link: tuple[str, str] | None = None  # (column, tenant-owned table) that ties a link row to the tenant

    @property
    def append_only(self) -> bool:
        return bool(getattr(self.model, "append_only", False))


def tables() -> dict[str, Table]:
    """Every concrete table of the installed models (auto-created many-to-many tables too),
    classified. From the models, so a new app is covered without a list to keep."""
    found: dict[str, Table] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or meta.db_table in found:
            continue
        columns = [f.column for f in meta.concrete_fields]
        fks = {
            f.column: f.related_model._meta.db_table
            for f in meta.concrete_fields
            if f.is_relation and f.related_model is not None and (f.many_to_one or f.one_to_one)
        }
        files = [f.column for f in meta.concrete_fields if isinstance(f, models.FileField)]
        found[meta.db_table] = Table(model, meta.db_table, meta.pk.column, columns, fks, files, kind="global")
    root = Tenant._meta.db_table
    found[root].kind = "root"
    platform = set(platform_only_models())
    for table in found.values():
        if table.name in MAPPED:
            table.kind = "mapped"
        elif issubclass(table.model, TenantOwned):
            table.kind = "tenant"
        elif table.model in platform:
            # The installation's own records about a tenant (the operator page's task runs and
            # failures, ``platform_only``): not the tenant's data; they stay behind.
            table.kind = "platform"
    for table in found.values():
        if table.kind == "global":
            parents = [(c, t) for c, t in table.fks.items() if found[t].kind == "tenant"]
            if parents:
                table.kind, table.link = "link", parents[0]
    return found


def written_tables(all_tables: dict[str, Table]) -> set[str]:
    """The tables whose rows ``tenant_export`` can write (``data/<table>.csv``), from the models
    as ``_global_rows`` follows them: the tenant's, then every global table a written one
    references and every global table (not ``NOT_MOVED``) that belongs to a written owner (the
    tenant, a user). Not the installation's records about a tenant ("platform"), not ``MAPPED``
    (natural keys in the manifest), not a table nothing leads to (sessions, social apps ...)."""
    owners = {Tenant._meta.db_table, get_user_model()._meta.db_table}
    written = {t.name for t in all_tables.values() if t.kind in ("tenant", "link", "root")}
    while True:
        before = len(written)
        for table in all_tables.values():
            if table.name in written:
                written.update(
                    target
                    for column, target in table.fks.items()
                    if column != "tenant_id" and all_tables[target].kind == "global"
                )
            elif (
                table.kind == "global"
                and table.name not in NOT_MOVED
                and any(target in owners and target in written for target in table.fks.values())
            ):
                written.add(table.name)
        if len(written) == before:
            return written


def dependency_order(names: Iterable[str], all_tables: dict[str, Table]) -> list[str]:
    """Referenced tables before the tables that reference them (self-references and cycles are
    left to the deferred foreign keys: Django declares them DEFERRABLE INITIALLY DEFERRED). The
    order matters to the triggers that read other tables while rows arrive."""
    names = sorted(names)
    wanted = set(names)
    needs = {n: {t for t in all_tables[n].fks.values() if t in wanted and t != n} for n in names}
    order: list[str] = []
    while needs:
        ready = [n for n in names if n in needs and not needs[n]]
        if not ready:  # a cycle: take the rest as they come
            ready = [n for n in names if n in needs]
        for n in ready:
            order.append(n)
            del needs[n]
        for rest in needs.values():
            rest.difference_update(ready)
    return order


def _schema(cursor, names: Iterable[str]) -> dict[str, list[list[str]]]:
    cursor.execute(
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)"
        " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = current_schema() AND c.relname = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped"
        " ORDER BY c.relname, a.attnum",
        [list(names)],
    )
    schema: dict[str, list[list[str]]] = defaultdict(list)
    for table, column, type_ in cursor.fetchall():
        schema[table].append([column, type_])
    return dict(schema)


def migrations_state(using: str) -> dict[str, str]:
    """Every app's latest applied migration (names sort in the order they were written)."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections[using]).applied_migrations():
        if app not in latest or name > latest[app]:
            latest[app] = name
    return latest


def _ident(name: str) -> sql.Identifier:
    return sql.Identifier(name)


def _cols(names: Iterable[str]) -> sql.Composed:
    return sql.SQL(", ").join(map(sql.Identifier, names))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def consistent_snapshot(using: str | None = None) -> Iterator[None]:
    """Enter before ``platform_scope()`` for an export that reads every table as of one moment
    (REPEATABLE READ), whatever commits while it runs: psycopg2 opens the scope's transaction at
    that level. Inside a transaction already (a test's) it changes nothing."""
    connection = connections[using or platform_alias()]
    connection.ensure_connection()
    saved = None
    if not connection.in_atomic_block:
        saved = connection.connection.isolation_level
        connection.connection.isolation_level = psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ
    try:
        yield
    finally:
        if saved is not None and connection.connection is not None:
            connection.connection.isolation_level = saved


def _require_platform_scope() -> str:
    """The move reads and writes every table whatever the tenant: platform code only (the
    commands enter the scope). Returns the platform connection's alias."""
    scope = current_scope()
    if scope is None or not scope.is_platform:
        raise MoveError("A tenant move runs inside platform_scope() (the tenant_export and tenant_import commands).")
    return platform_alias()


# --- Export ------------------------------------------------------------------------------------


@dataclass
class ExportReport:
    tenant: str
    path: Path
    rows: dict[str, int]
    files: int
    missing_files: list[str]
    bytes: int
    undelivered: int = 0  # outbox messages not yet delivered: the target's sweep sends them


def _selection(table: Table, tenant_id: int, ids: dict[str, set]) -> tuple[sql.Composable, list]:
    """The WHERE clause of a table's rows that move with the tenant."""
    if table.kind == "tenant":
        return sql.SQL("tenant_id = %s"), [tenant_id]
    if table.kind == "root":
        return sql.SQL("{} = %s").format(_ident(table.pk)), [tenant_id]
    if table.kind == "link":
        column, parent = table.link
        parent_pk = tables_cache()[parent].pk
        return (
            sql.SQL("{} IN (SELECT {} FROM {} WHERE tenant_id = %s)").format(
                _ident(column), _ident(parent_pk), _ident(parent)
            ),
            [tenant_id],
        )
    return sql.SQL("{} = ANY(%s)").format(_ident(table.pk)), [sorted(ids.get(table.name, ()))]


_TABLES: dict[str, Table] | None = None


def tables_cache() -> dict[str, Table]:
    global _TABLES
    if _TABLES is None:
        _TABLES = tables()
    return _TABLES


def _global_rows(cursor, all_tables: dict[str, Table], tenant_id: int) -> dict[str, set]:
    """The ids of the global rows that move: those the tenant's rows reference (the members'
    users, content types ...), then, until nothing new turns up, the rows of global tables that
    belong to a moved user or to the tenant, and whatever those reference in turn."""
    ids: dict[str, set] = defaultdict(set)
    ids[Tenant._meta.db_table].add(tenant_id)
    owners = {Tenant._meta.db_table, get_user_model()._meta.db_table}

    def references(table: Table) -> None:
        where, params = _selection(table, tenant_id, ids)
        for column, target in table.fks.items():
            if all_tables[target].kind not in ("global", "mapped", "root") or column == "tenant_id":
                continue
            cursor.execute(
                sql.SQL("SELECT DISTINCT {c} FROM {t} WHERE {w} AND {c} IS NOT NULL").format(
                    c=_ident(column), t=_ident(table.name), w=where
                ),
                params,
            )
            ids[target].update(value for (value,) in cursor.fetchall())

    for table in all_tables.values():
        if table.kind in ("tenant", "link"):
            references(table)
    while True:
        before = sum(len(v) for v in ids.values())
        for table in all_tables.values():
            if table.kind != "global" or table.name in NOT_MOVED:
                continue
            for column, target in table.fks.items():
                if target in owners and ids.get(target):
                    cursor.execute(
                        sql.SQL("SELECT {} FROM {} WHERE {} = ANY(%s)").format(
                            _ident(table.pk), _ident(table.name), _ident(column)
                        ),
                        [sorted(ids[target])],
                    )
                    ids[table.name].update(value for (value,) in cursor.fetchall())
        for name in list(ids):
            if all_tables[name].kind in ("global", "root"):
                references(all_tables[name])
        if sum(len(v) for v in ids.values()) == before:
            return ids


def export_tenant(slug: str, path: str | Path, *, allow_active: bool = False) -> ExportReport:
    """Write tenant ``slug`` into the archive ``path`` (see the module's docstring). Inside
    ``consistent_snapshot()`` and ``platform_scope()``, as ``tenant_export`` calls it."""
    path = Path(path)
    all_tables = tables_cache()
    alias = _require_platform_scope()
    pending = unapplied_migrations(alias)
    if pending:
        raise MoveError("Migrate this installation first; not applied:", pending)
    with tempfile.TemporaryDirectory(prefix="prm-export-") as work:
        work = Path(work)
        (work / "data").mkdir()
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise MoveError(f"No tenant with the slug {slug!r}.")
        if tenant.is_active and not allow_active:
            raise MoveError(
                f"{slug} is active: switch it off first (is_active, e.g. in the platform admin) so that nothing "
                "changes after the export, or pass --allow-active for a trial export."
            )
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")  # the scope's settings go out with the first statement
            ids = _global_rows(cursor, all_tables, tenant.pk)
            cursor.execute(
                sql.SQL("SELECT count(*) FROM {} WHERE tenant_id = %s AND delivered_at IS NULL").format(
                    _ident(OutboxMessage._meta.db_table)
                ),
                [tenant.pk],
            )
            (undelivered,) = cursor.fetchone()
            names = [t.name for t in all_tables.values() if t.kind in ("tenant", "link", "root")]
            names += [n for n in ids if all_tables[n].kind == "global" and ids[n]]
            manifest_tables = []
            file_names: dict[str, set[str]] = defaultdict(set)  # storage alias -> names
            for name in dependency_order(names, all_tables):
                table = all_tables[name]
                where, params = _selection(table, tenant.pk, ids)
                target = work / "data" / f"{name}.csv"
                query = sql.SQL("COPY (SELECT {cols} FROM {t} WHERE {w} ORDER BY {pk}) TO STDOUT WITH (FORMAT csv)")
                query = query.format(cols=_cols(table.columns), t=_ident(name), w=where, pk=_ident(table.pk))
                with open(target, "wb") as handle:
                    cursor.copy_expert(cursor.mogrify(query.as_string(cursor.connection), params).decode(), handle)
                cursor.execute(
                    sql.SQL("SELECT count(*), max({pk}) FROM {t} WHERE {w}").format(
                        pk=_ident(table.pk), t=_ident(name), w=where
                    ),
                    params,
                )
                count, max_id = cursor.fetchone()
                for column in table.files:
                    cursor.execute(
                        sql.SQL("SELECT DISTINCT {c} FROM {t} WHERE {w} AND {c} <> ''").format(
                            c=_ident(column), t=_ident(name), w=where
                        ),
                        params,
                    )
                    file_names["default"].update(value for (value,) in cursor.fetchall())
                manifest_tables.append(
                    {
                        "name": name,
                        "kind": table.kind,
                        "pk": table.pk,
                        "columns": table.columns,
                        "rows": count,
                        "max_id": max_id if isinstance(max_id, int) else None,
                        "sha256": _sha256(target),
                    }
                )
            mapped = {}
            for name in MAPPED:
                if ids.get(name):
                    cursor.execute(f"SELECT * FROM ({MAPPED[name]}) k(id, key) WHERE id = ANY(%s)", [sorted(ids[name])])  # noqa: S608 (constant)
                    mapped[name] = {str(i): key for i, key in cursor.fetchall()}
            schema = _schema(cursor, [t["name"] for t in manifest_tables])
        files, missing = _export_files(work, file_names, tenant.pk)
        manifest = {
            "format": FORMAT_VERSION,
            "exported_at": timezone.now().isoformat(),
            "tenant": {
                "id": tenant.pk,
                "slug": tenant.slug,
                "name": tenant.name,
                "custom_domain": tenant.custom_domain,
            },
            "migrations": migrations_state(alias),
            "schema": schema,
            "tables": manifest_tables,
            "mapped": mapped,
            "files": files,
            "missing_files": missing,
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work / "manifest.json", arcname="manifest.json")  # first: read without unpacking
            archive.add(work / "data", arcname="data")
            if (work / "files").exists():
                archive.add(work / "files", arcname="files")
        partial.replace(path)  # an archive that exists is complete
    return ExportReport(
        tenant=slug,
        path=path,
        rows={t["name"]: t["rows"] for t in manifest_tables},
        files=len(files),
        missing_files=missing,
        bytes=path.stat().st_size,
        undelivered=undelivered,
    )


def _export_files(work: Path, file_names: dict[str, set[str]], tenant_id: int) -> tuple[list[dict], list[str]]:
    from django.core.files.storage import storages

    files, missing = [], []
    for alias, names in file_names.items():
        storage = storages[alias]
        for name in sorted(names):
            target = work / "files" / "media" / name
            if not _inside(target, work / "files" / "media") or not storage.exists(name):
                missing.append(name)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with storage.open(name, "rb") as source, open(target, "wb") as handle:
                shutil.copyfileobj(source, handle)
            files.append({"root": "media", "path": name, "sha256": _sha256(target), "size": target.stat().st_size})
    for label, root in TENANT_FOLDERS:
        folder = root() / str(tenant_id)
        if not folder.is_dir():
            continue
        for source in sorted(p for p in folder.rglob("*") if p.is_file()):
            relative = source.relative_to(root()).as_posix()
            target = work / "files" / label / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            files.append({"root": label, "path": relative, "sha256": _sha256(target), "size": target.stat().st_size})
    return files, missing


def _inside(path: Path, root: Path) -> bool:
    return Path(os.path.normpath(path)).is_relative_to(root)


# --- Import ------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    tenant: str
    dry_run: bool
    rows: dict[str, int] = field(default_factory=dict)  # inserted per table
    shared: dict[str, int] = field(default_factory=dict)  # global rows already here, kept as they are
    rewritten: dict[str, int] = field(default_factory=dict)  # rows the target's triggers touched, put back
    files: int = 0
    files_present: int = 0
    sequences: int = 0
    demoted: list[str] = field(default_factory=list)  # users whose platform rights stayed behind


def read_manifest(path: str | Path) -> dict:
    with tarfile.open(path, "r:gz") as archive:
        member = archive.extractfile("manifest.json")
        if member is None:
            raise MoveError(f"{path} has no manifest.json: not a tenant archive.")
        return json.load(member)


def _check_schema(manifest: dict, cursor, using: str) -> list[str]:
    problems = []
    if manifest.get("format") != FORMAT_VERSION:
        return [f"The archive's format is {manifest.get('format')}, this release reads {FORMAT_VERSION}."]
    here = migrations_state(using)
    there = manifest["migrations"]
    for app in sorted(set(here) | set(there)):
        if here.get(app) != there.get(app):
            problems.append(
                f"Schema differs: {app} is at {there.get(app) or 'nothing'} in the archive and at "
                f"{here.get(app) or 'nothing'} here. Migrate both installations to the same release first."
            )
    if not problems:
        schema = _schema(cursor, manifest["schema"])
        for name, columns in manifest["schema"].items():
            if schema.get(name) != columns:
                problems.append(f"Schema differs: the columns of {name} are not the same here.")
    return problems


def _stage_name(index: int) -> str:
    return f"prm_move_{index}"


def import_tenant(path: str | Path, *, dry_run: bool = False) -> ImportReport:
    """Load the archive ``path`` into this installation, or refuse with every reason (MoveError).
    Inside ``platform_scope()``, as ``tenant_import`` calls it.

    One transaction on the platform connection: nothing is written unless everything is. Sequences
    are advanced (as the schema owner) just before the rows go in; an import that fails after that
    leaves only a gap in the ids."""
    manifest = read_manifest(path)
    all_tables = tables_cache()
    alias = _require_platform_scope()
    slug = manifest["tenant"]["slug"]
    report = ImportReport(tenant=slug, dry_run=dry_run)
    pending = unapplied_migrations(alias)
    if pending:
        raise MoveError("Migrate this installation first; not applied:", pending)
    written: list[Callable[[], None]] = []
    refused = (
        f"The import of {slug} was refused, nothing was written. The archive holds what tenant_export does not"
        " write or this import does not take (an altered archive?):"
    )
    with tempfile.TemporaryDirectory(prefix="prm-import-") as work:
        work = Path(work)
        with tarfile.open(path, "r:gz") as archive:
            members = archive.getmembers()
            archive.extractall(work, filter="data")
        try:
            with transaction.atomic(using=alias):
                connection = connections[alias]
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")  # the scope's settings go out with the first statement
                    problems = _check_schema(manifest, cursor, alias)
                    if problems:
                        raise MoveError("The import was refused: the schemas differ.", problems)
                    entries = [t for t in manifest["tables"] if t["name"] in all_tables]
                    unknown = [t["name"] for t in manifest["tables"] if t["name"] not in all_tables]
                    if unknown:
                        raise MoveError("The import was refused.", [f"Unknown tables: {', '.join(unknown)}"])
                    problems = _check_archive(manifest, members, all_tables)
                    if problems:
                        raise MoveError(refused, problems)
                    stages = _stage(cursor, work, entries)
                    problems = _check_rows(cursor, manifest, entries, stages, all_tables)
                    problems += _check_file_names(cursor, manifest, entries, stages, all_tables)
                    if problems:
                        raise MoveError(refused, problems)
                    report.demoted = _without_platform_rights(cursor, stages)
                    problems = _map(cursor, manifest, entries, stages, all_tables)
                    problems += _collisions(cursor, manifest, entries, stages, all_tables, report)
                    refusals = _check_globals(cursor, entries, stages, all_tables)
                    if refusals:
                        raise MoveError(refused, refusals + problems)
                    files, present, file_problems = _check_files(work, manifest)
                    problems += file_problems
                    if problems:
                        raise MoveError(
                            f"The import of {slug} was refused, nothing was written. What collides ({len(problems)}):",
                            problems,
                        )
                    report.files_present = present
                    if dry_run:
                        report.rows = {t["name"]: t["rows"] - report.shared.get(t["name"], 0) for t in entries}
                        report.files = len(files)
                        transaction.set_rollback(True, using=alias)
                        return report
                    report.sequences = _advance_sequences(connection, entries, all_tables)
                    _load(cursor, manifest, entries, stages, all_tables, report)
                    written.extend(_copy_files(work, files))
                    report.files = len(files)
                people_changed(tenant_id=manifest["tenant"]["id"], using=alias)
                tenants_changed(using=alias)
        except BaseException:
            for undo in written:
                undo()
            raise
    return report


def _relative(path: object) -> bool:
    """A plain relative path (no ``..``, nothing to normalise): what the export writes."""
    if not isinstance(path, str) or not path:
        return False
    parts = PurePosixPath(path).parts
    return not PurePosixPath(path).is_absolute() and ".." not in parts and "/".join(parts) == path


def _in_tenant_folder(path: object, tenant_id: int) -> bool:
    """``<tenant id>/...``: inside the tenant's own part of a ``TENANT_FOLDERS`` root."""
    return _relative(path) and len(PurePosixPath(path).parts) >= 2 and PurePosixPath(path).parts[0] == str(tenant_id)


def _check_archive(manifest: dict, members: list[tarfile.TarInfo], all_tables: dict[str, Table]) -> list[str]:
    """The manifest and the tar against what ``tenant_export`` writes, before anything is staged:
    only tables it writes (``written_tables()``), each once with the table's columns, the tenant's
    row among them; only known natural keys; files only under a root it writes to, the tenant
    folders' only under ``<tenant id>/``; and nothing else in the tar."""
    tenant_id = manifest.get("tenant", {}).get("id")
    if not isinstance(tenant_id, int) or isinstance(tenant_id, bool) or tenant_id <= 0:
        return [f"manifest.json: the tenant's id {tenant_id!r} is not an id."]
    problems: list[str] = []
    written = written_tables(all_tables)
    seen: set[str] = set()
    for entry in manifest["tables"]:
        name = entry.get("name")
        if name not in written:
            kind = all_tables[name].kind if name in all_tables else "unknown"
            problems.append(f"data/{name}.csv: {name} is a table tenant_export does not write ({kind}).")
        elif name in seen:
            problems.append(f"manifest.json: {name} is listed twice.")
        elif entry.get("columns") != all_tables[name].columns:
            problems.append(f"manifest.json: the columns of {name} are not the table's.")
        seen.add(name)
    if Tenant._meta.db_table not in seen:
        problems.append(f"data/{Tenant._meta.db_table}.csv: missing (the tenant's own row).")
    for name, keys in manifest.get("mapped", {}).items():
        if name not in MAPPED or not isinstance(keys, dict) or not all(str(k).isdigit() for k in keys):
            problems.append(f"manifest.json: mapped {name} is not a table of natural keys this release maps.")
    roots = _file_roots()
    expected = {"manifest.json"} | {f"data/{name}.csv" for name in seen}
    for entry in manifest["files"]:
        label, relative = entry.get("root"), entry.get("path")
        if label not in roots or not _relative(relative):
            problems.append(f"files/{label}/{relative}: not a place this release writes to.")
        elif label != "media" and not _in_tenant_folder(relative, tenant_id):
            problems.append(f"files/{label}/{relative}: outside the tenant's folder {label}/{tenant_id}/.")
        else:
            expected.add(f"files/{label}/{relative}")
    folders = {str(parent) for name in expected for parent in PurePosixPath(name).parents if str(parent) != "."}
    present = set()
    for member in members:
        name = member.name.rstrip("/")
        if member.isfile() and name in expected:
            present.add(name)
        elif not (member.isdir() and name in folders):
            problems.append(f"{member.name}: not something tenant_export writes.")
    problems += [f"{name}: missing." for name in sorted(expected - present)]
    return problems


def _check_rows(
    cursor, manifest: dict, entries: list[dict], stages: dict[str, str], all_tables: dict[str, Table]
) -> list[str]:
    """The staged rows against the manifest and the tenant: each table's count and largest id as
    the manifest says (the sequences move by them); exactly one tenant row, the manifest's; every
    tenant row of that tenant; every reference from the tenant's rows to a global row to one the
    archive carries (not to a user of this installation it does not bring), and to a content
    type, permission or group to one it names; a reference between the tenant's rows to a row
    it carries (not to another tenant's); folder columns inside the tenant's folder."""
    tenant_id = manifest["tenant"]["id"]
    mapped = manifest.get("mapped", {})
    problems = []
    for entry in entries:
        name, table = entry["name"], all_tables[entry["name"]]
        stage, pk = _ident(stages[name]), _ident(table.pk)
        pk_field = table.model._meta.pk
        integer = isinstance(pk_field.target_field if pk_field.is_relation else pk_field, models.IntegerField)
        cursor.execute(
            sql.SQL("SELECT count(*), {} FROM {}").format(
                sql.SQL("max({})").format(pk) if integer else sql.SQL("NULL"), stage
            )
        )
        count, max_id = cursor.fetchone()
        if count != entry.get("rows") or max_id != entry.get("max_id"):
            problems.append(
                f"{name}: {count} rows, largest id {max_id}, but the manifest says {entry.get('rows')}, "
                f"{entry.get('max_id')}."
            )
        if table.kind == "root":
            cursor.execute(sql.SQL("SELECT {pk} FROM {s} ORDER BY {pk} LIMIT 3").format(pk=pk, s=stage))
            ids = [i for (i,) in cursor.fetchall()]
            if ids != [tenant_id]:
                problems.append(f"{name}: the archive holds the tenant rows {ids}, not just the tenant {tenant_id}'s.")
        elif table.kind == "tenant":
            cursor.execute(
                sql.SQL("SELECT DISTINCT tenant_id FROM {} WHERE tenant_id IS DISTINCT FROM %s ORDER BY 1").format(
                    stage
                ),
                [tenant_id],
            )
            others = [i for (i,) in cursor.fetchall()]
            if others:
                problems.append(f"{name}: rows of another tenant ({_examples(others)}), not of {tenant_id}.")
        for column, target in table.fks.items():
            kind = all_tables[target].kind
            if column == "tenant_id" and table.kind == "tenant":
                continue
            if kind == "mapped":
                known = [int(k) for k in mapped.get(target, {})]
                where, params = sql.SQL("NOT ({} = ANY(%s))").format(_ident(column)), [known]
            elif table.kind in ("tenant", "link", "root") and kind in ("global", "root", "tenant", "link"):
                if target in stages:
                    where = sql.SQL("NOT EXISTS (SELECT FROM {p} p WHERE p.{ppk} = s.{c})").format(
                        p=_ident(stages[target]), ppk=_ident(all_tables[target].pk), c=_ident(column)
                    )
                else:
                    where = sql.SQL("true")
                params = []
            else:
                continue
            cursor.execute(
                sql.SQL("SELECT DISTINCT s.{c} FROM {s} s WHERE s.{c} IS NOT NULL AND {w} ORDER BY 1").format(
                    c=_ident(column), s=stage, w=where
                ),
                params,
            )
            strays = [i for (i,) in cursor.fetchall()]
            if strays:
                problems.append(
                    f"{name}.{column}: refers to {target} rows the archive does not carry: {_examples(strays)}."
                )
        if table.kind == "link":
            column, parent = table.link
            where = sql.SQL("true")
            if parent in stages:
                where = sql.SQL("NOT EXISTS (SELECT FROM {p} p WHERE p.{ppk} = s.{c})").format(
                    p=_ident(stages[parent]), ppk=_ident(all_tables[parent].pk), c=_ident(column)
                )
            cursor.execute(sql.SQL("SELECT count(*) FROM {s} s WHERE {w}").format(s=stage, w=where))
            (strays,) = cursor.fetchone()
            if strays:
                problems.append(f"{name}: {strays} row(s) hang off {parent} rows the archive does not carry.")
        if name in FOLDER_COLUMNS:
            column, label = FOLDER_COLUMNS[name]
            cursor.execute(sql.SQL("SELECT DISTINCT {c} FROM {s} WHERE {c} <> ''").format(c=_ident(column), s=stage))
            outside = sorted(v for (v,) in cursor.fetchall() if not _in_tenant_folder(v, tenant_id))
            if outside:
                problems.append(
                    f"{name}.{column}: outside the tenant's folder {label}/{tenant_id}/: {_examples(outside)}."
                )
    return problems


def _check_file_names(
    cursor, manifest: dict, entries: list[dict], stages: dict[str, str], all_tables: dict[str, Table]
) -> list[str]:
    """Files of the default storage only where an incoming row's FileField names them; and a row
    may not name a file already here that the archive does not carry (another tenant's)."""
    from django.core.files.storage import default_storage

    named: set[str] = set()
    for entry in entries:
        for column in all_tables[entry["name"]].files:
            cursor.execute(
                sql.SQL("SELECT DISTINCT {c} FROM {s} WHERE {c} <> ''").format(
                    c=_ident(column), s=_ident(stages[entry["name"]])
                )
            )
            named.update(value for (value,) in cursor.fetchall())
    carried = {f.get("path") for f in manifest["files"] if f.get("root") == "media"}
    problems = [f"files/media/{p}: no incoming row names it." for p in sorted(carried - named, key=str)]
    taken = []
    for name in sorted(named - carried):
        try:
            if default_storage.exists(name):
                taken.append(name)
        except SuspiciousFileOperation:
            problems.append(f"files: a row names {name}, outside the storage.")
    if taken:
        problems.append(f"files: rows name files already here that the archive does not carry: {_examples(taken)}.")
    return problems


def _check_globals(cursor, entries: list[dict], stages: dict[str, str], all_tables: dict[str, Table]) -> list[str]:
    """After the shared rows left the stages: a global row (an e-mail address, an authenticator, a
    social account, a group membership) goes in only with the user (the global row) it belongs
    to. For a user already here, kept as the target has them, a row the target does not already
    have is refused: an archive must not add an address or an authenticator to someone here."""
    problems = []
    for entry in entries:
        name, table = entry["name"], all_tables[entry["name"]]
        if table.kind != "global":
            continue
        for column, target in table.fks.items():
            if all_tables[target].kind != "global":
                continue
            where = sql.SQL("true")
            if target in stages:
                where = sql.SQL("NOT EXISTS (SELECT FROM {p} p WHERE p.{ppk} = s.{c})").format(
                    p=_ident(stages[target]), ppk=_ident(all_tables[target].pk), c=_ident(column)
                )
            cursor.execute(
                sql.SQL("SELECT DISTINCT s.{c} FROM {s} s WHERE s.{c} IS NOT NULL AND {w} ORDER BY 1").format(
                    c=_ident(column), s=_ident(stages[name]), w=where
                )
            )
            strays = [i for (i,) in cursor.fetchall()]
            if strays:
                problems.append(
                    f"{name}: new rows for {len(strays)} {target} row(s) already here or not in the archive "
                    f"({column} {_examples(strays)}); an import adds nothing to those."
                )
    return problems


def _stage(cursor, work: Path, entries: list[dict]) -> dict[str, str]:
    """Each table's rows into a temporary table shaped like it (no constraints), where they are
    checked and mapped before anything touches the real one."""
    stages = {}
    for index, entry in enumerate(entries):
        name, stage = entry["name"], _stage_name(index)
        data = work / "data" / f"{name}.csv"
        if _sha256(data) != entry["sha256"]:
            raise MoveError("The archive is damaged.", [f"data/{name}.csv does not match its checksum."])
        cursor.execute(
            sql.SQL("CREATE TEMPORARY TABLE {} (LIKE {}) ON COMMIT DROP").format(_ident(stage), _ident(name))
        )
        with open(data, "rb") as handle:
            copy = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(_ident(stage), _cols(entry["columns"]))
            cursor.copy_expert(copy.as_string(cursor.connection), handle)
        cursor.execute(sql.SQL("ANALYZE {}").format(_ident(stage)))
        stages[name] = stage
    return stages


def _without_platform_rights(cursor, stages: dict[str, str]) -> list[str]:
    """A vendor's people arrive as users, not as operators of this installation: the source's
    platform rights (staff, superuser) are the source's to give and do not travel."""
    user = get_user_model()
    stage = stages.get(user._meta.db_table)
    flags = [f for f in ("is_staff", "is_superuser") if any(x.attname == f for x in user._meta.concrete_fields)]
    if stage is None or not flags:
        return []
    cursor.execute(
        sql.SQL("UPDATE {s} SET {set} WHERE {any} RETURNING {email}").format(
            s=_ident(stage),
            set=sql.SQL(", ").join(sql.SQL("{} = false").format(_ident(f)) for f in flags),
            any=sql.SQL(" OR ").join(map(_ident, flags)),
            email=_ident(user.get_email_field_name()),
        )
    )
    return sorted(email for (email,) in cursor.fetchall())


def _map(
    cursor, manifest: dict, entries: list[dict], stages: dict[str, str], all_tables: dict[str, Table]
) -> list[str]:
    """References to content types, permissions and groups: the archive's ids to this
    installation's, by natural key."""
    problems = []
    mapping: dict[str, dict[int, int]] = {}
    for name, keys in manifest["mapped"].items():
        cursor.execute(f"SELECT id, key FROM ({MAPPED[name]}) k(id, key) WHERE key = ANY(%s)", [list(keys.values())])  # noqa: S608 (constant)
        here = {key: id_ for id_, key in cursor.fetchall()}
        missing = sorted(key for key in keys.values() if key not in here)
        if missing:
            problems.append(f"{name}: {len(missing)} unknown here, e.g. {', '.join(missing[:EXAMPLES])}")
        mapping[name] = {int(source): here[key] for source, key in keys.items() if key in here}
    for entry in entries:
        table = all_tables[entry["name"]]
        for column, target in table.fks.items():
            pairs = mapping.get(target)
            if not pairs or column not in entry["columns"]:
                continue
            cursor.execute(
                sql.SQL(
                    "UPDATE {s} SET {c} = m.here FROM unnest(%s::bigint[], %s::bigint[]) m(there, here)"
                    " WHERE {c} = m.there"
                ).format(s=_ident(stages[entry["name"]]), c=_ident(column)),
                [list(pairs), list(pairs.values())],
            )
    return problems


def _unique_keys(cursor, table: str) -> list[tuple[list[str], str | None]]:
    """The table's unique indexes over plain columns (partial ones with their predicate); the
    primary key and expression indexes left out (the insert itself refuses what those forbid)."""
    cursor.execute(
        "SELECT array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n)"
        "             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n),"
        "       pg_get_expr(i.indpred, i.indrelid)"
        " FROM pg_index i WHERE i.indrelid = %s::regclass AND i.indisunique AND NOT i.indisprimary"
        " AND i.indexprs IS NULL",
        [table],
    )
    return [(list(columns), predicate) for columns, predicate in cursor.fetchall()]


def _collisions(
    cursor, manifest: dict, entries: list[dict], stages: dict[str, str], all_tables: dict[str, Table], report
) -> list[str]:
    """Every incoming row that would collide with one here, per table: its id taken, or a unique
    value (slug, domain, e-mail ...) used by another row. A global row at the same id with the
    same identity (its unique values and what it references) is the same one: shared, not
    loaded. Shared rows leave their stage table."""
    problems = []
    for entry in entries:
        name, stage, table = entry["name"], stages[entry["name"]], all_tables[entry["name"]]
        pk = _ident(table.pk)
        uniques = _unique_keys(cursor, name)
        if table.kind == "global":
            identity = sorted({c for columns, _ in uniques for c in columns} | set(table.fks))
            same = sql.SQL(" AND ").join(
                [sql.SQL("t.{c} IS NOT DISTINCT FROM s.{c}").format(c=_ident(c)) for c in identity] or [sql.SQL("true")]
            )
            cursor.execute(
                sql.SQL("SELECT s.{pk}, {same} FROM {s} s JOIN {t} t ON t.{pk} = s.{pk} ORDER BY s.{pk}").format(
                    pk=pk, same=same, s=_ident(stage), t=_ident(name)
                )
            )
            found = cursor.fetchall()
            shared = [i for i, equal in found if equal]
            taken = [i for i, equal in found if not equal]
            if shared:
                report.shared[name] = len(shared)
                cursor.execute(sql.SQL("DELETE FROM {} WHERE {} = ANY(%s)").format(_ident(stage), pk), [shared])
        else:
            cursor.execute(
                sql.SQL("SELECT s.{pk} FROM {s} s JOIN {t} t ON t.{pk} = s.{pk} ORDER BY s.{pk}").format(
                    pk=pk, s=_ident(stage), t=_ident(name)
                )
            )
            taken = [i for (i,) in cursor.fetchall()]
        if taken:
            problems.append(f"{name}: {len(taken)} id(s) already used here, e.g. {_examples(taken)}")
        for columns, predicate in uniques:
            match = sql.SQL(" AND ").join([sql.SQL("t.{c} = s.{c}").format(c=_ident(c)) for c in columns])
            where = sql.SQL(f"({predicate})") if predicate else sql.SQL("true")
            cursor.execute(
                sql.SQL(
                    "SELECT {cols} FROM {s} s WHERE {where} AND EXISTS"
                    " (SELECT FROM {t} t WHERE {where} AND {match} AND t.{pk} <> s.{pk}) ORDER BY 1"
                ).format(
                    cols=sql.SQL(", ").join(sql.SQL("s.{}").format(_ident(c)) for c in columns),
                    s=_ident(stage),
                    t=_ident(name),
                    where=where,
                    match=match,
                    pk=pk,
                )
            )
            used = cursor.fetchall()
            if used:
                values = ["/".join(str(v) for v in row) for row in used]
                problems.append(
                    f"{name}: {len(used)} value(s) of ({', '.join(columns)}) already used here by other rows, "
                    f"e.g. {_examples(values)}"
                )
    return problems


def _examples(values: list) -> str:
    shown = ", ".join(str(v) for v in values[:EXAMPLES])
    return shown + (" ..." if len(values) > EXAMPLES else "")


def _file_roots() -> dict[str, Path | None]:
    roots: dict[str, Path | None] = {label: root() for label, root in TENANT_FOLDERS}
    roots["media"] = None  # through the default storage
    return roots


def _check_files(work: Path, manifest: dict) -> tuple[list[dict], int, list[str]]:
    """The files to copy; a file already here with the same bytes is skipped, with other bytes
    refuses the import."""
    from django.core.files.storage import default_storage

    roots = _file_roots()
    to_copy, present, clashes, problems = [], 0, [], []
    for entry in manifest["files"]:
        source = work / "files" / entry["root"] / entry["path"]
        if entry["root"] not in roots or not _inside(source, work / "files" / entry["root"]):
            problems.append(f"files: {entry['root']}/{entry['path']} is not a place this release writes to")
            continue
        if not source.is_file() or _sha256(source) != entry["sha256"]:
            raise MoveError(
                "The archive is damaged.", [f"files/{entry['root']}/{entry['path']} is missing or altered."]
            )
        root = roots[entry["root"]]
        if root is None:
            exists = default_storage.exists(entry["path"])
            digest = None
            if exists:
                with default_storage.open(entry["path"], "rb") as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
        else:
            exists = (root / entry["path"]).exists()
            digest = _sha256(root / entry["path"]) if exists else None
        if not exists:
            to_copy.append(entry)
        elif digest == entry["sha256"]:
            present += 1
        else:
            clashes.append(entry["path"])
    if clashes:
        problems.append(f"files: {len(clashes)} already here with other content, e.g. {_examples(clashes)}")
    return to_copy, present, problems


def _copy_files(work: Path, files: list[dict]) -> list[Callable[[], None]]:
    """Copy the files in; returns how to take each back out should the transaction fail."""
    from django.core.files.storage import default_storage

    roots = _file_roots()
    undo: list[Callable[[], None]] = []
    for entry in files:
        source = work / "files" / entry["root"] / entry["path"]
        root = roots[entry["root"]]
        if root is None:
            with open(source, "rb") as handle:
                saved = default_storage.save(entry["path"], File(handle, name=entry["path"]))
            undo.append(lambda name=saved: default_storage.delete(name))
            if saved != entry["path"]:
                raise MoveError("The import was stopped.", [f"files: {entry['path']} was saved as {saved}."])
        else:
            target = root / entry["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            undo.append(lambda target=target: target.unlink(missing_ok=True))
    return undo


def _advance_sequences(connection, entries: list[dict], all_tables: dict[str, Table]) -> int:
    """Move every sequence past the largest id coming in, so rows made here later never take
    one. As the schema owner (the platform login may read sequences, not set them), on a
    connection of its own: setval is not transactional anyway. Only ever forward, and only when
    behind: a value handed out meanwhile is never handed out again."""
    database = connection.settings_dict
    owner = getattr(settings, "PRM_DB_OWNER", None) or {}
    conn = psycopg2.connect(
        dbname=database["NAME"],
        user=owner.get("USER") or database["USER"],
        password=owner.get("PASSWORD") or database["PASSWORD"] or None,
        host=owner.get("HOST") or database["HOST"] or None,
        port=owner.get("PORT") or database["PORT"] or None,
    )
    advanced = 0
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            for entry in entries:
                if entry.get("max_id") is None:
                    continue
                table = all_tables[entry["name"]]
                cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table.name, table.pk])
                (sequence,) = cursor.fetchone()
                if sequence is None:
                    continue
                cursor.execute(
                    # The last value handed out (none yet: one less than the next) behind the largest id.
                    sql.SQL(
                        "SELECT setval(%s, %s) FROM {}"
                        " WHERE CASE WHEN is_called THEN last_value ELSE last_value - 1 END < %s"
                    ).format(sql.SQL(sequence)),
                    [sequence, entry["max_id"], entry["max_id"]],
                )
                advanced += cursor.rowcount
    finally:
        conn.close()
    return advanced


def _load(
    cursor, manifest: dict, entries: list[dict], stages: dict[str, str], all_tables: dict[str, Table], report
) -> None:
    """The rows in, referenced tables first; then what the target's triggers did to the tenant's
    rows while they arrived put back as the archive has it; then every foreign key checked."""
    tenant_id = manifest["tenant"]["id"]
    by_name = {e["name"]: e for e in entries}
    # The deletes below by tenant_id touch only rows of this transaction: the tenant is new here
    # (its id checked free, and the archive holds its row and only its rows).
    cursor.execute(
        sql.SQL("SELECT EXISTS (SELECT FROM {} WHERE {} = %s)").format(
            _ident(Tenant._meta.db_table), _ident(Tenant._meta.pk.column)
        ),
        [tenant_id],
    )
    if cursor.fetchone()[0]:
        raise MoveError("The import was stopped.", [f"The tenant {tenant_id} is here already."])
    for name in dependency_order(by_name, all_tables):
        cols = _cols(by_name[name]["columns"])
        if all_tables[name].kind == "tenant":
            # The tenant is new here, so any row of it already in the table was written by a
            # trigger of a table loaded before (an offer's tally): the archive's rows replace it.
            cursor.execute(sql.SQL("SELECT count(*) FROM {} WHERE tenant_id = %s").format(_ident(name)), [tenant_id])
            (early,) = cursor.fetchone()
            if early:
                cursor.execute(sql.SQL("DELETE FROM {} WHERE tenant_id = %s").format(_ident(name)), [tenant_id])
                report.rewritten[name] = early
        cursor.execute(
            sql.SQL("INSERT INTO {t} ({c}) OVERRIDING SYSTEM VALUE SELECT {c} FROM {s}").format(
                t=_ident(name), c=cols, s=_ident(stages[name])
            )
        )
        report.rows[name] = cursor.rowcount
    for name in dependency_order(by_name, all_tables):
        table = all_tables[name]
        if table.kind != "tenant":
            continue
        stage, pk = _ident(stages[name]), _ident(table.pk)
        cursor.execute(
            sql.SQL(
                "SELECT (SELECT count(*) FROM {t} t WHERE tenant_id = %s"
                " AND NOT EXISTS (SELECT FROM {s} s WHERE s.{pk} = t.{pk}))"
                " + (SELECT count(*) FROM {t} t JOIN {s} s ON s.{pk} = t.{pk} WHERE (t.*)::text <> (s.*)::text)"
            ).format(t=_ident(name), s=stage, pk=pk),
            [tenant_id],
        )
        (touched,) = cursor.fetchone()
        if touched:
            # A trigger of the target wrote rows of a table the archive carries (an offer's tally):
            # the archive's rows are the truth.
            cursor.execute(sql.SQL("DELETE FROM {} WHERE tenant_id = %s").format(_ident(name)), [tenant_id])
            cols = _cols(by_name[name]["columns"])
            cursor.execute(
                sql.SQL("INSERT INTO {t} ({c}) OVERRIDING SYSTEM VALUE SELECT {c} FROM {s}").format(
                    t=_ident(name), c=cols, s=stage
                )
            )
            report.rewritten[name] = report.rewritten.get(name, 0) + touched
    try:
        with transaction.atomic(using=cursor.db.alias):
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    except Exception as error:
        raise MoveError("The import was refused: a reference does not resolve.", [str(error).strip()]) from error
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    for entry in entries:
        expected = entry["rows"] - report.shared.get(entry["name"], 0)
        if report.rows.get(entry["name"]) != expected:
            raise MoveError(
                "The import was stopped.",
                [f"{entry['name']}: {report.rows.get(entry['name'])} rows in, {expected} expected."],
            )


def summary_lines(rows: dict[str, int]) -> list[str]:
    return [f"  {name}: {count}" for name, count in sorted(rows.items()) if count]


__all__ = [
    "ExportReport",
    "ImportReport",
    "MoveError",
    "consistent_snapshot",
    "export_tenant",
    "import_tenant",
    "read_manifest",
    "tables",
    "written_tables",
]
