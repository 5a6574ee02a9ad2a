"""Django's PostgreSQL backend with two changes to the per-request cost, and none to what it does.

* **The row-level-security settings ride on the next statement.** Entering a scope used to send
  its own ``SELECT set_config(...)`` round trip (and leaving a nested one another, to put the
  enclosing scope's back). Now the scope only says what it wants (``scope.rls_statement``), and
  the first statement the connection runs under that scope carries it in front, in the same
  round trip: ``SELECT set_config(...); <the statement>``. psycopg2 sends both in one simple
  query, and PostgreSQL runs them in order in the open transaction, so the statement sees the
  settings exactly as before. A scope that runs no statement costs nothing.

  What is in force is tracked per transaction (``rls_in_force``) and forgotten whenever it may
  have changed behind our back: a new transaction (psycopg2 reports the connection idle), a
  commit, a rollback, a rollback to a savepoint (which undoes a ``set_config`` made inside it),
  a failed statement, a new connection. Forgotten means "send them again", so the worst a
  mistake here can do is one round trip more, never a statement without its settings. Statements
  that cannot carry a prefix (``executemany``, a named server-side cursor, SQL that is not a
  string) get the settings sent just before them, as before, in the same transaction; behind a
  pooler in autocommit there is none to share (the settings would be a transaction of their own,
  and the statement would run without them), so such a statement is refused there
  (``UnscopedStatement``): run it inside ``transaction.atomic()`` (a scope is one).

  Fail-closed all the same: the settings are transaction-local, so a statement that somehow
  went past this wrapper (a raw psycopg2 cursor) runs with none, and the policies show it
  nothing.

* **The health check does not query.** With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1``
  before the first statement of every request on a reused connection. A connection PostgreSQL
  has ended (a restart, a failover, ``pg_terminate_backend``) has its goodbye (an error and the
  end of the stream) waiting on the socket, so an idle connection whose socket has nothing to
  read is alive; only when something is waiting does the check fall back to ``SELECT 1``.
  tests/faults/test_database_drop.py holds it to the same outcome as before: the next request
  after the database dropped the connections succeeds.

* **Behind a pooler in transaction mode** (``db.pooled()``, README "Connection pooling
  (pgbouncer)") consecutive transactions of one connection may run on different server sessions,
  each used by other clients in between: nothing may live in the session. What a new
  transaction has in force is then unknown, so its first statement always carries the scope's
  settings, the role included (``db.on_connection_created`` no longer sets it for the session);
  within a transaction pgbouncer keeps the server session, so the tracking holds there. And a
  chunked read outside a transaction (``.iterator()`` in autocommit), for which Django declares
  a ``WITH HOLD`` cursor to fetch from in later transactions, reads its result whole instead
  (what ``DISABLE_SERVER_SIDE_CURSORS`` does, here only where it must): inside a transaction
  (the CSV exports stream inside their scope's) the cursor lives and dies with it.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base as postgresql
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from psycopg2.extensions import TRANSACTION_STATUS_IDLE, TRANSACTION_STATUS_INTRANS

_UNKNOWN = object()


class UnscopedStatement(RuntimeError):
    """A statement that would run without the scope's settings (module docstring)."""


_SAVEPOINTS = ("SAVEPOINT ", "RELEASE SAVEPOINT ", "ROLLBACK TO SAVEPOINT ")


class _WithRlsSettings:
    """Django's cursor wrapper, sending the scope's settings with the statement when they are not
    in force. At the innermost step (``_execute``, after every ``execute_wrapper``), so the query
    budget, a test's recorder or an EXPLAIN see and send the statement as the code wrote it."""

    def _execute(self, sql, params, *ignored_wrapper_args):
        prefix = self.db.rls_prefix(sql, params, cursor=self.cursor, many=False)
        if prefix is None:
            return super()._execute(sql, params, *ignored_wrapper_args)
        result = super()._execute(f"{prefix}; {sql}", params, *ignored_wrapper_args)
        self.db.rls_sent()
        return result

    def _executemany(self, sql, param_list, *ignored_wrapper_args):
        self.db.rls_prefix(sql, None, cursor=self.cursor, many=True)
        return super()._executemany(sql, param_list, *ignored_wrapper_args)


