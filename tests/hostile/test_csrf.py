"""CSRF on every unsafe method of every URL pattern: the project's, allauth's and the admin's.

Each pattern is requested with POST, PUT, PATCH and DELETE by a client that enforces CSRF as a
browser meets it, signed in as someone allowed to use the view, without a token (and with a
wrong one): Django's CSRF failure (403), and nothing written. The check runs before the view,
so a view that would refuse the method (405) must still refuse the forgery first.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection
from django.middleware.csrf import _get_new_csrf_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ..api.walk import CASES as API_CASES
from ..conftest import host_of
from ..test_isolation import CASES, PUBLIC, STAFF
from .support import concrete_path, csrf_client, url_patterns

pytestmark = pytest.mark.django_db

UNSAFE = ("post", "put", "patch", "delete")
_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|TRUNCATE|ALTER|DROP|CREATE)\b", re.I)

# allauth pages used signed out; every other allauth page is used signed in.
SIGNED_OUT_ACCOUNT_PAGES = {
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_email",
    "account_email_verification_sent",
    "account_confirm_login_code",
    "account_inactive",
    "mfa_authenticate",
}

# Exempt by design: an identity provider's page posts to them from its own origin (SAML's
# HTTP-POST binding); the signed SAML message, checked against the provider's certificate and
# the request it answers, is what a forger cannot make.
CSRF_EXEMPT = {
    "saml_acs": "the SAML assertion consumer: the IdP's signed response, posted cross-site by design",
    "saml_sls": "SAML single logout: the IdP's signed request, posted cross-site by design",
}
# Patterns outside the isolation matrix (its exemptions): who uses them, on which host.
EXTRA_USERS = {
    "portal_open": ("manager", "platform"),  # the platform page's "Open" button
    "portal_handoff": (None, "tenant"),  # redeemed by a browser not yet signed in on the tenant
}


def _groups():
    """The project's URL patterns one test each; allauth's in one, the admin's by model."""
    groups: dict[str, list] = {}
    for route, name, pattern, regexes in url_patterns():
        if route.startswith("admin/"):
            key = "/".join(route.split("/")[:3]) + "/*"
        elif route.startswith("accounts/"):
            key = "accounts/*"
        else:
            key = name or route
        groups.setdefault(key, []).append((route, name, pattern, regexes))
    return [pytest.param(group, id=key) for key, group in groups.items()]


def _member(world, role):
    acme = world.acme
    return {
        None: None,
        "admin": acme.admin,
        "manager": acme.manager,
        "marketing": acme.marketing,
        "partner_admin": acme.partner_admin,
        "sales": acme.sales_rep,
    }[role]


def _who_and_where(route, name, world):
    """(role, host, isolation case, its context): someone allowed to use the view, where, and
    the objects it names (set up from the isolation matrix when the URL has a case there)."""
    acme = world.acme
    ctx = SimpleNamespace(side=acme)
    if name in CASES:
        case = CASES[name]
        if case.setup:
            case.setup(ctx)
        role = case.allowed[0] if case.allowed else None
        if case.area == PUBLIC:
            role = None
        return role, acme.host, case, ctx
    if name in EXTRA_USERS:
        role, where = EXTRA_USERS[name]
        return role, "localhost" if where == "platform" else acme.host, None, ctx
    if route.startswith("admin/"):
        return "admin", acme.host, None, ctx  # the tenant's vendor admin, who may use the admin
    if route.startswith("accounts/"):
        return (None if name in SIGNED_OUT_ACCOUNT_PAGES else "manager"), acme.host, None, ctx
    if name in API_CASES:
        # The REST API with the pages' session (a key is no ambient credential: no CSRF there)
        case = API_CASES[name]
        if case.setup:
            case.setup(ctx)
        return ("admin" if "staff" in case.allowed else "partner_admin"), acme.host, case, ctx
    raise AssertionError(f"{name or route}: no isolation case (tests/<app>/isolation.py) and no user here")


def _forge(client, method, path, data, **extra):
    """Send one unsafe request; return it with the SQL it ran."""
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(path, data, **extra)
    return response, [q["sql"] for q in queries.captured_queries if _WRITE.match(q["sql"])]


def _assert_csrf_refused(response, writes, label):
    assert response.status_code == 403, f"{label}: {response.status_code}, not a CSRF refusal"
    # Django's CSRF failure page, not a permission 403 from the view: the view never ran
    assert b"CSRF verification failed" in response.content, f"{label}: 403, but not from the CSRF check"
    assert writes == [], f"{label} wrote to the database: {writes}"


def _assert_api_csrf_refused(response, writes, label):
    """The API's session calls: DRF's CSRF check (a problem response); 415 for a form's body, which
    the API does not read (a cross-site form cannot send JSON without a preflight); 405 for a
    read-only route that never authenticates (the schema, the event types)."""
    assert response.status_code in (403, 405, 415), f"{label}: {response.status_code}, not refused"
    if response.status_code == 403:
        assert b"CSRF" in response.content, f"{label}: 403, but not from the CSRF check"
    assert writes == [], f"{label} wrote to the database: {writes}"


def _holding_a_csrf_cookie(client):
    """The browser has visited the site before: it holds a CSRF cookie, as a victim's does."""
    client.cookies[settings.CSRF_COOKIE_NAME] = _get_new_csrf_string()
    return client


