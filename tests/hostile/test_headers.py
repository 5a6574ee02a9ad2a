"""Security headers and cookies under production settings.

In-process: the production settings module's own values (HTTPS redirect, HSTS, secure cookies,
proxy header, ...) are applied over the test settings; only the environment plumbing (database,
cache, storage, e-mail, hashers, rate limits) stays the suite's. Out of process: a Django test
client in a subprocess started with DJANGO_SETTINGS_MODULE=prm.settings.production, unchanged.
"""

from __future__ import annotations

import json
import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory

from prm.env import env_list
from prm.web.security import ContentSecurityPolicyMiddleware, policy_header

from ..conftest import make_client
from ..factories import PASSWORD
from ..tenancy.isolation import logo

ROOT = Path(__file__).resolve().parent.parent.parent

# Settings that say where things live, not how the site protects itself: kept from the tests.
PLUMBING = {
    "DATABASES",
    "CACHES",
    "STORAGES",
    "EMAIL_BACKEND",
    "PASSWORD_HASHERS",
    "ACCOUNT_RATE_LIMITS",
    "SECRET_KEY",
    "PRM_MFA_KEYS",
    "LOGGING",
}


@pytest.fixture
def production(settings, monkeypatch):
    """The values of prm/settings/production.py (with its defaults), applied in-process."""
    monkeypatch.setenv("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    monkeypatch.setenv("PRM_MFA_KEYS", Fernet.generate_key().decode())
    for key in [k for k in os.environ if k.startswith(("DJANGO_SECURE", "DJANGO_HSTS"))]:
        monkeypatch.delenv(key)
    values = runpy.run_module("prm.settings.production")
    changed = {}
    for name, value in values.items():
        if name.isupper() and name not in PLUMBING and getattr(django_settings, name, object()) != value:
            setattr(settings, name, value)
            changed[name] = value
    # production is what makes the site HTTPS-only: if nothing changed, this tests nothing
    assert {"SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"} <= set(changed)
    return changed


def parse_csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_security_headers(response, *, https: bool = True) -> None:
    csp = parse_csp(response["Content-Security-Policy"])
    scripts = csp.get("script-src", csp.get("default-src"))
    # scripts only from this site: nothing inline, nothing eval'd, no wildcard or data: source
    assert scripts == ["'self'"], csp
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"][0] == "'self'" and "*" not in csp["form-action"]
    for directive, sources in csp.items():
        assert "'unsafe-eval'" not in sources and "*" not in sources, directive
        if directive != "style-src":
            assert "'unsafe-inline'" not in sources, directive
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    if https:
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    else:
        assert "Strict-Transport-Security" not in response


def _responses(world):
    """One response of each kind the site gives, all over HTTPS."""
    acme = world.acme
    manager = make_client(acme.manager)
    anonymous = make_client(None, host=acme.host)
    logo(SimpleNamespace(side=acme))
    return {
        "a page": manager.get("/office/partners/", secure=True),
        "an htmx partial": manager.get("/office/partners/", {"q": "x"}, secure=True, HTTP_HX_REQUEST="true"),
        "a redirect to sign in": anonymous.get("/office/", secure=True),
        "the sign-in page": anonymous.get("/accounts/login/", secure=True),
        "not found": manager.get("/no/such/page/", secure=True),
        "not allowed": manager.get("/office/settings/", secure=True),
        "a CSV export": manager.get("/office/partners/export.csv", secure=True),
        "the logo": anonymous.get("/branding/logo", secure=True),
        "the platform page": make_client(None, host="localhost").get("/", secure=True),
        "a CSRF failure": Client(enforce_csrf_checks=True, HTTP_HOST=acme.host).post("/accounts/login/", secure=True),
    }


@pytest.mark.django_db
def test_every_kind_of_response_carries_the_security_headers(world, production):
    # given production settings, and one response of each kind (page, partial, redirect, errors,
    # file, CSV, a CSRF failure), over HTTPS
    responses = _responses(world)
    assert [r.status_code for r in responses.values()] == [200, 200, 302, 200, 404, 403, 200, 200, 200, 403]
    # then each carries the policy, frame, sniffing, referrer and HSTS headers
    for kind, response in responses.items():
        try:
            assert_security_headers(response)
        except (AssertionError, KeyError) as error:
            raise AssertionError(f"{kind}: {error!r}") from error


@pytest.mark.django_db
def test_a_server_error_page_carries_the_security_headers_too(world, production, monkeypatch):
    # given production settings and a view that fails
    import partners.views

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(partners.views, "partner_directory_for_actor", broken)
    client = make_client(world.acme.manager)
    client.raise_request_exception = False
    # when a member opens it
    response = client.get("/office/partners/", secure=True)
    # then the 500 page keeps every header, and tells nothing about the failure
    assert response.status_code == 500
    assert_security_headers(response)
    assert b"boom" not in response.content and b"Traceback" not in response.content


@pytest.mark.django_db
def test_plain_http_is_sent_to_https_except_the_health_check(world, production):
    # given production settings
    client = make_client(world.acme.manager)
    # when a page is asked for over plain HTTP
    response = client.get("/office/partners/?q=a")
    # then it is a permanent redirect to the same address over HTTPS, with no HSTS over HTTP
    assert response.status_code == 301
    assert response["Location"] == "https://acme.localhost/office/partners/?q=a"
    assert "Strict-Transport-Security" not in response
    # and load balancers may still probe /healthz over HTTP
    health = make_client(None, host="localhost").get("/healthz")
    assert health.status_code == 200
    assert_security_headers(health, https=False)


@pytest.mark.django_db
def test_https_terminated_at_the_proxy_counts_as_https(world, production):
    # given production settings behind a TLS-terminating proxy that sets X-Forwarded-Proto
    client = make_client(world.acme.manager)
    # when a request arrives over HTTP from the proxy, marked https
    response = client.get("/office/partners/", HTTP_X_FORWARDED_PROTO="https")
    # then it is served (no redirect loop) with every header, HSTS included
    assert response.status_code == 200
    assert_security_headers(response)
    # and a forged "http" from the proxy is redirected, not trusted as secure
    assert client.get("/office/partners/", secure=True, HTTP_X_FORWARDED_PROTO="http").status_code == 301


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_secure_and_the_session_cookie_is_http_only(world, production):
    # given production settings and a channel manager with a verified address
    user = world.acme.manager.user
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client = Client(enforce_csrf_checks=True, HTTP_HOST=world.acme.host)
    # when they open the sign-in page and sign in, over HTTPS, as a browser would
    page = client.get("/accounts/login/", secure=True)
    csrf = page.cookies["csrftoken"]
    response = client.post(
        "/accounts/login/",
        {"login": user.email, "password": PASSWORD, "csrfmiddlewaretoken": csrf.value},
        secure=True,
        HTTP_REFERER="https://acme.localhost/accounts/login/",
    )
    # then they are signed in
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    # and both cookies only travel over HTTPS, stay on this host, and are not sent cross-site
    for cookie in (csrf, session):
        assert cookie["secure"] is True, cookie.key
        assert cookie["samesite"] == "Lax", cookie.key
        assert cookie["domain"] == "", f"{cookie.key} must stay on its tenant's host"
    # and scripts cannot read the session cookie
    assert session["httponly"] is True


def test_the_policy_is_built_from_the_setting_and_a_views_own_policy_wins(settings):
    # given a policy in the setting
    settings.PRM_CSP = {"default-src": ["'self'"], "img-src": ["'self'", "data:"]}
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("ok"))
    own = ContentSecurityPolicyMiddleware(
        lambda request: HttpResponse(headers={"Content-Security-Policy": "sandbox; default-src 'none'"})
    )
    request = RequestFactory().get("/")
    # then responses carry it, a view's own policy is kept, and an empty setting turns it off
    assert middleware(request)["Content-Security-Policy"] == "default-src 'self'; img-src 'self' data:"
    assert own(request)["Content-Security-Policy"] == "sandbox; default-src 'none'"
    settings.PRM_CSP = {}
    assert "Content-Security-Policy" not in middleware(request)
    assert policy_header({"object-src": ["'none'"]}) == "object-src 'none'"


