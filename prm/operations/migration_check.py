"""Is a migration safe to run while the previous release serves? (``manage.py check_migrations_safe``)

An upgrade migrates first and starts the new processes after (README, "Zero-downtime upgrades"),
so every migration runs while the old code serves requests. Two things make one unsafe then:

* **a long lock on a large table**: PostgreSQL takes ACCESS EXCLUSIVE (or, to build an index,
  SHARE) for most DDL, and some forms hold it for a scan or a rewrite of the whole table rather
  than for a catalogue change: building an index without CONCURRENTLY, adding a foreign key or a
  CHECK that is validated at once, SET NOT NULL, changing a column's type, a volatile default.
  Every request touching the table waits (and, queued behind the lock, every later one too);
* **a change the previous release cannot live with**: dropping or renaming a column or table it
  still reads, or a NOT NULL column without a database default that its INSERTs do not fill.

The check reads the SQL Django would run (what ``sqlmigrate`` prints, collected operation by
operation through the schema editor, RunSQL included) for every migration not yet in the
baseline (``migration_baseline.txt`` beside this module: the migrations already released, so
applied everywhere). Tables a pending migration creates are new and empty, so nothing on them is
flagged. A lock is flagged only on a large table: ``pg_class.reltuples`` of the database the
command connects to at or over ``PRM_MIGRATION_LARGE_ROWS``, or never analysed (size unknown), or
every existing table with ``assume_large`` (the suite's run: its database is empty, production's
is not). Incompatibilities are flagged whatever the size.

django-migration-linter (PyPI) was considered first: it supports Django 5.2 but judges SQL
line by line with regular expressions for backward compatibility (and CREATE INDEX), and knows
neither a validated foreign key or CHECK, SET NOT NULL nor a volatile default, nor the size of a
table; so this module reads the same ``sqlmigrate`` SQL with the rules below.

Operations that are not SQL (RunPython) are not run and not judged: a data migration over a
large table belongs in a batched task or command, not in ``migrate``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlparse
from django.conf import settings
from django.db import connections
from django.db.migrations import AlterField
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState

BASELINE = Path(__file__).with_name("migration_baseline.txt")

COMPATIBILITY, LOCK = "compatibility", "lock"

_NAME = r'(?P<table>"(?:[^"]|"")+"|[\w.$]+)'
_ALTER_TABLE = re.compile(rf"^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?{_NAME}", re.I)
_CREATE_TABLE = re.compile(rf"^CREATE (?:UNLOGGED |TEMP |TEMPORARY )?TABLE (?:IF NOT EXISTS )?{_NAME}", re.I)
_CREATE_INDEX = re.compile(rf"^CREATE (?:UNIQUE )?INDEX (?P<concurrently>CONCURRENTLY )?.*? ON (?:ONLY )?{_NAME}", re.I)
_DROP_TABLE = re.compile(rf"^DROP TABLE (?:IF EXISTS )?{_NAME}", re.I)
_REWRITE = re.compile(
    rf"^(?:VACUUM (?:\(.*?FULL.*?\)|FULL)|CLUSTER|LOCK(?: TABLE)?|REINDEX (?:TABLE|INDEX)) (?:ONLY )?{_NAME}", re.I
)
_COLUMN = r'(?P<column>"(?:[^"]|"")+"|\w+)'
# A column's definition runs to the next action of the same ALTER TABLE (numeric(16, 2) has a comma).
_ADD_COLUMN = re.compile(
    rf"\bADD COLUMN (?:IF NOT EXISTS )?{_COLUMN}(?P<definition>.*?)(?=, (?:ADD|ALTER|DROP|SET|RENAME|VALIDATE)\b|$)",
    re.I,
)
_DROP_DEFAULT = re.compile(rf"\bALTER COLUMN {_COLUMN} DROP DEFAULT", re.I)
# Defaults PostgreSQL must compute per row (so it rewrites the table); a constant or a stable
# expression such as now() is stored once in the catalogue (PostgreSQL 11+).
_VOLATILE = re.compile(
    r"\b(?:random|gen_random_uuid|uuid_generate_v\d\w*|clock_timestamp|timeofday|nextval|txid_current"
    r"|pg_current_xact_id)\s*\(|\b(?:serial|bigserial|smallserial)\b|GENERATED .* AS IDENTITY",
    re.I,
)


def _unquote(name: str) -> str:
    if name.startswith('"'):
        return name[1:-1].replace('""', '"')
    return name.rsplit(".", 1)[-1].lower()


@dataclass(frozen=True)
class Rule:
    """One unsafe form: what it does to the previous release's requests, and the safe form."""

    kind: str
    what: str
    instead: str