@pytest.mark.parametrize("group", _groups())
def test_every_unsafe_method_without_a_token_is_refused(world, group):
    for route, name, pattern, regexes in group:
        if name in CSRF_EXEMPT:
            continue
        # given someone allowed to use this URL, signed in where it lives, the objects it names
        role, host, case, ctx = _who_and_where(route, name, world)
        client = _holding_a_csrf_cookie(csrf_client(_member(world, role), host=host))
        if case is not None and name:
            path = reverse(name, args=case.args(ctx))
            data = case.data(ctx)
        else:
            path = concrete_path(pattern, regexes)
            data = {}
        # when each unsafe method arrives without a token (form field or header)
        for method in UNSAFE:
            response, writes = _forge(client, method, path, data if method == "post" else "")
            # then it is refused by the CSRF check and changes nothing
            label = f"{method.upper()} {path} as {role or 'anonymous'}"
            if route.startswith("api/v1/") and name != "api:docs":
                _assert_api_csrf_refused(response, writes, label)
            else:
                _assert_csrf_refused(response, writes, label)
        if case is not None and getattr(case, "effect", None) is not None:
            assert case.effect(ctx) is False, f"{path}: the forged request took effect"


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c.method == "post"])
def test_a_wrong_token_or_another_sessions_token_is_refused(world, name):
    # given a member allowed to use a write, holding a CSRF cookie, and a token from elsewhere
    case = CASES[name]
    ctx = SimpleNamespace(side=world.acme)
    if case.setup:
        case.setup(ctx)
    if case.allowed:
        client = csrf_client(_member(world, case.allowed[0]))
        client.get(reverse("notifications:list"))
    else:  # a public write (an applicant's): a visitor of the tenant's site, holding its cookie
        client = _holding_a_csrf_cookie(csrf_client(None, host=world.acme.host))
    other = csrf_client(world.acme.manager)
    other.get(reverse("notifications:list"))
    path = reverse(name, args=case.args(ctx))
    forged = [
        ("a made-up token", {"csrfmiddlewaretoken": "x" * 64}, {}),
        ("a token of another session", {"csrfmiddlewaretoken": other.cookies["csrftoken"].value}, {}),
        ("a made-up header", {}, {"HTTP_X_CSRFTOKEN": "y" * 32}),
    ]
    for label, token, headers in forged:
        # when the write is posted with it
        response, writes = _forge(client, "post", path, {**case.data(ctx), **token}, **headers)
        # then it is refused and nothing happens
        _assert_csrf_refused(response, writes, f"POST {path} with {label}")
    if case.effect is not None:
        assert case.effect(ctx) is False


def test_the_apis_session_calls_need_the_token_and_its_keys_do_not(world):
    import json as json_module

    from ..api.support import api_client, issue_key

    # given the partner admin signed in (a session cookie), and a JSON post without a token
    client = _holding_a_csrf_cookie(csrf_client(world.acme.partner_admin))
    body = json_module.dumps({"url": "http://127.0.0.1:9/hooks"})
    response, writes = _forge(client, "post", "/api/v1/webhook-endpoints/", body, content_type="application/json")
    # then DRF's CSRF check refuses it
    _assert_api_csrf_refused(response, writes, "POST /api/v1/webhook-endpoints/ with the session")
    assert response.status_code == 403
    # while a key (no ambient credential) needs no token
    keyed = api_client(issue_key(world.acme.partner_admin), world.acme.tenant)
    assert keyed.post("/api/v1/webhook-endpoints/", body, content_type="application/json").status_code == 201


def test_htmx_requests_carry_the_token_from_the_page_and_are_let_through(world):
    # given a channel manager on a page: the layout puts the CSRF token in hx-headers
    client = csrf_client(world.acme.manager)
    page = client.get(reverse("notifications:list")).content.decode()
    token = re.search(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", page).group(1)
    # when htmx posts with that header, as it does for every request from the page
    response = client.post(reverse("notifications:mark_read"), HTTP_X_CSRFTOKEN=token, HTTP_HX_REQUEST="true")
    # then the request goes through
    assert response.status_code == 302


def test_a_post_from_another_tenants_site_is_refused_even_with_a_token(world):
    # given acme's manager, with a valid token, and a page on globex's host posting to acme
    # (sibling subdomains are "same site": SameSite=Lax cookies do travel between them)
    client = csrf_client(world.acme.manager)
    client.get(reverse("notifications:list"))
    token = client.cookies["csrftoken"].value
    path = reverse("office:staff_invite")
    data = {"email": "forged@acme.example", "role": "marketing", "csrfmiddlewaretoken": token}
    # when the browser sends it with globex's origin, over HTTPS
    forged, writes = _forge(
        client, "post", path, data, secure=True, HTTP_ORIGIN=f"https://{host_of(world.globex.tenant)}"
    )
    # then the origin check refuses it
    _assert_csrf_refused(forged, writes, "POST with another tenant's Origin")
    # while the same request from acme's own origin is accepted (the admin may invite staff)
    own = csrf_client(world.acme.admin)
    own.get(reverse("notifications:list"))
    data["csrfmiddlewaretoken"] = own.cookies["csrftoken"].value
    ok = own.post(path, data, secure=True, HTTP_ORIGIN=f"https://{world.acme.host}")
    assert ok.status_code == 302


def test_every_staff_role_is_refused_alike(world):
    # given each staff role on a write the admin may make
    path = reverse("office:staff_invite")
    for role in STAFF:
        client = csrf_client(_member(world, role))
        # when it is posted without a token
        response, writes = _forge(client, "post", path, {"email": f"x.{role}@acme.example", "role": "marketing"})
        # then the CSRF check answers before any permission check would
        _assert_csrf_refused(response, writes, f"staff invite as {role}")
