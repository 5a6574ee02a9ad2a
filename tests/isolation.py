"""Isolation cases: what the walk in tests/test_isolation.py needs to know of each URL.

Each app declares the cases of its own URLs in ``tests/<app>/isolation.py``: a ``CASES`` dict
from URL name (``"office:deal_approve"``) to a ``Case`` saying in which area the URL lives, who
may use it, the objects it names (a set-up adding them to ``ctx``, whose ``side`` is acme) and,
for a write, how to see that it happened. ``collect()`` gathers every app's cases; a new app adds
its module and the walk finds it.

Most cases are a page or a write of the back office or the portal; ``office_page``,
``office_write``, ``portal_page`` and ``portal_write`` build those: the roles of the area that
are not allowed get a 403, and a URL that names an object (``args``) is also requested by the
other partner and the other tenant.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from prm.tenancy.scope import platform_scope

OFFICE, PORTAL, TENANT, PUBLIC = "office", "portal", "tenant", "public"

# Expected outcomes besides a status code.
OK = "ok"  # the case's success status (200 for a page, 302 for a write) and, for writes, the effect
LOGIN = "login"  # a redirect to the sign-in page that comes back here

STAFF = ("admin", "manager", "marketing")
MANAGERS = ("admin", "manager")  # the staff who change partners and decide; marketing reads
PARTNER_USERS = ("partner_admin", "sales")

PARTNER_ID = lambda ctx: [ctx.side.partner.pk]  # noqa: E731  the URL names acme partner 1


@dataclass(frozen=True)
class Case:
    area: str
    method: str = "get"
    args: Callable = lambda ctx: []
    data: Callable = lambda ctx: {}
    allowed: tuple = ()
    refused: dict = field(default_factory=dict)  # role in the right area -> 403
    setup: Callable | None = None  # ctx -> None; adds the objects the request names to ctx
    effect: Callable | None = None  # ctx -> bool: did the write happen?
    object_scoped: bool = False  # the URL names an object of acme / acme partner 1
    expect: dict = field(default_factory=dict)  # explicit outcomes for special pages
    xfail: dict = field(default_factory=dict)  # role -> reason (a known app bug)
    contains: Callable | None = None  # ctx -> text an allowed GET must show

    @property
    def success_status(self) -> int:
        return 200 if self.method == "get" else 302


def in_platform(fn):
    """An effect that reads across tenants (the request's scope is over)."""

    def wrapper(ctx):
        with platform_scope():
            return fn(ctx)

    return wrapper


# --- the usual cases ------------------------------------------------------------------------------


def _case(area, roles, method, allowed, *, args=None, data=None, contains=None, **fields) -> Case:
    if args is not None:
        fields.update(args=args, object_scoped=True)
    if data is not None:
        # a dict is copied for each request; a callable builds what cannot be reused (an upload)
        fields["data"] = data if callable(data) else lambda ctx: dict(data)
    if contains is not None:
        fields["contains"] = contains if callable(contains) else lambda ctx: contains
    refused = {role: 403 for role in roles if role not in allowed}
    return Case(area=area, method=method, allowed=allowed, refused=refused, **fields)


def office_page(allowed=STAFF, **fields) -> Case:
    """A back-office page: ``allowed`` staff see it (``contains``), the other staff get a 403."""
    return _case(OFFICE, STAFF, "get", allowed, **fields)


def office_write(allowed=MANAGERS, **fields) -> Case:
    """A back-office POST: done for ``allowed`` staff (``effect``), a 403 for the other staff."""
    return _case(OFFICE, STAFF, "post", allowed, **fields)


def portal_page(allowed=PARTNER_USERS, **fields) -> Case:
    """A portal page of acme partner 1: ``allowed`` users see it, its other users get a 403."""
    return _case(PORTAL, PARTNER_USERS, "get", allowed, **fields)


def portal_write(allowed=PARTNER_USERS, **fields) -> Case:
    """A portal POST by acme partner 1's users: done for ``allowed``, a 403 for the others."""
    return _case(PORTAL, PARTNER_USERS, "post", allowed, **fields)


# --- every app's cases ----------------------------------------------------------------------------


def merge(modules) -> dict[str, Case]:
    """The ``CASES`` of these modules in one dict; a URL name two of them declare is an error."""
    cases: dict[str, Case] = {}
    for module in modules:
        twice = sorted(set(cases) & set(module.CASES))
        if twice:
            raise ValueError(f"{module.__name__} declares cases another app already declares: {twice}")
        cases.update(module.CASES)
    return cases


def collect() -> dict[str, Case]:
    """The cases of every app: each ``tests/<app>/isolation.py``, in the order of their folders."""
    folders = sorted(path.parent.name for path in Path(__file__).parent.glob("*/isolation.py"))
    return merge(importlib.import_module(f"{__package__}.{folder}.isolation") for folder in folders)