RULES = {
    "create_index": Rule(
        LOCK,
        "CREATE INDEX without CONCURRENTLY blocks every write to the table while the index is built",
        "AddIndexConcurrently (django.contrib.postgres.operations) in a migration with atomic = False; for a "
        "unique constraint, CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... UNIQUE USING INDEX",
    ),
    "add_unique": Rule(
        LOCK,
        "ADD CONSTRAINT ... UNIQUE / PRIMARY KEY / EXCLUDE builds its index under an ACCESS EXCLUSIVE lock",
        "CREATE UNIQUE INDEX CONCURRENTLY (atomic = False), then ADD CONSTRAINT ... USING INDEX",
    ),
    "foreign_key": Rule(
        LOCK,
        "a FOREIGN KEY added without NOT VALID is checked against every row while both tables are locked "
        "against writes",
        "ADD CONSTRAINT ... NOT VALID in one migration and VALIDATE CONSTRAINT in the next (RunSQL with "
        "state_operations); for a new column, add it with db_constraint=False first",
    ),
    "check": Rule(
        LOCK,
        "a CHECK added without NOT VALID scans the table under an ACCESS EXCLUSIVE lock",
        "ADD CONSTRAINT ... CHECK (...) NOT VALID, then VALIDATE CONSTRAINT in a later migration",
    ),
    "set_not_null": Rule(
        LOCK,
        "SET NOT NULL scans the table under an ACCESS EXCLUSIVE lock",
        "ADD CONSTRAINT ... CHECK (column IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT; then SET NOT NULL "
        "(PostgreSQL 12+ trusts the validated check and skips the scan) and drop the check",
    ),
    "alter_type": Rule(
        LOCK,
        "changing a column's type rewrites the table under an ACCESS EXCLUSIVE lock",
        "a new column of the new type, written by both releases and backfilled in batches, read by the "
        "next release, the old one dropped after (only widening a varchar, or varchar to text, is free)",
    ),
    "volatile_default": Rule(
        LOCK,
        "a column with a volatile default rewrites the table under an ACCESS EXCLUSIVE lock",
        "add the column without a default (or with a constant one), backfill in batches, then set the default",
    ),
    "rewrite": Rule(
        LOCK,
        "VACUUM FULL, CLUSTER, REINDEX and LOCK TABLE hold an exclusive lock for as long as they run",
        "REINDEX ... CONCURRENTLY (atomic = False); pg_repack instead of VACUUM FULL or CLUSTER, outside migrate",
    ),
    "drop_column": Rule(
        COMPATIBILITY,
        "dropping a column the previous release still selects and inserts breaks its requests",
        "remove the field from the model in one release (SeparateDatabaseAndState with state_operations only; "
        "the column nullable or with a db_default), drop the column in the next",
    ),
    "rename_column": Rule(
        COMPATIBILITY,
        "renaming a column breaks the previous release, which uses the old name",
        "keep the column's name (db_column=) or add the new column, write both, backfill, switch and drop "
        "the old one over releases",
    ),
    "rename_table": Rule(
        COMPATIBILITY,
        "renaming a table breaks the previous release, which uses the old name",
        "keep the table's name (Meta.db_table)",
    ),
    "drop_table": Rule(
        COMPATIBILITY,
        "dropping a table the previous release may still use breaks its requests",
        "stop using the model in one release (SeparateDatabaseAndState, DeleteModel in state_operations only), "
        "drop the table in the next",
    ),
    "not_null_without_default": Rule(
        COMPATIBILITY,
        "a NOT NULL column without a database default makes the previous release's INSERTs fail (they do not name it)",
        "give the field a db_default=, or add it null=True and tighten it once every process writes it",
    ),
}


@dataclass(frozen=True)
class Finding:
    migration: str
    table: str
    rule: str
    statement: str
    rows: float | None = None
    assumed_large: bool = False

    @property
    def kind(self) -> str:
        return RULES[self.rule].kind

    def describe(self) -> str:
        rule = RULES[self.rule]
        if rule.kind == COMPATIBILITY:
            size = ""
        elif self.assumed_large:
            size = " (counted as large)"
        elif self.rows is None:
            size = " (size unknown: counted as large)"
        else:
            size = f" (about {self.rows:,.0f} rows)"
        statement = self.statement if len(self.statement) <= 200 else self.statement[:197] + "..."
        return f"{self.migration}: {self.table}{size}: {rule.what}.\n    SQL: {statement}\n    Instead: {rule.instead}."


