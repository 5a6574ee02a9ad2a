"""Shared fixtures: the test database as the app role, the base world, signed-in clients, and
delivering outbox messages."""

from __future__ import annotations

import copy
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
from .template_db import use_template

PLATFORM_HOST = "localhost"


# --- The database: created and migrated as the owner, used as the app role --------------------


_runtime_login: dict = {}


def _owner_mode(on: bool) -> None:
    """Connections opened while on stay the schema owner (CREATE DATABASE, migrate, DROP), and
    log in as the owner's URL says: straight to the server when the suite runs through
    pgbouncer (``DATABASE_OWNER_URL``; README, "Connection pooling (pgbouncer)"), since pooled
    sessions would keep the databases it drops open."""
    from django.conf import settings

    tenancy_db._owner_mode = on
    for connection in connections.all():
        connection.close()
    login = connections["default"].settings_dict
    if on:
        _runtime_login.update({key: login[key] for key in settings.PRM_DB_OWNER})
        login.update(settings.PRM_DB_OWNER)
    else:
        login.update(_runtime_login)


def _close_pooled_sessions() -> None:
    """Through pgbouncer, its server sessions stay on the test database after the last test, and
    pytest-django drops the database next: end them (as the owner, straight to the server)."""
    from django.conf import settings
    from django.db import connection

    if not settings.PRM_DB_POOLED:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    connection.close()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, django_db_blocker):
    _owner_mode(True)
    # Cloned from a migrated template rather than migrated here (tests/template_db.py).
    with django_db_blocker.unblock():
        use_template()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # From here on every new connection drops to the app role (SET ROLE), like the running app:
    # the tests see exactly what row-level security lets the app see.
    with django_db_blocker.unblock():
        _owner_mode(False)
    yield
    with django_db_blocker.unblock():
        if _committed:  # a database kept for the next run (--reuse-db) is left as it was found
            _flush()
        _owner_mode(True)
        _close_pooled_sessions()


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


@pytest.fixture(autouse=True)
def _cache_keys_of_this_test(request, monkeypatch):
    """A test that borrows the committed world (below) its own prefix for every cache key:
    the world's ids are the same in each such test, and what an earlier one left under them
    (allauth's used two-factor codes, keyed by user id) must not reach the next."""
    if _borrows_world(request):
        import uuid

        from django.core.cache import caches

        cache = caches["default"]  # the object itself: monkeypatch restores what its __dict__ held
        monkeypatch.setattr(cache, "key_prefix", f"{cache.key_prefix}:{uuid.uuid4().hex[:12]}")


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


def build_world() -> World:
    return World(acme=build_side("acme", "Acme"), globex=build_side("globex", "Globex"))


# The world is the same for every test that asks for it, and building it (2 tenants, 14
# memberships, 2 authenticators: ~150 queries) cost ~0.1 s of each of ~2,500 tests. So each test
# process builds it once, commits it, and lends each test that asks for it and runs in a
# transaction that is rolled back (the usual kind) a deep copy of its objects: the rows a test
# changes come back at its end, and nothing it does to the objects reaches the next test.
#
# Every other test sees the database as before, empty: a test that does not ask for the world
# (it may act on every row of a table), and a test that commits (``transactional_db``,
# ``live_server``: its end flushes the database). The committed world is flushed away before
# such a test, and built again when a later test asks for it. So that this happens about once
# per process, the tests that ask for it run first (``pytest_collection_modifyitems`` below).
_committed: dict[str, World] = {}


def _is_transactional(request_or_item) -> bool:
    """Whether pytest-django runs this test as a TransactionTestCase (its logic, from
    ``_django_db_helper``)."""
    from pytest_django.fixtures import validate_django_db

    node = getattr(request_or_item, "node", request_or_item)
    marker = node.get_closest_marker("django_db")
    if marker:
        transaction, reset_sequences, *_ = validate_django_db(marker)
        if transaction or reset_sequences:
            return True
    names = request_or_item.fixturenames
    return any(name in names for name in ("transactional_db", "live_server", "django_db_reset_sequences"))


