"""List every tenant-owned table with its row-level security; exit non-zero on any gap."""

from django.core.management.base import BaseCommand, CommandError

from prm.tenancy.rls import rls_report


class Command(BaseCommand):
    help = "Check that every tenant-owned table has row-level security enabled, forced and a policy."

    def handle(self, *args, **options):
        failures = 0
        for table in rls_report():
            problems = table.problems
            status = "ok" if not problems else "FAIL: " + "; ".join(problems)
            policies = ", ".join(table.policies) or "-"
            self.stdout.write(f"{table.table:<40} policies: {policies:<26} {status}")
            failures += bool(problems)
        if failures:
            raise CommandError(f"{failures} tenant-owned table(s) lack row-level security.")
        self.stdout.write(self.style.SUCCESS("Every tenant-owned table has row-level security."))
