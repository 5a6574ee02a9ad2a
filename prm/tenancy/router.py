"""The database router: the ORM follows the scope in force.

Inside ``platform_scope()`` every query goes through the platform connection (its own login,
which bypasses row-level security); everywhere else through the runtime connection, whose login
the policies bind and cannot escape. Keyed on the scope, not on the model: the same model is read
through either connection, depending on who is asking. Without a platform connection (the test
suite's single-connection mode) both are the runtime connection.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS

from .scope import current_scope, scope_alias


class ScopeRouter:
    def db_for_read(self, model, **hints) -> str:
        return scope_alias(current_scope())

    def db_for_write(self, model, **hints) -> str:
        return scope_alias(current_scope())

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # Two logins to one database: a membership read through the platform connection may
        # point at a user read through the runtime one.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        # One schema, migrated once, as its owner, through the default alias.
        return db == DEFAULT_DB_ALIAS