@dataclass
class Sizes:
    """How large each table is, from the statistics of the database the check connects to."""

    using: str = "default"
    large_rows: int | None = None
    assume_large: bool = False
    known: dict[str, float | None] = field(default_factory=dict)

    def __post_init__(self):
        if self.large_rows is None:
            self.large_rows = getattr(settings, "PRM_MIGRATION_LARGE_ROWS", 100_000)

    def rows(self, table: str) -> float | None:
        """Estimated rows (``reltuples``: what ANALYZE and autovacuum last counted); None when the
        table was never analysed; 0 when it does not exist (a pending migration creates it)."""
        if table not in self.known:
            with connections[self.using].cursor() as cursor:
                cursor.execute(
                    "SELECT c.reltuples FROM pg_class c WHERE c.oid = to_regclass(%s)",
                    ['"' + table.replace('"', '""') + '"'],
                )
                row = cursor.fetchone()
            if row is None:
                self.known[table] = 0.0
            else:
                self.known[table] = None if row[0] < 0 else float(row[0])
        return self.known[table]

    def is_large(self, table: str) -> bool:
        if self.assume_large:
            return True
        rows = self.rows(table)
        return rows is None or rows >= self.large_rows


def split_statements(sql: str) -> list[str]:
    """SQL text as single statements, comments dropped and whitespace collapsed."""
    statements = []
    for raw in sqlparse.split(sql):
        text = sqlparse.format(raw, strip_comments=True).strip().rstrip(";").strip()
        if text:
            statements.append(re.sub(r"\s+", " ", text))
    return statements


def statement_rules(statement: str) -> list[tuple[str, str, str | None]]:
    """(rule, table, column) for each unsafe form in one statement."""
    found = []
    if match := _CREATE_INDEX.match(statement):
        if not match["concurrently"]:
            found.append(("create_index", _unquote(match["table"]), None))
        return found
    if match := _DROP_TABLE.match(statement):
        return [("drop_table", _unquote(match["table"]), None)]
    if match := _REWRITE.match(statement):
        if not re.match(r"^REINDEX \w+ \(?CONCURRENTLY", statement, re.I):
            found.append(("rewrite", _unquote(match["table"]), None))
        return found
    match = _ALTER_TABLE.match(statement)
    if not match:
        return found
    table = _unquote(match["table"])
    body = statement[match.end() :]
    upper = body.upper()
    not_valid = "NOT VALID" in upper
    if re.search(r"\bRENAME TO\b", upper):
        found.append(("rename_table", table, None))
    if re.search(r"\bRENAME (?:COLUMN )?(?!TO\b|CONSTRAINT\b)", upper):
        found.append(("rename_column", table, None))
    if re.search(r"\bDROP COLUMN\b", upper):
        found.append(("drop_column", table, None))
    if re.search(r"\bALTER (?:COLUMN )?\S+ (?:SET DATA )?TYPE\b", upper):
        column = re.search(rf"\bALTER (?:COLUMN )?{_COLUMN} (?:SET DATA )?TYPE", body, re.I)
        found.append(("alter_type", table, _unquote(column["column"]) if column else None))
    if re.search(r"\bSET NOT NULL\b", upper):
        found.append(("set_not_null", table, None))
    if (re.search(r"\bFOREIGN KEY\b", upper) or re.search(r"\bREFERENCES\b", upper)) and not not_valid:
        found.append(("foreign_key", table, None))
    if re.search(r"\bADD (?:CONSTRAINT \S+ )?CHECK\b", upper) and not not_valid:
        found.append(("check", table, None))
    if re.search(r"\bADD (?:CONSTRAINT \S+ )?(?:UNIQUE|PRIMARY KEY|EXCLUDE)\b", upper) and "USING INDEX" not in upper:
        found.append(("add_unique", table, None))
    for added in _ADD_COLUMN.finditer(body):
        definition = added["definition"].upper()
        column = _unquote(added["column"])
        if _VOLATILE.search(added["definition"]):
            found.append(("volatile_default", table, column))
        if re.search(r"\bNOT NULL\b", definition) and not re.search(r"\bDEFAULT\b", definition):
            found.append(("not_null_without_default", table, column))
        elif re.search(r"\bNOT NULL\b", definition):
            found.append(("not_null_default_pending", table, column))  # unless dropped later: see below
    return found


def _cheap_type_change(old: str | None, new: str | None) -> bool:
    """Type changes PostgreSQL makes without a rewrite or a scan (binary-compatible widening)."""
    if old == new:
        return True
    old_varchar = re.fullmatch(r"varchar\((\d+)\)", old or "")
    new_varchar = re.fullmatch(r"varchar\((\d+)\)", new or "")
    if old_varchar and new == "text":
        return True
    return bool(old_varchar and new_varchar and int(new_varchar[1]) >= int(old_varchar[1]))


@dataclass
class Checked:
    """A migration's statements and what was found in them."""

    name: str
    statements: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    not_sql: list[str] = field(default_factory=list)


