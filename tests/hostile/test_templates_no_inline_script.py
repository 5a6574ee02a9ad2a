"""Nothing we render needs what the Content-Security-Policy forbids: no inline <script>, no on*
handler attributes, no javascript: URLs, nothing htmx would have to eval.

Two ways: the template sources (ours: templates/ and every project app's templates/), and the
rendered HTML of every page people reach, including allauth's and the Django admin's.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from prm.accounts.roles import Role

from ..conftest import host_of, make_client
from ..factories import PASSWORD, PartnerFactory, StaffMembershipFactory
from ..test_isolation import CASES, PUBLIC, _client
from .support import concrete_path, html_problems, url_patterns

BASE_DIR = Path(settings.BASE_DIR)


def _template_dirs() -> list[Path]:
    dirs = [Path(d) for config in settings.TEMPLATES for d in config.get("DIRS", [])]
    for app in apps.get_app_configs():
        path = Path(app.path) / "templates"
        if path.is_dir() and BASE_DIR in path.parents and ".venv" not in path.parts:
            dirs.append(path)
    return dirs


def _template_files() -> list[Path]:
    return sorted(p for d in _template_dirs() for p in d.rglob("*.html"))


_TAG = re.compile(r"<[A-Za-z][^<>]*(?:\{[%{][^}]*[%}]\}[^<>]*)*>", re.S)
_HANDLER = re.compile(r"""(?:^|[\s"'}])on[a-z]+\s*=""", re.I)
_HTMX_EVAL = re.compile(r"""\b(?:data-)?hx-(?:on\b|on[:-]|vars\b)|hx-vals\s*=\s*['"]\s*(?:js|javascript):""", re.I)


def _problems_in_source(text: str) -> list[str]:
    problems = []
    for tag in _TAG.findall(text):
        name = tag[1:].split(None, 1)[0].rstrip(">").lower()
        attributes = tag[1 + len(name) :]
        if _HANDLER.search(attributes):
            problems.append(f"event handler attribute in {tag[:80]!r}")
        if _HTMX_EVAL.search(attributes):
            problems.append(f"htmx evaluated attribute in {tag[:80]!r}")
        if name == "script" and "src=" not in attributes and "application/json" not in attributes:
            problems.append(f"inline script: {tag[:80]!r}")
        if re.search(r"hx-trigger\s*=\s*['\"][^'\"]*\[", attributes):
            problems.append(f"htmx trigger filter (evaluated as script) in {tag[:80]!r}")
    if re.search(r"javascript\s*:", text, re.I):
        problems.append("a javascript: URL")
    return problems


def test_template_sources_have_no_inline_script_or_handlers():
    # given every template of the project (not the installed packages': those are rendered below)
    files = _template_files()
    assert any(f.name == "base.html" for f in files) and len(files) > 20
    # when each one is scanned
    problems = {str(f.relative_to(BASE_DIR)): _problems_in_source(f.read_text()) for f in files}
    # then none has an inline script, an on* handler, a javascript: URL or an htmx eval
    assert {name: found for name, found in problems.items() if found} == {}


def test_the_scanner_finds_what_it_looks_for():
    # given snippets with each kind of problem, and clean ones
    bad = [
        "<script>alert(1)</script>",
        '<button onclick="go()">',
        "<a href='javascript:go()'>",
        '<div hx-on:click="go()">',
        "<div hx-vals='js:{\"a\": go()}'>",
        '<input hx-trigger="keyup[ctrlKey]">',
        '<img src="x" {% if a %}onerror="go()"{% endif %}>',
    ]
    good = [
        "<script src=\"{% static 'js/app.js' %}\" defer></script>",
        '<script type="application/json" data-allauth-onload="x">{}</script>',
        '<a href="/x" data-confirm="Sure?">',
        '<p>Sign on here</p><input name="one" hx-trigger="input changed delay:300ms">',
    ]
    # then every bad one is caught and no good one is
    assert all(_problems_in_source(snippet) for snippet in bad)
    assert [snippet for snippet in good if _problems_in_source(snippet)] == []
    assert all(html_problems(snippet.replace("{% if a %}", "").replace("{% endif %}", "")) for snippet in bad)


def test_htmx_runs_without_eval_and_without_inline_styles_of_its_own():
    # given the layout every page extends
    base = (BASE_DIR / "templates" / "base.html").read_text()
    # when we read htmx's configuration from it
    match = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", base)
    assert match, "base.html configures htmx in a <meta name='htmx-config'>"
    config = json.loads(match.group(1))
    # then htmx may not eval (hx-on, hx-vars, js: values, trigger filters) nor inject a <style>
    assert config["allowEval"] is False
    assert config["includeIndicatorStyles"] is False
    # and the CSRF token travels in hx-headers as JSON (no js: prefix, which would need eval)
    assert 'hx-headers=\'{"X-CSRFToken": "{{ csrf_token }}"}\'' in base


# --- rendered pages -----------------------------------------------------------------------------


def _is_html(response) -> bool:
    # A streamed file is not one of our pages: SCORM package files (e-learning) are the vendor's
    # content, served with a policy of their own (learning/views/scorm.py, PACKAGE_CSP).
    return response.get("Content-Type", "").startswith("text/html") and not response.streaming


@pytest.mark.django_db
def test_every_project_page_renders_without_inline_script(world):
    # given each page of the project (the isolation matrix's cases), opened by a member allowed to
    # see it, with the objects it names
    rendered = {}
    for name, case in CASES.items():
        if case.method != "get":
            continue
        ctx = SimpleNamespace(side=world.acme)
        if case.setup:
            case.setup(ctx)
        role = case.allowed[0] if case.allowed else next(iter(case.expect))
        client = _client(role, world, case) if case.area != PUBLIC else make_client(None, host=world.acme.host)
        path = reverse(name, args=case.args(ctx))
        # when it is rendered in full, and as the htmx partial where it has one
        for htmx in (False, True):
            headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
            response = client.get(path, **headers)
            if _is_html(response) and response.status_code == 200:
                rendered[f"{path}{' (htmx)' if htmx else ''}"] = html_problems(response.content.decode())
    # then no page holds anything the policy would block
    assert len(rendered) > 20
    assert {path: found for path, found in rendered.items() if found} == {}


@pytest.mark.django_db
def test_error_pages_render_without_inline_script(world, client_for):
    # given a member on pages that are not found, not allowed, or gone
    client = client_for(world.acme.marketing)
    responses = [
        client.get("/no/such/page/"),
        client.get("/office/settings/"),  # marketing may not configure the portal: 403
        client.get(f"/office/partners/{world.globex.partner.pk}/"),  # another tenant's: 404
        make_client(None, host="localhost").get("/office/"),
    ]
    # then each error page keeps the layout and nothing that would run script
    assert [r.status_code for r in responses] == [404, 403, 404, 404]
    assert [html_problems(r.content.decode()) for r in responses] == [[], [], [], []]


def _signed_in(membership, authenticator=None):
    """A client signed in through allauth's own forms (password, then the TOTP code if any), so
    pages that want a recent sign-in (enrolling, recovery codes) render instead of redirecting."""
    user = membership.user
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    client = make_client(None, host=host_of(membership.tenant))
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    if authenticator is not None:
        assert response["Location"] == reverse("mfa_authenticate")
        code = format_hotp_value(hotp_value(decrypt(authenticator.data["secret"]), int(time.time()) // 30))
        response = client.post(reverse("mfa_authenticate"), {"code": code})
        assert response.status_code == 302 and response["Location"] != reverse("mfa_authenticate")
    return client


@pytest.mark.django_db
def test_allauth_pages_we_render_have_no_inline_script(world):
    # given allauth's pages (sign-in, sign-out, password, e-mail, two-factor), requested by
    # someone signed out, a channel manager, a vendor admin with an authenticator and recovery
    # codes, and a new vendor admin who must enrol one (the TOTP page with its QR code)
    acme = world.acme
    totp = Authenticator.objects.get(user=acme.admin.user, type=Authenticator.Type.TOTP)
    RecoveryCodes.activate(acme.admin.user)
    new_admin = StaffMembershipFactory(tenant=acme.tenant, role=Role.ADMIN, user__email="new.admin@acme.example")
    visitors = {
        "anonymous": make_client(None, host=acme.host),
        "manager": _signed_in(acme.manager),
        "admin": _signed_in(acme.admin, totp),
        "new_admin": _signed_in(new_admin),
    }
    # and the two-factor step of signing in, which only a half-signed-in person sees
    half = make_client(None, host=acme.host)
    login = half.post(reverse("account_login"), {"login": acme.admin.user.email, "password": PASSWORD})
    assert login.status_code == 302 and login["Location"] == reverse("mfa_authenticate")
    routes = [
        (route, pattern, regexes) for route, _, pattern, regexes in url_patterns() if route.startswith("accounts/")
    ]
    # when each visitor opens each page
    rendered = {}
    step = half.get(reverse("mfa_authenticate"))  # first: opening another page abandons the sign-in
    if step.status_code == 200:
        rendered["accounts/2fa/authenticate/ as half_signed_in"] = html_problems(step.content.decode())
    for who, client in visitors.items():
        for route, pattern, regexes in routes:
            response = client.get(concrete_path(pattern, regexes))
            if _is_html(response) and response.status_code == 200:
                rendered[f"{route} as {who}"] = html_problems(response.content.decode())
    # then the pages that matter render, and none holds anything the policy would block
    for page in (
        "accounts/login/ as anonymous",
        "accounts/2fa/authenticate/ as half_signed_in",
        "accounts/2fa/totp/activate/ as new_admin",
        "accounts/2fa/ as admin",
        "accounts/2fa/totp/deactivate/ as admin",
        "accounts/2fa/recovery-codes/ as admin",
        "accounts/email/ as manager",
        "accounts/password/change/ as manager",
        "accounts/logout/ as manager",
    ):
        assert page in rendered, f"{page} did not render: {sorted(rendered)}"
    assert "data:image" in visitors["new_admin"].get(reverse("mfa_activate_totp")).content.decode()  # the QR code
    assert {page: found for page, found in rendered.items() if found} == {}


@pytest.mark.django_db
def test_django_admin_pages_have_no_inline_script(world, client_for):
    # given a vendor admin in the Django admin, and a partner to open
    client = client_for(world.acme.admin)
    partner = PartnerFactory(partner_type=world.acme.partner_type)
    paths = ["/admin/", f"/admin/partners/partner/{partner.pk}/change/"]
    for model in admin.site._registry:
        meta = model._meta
        paths.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        paths.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    # when each page is opened
    rendered = {}
    for path in paths:
        response = client.get(path)
        if _is_html(response) and response.status_code == 200:
            rendered[path] = html_problems(response.content.decode())
    # then the pages the vendor admin may use render without anything the policy would block
    assert "/admin/" in rendered and f"/admin/partners/partner/{partner.pk}/change/" in rendered
    assert {path: found for path, found in rendered.items() if found} == {}
