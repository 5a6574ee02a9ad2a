"""The tenant scope: which tenant (and partner) the running code acts for.

One context variable drives both isolation layers:

* the ORM layer: ``TenantManager`` filters every query by the scope's tenant and refuses to run
  outside a scope (fail closed);
* the database layer: entering a tenant scope opens a transaction (or savepoint) on the runtime
  connection and sets the transaction-local settings ``prm.tenant_id`` / ``prm.partner_id`` that
  the row-level-security policies read (see ``rls.py``), and the role: the app role for staff,
  the partner role for a partner user (the partner policies apply to that role only). The
  platform scope opens its transaction on the platform connection, whose login bypasses RLS;
  ``router.ScopeRouter`` sends the ORM there while it is active (see ``db.py``; without a
  platform connection it switches the runtime connection to the platform role).

Requests enter the scope in ``TenantMiddleware``; Celery tasks in ``tenant_task``; commands and
platform code use ``platform_scope`` (the escape hatch). Partner-scoped code that must consult
other partners' rows steps out with ``step_out_to_tenant`` (the other escape hatch, narrower).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS, transaction

from .db import PLATFORM_ALIAS, app_role, owner_mode, partner_role, platform_alias, platform_role


class TenantScopeError(RuntimeError):
    """Tenant-owned data was touched outside a tenant scope."""


@dataclass(frozen=True)
class Scope:
    tenant_id: int | None
    partner_id: int | None = None

    @property
    def is_platform(self) -> bool:
        return self.tenant_id is None


_current: ContextVar[Scope | None] = ContextVar("prm_scope", default=None)


def current_scope() -> Scope | None:
    return _current.get()


def current_tenant_id() -> int:
    """The tenant of the current scope; raises when there is none (or it is the platform)."""
    scope = _current.get()
    if scope is None or scope.tenant_id is None:
        raise TenantScopeError("This needs a tenant scope (tenant_scope(...)).")
    return scope.tenant_id


def scope_alias(scope: Scope | None) -> str:
    """The connection a scope's queries go through (``router.ScopeRouter``)."""
    return platform_alias() if scope is not None and scope.is_platform else DEFAULT_DB_ALIAS


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@lru_cache(maxsize=4096)
def _settings_statement(tenant_id: int | None, partner_id: int | None, role: str) -> str:
    tenant = "" if tenant_id is None else str(tenant_id)
    partner = "" if partner_id is None else str(partner_id)
    statement = (
        f"SELECT set_config('prm.tenant_id', {_literal(tenant)}, true),"
        f" set_config('prm.partner_id', {_literal(partner)}, true)"
    )
    if role:
        statement += f", set_config('role', {_literal(role)}, true)"
    return statement


def rls_statement(using: str, scope: Scope | object | None = ...) -> str | None:
    """What the row-level-security policies must read in ``using``'s transaction now: one
    statement with the tenant and partner settings and the role (app, partner or platform).

    The database backend (``backend/base.py``) sends it in front of the next statement whenever
    it is not what is in force, so entering or leaving a scope costs no round trip of its own.
    While the schema owner works (migrations) the role stays. The platform connection needs
    nothing (None): its login is the platform role, which no policy binds. A scope of another
    connection (a tenant scope inside the platform scope) counts as none on this one.
    """
    if using == PLATFORM_ALIAS:
        return None
    if scope is ...:
        scope = _current.get()
    if scope is not None and scope_alias(scope) != using:
        scope = None
    if scope is None:
        scope = Scope(tenant_id=None, partner_id=None)
        role = app_role()
    elif scope.is_platform:
        role = platform_role()
    elif scope.partner_id is not None:
        role = partner_role()
    else:
        role = app_role()
    # The owner (migrations) keeps its role.
    return _settings_statement(scope.tenant_id, scope.partner_id, "" if owner_mode() else role)


def rls_baseline(using: str) -> str | None:
    """What every new transaction has: no tenant, no partner, the login's own role (the app
    role), which is what "no scope" wants."""
    return rls_statement(using, None)


@contextmanager
def _enter(scope: Scope, using: str, *, savepoint: bool = True) -> Iterator[Scope]:
    token = _current.set(scope)
    try:
        # The settings are transaction-local (set_config(..., true)), so the scope is a
        # transaction: outside one they would vanish after the first statement. The backend
        # sends them with the scope's first statement, and the enclosing scope's again with the
        # first statement after this one ends (a released savepoint keeps ours).
        with transaction.atomic(using=using, savepoint=savepoint):
            yield scope
    finally:
        _current.reset(token)


def tenant_scope(tenant, *, partner=None, using: str = "default", savepoint: bool = True):
    """Act for one tenant (and, for partner users, one partner of it).

    ``savepoint=False`` (the request's middleware): nested in another scope's transaction
    without a savepoint of its own; an error in it rolls back the whole transaction."""
    tenant_id = getattr(tenant, "pk", tenant)
    partner_id = getattr(partner, "pk", partner)
    if tenant_id is None:
        raise TenantScopeError("tenant_scope() needs a tenant.")
    scope = Scope(tenant_id=int(tenant_id), partner_id=partner_id and int(partner_id))
    return _enter(scope, using, savepoint=savepoint)


def platform_scope(using: str | None = None):
    """ESCAPE HATCH: see and write every tenant's rows.

    Only for migrations, management commands, the platform (bare-domain) pages and platform
    superusers. Never reach for it in a view or service that acts for a tenant's user: that is
    exactly the cross-tenant leak the two isolation layers exist to prevent.

    Its queries and its transaction are on the platform connection (``db.platform_alias()``).
    In production that is a connection of its own, so what the scope writes commits when the
    scope ends, whatever the runtime connection's transaction does, and ``on_commit`` callbacks
    of its work need ``using=platform_alias()``.

    For the same reason, ``@transaction.atomic`` does not cover writes made in this scope: without
    ``using`` it opens its savepoint on ``default``, while the router sends the ORM to the
    platform connection. A service that fails halfway inside the scope, its error caught there,
    leaves its first writes in place (only an error that leaves the scope rolls back the scope's
    whole transaction). So do not call a service inside ``platform_scope()`` counting on its
    ``@transaction.atomic``: platform code whose writes must succeed or fail together wraps them
    in ``transaction.atomic(using=platform_alias())`` inside the scope. The test suite's single
    connection hides the difference (``default`` is the platform connection there).
    """
    return _enter(Scope(tenant_id=None), using or platform_alias())


def step_out_to_tenant():
    """ESCAPE HATCH: leave a partner user's scope for its tenant's, for the enclosed block.

    Row-level security shows a partner user's transaction its own partner's rows only, yet some
    questions such a user asks must be answered from every partner's: is this customer already
    registered by someone else (conflict checks), does another partner hold this territory
    exclusively (policy decisions), who on the vendor's side hears about this (notification
    recipients, the reviewer), and some vendor-internal rows a partner's action writes
    (notifications to staff, protections, conflict reports, closing a pending special price).

    What may leave the block is only what the partner user may know: a yes/no answer, a count, a
    non-identifying result (a policy reason), or rows the caller writes or hands to a
    notification without showing them. Never return another partner's rows, names or ids to a
    partner user's page. For staff, and outside any partner scope, this changes nothing.

    The one way to step out: ``tests/tenancy/test_step_out.py`` fails when ``tenant_scope`` is
    entered anywhere that is not a declared entry point (a request, a task, a stream, a command).
    """
    scope = _current.get()
    if scope is None or scope.partner_id is None:
        return nullcontext()
    return tenant_scope(scope.tenant_id)
