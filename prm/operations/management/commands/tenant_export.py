"""``manage.py tenant_export <slug> <archive>``: one tenant, its global rows and its files, into an
archive that ``tenant_import`` loads into another installation (prm/operations/tenant_move.py)."""

from django.core.management.base import BaseCommand, CommandError

from prm.operations.tenant_move import MoveError, consistent_snapshot, export_tenant, summary_lines
from prm.tenancy.scope import platform_scope


class Command(BaseCommand):
    help = "Export one tenant (rows, ids kept, and files) into an archive for tenant_import."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the tenant's slug")
        parser.add_argument("archive", help="where to write the archive (.tar.gz)")
        parser.add_argument(
            "--allow-active",
            action="store_true",
            help="export a tenant that is still active (a trial: what changes after it is not in the archive)",
        )

    def handle(self, *args, slug, archive, allow_active, **options):
        try:
            with consistent_snapshot(), platform_scope():
                report = export_tenant(slug, archive, allow_active=allow_active)
        except MoveError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Exported {report.tenant} to {report.path} ({report.bytes} bytes): rows per table")
        self.stdout.write("\n".join(summary_lines(report.rows)))
        self.stdout.write(f"{sum(report.rows.values())} rows, {report.files} files.")
        if report.undelivered:
            self.stderr.write(
                f"{report.undelivered} outbox message(s) of the tenant are not delivered yet: the target will send "
                "them once the tenant is active there, and the source may still send them too. Wait until the "
                "operator page shows no outbox backlog for the tenant, then export again."
            )
        if report.missing_files:
            self.stderr.write(
                f"{len(report.missing_files)} file(s) named by rows are missing from the storage and were left out: "
                + ", ".join(report.missing_files[:10])
            )
