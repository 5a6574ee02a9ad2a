"""``flush`` as the schema owner: the app role may not TRUNCATE (it would bypass RLS)."""

from django.core.management.commands.flush import Command as DjangoFlush

from prm.tenancy.db import owner_connection


class Command(DjangoFlush):
    def handle(self, **options):
        with owner_connection(options["database"]):
            return super().handle(**options)
