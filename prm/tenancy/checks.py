"""Deployment checks (``manage.py check --deploy``): production's three logins are configured.

Only the configuration is read here; ``manage.py check_rls`` asks the database what the logins
may do.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

from .db import PLATFORM_ALIAS


@register(Tags.security, deploy=True)
def check_database_logins(app_configs, **kwargs) -> list[Error]:
    runtime = settings.DATABASES["default"]
    errors = []
    if PLATFORM_ALIAS not in settings.DATABASES:
        errors.append(
            Error(
                "DATABASE_PLATFORM_URL is not set.",
                hint=(
                    "Without it platform_scope() switches the runtime connection to the platform role, so the "
                    "runtime login must be able to become a role that bypasses row-level security (the test "
                    "suite's single-connection mode). Give the platform its own login (deploy/roles.sql)."
                ),
                id="prm.E001",
            )
        )
    elif settings.DATABASES[PLATFORM_ALIAS]["USER"] == runtime["USER"]:
        errors.append(
            Error(
                "DATABASE_PLATFORM_URL logs in as the runtime login of DATABASE_URL.",
                hint="The runtime login must be bound by row-level security; the platform's bypasses it.",
                id="prm.E002",
            )
        )
    if runtime["USER"] == settings.PRM_DB_OWNER["USER"]:
        errors.append(
            Error(
                "DATABASE_URL logs in as the schema owner (DATABASE_OWNER_URL, or DATABASE_URL when it is unset).",
                hint="The owner can turn row-level security off: serve as the app login, migrate as the owner.",
                id="prm.E003",
            )
        )
    return errors
