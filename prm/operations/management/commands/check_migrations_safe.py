"""Flag pending migrations that would lock a large table, or break the previous release, while it
serves (prm/operations/migration_check.py says what and why).

    python manage.py check_migrations_safe                 # before an upgrade, against production
    python manage.py check_migrations_safe --assume-large  # in the suite: every existing table is large
    python manage.py check_migrations_safe --write-baseline  # after a release: its migrations are applied

Exits non-zero on any finding; each names the migration, the table, the reason and the safe form.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from prm.operations.migration_check import BASELINE, Sizes, check_pending, read_baseline, write_baseline


class Command(BaseCommand):
    help = (
        "Check the migrations not in the baseline for long locks on large tables and for changes the "
        "previous release cannot run with."
    )

    def add_arguments(self, parser):
        parser.add_argument("--baseline", type=Path, default=BASELINE, help="the released migrations, one a line")
        parser.add_argument(
            "--assume-large", action="store_true", help="count every existing table as large (no live statistics)"
        )
        parser.add_argument(
            "--large-rows", type=int, default=None, help="rows from which a table is large (PRM_MIGRATION_LARGE_ROWS)"
        )
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--write-baseline", action="store_true", help="record every migration on disk as released, and stop"
        )

    def handle(self, *args, baseline, assume_large, large_rows, database, **options):
        if options["write_baseline"]:
            count = write_baseline(baseline, using=database)
            self.stdout.write(f"{count} migrations recorded as released in {baseline}.")
            return
        sizes = Sizes(using=database, large_rows=large_rows, assume_large=assume_large)
        results = check_pending(baseline=read_baseline(baseline), sizes=sizes, using=database)
        findings = [finding for checked in results for finding in checked.findings]
        for checked in results:
            status = "FAIL" if checked.findings else "ok"
            self.stdout.write(f"{checked.name:<60} {status}")
            for note in checked.not_sql:
                self.stdout.write(f"    not SQL, not judged: {note}")
        for finding in findings:
            self.stdout.write(finding.describe())
        if findings:
            raise CommandError(
                f"{len(findings)} unsafe operation(s) in {sum(bool(c.findings) for c in results)} migration(s): "
                "rewrite them in the safe form, or, if the table is small everywhere or the upgrade has a "
                f"maintenance window, add the migration to {baseline.name} with the reason."
            )
        threshold = "every existing table counted as large" if assume_large else f"large: {sizes.large_rows:,} rows"
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(results)} migration(s) after the baseline, none locks a large table ({threshold}) or breaks "
                "the previous release."
            )
        )
