"""axe-core on every page the isolation walk knows: no serious or critical WCAG 2.1 AA violation.

The pages are the GET cases of ``tests.isolation.collect()`` (each app's ``tests/<app>/isolation.py``),
their set-ups creating the objects they name, seen by one allowed person of their area (a channel
manager, the vendor admin where only the admin may, a partner admin), plus the sign-in page and the
platform page. A new page is checked as soon as it has its isolation case.

axe-core comes from the npm registry (package.json); the browser evaluates its source through
Playwright, so the production Content-Security-Policy stays as it is (no inline script needed).
Answers that are not whole HTML pages (exports, files, htmx fragments) are not checked.
"""

from __future__ import annotations

import re
from collections import defaultdict
from types import SimpleNamespace

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError

from prm.accounts.mfa_secrets import decrypt
from prm.tenancy.scope import platform_scope
from tests.conftest import build_side
from tests.isolation import OFFICE, PORTAL, PUBLIC, collect

from .conftest import BLOCKING, TIMEOUT_MS, axe_violations, can_sign_in, shot, sign_in, totp_code, with_axe

pytestmark = pytest.mark.journey


# Whom each area's pages are shown to: the first of these the case allows.
PREFERRED = {OFFICE: ("manager", "admin", "marketing"), PORTAL: ("partner_admin", "sales")}


@pytest.fixture
def acme(live_server):
    return build_side("acme", "Acme")


def _signed_in(browser: Browser, base_url: str, member, *, totp: bool = False) -> Page:
    context = browser.new_context(base_url=base_url, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    with_axe(context)
    page = context.new_page()
    can_sign_in(member)
    sign_in(page, member.user.email)
    if totp:
        with platform_scope():
            secret = decrypt(Authenticator.objects.get(user=member.user, type=Authenticator.Type.TOTP).data["secret"])
        expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
        page.get_by_role("textbox").fill(totp_code(secret))
        page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    return page


def _platform_operator(browser: Browser, base_url: str, tenant) -> Page:
    """A platform superuser (they sign in with a second factor), signed in on the bare domain,
    with a failed task and a periodic run on record so that the operator's page shows its tables
    and its retry button."""
    from django.utils import timezone

    from prm.operations.services import failed_task_record, periodic_run_record, tenant_periodic_tasks
    from tests.factories import UserFactory, give_totp

    user = UserFactory(email="root@platform.example", is_superuser=True, is_staff=True)
    give_totp(user)
    now = timezone.now()
    periodic_run_record(
        task_name=tenant_periodic_tasks()[0], tenant_id=tenant.pk, started_at=now, finished_at=now, outcome="ok"
    )
    failed_task_record(task_id="axe", task_name="axe.task", args=[1], kwargs={}, exception="RuntimeError: axe")
    return _signed_in(browser, base_url, SimpleNamespace(user=user), totp=True)


def _who(case, role_pages):
    if case.area == PUBLIC:
        return None
    if case.area in PREFERRED:
        role = next(r for r in PREFERRED[case.area] if r in case.allowed)
        return role_pages(role)
    return None  # the tenant's shared pages are seen by both areas below


def _check(page: Page, path: str, label: str, found: dict, skipped: list, *, probe: bool = True) -> None:
    # Opened once: a download (an export, a file), a redirect, or an answer that is not a whole
    # HTML page (an htmx fragment, an image) is not a page to check (unless probe=False: checked
    # whatever it is). It used to be asked for first with fetch() from the page, then opened:
    # two requests a page.
    try:
        answer = page.goto(path)
    except PlaywrightError as error:
        if "Download is starting" not in str(error):
            raise
        skipped.append(f"{label} (a download)")
        return
    kind = answer.headers.get("content-type", "")
    if probe and (
        answer.request.redirected_from is not None
        or answer.status != 200
        or not kind.startswith("text/html")
        or "<html" not in answer.text()
    ):
        why = "redirected" if answer.request.redirected_from is not None else f"{answer.status} {kind or 'no type'}"
        skipped.append(f"{label} ({why})")
        return
    found[label] = axe_violations(page)
    shot(page, f"walk-{label}")


def test_no_page_has_a_serious_or_critical_axe_violation(acme, journey_browser, tenant_url, live_server):
    # Given every GET page of the isolation walk, with the objects it names
    base = tenant_url(acme.tenant)
    pages: dict[str, Page] = {}

    def role_page(role: str) -> Page:
        if role not in pages:
            member = {
                "admin": acme.admin,
                "manager": acme.manager,
                "marketing": acme.marketing,
                "partner_admin": acme.partner_admin,
                "sales": acme.sales_rep,
            }[role]
            pages[role] = _signed_in(journey_browser, base, member, totp=role == "admin")
        return pages[role]

    anonymous = with_axe(journey_browser.new_context(base_url=base, viewport={"width": 1366, "height": 900})).new_page()
    found: dict[str, list[dict]] = defaultdict(list)
    skipped: list[str] = []

    # When axe checks each of them, signed in as someone allowed (and the public ones anonymously)
    _check(anonymous, "/accounts/login/", "sign-in", found, skipped)
    platform = with_axe(journey_browser.new_context(viewport={"width": 1366, "height": 900})).new_page()
    _check(platform, f"http://localhost:{live_server.thread.port}/", "platform", found, skipped, probe=False)
    # ...the platform operator's page, which only a platform superuser sees (on the bare domain)
    operator = _platform_operator(journey_browser, f"http://localhost:{live_server.thread.port}", acme.tenant)
    _check(operator, reverse("operations:operator_page"), "operator page (platform)", found, skipped, probe=False)
    # ...allauth's account pages, which the isolation walk exempts
    _check(anonymous, reverse("account_reset_password"), "password reset", found, skipped)
    for name in ("account_change_password", "mfa_index"):
        _check(role_page("manager"), reverse(name), f"{name} (office)", found, skipped)
        _check(role_page("partner_admin"), reverse(name), f"{name} (portal)", found, skipped)
    for name, case in collect().items():
        if case.method != "get" or name == "home":
            continue
        ctx = SimpleNamespace(side=acme)
        if case.setup:
            case.setup(ctx)
        path = reverse(name, args=case.args(ctx))
        if case.area == PUBLIC:
            _check(anonymous, path, name, found, skipped)
        elif case.area in PREFERRED:
            _check(_who(case, role_page), path, name, found, skipped)
        else:  # pages of every member: the back office's look and the portal's
            _check(role_page("manager"), path, f"{name} (office)", found, skipped)
            _check(role_page("partner_admin"), path, f"{name} (portal)", found, skipped)

    # Then none has a serious or critical violation
    report = _figures(found)
    print(f"\naxe on {len(found)} pages (rule [impact]: pages, nodes):\n{report}\nnot pages: {skipped}")
    blocking = [
        f"{page}: {v['id']} [{v['impact']}] {target}"
        for page, violations in found.items()
        for v in violations
        if v["impact"] in BLOCKING
        for target in v["targets"]
    ]
    assert not blocking, "axe violations:\n" + "\n".join(blocking) + "\n\nfigures:\n" + report


def _figures(found: dict[str, list[dict]]) -> str:
    pages: dict[tuple, set] = defaultdict(set)
    nodes: dict[tuple, int] = defaultdict(int)
    for page, violations in found.items():
        for v in violations:
            key = (v["id"], v["impact"])
            pages[key].add(page)
            nodes[key] += len(v["targets"])
    return (
        "\n".join(
            f"{rule} [{impact}]: {len(pages[(rule, impact)])} pages, {nodes[(rule, impact)]} nodes"
            for rule, impact in sorted(pages)
        )
        or "(none)"
    )