def test_the_policy_lets_the_platform_page_open_tenant_portals():
    # given the platform page's "Open" form, which posts to the platform host and is redirected
    # to the tenant's host (Chromium checks that redirect against form-action)
    form_action = parse_csp(policy_header(django_settings.PRM_CSP))["form-action"]
    # then form-action allows this site and the tenants' hosts (and the custom domains listed in
    # DJANGO_ALLOWED_HOSTS), and nothing else
    assert form_action[:2] == ["'self'", f"*.{django_settings.PRM_BASE_DOMAIN}:*"]
    assert len(form_action) == 2 + len(env_list("DJANGO_ALLOWED_HOSTS"))
    assert "*" not in form_action and "https:" not in form_action


_PROBE = """
import json
from django.conf import settings
from django.test import Client

def headers(response):
    return {key: value for key, value in response.items()}

def cookie(response, name):
    morsel = response.cookies.get(name)
    return None if morsel is None else {"secure": morsel["secure"], "httponly": morsel["httponly"], "samesite": morsel["samesite"]}

# The one thing changed: static files by plain name (the hashed-name manifest comes from
# collectstatic at deploy time, which this probe does not run).
settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
client = Client(HTTP_HOST="localhost")
platform = client.get("/", secure=True)
login = client.get("/accounts/login/", secure=True)
plain = client.get("/accounts/login/?next=/x")
health = client.get("/healthz")
print(json.dumps({
    "platform": [platform.status_code, headers(platform)],
    "login": [login.status_code, headers(login), cookie(login, "csrftoken")],
    "plain": [plain.status_code, headers(plain)],
    "health": [health.status_code, headers(health)],
    "session": [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY, settings.SESSION_COOKIE_SAMESITE],
    "middleware": settings.MIDDLEWARE,
}))
"""


