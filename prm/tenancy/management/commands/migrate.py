"""``migrate`` as the schema owner; the app role is subject to row-level security."""

from django.core.management.commands.migrate import Command as DjangoMigrate

from prm.tenancy.db import owner_connection


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        with owner_connection(options["database"]):
            return super().handle(*args, **options)