def _borrows_world(request_or_item) -> bool:
    return "world" in request_or_item.fixturenames and not _is_transactional(request_or_item)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    _select_pass(config, items)
    # After pytest-django's order (tests in a rolled-back transaction, then those that commit,
    # then those without a database): of the first, those that borrow the world go first.
    from django.test import TransactionTestCase

    def uses_database(item) -> bool:
        cls = getattr(item, "cls", None)
        if cls is not None and issubclass(cls, TransactionTestCase):
            return True
        return item.get_closest_marker("django_db") is not None or "db" in getattr(item, "fixturenames", ())

    def rank(item) -> int:
        if not hasattr(item, "fixturenames") or not uses_database(item) or _is_transactional(item):
            return 1
        return 0 if _borrows_world(item) else 1

    items.sort(key=rank)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    # Just before pytest-django opens the test's transaction (or, for a test that commits,
    # hands it the database): the database as this test expects to find it.
    if fixturedef.argname == "_django_db_helper":
        from pytest_django.django_compat import is_django_unittest

        if not is_django_unittest(request):
            blocker = request.getfixturevalue("django_db_blocker")
            with blocker.unblock():
                if not _borrows_world(request):
                    if _committed:
                        _flush()
                elif not _committed:
                    if request.config.getoption("reuse_db", False):
                        _flush()  # what an interrupted earlier run may have left committed
                    _committed["world"] = _build_committed_world()
    return (yield)


def _flush() -> None:
    from django.core.management import call_command

    _committed.clear()
    call_command("flush", interactive=False, verbosity=0)


def _build_committed_world() -> World:
    from django.db import connection, transaction

    with transaction.atomic():
        built = build_world()
        # What the world's writes scheduled for after commit never ran when each test built it
        # in its own rolled-back transaction; they do not run now either.
        connection.run_on_commit = []
    return built


@pytest.fixture
def world(request, db) -> World:
    """Two tenants (acme, globex) with two partners each; every role of the product in each."""
    if not _borrows_world(request) or "world" not in _committed:  # (asked for by getfixturevalue)
        return build_world()
    return copy.deepcopy(_committed["world"])


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


# --- `make test`'s two passes -------------------------------------------------------------------
# `make test` runs the suite straight to PostgreSQL, except these, which it runs once through
# pgbouncer in transaction pooling mode instead (`scripts/services.py test --pgbouncer`, which
# sets PRM_DB_POOLED): the isolation walk (every URL, as every kind of visitor, each
# transaction's row-level-security settings on server sessions that other transactions used
# before), the fault tests (real workers logged in as production's logins, locks, the outbox
# relay, dropped connections) and the pooler's own tests. Each runs once: `--pgbouncer-pass
# skip` leaves them out of the direct pass, `--pgbouncer-pass only` runs them alone.
POOLED_PASS = ("tests/test_isolation.py", "tests/faults/", "tests/operations/test_pgbouncer.py")


def pytest_addoption(parser):
    parser.addoption(
        "--pgbouncer-pass",
        choices=("skip", "only"),
        default=None,
        help="leave out (skip) or run alone (only) the tests `make test` runs through pgbouncer",
    )


def _in_pooled_pass(path, rootdir) -> bool:
    relative = path.relative_to(rootdir).as_posix() + ("/" if path.is_dir() else "")
    return any(relative.startswith(prefix) for prefix in POOLED_PASS)


def _select_pass(config, items) -> None:
    """``--pgbouncer-pass``, for the files named on the command line too (which pytest collects
    whatever ``pytest_ignore_collect`` says)."""
    which = config.getoption("pgbouncer_pass")
    if which is None:
        return
    keep, drop = [], []
    for item in items:
        pooled = item.path.is_relative_to(config.rootpath) and _in_pooled_pass(item.path, config.rootpath)
        (keep if pooled == (which == "only") else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_ignore_collect(collection_path, config):
    # Not even collected: the pooled pass would otherwise wait for the 4,000 other tests to be.
    which = config.getoption("pgbouncer_pass")
    if which is None or not collection_path.is_relative_to(config.rootpath):
        return None
    if which == "skip":
        return True if _in_pooled_pass(collection_path, config.rootpath) else None
    if collection_path.is_file() and collection_path.name.startswith("test_"):
        return True if not _in_pooled_pass(collection_path, config.rootpath) else None
    return None


def pytest_sessionfinish(session, exitstatus):
    # The pooled pass of a `make test PYTEST_ARGS=tests/deals` has nothing to run: not a failure.
    if session.config.getoption("pgbouncer_pass") == "only" and exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.OK


def pytest_configure(config):
    # collectstatic does not run for tests; WhiteNoise says so once per request otherwise.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")
