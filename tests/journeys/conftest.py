"""Browser journeys: Debian's Chromium, driven by Playwright (sync API), against the live server.

* The browser is the system Chromium (``PRM_CHROMIUM`` or ``/usr/bin/chromium``); Playwright's
  own browser downloads are never used.
* The app runs under pytest-django's ``live_server`` (a thread of this process, transactional
  database, flushed as the schema owner after each test). Tenants are reached by host, as in
  production: ``http://acme.localhost:<port>/`` (Chromium resolves ``*.localhost`` to loopback).
* A failing journey leaves a screenshot and the page's HTML under ``test-artifacts/journeys/``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.factories import PASSWORD

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]
# Generous for a loaded CI machine, short enough that a broken page fails fast.
TIMEOUT_MS = 10_000

_reports = pytest.StashKey[dict]()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "journey: a browser journey (Playwright driving Chromium against the live server)"
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item, so fixtures can tell in teardown that the test failed.
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


def chromium_path() -> str:
    for candidate in (os.environ.get("PRM_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("No Chromium: install Debian's chromium (scripts/ensure-chromium.sh) or set PRM_CHROMIUM.")


@pytest.fixture(scope="module")
def journey_browser() -> Iterator[Browser]:
    """One headless Chromium per journey module.

    Module-scoped on purpose: Playwright's sync API keeps an asyncio loop marked as running in
    this thread while it is started, and Django refuses ORM calls from a thread with a running
    loop. The journeys (their set-up, assertions and the flush after each test) run with the
    check off; stopping Playwright at the end of the module gives the next module's tests the
    thread back exactly as it was.
    """
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True, timeout=30_000
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture
def tenant_url(live_server) -> Callable[[object], str]:
    """``tenant_url(tenant)``: the tenant's portal on the live server, e.g. http://acme.localhost:41234."""
    port = live_server.thread.port

    def url(tenant) -> str:
        return f"http://{tenant.slug}.localhost:{port}"

    return url


@pytest.fixture
def open_page(request, transactional_db, journey_browser: Browser) -> Iterator[Callable[..., Page]]:
    """``open_page(base_url)``: a page in a fresh browser context (its own cookies: one person).

    It asks for the database first so that its pages close before the database is flushed after
    the test: a page left open may still be fetching (its favicon) while the flush truncates every
    table, and the two deadlock.

    On failure every page opened by the test is saved to test-artifacts/journeys/.
    """
    contexts = []
    pages: list[Page] = []

    def open_(base_url: str) -> Page:
        # Reduced motion: Bootstrap then drops its transitions, so axe never reads a button's
        # colours halfway through a hover fade (it scrolls elements under the resting pointer).
        context = journey_browser.new_context(
            base_url=base_url, viewport={"width": 1280, "height": 900}, reduced_motion="reduce"
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    yield open_

    reports = request.node.stash.get(_reports, {})
    if any(report.failed for report in reports.values()):
        _save_artifacts(request, pages)
    for context in contexts:
        context.close()
    # A request the closed pages had sent (an icon, a prefetch) may still be served by the live
    # server's thread; let it finish before the flush truncates the tables it reads (the two
    # deadlocked once in CI, and the next test started on an unflushed database).
    time.sleep(0.3)


def _save_artifacts(request, pages: list[Page]) -> None:
    folder = Path(request.config.rootpath) / "test-artifacts" / "journeys"
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
    for n, page in enumerate(pages):
        try:
            page.screenshot(path=str(folder / f"{name}-{n}.png"), full_page=True, timeout=5_000)
            (folder / f"{name}-{n}.html").write_text(f"<!-- {page.url} -->\n{page.content()}", encoding="utf-8")
        except Exception as error:  # a crashed page must not hide the test's own failure
            (folder / f"{name}-{n}.txt").write_text(f"could not save {page.url}: {error}", encoding="utf-8")


@pytest.fixture(autouse=True)
def _expect_timeout():
    expect.set_options(timeout=TIMEOUT_MS)


# --- People who sign in with a password ----------------------------------------------------------


def can_sign_in(membership):
    """E-mail verification is mandatory: give the member's address the verified mark an
    accepted invitation gives it."""
    user = membership.user
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return membership


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def totp_code(secret: str, period: int = 30) -> str:
    """The current RFC 6238 code for the secret, as an authenticator app shows it.

    Codes are accepted only in their own 30-second window (no tolerance), so a code about to
    expire is not used: wait (at most 2 s) for the next window instead.
    """
    remaining = period - time.time() % period
    if remaining < 2:
        time.sleep(remaining + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def shot(page: Page, name: str) -> None:
    """A full-page screenshot into ``PRM_JOURNEY_SHOTS`` (a folder), when set: for people to look
    at how the pages look, not for the assertions."""
    folder = os.environ.get("PRM_JOURNEY_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"), full_page=True)


# --- axe-core ------------------------------------------------------------------------------------

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")  # the impacts a page may not have
_axe_source: list[str] = []


def _axe() -> str:
    if not _axe_source:
        path = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
        if not path.exists():
            pytest.fail("axe-core is missing: run `make install` (npm ci installs it from package.json).")
        _axe_source.append(path.read_text(encoding="utf-8"))
    return _axe_source[0]


def with_axe(context: BrowserContext) -> BrowserContext:
    """Every page the context opens gets axe-core before its own scripts, through the DevTools
    protocol like ``axe_violations`` (the CSP stays as it is). For a walk over many pages: ~40 %
    faster than evaluating the source after each navigation."""
    context.add_init_script(script=_axe())
    return context


def axe_violations(page: Page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page: ``{"id", "impact", "help", "targets"}``.

    The source is evaluated through the DevTools protocol rather than added as a <script> tag: the
    page's Content-Security-Policy allows only our own static scripts, and stays that way.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(f"() => {{ {_axe()}\n }}")
    return page.evaluate(
        """async (tags) => {
            const result = await window.axe.run(document, {
                runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
            });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map((n) => n.target.join(" ")),
            }));
        }""",
        AXE_TAGS,
    )


# The identity providers of the single sign-on journeys (real servers on loopback, tests/sso/).
from tests.sso.idps import oidc_idp, saml_idp, saml_idp_server  # noqa: E402, F401
