"""Saved filters for the tests of saved filters and their isolation cases."""

from __future__ import annotations

from prm.tenancy.scope import platform_scope, tenant_scope
from prm.web.models import SavedFilter
from prm.web.saved_filters import saved_filter_save


def managers_filter(ctx, *, shared: bool = False) -> None:
    """The channel manager's filter "Approved" of the deal list (``ctx.saved``)."""
    with tenant_scope(ctx.side.tenant):
        ctx.saved = saved_filter_save(
            actor=ctx.side.manager, page="deals", name="Approved", query="status=approved", shared=shared
        )


def named(name: str):
    """Whether a saved filter of that name exists (in any tenant)."""

    def effect(ctx) -> bool:
        with platform_scope():
            return SavedFilter.objects.filter(name=name).exists()

    return effect


def gone(ctx) -> bool:
    with platform_scope():
        return not SavedFilter.objects.filter(pk=ctx.saved.pk).exists()