class _Response(dict):
    """A header dict that answers like an HttpResponse for assert_security_headers."""

    def __getitem__(self, key):
        return super().__getitem__(next(k for k in self if k.lower() == key.lower()))

    def __contains__(self, key):
        return any(k.lower() == key.lower() for k in self)


@pytest.mark.django_db
def test_production_settings_module_itself_sends_the_headers(world):
    # given a process started with the production settings module as deployed (a random key,
    # the test database to connect to, static files by plain name: collectstatic has not run)
    db = connection.settings_dict
    auth = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PRM_"))}
    environment.update(
        DJANGO_SETTINGS_MODULE="prm.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        PRM_MFA_KEYS=Fernet.generate_key().decode(),
        DATABASE_URL=f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    )
    # when it serves the platform page and the sign-in page over HTTPS, and a page over HTTP
    script = "import django; django.setup()\n" + _PROBE
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    # then the CSP middleware is installed and every HTTPS response carries the headers
    assert "prm.web.security.ContentSecurityPolicyMiddleware" in probe["middleware"]
    for name in ("platform", "login"):
        status, headers = probe[name][:2]
        assert status == 200, name
        assert_security_headers(_Response(headers))
    # and the CSRF cookie is Secure, the session cookie Secure and HttpOnly
    assert probe["login"][2] == {"secure": True, "httponly": "", "samesite": "Lax"}
    assert probe["session"] == [True, True, "Lax"]
    # and plain HTTP is redirected to HTTPS, except the health check
    assert probe["plain"][0] == 301
    assert _Response(probe["plain"][1])["Location"] == "https://localhost/accounts/login/?next=/x"
    assert probe["health"][0] == 200
