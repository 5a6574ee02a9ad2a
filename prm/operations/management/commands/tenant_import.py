"""``manage.py tenant_import <archive> [--dry-run]``: load a tenant written by ``tenant_export``,
ids kept, all or nothing; refused with every collision listed (prm/operations/tenant_move.py)."""

from django.core.management.base import BaseCommand, CommandError

from prm.operations.tenant_move import MoveError, import_tenant, summary_lines
from prm.tenancy.scope import platform_scope


class Command(BaseCommand):
    help = "Import a tenant archive made by tenant_export; refuses (writing nothing) if anything would collide."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the archive tenant_export wrote")
        parser.add_argument("--dry-run", action="store_true", help="only check: report collisions, write nothing")

    def handle(self, *args, archive, dry_run, **options):
        try:
            with platform_scope():
                report = import_tenant(archive, dry_run=dry_run)
        except MoveError as error:
            raise CommandError(str(error)) from error
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(f"{verb} {report.tenant}: rows per table")
        self.stdout.write("\n".join(summary_lines(report.rows)))
        self.stdout.write(
            f"{sum(report.rows.values())} rows, {report.files} files"
            f" ({report.files_present} already here with the same content)."
        )
        if report.shared:
            self.stdout.write("Already here, kept as they are (the same rows: same id, same identity):")
            self.stdout.write("\n".join(summary_lines(report.shared)))
        if report.rewritten:
            self.stdout.write("Rows this database's triggers wrote while loading, put back as the archive has them:")
            self.stdout.write("\n".join(summary_lines(report.rewritten)))
        if report.demoted:
            self.stdout.write("Platform rights (staff, superuser) not carried over for: " + ", ".join(report.demoted))
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        else:
            self.stdout.write(f"{report.sequences} sequences advanced past the imported ids.")
