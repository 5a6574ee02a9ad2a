"""Fail-closed managers for tenant-owned models."""

from django.db import models
from django.db.models import Q

from .scope import TenantScopeError, current_scope


class TenantQuerySet(models.QuerySet):
    """A queryset that belongs to the scope it is evaluated in.

    A queryset built outside any scope (Django builds ModelChoiceField querysets at import time)
    stays *pending*: the tenant filter is added the first time it is cloned or evaluated inside a
    scope, and evaluating it with no scope at all raises ``TenantScopeError``.
    """

    _scope_pending = False

    def _ensure_scoped(self, *, strict: bool = True) -> None:
        if not self._scope_pending:
            return
        scope = current_scope()
        if scope is None:
            if strict:
                raise TenantScopeError(f"{self.model.__name__} is tenant-owned: query it inside tenant_scope().")
            return
        if scope.tenant_id is not None:
            self.query.add_q(Q(tenant_id=scope.tenant_id))
        self._scope_pending = False

    def _clone(self):
        clone = super()._clone()
        clone._scope_pending = self._scope_pending
        return clone

    def _chain(self):
        self._ensure_scoped(strict=False)
        return super()._chain()

    def _fetch_all(self):
        self._ensure_scoped()
        super()._fetch_all()

    def count(self):
        self._ensure_scoped()
        return super().count()

    def exists(self):
        self._ensure_scoped()
        return super().exists()

    def aggregate(self, *args, **kwargs):
        self._ensure_scoped()
        return super().aggregate(*args, **kwargs)

    def iterator(self, *args, **kwargs):
        self._ensure_scoped()
        return super().iterator(*args, **kwargs)

    def update(self, **kwargs):
        self._ensure_scoped()
        return super().update(**kwargs)

    def delete(self):
        self._ensure_scoped()
        return super().delete()

    def explain(self, **options):
        self._ensure_scoped()
        return super().explain(**options)

    def resolve_expression(self, *args, **kwargs):
        self._ensure_scoped()
        return super().resolve_expression(*args, **kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        from .scope import current_tenant_id

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

    def get_queryset(self):
        queryset = super().get_queryset()
        queryset._scope_pending = True
        queryset._ensure_scoped(strict=False)
        return queryset


__all__ = ["TenantManager", "TenantQuerySet", "TenantScopeError"]