class RlsCursorWrapper(_WithRlsSettings, CursorWrapper):
    pass


class RlsCursorDebugWrapper(_WithRlsSettings, CursorDebugWrapper):
    pass


class DatabaseWrapper(postgresql.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The settings statement in force in the open transaction; _UNKNOWN: send it again.
        self.rls_in_force = _UNKNOWN
        self._rls_pending = None

    def make_cursor(self, cursor):
        return RlsCursorWrapper(cursor, self)

    def make_debug_cursor(self, cursor):
        return RlsCursorDebugWrapper(cursor, self)

    # --- the scope's settings on the next statement ---------------------------------------

    def rls_prefix(self, sql, params, *, cursor, many: bool) -> str | None:
        """What to send in front of ``sql`` (None: nothing). A statement that cannot carry it
        (``executemany``, a named server-side cursor, SQL that is not a string) gets the settings
        sent just before it, here."""
        from prm.tenancy.db import pooled
        from prm.tenancy.scope import rls_baseline, rls_statement

        wanted = rls_statement(self.alias)
        status = self.connection.info.transaction_status
        if status == TRANSACTION_STATUS_IDLE:
            # This statement opens a transaction: what is in force is what every new one has
            # (behind a pooler: unknown, unless it is nothing at all, the platform login's).
            baseline = rls_baseline(self.alias)
            self.rls_in_force = _UNKNOWN if baseline is not None and pooled() else baseline
        elif status != TRANSACTION_STATUS_INTRANS:
            self.rls_in_force = _UNKNOWN
        if wanted == self.rls_in_force or (isinstance(sql, str) and sql.startswith(_SAVEPOINTS)):
            # Savepoints go as they are: a rollback to one runs in a failed transaction, where
            # nothing else may.
            return None
        self.rls_in_force = _UNKNOWN  # until the statement succeeded
        if many or not isinstance(sql, str) or getattr(cursor, "name", None):
            if pooled() and self.get_autocommit():
                raise UnscopedStatement(
                    "Behind a pooler (PRM_DB_POOLED), a statement that cannot carry the row-level-security settings"
                    " (executemany, a named cursor, SQL that is not a string) must run inside a transaction"
                    " (transaction.atomic()): in autocommit the settings, sent on their own, would not apply to it."
                )
            self.validate_no_broken_transaction()
            with self.wrap_database_errors, self.connection.cursor() as raw:
                raw.execute(wanted)
            self.rls_in_force = wanted
            return None
        self._rls_pending = wanted
        # With parameters psycopg2 interpolates the whole text: a literal % must be doubled.
        return wanted.replace("%", "%%") if params is not None else wanted

    def rls_sent(self) -> None:
        self.rls_in_force, self._rls_pending = self._rls_pending, None

    def _commit(self):
        self.rls_in_force = _UNKNOWN
        return super()._commit()

    def _rollback(self):
        self.rls_in_force = _UNKNOWN
        return super()._rollback()

    def _savepoint_rollback(self, sid):
        # ROLLBACK TO SAVEPOINT undoes a set_config made after the savepoint.
        try:
            return super()._savepoint_rollback(sid)
        finally:
            self.rls_in_force = _UNKNOWN

    def connect(self):
        self.rls_in_force = _UNKNOWN
        return super().connect()

    def chunked_cursor(self):
        from prm.tenancy.db import pooled

        if pooled() and self.get_autocommit():
            # A WITH HOLD cursor outlives its transaction on one server session; the next
            # fetch may go to another (module docstring).
            return self.cursor()
        return super().chunked_cursor()

    # --- a health check without a round trip ----------------------------------------------

    def is_usable(self):
        if self.connection is None or self.connection.closed:
            return False
        try:
            waiting, _, _ = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        # Nothing waiting on an idle connection: the server has not ended it.
        return not waiting or super().is_usable()
