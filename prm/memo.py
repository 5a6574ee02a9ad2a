"""Per-tenant reference data, memoised in the cache: the small, rarely changed lists that list
pages build their filters and rows from (partner types, tiers, programs, product lines, the staff
who own partners or review deals).

``tenant_memo(name, build)`` returns ``build()`` for the current tenant scope, from the cache when
it holds a value made under the tenant's current *reference version*. Whatever changes such data
(a service, the admin) calls ``reference_changed()``, which gives the tenant a new version, so the
next request builds every memo afresh. One version per tenant covers all its reference data: the
data changes seldom, and one key to read and bump keeps the rule simple.

Keys (in the cache's own prefix):

* ``ref:<database>:<tenant id>:version``: the tenant's version, a random token (a day's TTL; when it
  is gone, a new token makes every memo miss, so nothing old can come back);
* ``ref:<database>:<tenant id>:<name>``: ``(version, value)``, for ``REFERENCE_TTL`` seconds.

Staleness: none after a change made through a service or the admin (the version is bumped when
the change is made and again after its commit: a request that read the old data between the two
cannot keep it). A change made around them (SQL, a shell) shows within ``REFERENCE_TTL``. When
Redis is down every call builds (``prm.web.cache``).

Values must be picklable and small: plain tuples, dicts and dataclasses, never querysets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

from prm.tenancy.scope import current_scope, current_tenant_id, scope_alias
from prm.web.cache import current_version, namespace, new_version, now_and_after_commit

T = TypeVar("T")

REFERENCE_TTL = 600  # seconds a memo lives when nothing bumps the version (changes made around the services)
VERSION_TTL = 24 * 3600


def _namespace() -> str:
    return f"ref:{namespace()}"


def _version_key(tenant_id: int) -> str:
    return f"{_namespace()}:{tenant_id}:version"


def tenant_memo(name: str, build: Callable[[], T], *, timeout: int = REFERENCE_TTL) -> T:
    """``build()`` for the current tenant, memoised under ``name`` until the tenant's reference
    data changes (``reference_changed``) or ``timeout`` seconds pass. One cache round trip when
    it hits; ``build`` runs in the caller's scope when it misses."""
    tenant_id = current_tenant_id()
    version_key, key = _version_key(tenant_id), f"{_namespace()}:{tenant_id}:{name}"
    found = cache.get_many([version_key, key])
    version, memo = found.get(version_key), found.get(key)
    if version is not None and memo is not None and memo[0] == version:
        return memo[1]
    if version is None:
        version = current_version(version_key, timeout=VERSION_TTL)
    value = build()
    if version is not None:
        cache.set(key, (version, value), timeout=timeout)
    return value


def reference_changed(*, tenant_id: int | None = None) -> None:
    """The tenant's reference data changed (a type, tier, program, product line, staff member...):
    every memo of the tenant is built afresh on its next read. Bumps the version now (this
    transaction's own later reads must not see the old data) and after commit (a request that
    cached the old data meanwhile is superseded)."""
    tenant_id = current_tenant_id() if tenant_id is None else tenant_id
    now_and_after_commit(
        lambda: new_version(_version_key(tenant_id), timeout=VERSION_TTL), using=scope_alias(current_scope())
    )
