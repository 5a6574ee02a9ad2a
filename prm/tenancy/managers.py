"""Fail-closed managers for tenant-owned models."""

from django.db import models
from django.db.models import Q

from .scope import TenantScopeError, current_scope, current_tenant_id


class TenantQuerySet(models.QuerySet):
    """A queryset that belongs to the scope it is *executed* in.

    The tenant filter is added to a copy of the query each time it runs (fetch, count, exists,
    aggregate, update, delete, iterator, or use as a subquery value), never stored in the
    queryset. So a queryset built at import time (form choices) or in one request and run in
    another always shows the running scope's tenant; with no scope at all it raises
    ``TenantScopeError``; in the platform scope it is not filtered.

    ``Subquery(qs)`` and ``Exists(qs)`` take ``qs.query`` directly and so bypass this layer: filter
    those by tenant explicitly. Row-level security covers them (and everything else) underneath.
    """

    _scope_applied = False

    def _for_execution(self):
        scope = current_scope()
        if scope is None:
            raise TenantScopeError(f"{self.model.__name__} is tenant-owned: query it inside tenant_scope().")
        clone = self._chain()
        if scope.tenant_id is not None:
            clone.query.add_q(Q(tenant_id=scope.tenant_id))
        clone._scope_applied = True
        return clone

    def _fetch_all(self):
        if self._scope_applied or self._result_cache is not None:
            return super()._fetch_all()
        executed = self._for_execution()
        executed._fetch_all()
        self._result_cache = executed._result_cache
        self._prefetch_done = executed._prefetch_done

    def _run(name):  # builds the methods below
        def method(self, *args, **kwargs):
            target = self if self._scope_applied else self._for_execution()
            return getattr(super(TenantQuerySet, target), name)(*args, **kwargs)

        method.__name__ = name
        # Keep Django's markers (alters_data, queryset_only: no Manager.delete()).
        method.__dict__.update(getattr(models.QuerySet, name).__dict__)
        return method

    count = _run("count")
    exists = _run("exists")
    aggregate = _run("aggregate")
    update = _run("update")
    delete = _run("delete")
    explain = _run("explain")
    iterator = _run("iterator")
    resolve_expression = _run("resolve_expression")
    del _run

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        missing = [obj for obj in objs if obj.tenant_id is None]
        if missing:
            tenant_id = current_tenant_id()
            for obj in missing:
                obj.tenant_id = tenant_id
        return super().bulk_create(objs, *args, **kwargs)


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Default manager of every tenant-owned model: the current tenant's rows, or an error."""

    use_in_migrations = False


__all__ = ["TenantManager", "TenantQuerySet", "TenantScopeError"]
