"""The REST API's isolation walk: every route of ``/api/v1/``, requested with every kind of key.

What each caller gets (cases in tests/api/walk.py):

* no key, or a key of another tenant on acme's host          -> 401 (public routes: 200)
* acme's admin's key without the route's scope               -> 403
* the key of a side the route is not for, or a role the guard refuses -> 403 or 404
* acme partner 2's key, or globex's key on its own host, naming acme partner 1's objects -> 404
* the side the route is for                                  -> the route's success

``test_every_api_route_has_a_case`` fails on a route without a case (or a case without a route).
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.urls import reverse

from prm.accounts.credentials import SCOPES

from ..test_isolation import _patterns
from .support import api_client, issue_key
from .walk import CASES, PARTNER, STAFF

CALLERS = ("staff", "partner", "other_partner", "other_tenant@host", "other_tenant@own_host", "anonymous", "no_scope")


def _route_names() -> set[str]:
    return {name for route, name in _patterns() if name and name.startswith("api:")}


def test_every_api_route_has_a_case():
    # given every route of the API and the walk's cases
    routes = _route_names()
    cased = {name.split(" ")[0] for name in CASES}
    # then each has the other
    assert sorted(routes - cased) == [], "routes without a case in tests/api/walk.py"
    assert sorted(cased - routes) == [], "cases without a route"


def _expected(case, caller: str) -> set[int]:
    if case.public:
        return {200}
    if caller in ("anonymous", "other_tenant@host"):
        return {401}
    if caller == "no_scope":
        return {403}
    if caller == "other_tenant@own_host" and (case.object_scoped or case.names_acme):
        return {404}
    if caller == "other_partner" and case.object_scoped:
        return {404}
    side = PARTNER if caller in ("partner", "other_partner") else STAFF
    return {case.status} if side in case.allowed else {403, 404}


def _key_for(caller: str, world, case) -> tuple[str | None, object]:
    acme, globex = world.acme, world.globex
    if caller == "staff":
        return issue_key(acme.admin), acme.tenant
    if caller == "partner":
        return issue_key(acme.partner_admin), acme.tenant
    if caller == "other_partner":
        return issue_key(acme.partner_admins[1]), acme.tenant
    if caller == "other_tenant@host":
        return issue_key(globex.admin), acme.tenant
    if caller == "other_tenant@own_host":
        return issue_key(globex.admin), globex.tenant
    if caller == "no_scope":
        other = next(s for s in SCOPES if s != case.scope and s != "accounts:write")
        return issue_key(acme.admin, scopes=[other]), acme.tenant
    return None, acme.tenant


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_api_access(name, caller, world):
    case = CASES[name]
    ctx = SimpleNamespace(side=world.acme, world=world)
    if case.setup:
        case.setup(ctx)
    secret, tenant = _key_for(caller, world, case)
    client = api_client(secret, tenant)
    url = reverse(name.split(" ")[0], args=case.args(ctx))
    method = case.method.lower()
    if method == "get":
        response = client.get(url)
    elif case.multipart:
        response = getattr(client, method)(url, case.data(ctx))
    else:
        body = json.dumps(case.data(ctx))
        response = getattr(client, method)(url, body, content_type="application/json")
    expected = _expected(case, caller)
    assert response.status_code in expected, (name, caller, response.status_code, response.content[:400])
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json", (name, caller)