def check_migration(migration, state, *, sizes: Sizes, new_tables: set[str] | None = None, using="default"):
    """Judge one migration applied on top of ``state`` (the project state before it).

    ``new_tables``: tables created by pending migrations before this one (shared across a run and
    extended here). Returns (Checked, the state after the migration).
    """
    connection = connections[using]
    new_tables = set() if new_tables is None else new_tables
    checked = Checked(f"{migration.app_label}.{migration.name}")
    candidates = []  # (rule, table, column, statement)
    cheap_types: set[tuple[str, str]] = set()
    for operation in migration.operations:
        if not operation.reduces_to_sql:
            checked.not_sql.append(operation.describe())
            operation.state_forwards(migration.app_label, state)  # RunPython: nothing to run
            continue
        before = state.clone()
        operation.state_forwards(migration.app_label, state)
        if isinstance(operation, AlterField):
            cheap_types |= _cheap_alterations(migration.app_label, operation, before, state, connection)
        with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
            operation.database_forwards(migration.app_label, editor, before, state)
        for sql in editor.collected_sql:
            for statement in split_statements(sql):
                checked.statements.append(statement)
                if created := _CREATE_TABLE.match(statement):
                    new_tables.add(_unquote(created["table"]))
                for rule, table, column in statement_rules(statement):
                    candidates.append((rule, table, column, statement))
    dropped_defaults = {
        (_unquote(m["table"]), _unquote(d["column"]))
        for statement in checked.statements
        if (m := _ALTER_TABLE.match(statement))
        for d in _DROP_DEFAULT.finditer(statement)
    }
    for rule, table, column, statement in candidates:
        if table in new_tables:
            continue
        if rule == "not_null_default_pending":
            # Django adds a NOT NULL field with a Python default as DEFAULT x NOT NULL, then drops
            # the default: the previous release's INSERTs fail from then on. db_default= keeps it.
            if (table, column) not in dropped_defaults:
                continue
            rule = "not_null_without_default"
        if rule == "alter_type" and (table, column) in cheap_types:
            continue
        rows = None
        if RULES[rule].kind == LOCK:
            if not sizes.is_large(table):
                continue
            rows = None if sizes.assume_large else sizes.rows(table)
        checked.findings.append(Finding(checked.name, table, rule, statement, rows, sizes.assume_large))
    return checked, state


def _cheap_alterations(app_label, operation, before, after, connection) -> set[tuple[str, str]]:
    old_model = before.apps.get_model(app_label, operation.model_name)
    new_model = after.apps.get_model(app_label, operation.model_name)
    old_field = old_model._meta.get_field(operation.name)
    new_field = new_model._meta.get_field(operation.name)
    if _cheap_type_change(old_field.db_type(connection), new_field.db_type(connection)):
        return {(new_model._meta.db_table, new_field.column)}
    return set()


def read_baseline(path: Path = BASELINE) -> set[str]:
    """``app_label.migration_name`` per line; what follows a ``#`` is a comment (the reason a
    migration was accepted as it is)."""
    names = set()
    for line in path.read_text().splitlines():
        name = line.split("#", 1)[0].strip()
        if name:
            names.add(name)
    return names


def write_baseline(path: Path = BASELINE, *, using="default") -> int:
    """Record every migration on disk as released (after a release: they run everywhere)."""
    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    kept = {}
    if path.exists():  # keep the reasons written beside accepted migrations
        for line in path.read_text().splitlines():
            name = line.split("#", 1)[0].strip()
            if name and "#" in line:
                kept[name] = line
    header = [line for line in (path.read_text().splitlines() if path.exists() else []) if line.startswith("#")]
    names = sorted(f"{app}.{name}" for app, name in loader.disk_migrations)
    path.write_text("\n".join([*header, *(kept.get(name, name) for name in names)]) + "\n")
    return len(names)


def check_pending(*, baseline: set[str] | None = None, sizes: Sizes | None = None, using="default"):
    """Every migration on disk not in the baseline, in the order migrate would run them."""
    baseline = read_baseline() if baseline is None else baseline
    sizes = sizes or Sizes(using=using)
    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    plan = []
    for leaf in loader.graph.leaf_nodes():
        for node in loader.graph.forwards_plan(leaf):
            if node not in plan:
                plan.append(node)
    # One state carried through the plan (as migrate does), rather than one rebuilt from scratch
    # for each pending migration: the released migrations first (none depends on a pending one),
    # as model states only; the pending ones after, on rendered models (what their SQL needs).
    # (A baseline entry that depends on a pending migration is pending too.)
    released, pending = [], []
    for node in plan:
        parents = {parent.key for parent in loader.graph.node_map[node].parents}
        if f"{node[0]}.{node[1]}" in baseline and parents.issubset(released):
            released.append(node)
        else:
            pending.append(node)
    state = ProjectState(real_apps=loader.unmigrated_apps)
    for node in released:
        state = loader.graph.nodes[node].mutate_state(state, preserve=False)
    new_tables: set[str] = set()
    results = []
    for node in pending:
        checked, state = check_migration(
            loader.graph.nodes[node], state, sizes=sizes, new_tables=new_tables, using=using
        )
        results.append(checked)
    return results
