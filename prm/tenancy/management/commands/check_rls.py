"""List every tenant-owned table with its row-level security, and the logins the app connects
as; exit non-zero on any gap.

Policies protect nothing if the runtime login can step around them, so this also fails when
that login is (or may become) a superuser, a BYPASSRLS or CREATEROLE role or a table owner, and
when there is no platform connection: platform_scope() would then switch the runtime
connection's role, which only such a login can do (the test suite's single-connection mode).
"""

from django.core.management.base import BaseCommand, CommandError

from prm.tenancy.db import PLATFORM_ALIAS, has_platform_connection
from prm.tenancy.rls import login_report, rls_report


class Command(BaseCommand):
    help = (
        "Check that every tenant-owned table has row-level security enabled, forced and a policy, and that the "
        "runtime login cannot leave it."
    )

    def handle(self, *args, **options):
        failures = 0
        for table in rls_report():
            problems = table.problems
            status = "ok" if not problems else "FAIL: " + "; ".join(problems)
            policies = ", ".join(table.policies) or "-"
            self.stdout.write(f"{table.table:<40} policies: {policies:<26} {status}")
            failures += bool(problems)

        runtime = login_report()
        login_problems = runtime.problems
        if not has_platform_connection():
            login_problems.append(
                "no platform connection (DATABASE_PLATFORM_URL), so platform_scope() would switch this "
                "connection's role: the test suite's single-connection mode"
            )
        self._line("runtime login (DATABASE_URL)", runtime.login, login_problems)
        if has_platform_connection():
            platform = login_report(PLATFORM_ALIAS)
            platform_problems = [] if platform.superuser or platform.bypassrls else ["does not bypass RLS"]
            self._line("platform login (DATABASE_PLATFORM_URL)", platform.login, platform_problems)
            login_problems += platform_problems

        found = []
        if failures:
            found.append(f"{failures} tenant-owned table(s) lack row-level security")
        if login_problems:
            found.append("the runtime login can leave it, or the platform's cannot see past it")
        if found:
            raise CommandError("; ".join(found) + ".")
        self.stdout.write(self.style.SUCCESS("Every tenant-owned table has row-level security."))
        self.stdout.write(self.style.SUCCESS(f"The runtime login, {runtime.login}, cannot leave it."))

    def _line(self, what: str, login: str, problems: list[str]) -> None:
        status = "ok" if not problems else "FAIL: " + "; ".join(problems)
        self.stdout.write(f"{what:<40} {login:<36} {status}")
