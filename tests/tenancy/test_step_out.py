"""The escape hatches are used only where declared: ``step_out_to_tenant()`` is the one way out of a
partner user's scope, and ``platform_scope()`` (every tenant's rows) belongs to platform code.

Entering ``tenant_scope`` is how a request, a task, a stream or a command begins to act for a
tenant. Anywhere else, a ``tenant_scope(...)`` call is a hand-written step-out of the partner scope
(the four copies this replaced read the current scope and re-entered it without the partner):
this test finds every call in the product's code and fails on one that is not a declared entry
point. Step out with ``prm.tenancy.scope.step_out_to_tenant()``, whose docstring says what may
leave the wider scope.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("prm", "partners", "programs", "deals", "leads", "learning", "incentives", "recruitment", "api")

# (file, function) -> why entering a tenant's scope there is an entry point, not a step-out.
ENTRY_POINTS = {
    ("prm/tenancy/middleware.py", "__call__"): "a request begins (tenant from the host, partner from the membership)",
    ("prm/events/tasks.py", "run"): "a Celery task begins (tenant_task re-enters the scope from tenant_id)",
    ("prm/events/services.py", "outbox_relay"): "publishing a tenant's outbox after its transaction committed",
    ("prm/events/services.py", "_relay"): "publishing a tenant's outbox after its transaction committed",
    ("prm/events/services.py", "_mark_published"): "publishing a tenant's outbox after its transaction committed",
    ("prm/web/exports.py", "lines"): "a streamed export runs after the view returned, outside its scope",
    ("prm/web/home.py", "inbox_for_user"): "the platform page reads each of a person's vendors in its own scope",
    ("prm/tenancy/scope.py", "step_out_to_tenant"): "the step-out itself",
    ("api/exports.py", "_write_tables"): "a partner's data export narrows the task's tenant scope to the partner, "
    "so the partner policies bind its COPY statements (narrower, not a step-out)",
}
# Commands and demo loaders act for each tenant in turn.
ENTRY_MODULES = ("demo.py", "/management/commands/")


# (file, function) -> why platform code reads every tenant's rows there.
PLATFORM_ENTRY_POINTS = {
    ("prm/tenancy/middleware.py", "__call__"): "the bare domain's platform-wide admin, for platform superusers",
    ("prm/accounts/selectors.py", "portals_for_user"): "the platform page: one person's portals across tenants",
    ("prm/events/tasks.py", "outbox_sweep_task"): "the outbox sweep republishes every tenant's undelivered messages",
    ("prm/accounts/privacy.py", "_other_portals"): "erasure asks whether other portals hold the account (a count)",
    ("prm/operations/metrics.py", "collect"): "a metrics scrape counts every tenant's backlogs (numbers only)",
    ("prm/operations/services.py", "periodic_run_record"): "a worker keeps the last run of a periodic task for the "
    "operator's page (a platform-only table)",
    ("prm/operations/services.py", "failed_task_record"): "a worker keeps a task that failed for good for the "
    "operator's page (a platform-only table)",
    ("prm/operations/services.py", "failed_task_retry"): "the platform operator sends a failed task again",
}


class _Calls(ast.NodeVisitor):
    """Each call of ``name(...)`` with the innermost function it is written in."""

    def __init__(self, name: str = "tenant_scope"):
        self.name = name
        self.functions: list[str] = ["<module>"]
        self.found: list[tuple[str, int]] = []

    def visit_FunctionDef(self, node):
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node):
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name == self.name:
            self.found.append((self.functions[-1], node.lineno))
        self.generic_visit(node)


def _calls_to_tenant_scope(path: Path, name: str = "tenant_scope") -> list[tuple[str, int]]:
    calls = _Calls(name)
    calls.visit(ast.parse(path.read_text(), filename=str(path)))
    return calls.found


def _product_modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_tenant_scope_is_entered_only_at_entry_points():
    # given every module of the product
    found = []
    for path in _product_modules():
        relative = path.relative_to(ROOT).as_posix()
        # when we look for calls entering a tenant's scope
        for function, line in _calls_to_tenant_scope(path):
            if (relative, function) in ENTRY_POINTS or any(part in relative for part in ENTRY_MODULES):
                continue
            found.append(f"{relative}:{line} in {function}()")
    # then each is a declared entry point: anything else steps out of a partner's scope by hand
    assert not found, (
        "tenant_scope() entered outside an entry point; step out of a partner user's scope with "
        "prm.tenancy.scope.step_out_to_tenant() instead:\n" + "\n".join(found)
    )


def test_platform_scope_is_entered_only_by_platform_code():
    # given every module of the product, when we look for the platform scope (every tenant's rows)
    found = []
    for path in _product_modules():
        relative = path.relative_to(ROOT).as_posix()
        for function, line in _calls_to_tenant_scope(path, "platform_scope"):
            if (relative, function) in PLATFORM_ENTRY_POINTS or "/management/commands/" in relative:
                continue
            found.append(f"{relative}:{line} in {function}()")
    # then it is platform code: a request's or a task's work for one tenant never reaches for it
    assert not found, "platform_scope() entered outside platform code:\n" + "\n".join(found)


def test_the_check_finds_a_hand_written_step_out(tmp_path):
    # given a module that re-enters the current tenant's scope by hand
    module = tmp_path / "sneaky.py"
    module.write_text(
        "from prm.tenancy.scope import current_tenant_id, tenant_scope\n"
        "def read_everyone():\n"
        "    with tenant_scope(current_tenant_id()):\n"
        "        pass\n"
    )
    # then the scan sees it
    assert _calls_to_tenant_scope(module) == [("read_everyone", 3)]


def test_the_declared_entry_points_exist():
    # a renamed or removed entry point must leave these lists too
    for scope, points in (("tenant_scope", ENTRY_POINTS), ("platform_scope", PLATFORM_ENTRY_POINTS)):
        for relative, function in points:
            names = {name for name, _ in _calls_to_tenant_scope(ROOT / relative, scope)}
            assert function in names, f"{relative} no longer enters {scope} in {function}()"
