"""Load the demo: two vendors (acme, globex) with staff of every role, then each app's part
(``<app>/demo.py``: partners and their users, programs and the first tier evaluation, deals), and
print the logins.

Idempotent: run it again and nothing is duplicated. The apps' demos go through their services,
so timelines, notifications and reports are real (see ``prm.web.demo_kit``).
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from prm.accounts.models import Membership
from prm.accounts.roles import MembershipKind, Role
from prm.tenancy.models import Tenant
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.web.demo_kit import PASSWORD, STAFF, Demo, demo_user

TENANTS = [
    {
        "slug": "acme",
        "name": "Acme Networks",
        "brand_color": "#1f4e8c",
        "default_currency": "USD",
        "time_zone": "America/New_York",
    },
    {
        "slug": "globex",
        "name": "Globex Software",
        "brand_color": "#6b2d8c",
        "default_currency": "EUR",
        "time_zone": "Europe/Berlin",
    },
]


def app_demos() -> list:
    """Every project app's ``demo`` module, in INSTALLED_APPS order (each builds on the ones before)."""
    modules = []
    for config in apps.get_app_configs():
        path = Path(config.path)
        ours = path.is_relative_to(settings.BASE_DIR) and not path.is_relative_to(settings.BASE_DIR / ".venv")
        if ours and module_has_submodule(config.module, "demo"):
            modules.append(import_module(f"{config.name}.demo"))
    return modules


class Command(BaseCommand):
    help = "Load (or top up) the demo tenants, their staff and every app's demo data."

    def handle(self, *args, **options):
        logins: list[tuple[str, str, str]] = []
        with platform_scope():
            root = demo_user("root@prm.example", "Root", "Operator", superuser=True)
        logins.append(("platform", "superuser (needs 2FA setup)", root.email))
        demos = []
        for index, spec in enumerate(TENANTS):
            with platform_scope():
                tenant, _ = Tenant.objects.get_or_create(slug=spec["slug"], defaults=spec)
            with tenant_scope(tenant):
                demos.append(Demo(tenant=tenant, seed=index, staff=self._staff(tenant, logins)))
        for module in app_demos():
            for demo in demos:
                with tenant_scope(demo.tenant), transaction.atomic():
                    module.load(demo)
        for demo in demos:
            logins += demo.logins
            for note in demo.notes:
                self.stdout.write(note)
        logins.append(("acme + globex", "partner sales rep in both", "rep@multivendor.example"))
        self._print(logins)

    def _staff(self, tenant: Tenant, logins: list) -> dict[str, Membership]:
        staff = {}
        for local, role, first, last in STAFF:
            user = demo_user(f"{local}@{tenant.slug}.example", first, last)
            staff[local], _ = Membership.objects.get_or_create(
                user=user, defaults={"kind": MembershipKind.STAFF, "role": role}
            )
            logins.append(
                (tenant.slug, Role(role).label + (" (needs 2FA setup)" if role == Role.ADMIN else ""), user.email)
            )
        return staff

    def _print(self, logins):
        width = max(len(email) for _, _, email in logins)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {PASSWORD})")
        for portal, role, email in logins:
            self.stdout.write(f"  {email:<{width}}  {portal:<14} {role}")
        self.stdout.write("")
