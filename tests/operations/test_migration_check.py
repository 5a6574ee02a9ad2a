"""The zero-downtime migration check (prm/operations/migration_check.py): the unsafe forms of the
common operations are flagged with their table and the safe form, the safe forms pass, and the
repository's own pending migrations pass; so a new migration that would lock a large table while
the previous release serves fails the suite (and CI)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.postgres.operations import AddIndexConcurrently
from django.core.management import CommandError, call_command
from django.db import connection, migrations, models

from prm.operations.migration_check import BASELINE, Sizes, check_migration, read_baseline

pytestmark = pytest.mark.django_db

LARGE = {"partners_partner": 2_000_000.0, "partners_partnertype": 2_000_000.0}
SMALL = {"partners_partner": 40.0, "partners_partnertype": 3.0}


@pytest.fixture(scope="module")
def released_state(django_db_blocker):
    """The project state with every migration applied (what the next migration starts from)."""
    from django.db.migrations.loader import MigrationLoader

    with django_db_blocker.unblock():
        state = MigrationLoader(connection).project_state()
        state.apps  # noqa: B018  (rendered once; each case clones it)
    return state


def judge(released_state, *operations, rows=LARGE, atomic=True):
    migration = migrations.Migration("0999_probe", "partners")
    migration.operations = list(operations)
    migration.atomic = atomic
    checked, _ = check_migration(migration, released_state.clone(), sizes=Sizes(large_rows=100_000, known=dict(rows)))
    return checked


def flagged(checked) -> set[tuple[str, str]]:
    return {(finding.table, finding.rule) for finding in checked.findings}


def test_an_index_on_a_large_table_must_be_built_concurrently(released_state):
    index = models.Index(fields=["tenant", "display_name"], name="probe_name_idx")
    blocking = judge(released_state, migrations.AddIndex("partner", index))
    assert flagged(blocking) == {("partners_partner", "create_index")}
    described = blocking.findings[0].describe()
    assert "about 2,000,000 rows" in described and "AddIndexConcurrently" in described
    assert 'CREATE INDEX "probe_name_idx" ON "partners_partner"' in described
    # the same index on a table that is small everywhere
    assert flagged(judge(released_state, migrations.AddIndex("partner", index), rows=SMALL)) == set()


@pytest.mark.django_db(transaction=True)  # a migration with atomic = False, as migrate runs it: no transaction
def test_an_index_built_concurrently_passes(released_state):
    index = models.Index(fields=["tenant", "display_name"], name="probe_name_idx")
    checked = judge(released_state, AddIndexConcurrently("partner", index), atomic=False)
    assert checked.statements == [
        'CREATE INDEX CONCURRENTLY "probe_name_idx" ON "partners_partner" ("tenant_id", "display_name")'
    ]
    assert flagged(checked) == set()


def test_a_not_null_column_needs_a_database_default_for_the_previous_releases_inserts(released_state):
    python_default = migrations.AddField("partner", "probe_rank", models.IntegerField(default=0))
    # Django adds it with DEFAULT 0 NOT NULL, then drops the default: the old code's INSERTs fail,
    # whatever the table's size
    for rows in (LARGE, SMALL):
        assert flagged(judge(released_state, python_default, rows=rows)) == {
            ("partners_partner", "not_null_without_default")
        }
    kept_default = migrations.AddField("partner", "probe_rank", models.IntegerField(default=0, db_default=0))
    nullable = migrations.AddField("partner", "probe_rank", models.IntegerField(null=True))
    assert flagged(judge(released_state, kept_default)) == set()
    assert flagged(judge(released_state, nullable)) == set()


def test_a_volatile_default_a_type_change_and_set_not_null_lock_a_large_table(released_state):
    volatile = migrations.AddField(
        "partner", "probe_token", models.UUIDField(db_default=models.Func(function="gen_random_uuid"))
    )
    assert ("partners_partner", "volatile_default") in flagged(judge(released_state, volatile))
    to_integer = migrations.AlterField("partner", "city", models.IntegerField(null=True))
    assert flagged(judge(released_state, to_integer)) == {("partners_partner", "alter_type")}
    # widening a varchar (or making it text) changes only the catalogue
    wider = migrations.AlterField("partner", "city", models.CharField(max_length=300, blank=True))
    text = migrations.AlterField("partner", "city", models.TextField(blank=True))
    assert flagged(judge(released_state, wider)) == set()
    assert flagged(judge(released_state, text)) == set()
    not_null = migrations.RunSQL('ALTER TABLE "partners_partner" ALTER COLUMN "website" SET NOT NULL')
    assert flagged(judge(released_state, not_null)) == {("partners_partner", "set_not_null")}


def test_constraints_are_added_not_valid_then_validated(released_state):
    check = migrations.AddConstraint(
        "partner", models.CheckConstraint(condition=models.Q(country__regex=r"^[A-Z]{2}$"), name="probe_country")
    )
    assert flagged(judge(released_state, check)) == {("partners_partner", "check")}
    reference = migrations.AddField(
        "partnertype",
        "probe_owner",
        models.ForeignKey("accounts.Membership", null=True, on_delete=models.SET_NULL, related_name="+"),
    )
    assert ("partners_partnertype", "foreign_key") in flagged(judge(released_state, reference))
    unique = migrations.RunSQL('ALTER TABLE "partners_partner" ADD CONSTRAINT "probe_u" UNIQUE ("tenant_id", "city")')
    assert flagged(judge(released_state, unique)) == {("partners_partner", "add_unique")}
    # the safe forms: NOT VALID, then VALIDATE (a SHARE UPDATE EXCLUSIVE lock: reads and writes go on)
    safe = migrations.RunSQL(
        """
        ALTER TABLE "partners_partner" ADD CONSTRAINT "probe_country" CHECK (country ~ '^[A-Z]{2}$') NOT VALID;
        ALTER TABLE "partners_partner" VALIDATE CONSTRAINT "probe_country";
        ALTER TABLE "partners_partnertype" ADD CONSTRAINT "probe_fk" FOREIGN KEY ("id")
            REFERENCES "partners_partnertype" ("id") NOT VALID;
        """
    )
    assert flagged(judge(released_state, safe)) == set()


def test_dropping_or_renaming_what_the_previous_release_uses_is_flagged_at_any_size(released_state):
    for operation, rule in (
        (migrations.RemoveField("partner", "city"), "drop_column"),
        (migrations.RenameField("partner", "city", "town"), "rename_column"),
        (migrations.AlterModelTable("partnertype", "partners_kind"), "rename_table"),
    ):
        found = flagged(judge(released_state, operation, rows=SMALL))
        assert rule in {found_rule for _, found_rule in found}, (operation, found)
    # expand/contract: the field leaves the model first (state only), the column goes a release later
    state_only = migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField("partner", "city")])
    assert flagged(judge(released_state, state_only)) == set()


def test_anything_on_a_table_the_same_migration_creates_passes(released_state):
    create = migrations.CreateModel(
        "ProbeNote",
        [
            ("id", models.BigAutoField(primary_key=True)),
            ("partner", models.ForeignKey("partners.Partner", on_delete=models.CASCADE)),
            ("body", models.TextField()),
        ],
    )
    index = migrations.AddIndex("probenote", models.Index(fields=["body"], name="probe_body_idx"))
    field = migrations.AddField("probenote", "rank", models.IntegerField(default=0))
    checked = judge(released_state, create, index, field)
    assert any(statement.startswith('CREATE TABLE "partners_probenote"') for statement in checked.statements)
    assert flagged(checked) == set()


def test_python_code_is_listed_not_run(released_state):
    def explode(apps, schema_editor):
        raise AssertionError("the check ran a data migration")

    checked = judge(released_state, migrations.RunPython(explode, migrations.RunPython.noop))
    assert checked.findings == [] and len(checked.not_sql) == 1


def test_the_repositorys_pending_migrations_are_safe_counting_every_table_as_large(capsys):
    # The suite's database is empty, production's is not: every existing table counts as large.
    call_command("check_migrations_safe", "--assume-large")
    out = capsys.readouterr().out
    assert "none locks a large table (every existing table counted as large)" in out
    assert "FAIL" not in out


def test_a_migration_left_out_of_the_baseline_fails_the_command_with_the_table_and_the_fix(tmp_path: Path, capsys):
    # scorecards 0002 indexed the snapshots in one transaction: fine before the product served
    # anyone, flagged now (nothing depends on it, so it is the only migration judged here)
    baseline = tmp_path / "baseline.txt"
    released = read_baseline(BASELINE)
    assert "scorecards.0002_movers_index" in released
    baseline.write_text("\n".join(sorted(released - {"scorecards.0002_movers_index"})) + "\n")
    with pytest.raises(CommandError, match="1 unsafe operation"):
        call_command("check_migrations_safe", "--assume-large", "--baseline", str(baseline))
    out = capsys.readouterr().out
    assert (
        "scorecards.0002_movers_index: scorecards_scorecardsnapshot (counted as large): CREATE INDEX without "
        "CONCURRENTLY blocks every write to the table while the index is built." in out
    )
    assert 'SQL: CREATE INDEX "scorecard_change_idx" ON "scorecards_scorecardsnapshot"' in out
    assert "Instead: AddIndexConcurrently" in out
