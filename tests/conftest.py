"""Shared fixtures: the test database as the app role, the base world, signed-in clients, and
delivering outbox messages."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import pytest
from django.db import connections
from django.test import Client

from prm.accounts.roles import Role
from prm.tenancy import db as tenancy_db

from .factories import (
    PartnerFactory,
    PartnerMembershipFactory,
    PartnerTypeFactory,
    StaffMembershipFactory,
    TenantFactory,
    give_totp,
)

PLATFORM_HOST = "localhost"


# --- The database: created and migrated as the owner, used as the app role --------------------


def _owner_mode(on: bool) -> None:
    """Connections opened while on stay the schema owner (CREATE DATABASE, migrate, DROP)."""
    tenancy_db._owner_mode = on
    for connection in connections.all():
        connection.close()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    _owner_mode(True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # From here on every new connection drops to the app role (SET ROLE), like the running app:
    # the tests see exactly what row-level security lets the app see.
    with django_db_blocker.unblock():
        _owner_mode(False)
    yield
    with django_db_blocker.unblock():
        _owner_mode(True)


# --- Memoised reference data ---------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _cache_namespace_of_this_test(monkeypatch):
    """Each test its own namespace for the version-checked caches (``prm.memo``, the request
    path's ``prm.tenancy.request_cache``): tenant ids repeat across runs of a freshly created
    test database while Redis keeps the keys, and on-commit bumps never run in a test's
    transaction."""
    import uuid

    from prm.web import cache

    monkeypatch.setattr(cache, "NAMESPACE", f"test:{uuid.uuid4().hex}")


# --- The query budget ---------------------------------------------------------------------------


@pytest.fixture
def no_queries_from_templates(monkeypatch):
    """Fail when a template runs a query (a lazy relation in a loop, a queryset in a template).

    Views hand templates evaluated data; context processors run before the template renders
    and are not counted. Use with the list-page tests (tests/test_query_counts.py).
    """
    from django.db import connection
    from django.template import base

    rendering = {"depth": 0}
    original = base.Template._render

    def render(self, context):
        rendering["depth"] += 1
        try:
            return original(self, context)
        finally:
            rendering["depth"] -= 1

    def guard(execute, sql, params, many, context):
        if rendering["depth"]:
            raise AssertionError(f"a template ran a query: {sql}")
        return execute(sql, params, many, context)

    monkeypatch.setattr(base.Template, "_render", render)
    with connection.execute_wrapper(guard):
        yield


# --- Background work ------------------------------------------------------------------------------


@pytest.fixture
def deliver():
    """Run an outbox message's task here, as a worker would on (re)delivery.

    Tasks run eagerly in tests (CELERY_TASK_ALWAYS_EAGER): the after-commit relay runs them in
    process. A test that wants a message "held by the broker" keeps the on-commit callbacks from
    running, then calls this when it wants the late (or second) delivery to happen.
    """
    from prm.celery import app

    def run(message):
        kwargs = {**message.kwargs, "tenant_id": message.tenant_id, "outbox_id": message.pk}
        return app.tasks[message.task_name].apply(kwargs=kwargs, throw=True).get()

    return run


# --- The base world ---------------------------------------------------------------------------


def host_of(tenant) -> str:
    return f"{tenant.slug}.localhost"


@dataclass
class Side:
    """One tenant of the world: three staff, two partners, an admin and a sales rep per partner."""

    tenant: object
    admin: object
    manager: object
    marketing: object
    partner_type: object
    partners: list = field(default_factory=list)
    partner_admins: list = field(default_factory=list)
    sales: list = field(default_factory=list)

    @property
    def host(self) -> str:
        return host_of(self.tenant)

    @property
    def partner(self):
        return self.partners[0]

    @property
    def partner_admin(self):
        return self.partner_admins[0]

    @property
    def sales_rep(self):
        return self.sales[0]


@dataclass
class World:
    acme: Side
    globex: Side


def build_side(slug: str, name: str) -> Side:
    tenant = TenantFactory(slug=slug, name=name)
    admin = StaffMembershipFactory(tenant=tenant, role=Role.ADMIN, user__email=f"admin@{slug}.example")
    give_totp(admin.user)
    manager = StaffMembershipFactory(tenant=tenant, role=Role.CHANNEL_MANAGER, user__email=f"cam@{slug}.example")
    marketing = StaffMembershipFactory(tenant=tenant, role=Role.MARKETING, user__email=f"marketing@{slug}.example")
    partner_type = PartnerTypeFactory(tenant=tenant, name="Reseller", slug="reseller")
    side = Side(tenant=tenant, admin=admin, manager=manager, marketing=marketing, partner_type=partner_type)
    for n in (1, 2):
        partner = PartnerFactory(
            partner_type=partner_type,
            legal_name=f"{name} Partner {n} Ltd",
            display_name=f"{name} Partner {n}",
            account_manager=manager,
        )
        side.partners.append(partner)
        side.partner_admins.append(
            PartnerMembershipFactory(partner=partner, role=Role.PARTNER_ADMIN, user__email=f"admin@p{n}.{slug}.example")
        )
        side.sales.append(
            PartnerMembershipFactory(partner=partner, role=Role.SALES, user__email=f"sales@p{n}.{slug}.example")
        )
    return side


@pytest.fixture
def world(db) -> World:
    """Two tenants (acme, globex) with two partners each; every role of the product in each."""
    return World(acme=build_side("acme", "Acme"), globex=build_side("globex", "Globex"))


@pytest.fixture
def acme(world) -> Side:
    return world.acme


@pytest.fixture
def globex(world) -> Side:
    return world.globex


def body(response) -> str:
    """A response's text, streamed (an export: reading it runs the export's queries) or not."""
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def csv_rows(response) -> list[list[str]]:
    """The rows of a CSV export."""
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(body(response))))


def make_client(membership=None, *, host: str | None = None) -> Client:
    if host is None:
        host = host_of(membership.tenant) if membership is not None else PLATFORM_HOST
    client = Client(HTTP_HOST=host)
    if membership is not None:
        client.force_login(membership.user)
    return client


@pytest.fixture
def client_for():
    """``client_for(membership)``: a test client signed in as that member on its tenant's host;
    ``client_for(None, host=...)``: anonymous; ``host=`` puts anyone on another host."""
    return make_client


def pytest_configure(config):
    # collectstatic does not run for tests; WhiteNoise says so once per request otherwise.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")
