"""The isolation matrix: every URL of the project, requested by every kind of visitor.

For tenant A (acme) and its partner 1, each URL is requested by

* ``anonymous``             nobody signed in, on acme's host          -> sign-in page
* ``anonymous@platform``    nobody signed in, on the bare domain      -> 404 (no portal there)
* ``admin`` / ``manager`` / ``marketing``   acme's vendor staff
* ``partner_admin`` / ``sales``             users of acme partner 1
* ``other_partner_admin``   the admin of acme partner 2               -> 404 for partner 1's objects
* ``other_tenant@own_host`` globex's member, on globex's host, naming acme's object ids -> 404
* ``other_tenant@host``     globex's member on acme's host            -> 404

A member in the right area who lacks the capability gets a 403; a member in the wrong area
(a partner user in the back office, staff in the portal) a 404. Every write is checked for its
effect: done when allowed, not done otherwise.

The cases are the apps' own: each ``tests/<app>/isolation.py`` declares those of its URLs
(see tests/isolation.py), and ``collect()`` gathers them. ``test_every_url_has_a_case`` fails
when a URL pattern has no case there (nor an exemption with a reason here), or a case no URL.
"""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from partners.models import PartnerContact
from prm.accounts.roles import Role
from prm.tenancy.scope import platform_scope

from .conftest import PLATFORM_HOST, body, make_client
from .factories import ContactFactory
from .isolation import LOGIN, OFFICE, OK, PARTNER_USERS, PORTAL, PUBLIC, STAFF, Case, collect, merge

CASES = collect()

# Patterns without a case, each with the reason.
EXEMPT_PREFIXES = {
    "accounts/": "allauth's own pages (sign-in, sign-out, password, two-factor): they show no tenant "
    "data, and RequireMfaMiddleware keeps them open on purpose; sign-in is covered by the LOGIN "
    "expectations of the walk.",
    "admin/": "the Django admin: covered by the admin tests below (tenant A's admin sees only "
    "tenant A's rows; nobody else gets in).",
    "api/v1/": "the REST API: its own walk (tests/api/test_api_isolation.py) requests every route with "
    "every kind of key (staff, partner, other partner, other tenant, no key, no scope).",
}
EXEMPT_NAMES: dict[str, str] = {
    "portal_open": "platform-host only (404 on tenant hosts): tests/accounts/test_handoff.py covers who may open "
    "which portal",
    "portal_handoff": "a signed single-use ticket, not a member page: tests/accounts/test_handoff.py covers forged, "
    "reused, other-tenant and deactivated cases",
}


def _patterns(resolver=None, prefix="", namespace=None):
    """(route, full name) of every URL pattern, recursively, with namespaces."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _patterns(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield prefix + str(pattern.pattern), name


def _exemption(route: str, name: str | None) -> str | None:
    for prefix, reason in EXEMPT_PREFIXES.items():
        if route.startswith(prefix):
            return reason
    return EXEMPT_NAMES.get(name or route)


def test_every_url_has_a_case():
    # given every pattern the project serves
    patterns = list(_patterns())
    # when we look each one up in the matrix
    missing = sorted(
        name or route for route, name in patterns if (name or route) not in CASES and not _exemption(route, name)
    )
    # then none is left without a case or a reasoned exemption, and no case is stale
    assert missing == [], f"URL patterns without an isolation case: {missing}"
    names = {name for _, name in patterns}
    assert set(CASES) <= names, f"cases for URLs that no longer exist: {sorted(set(CASES) - names)}"


def test_a_url_declared_by_two_apps_is_refused():
    # given two apps' isolation modules that both declare a case for the same URL
    first = SimpleNamespace(__name__="tests.first.isolation", CASES={"healthz": Case(area=PUBLIC)})
    second = SimpleNamespace(
        __name__="tests.second.isolation", CASES={"home": Case(area=PUBLIC), "healthz": Case(area=PUBLIC)}
    )
    # when their cases are collected
    # then the second one is refused, naming the URL
    with pytest.raises(ValueError, match=r"tests.second.isolation .* \['healthz'\]"):
        merge([first, second])


# --- the matrix ---------------------------------------------------------------------------------


def _roles_for(case: Case) -> list[str]:
    roles = ["anonymous", "anonymous@platform"]
    if case.area == PUBLIC:
        return [*roles, *(r for r in case.expect if r not in roles)]
    roles += [*STAFF, *PARTNER_USERS, "other_tenant@host"]
    if case.object_scoped:
        roles.append("other_tenant@own_host")
        if case.area in (PORTAL, OFFICE):
            roles.append("other_partner_admin")
    return roles


def _expected(case: Case, role: str):
    if role in case.expect:
        return case.expect[role]
    if role == "anonymous":
        return LOGIN
    if role in ("anonymous@platform", "other_tenant@host", "other_tenant@own_host", "other_partner_admin"):
        return 404
    if role in case.allowed:
        return OK
    if role in case.refused:
        return case.refused[role]
    # the wrong area: partner users in the back office, staff in the portal
    return 404


def _matrix():
    for name, case in CASES.items():
        for role in _roles_for(case):
            marks = []
            if role in case.xfail:
                marks.append(pytest.mark.xfail(strict=True, reason=case.xfail[role]))
            yield pytest.param(name, role, id=f"{name}-{role}", marks=marks)


def _client(role: str, world, case: Case):
    acme, globex = world.acme, world.globex
    if role == "anonymous":
        return make_client(None, host=acme.host)
    if role == "anonymous@platform":
        return make_client(None, host=PLATFORM_HOST)
    if role.startswith("other_tenant"):
        # globex's member of the matching kind, on acme's host; on globex's own host, for a
        # public page, an anonymous visitor holding acme's link
        member = globex.partner_admin if case.area == PORTAL else globex.admin
        host = acme.host
        if role == "other_tenant@own_host":
            host = globex.host
            member = None if case.area == PUBLIC else member
        return make_client(member, host=host)
    member = {
        "admin": acme.admin,
        "manager": acme.manager,
        "marketing": acme.marketing,
        "partner_admin": acme.partner_admin,
        "sales": acme.sales_rep,
        "other_partner_admin": acme.partner_admins[1],
    }[role]
    return make_client(member, host=acme.host)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), list(_matrix()))
def test_access(name, role, world):
    # given tenant A (acme), the objects this URL names, and a visitor in the given role
    case = CASES[name]
    ctx = SimpleNamespace(side=world.acme)
    if case.setup:
        case.setup(ctx)
    client = _client(role, world, case)
    path = reverse(name, args=case.args(ctx))

    # when the visitor requests the URL
    response = getattr(client, case.method)(path, case.data(ctx))

    # then the answer is the one the role deserves, and a write happened only when allowed
    expected = _expected(case, role)
    status = response.status_code
    if expected == OK:
        assert status == case.success_status, f"{role} should be let in to {path}"
        if case.contains and case.method == "get":
            assert case.contains(ctx) in body(response)
    elif expected == LOGIN:
        assert status == 302
        location = urlsplit(response["Location"])
        assert location.path == "/accounts/login/"
        if path != "/":  # the start page sends you to sign in plainly; others bring you back
            assert parse_qs(location.query)["next"] == [path]
    elif isinstance(expected, tuple):
        assert status == 302
        assert response["Location"] == expected[1]
    else:
        assert status == expected, f"{role} got {status} for {path}, expected {expected}"
        if expected == 200 and case.contains and role != "anonymous@platform":
            assert case.contains(ctx) in body(response)
    if case.effect is not None:
        assert case.effect(ctx) is (expected == OK)


# --- the Django admin -------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_changelist_shows_a_vendor_admin_only_their_tenants_partners(world, client_for):
    # given acme's vendor admin, signed in on acme's host
    client = client_for(world.acme.admin)
    # when they open the partner list of the Django admin
    response = client.get("/admin/partners/partner/")
    # then they see acme's partners and none of globex's
    assert response.status_code == 200
    page = response.content.decode()
    for partner in world.acme.partners:
        assert partner.display_name in page
    for partner in world.globex.partners:
        assert partner.display_name not in page
    assert response.context["cl"].result_count == 2


@pytest.mark.django_db
def test_admin_change_page_of_another_tenants_partner_is_not_shown(world, client_for):
    # given acme's vendor admin and a globex partner's id
    client = client_for(world.acme.admin)
    other = world.globex.partner
    # when they open its change page on acme's host
    response = client.get(f"/admin/partners/partner/{other.pk}/change/")
    # then the admin says it does not exist (redirect to the index), showing nothing of it
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert other.display_name not in client.get("/admin/").content.decode()


@pytest.mark.django_db
def test_admin_hides_platform_models_from_vendor_admins(world, client_for):
    # given acme's vendor admin
    client = client_for(world.acme.admin)
    # when they open the admin index
    page = client.get("/admin/").content.decode()
    # then tenant configuration is there, platform-wide tenants and users are not
    assert "/admin/partners/partner/" in page
    assert "/admin/tenancy/tenant/" not in page
    assert "/admin/accounts/user/" not in page
    assert client.get("/admin/tenancy/tenant/").status_code in (302, 403)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "manager", "partner_admin", "globex_admin"])
def test_admin_is_closed_to_everyone_but_the_tenants_vendor_admins(world, who):
    # given someone who is not acme's vendor admin, on acme's host
    member = {
        "anonymous": None,
        "manager": world.acme.manager,
        "partner_admin": world.acme.partner_admin,
        "globex_admin": world.globex.admin,
    }[who]
    client = make_client(member, host=world.acme.host)
    # when they open the partner list of the admin
    response = client.get("/admin/partners/partner/")
    # then a visitor is sent to sign in, anyone signed in is refused, and no partner is listed
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    else:
        assert response.status_code == 403
    assert world.acme.partner.display_name not in response.content.decode()


@pytest.mark.django_db
def test_vendor_admin_without_second_factor_is_sent_to_set_one_up(world, client_for):
    # given a vendor admin with no authenticator app
    from .factories import StaffMembershipFactory

    admin = StaffMembershipFactory(tenant=world.acme.tenant, role=Role.ADMIN)
    # when they open the back office
    response = client_for(admin).get("/office/partners/")
    # then they are sent to enrol a second factor first
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_suspended_partners_users_lose_the_portal(world, client_for):
    # given acme partner 1's users, then the partner is suspended (its memberships deactivated)
    from partners.services import partner_change_status
    from prm.tenancy.scope import tenant_scope

    with tenant_scope(world.acme.tenant):
        partner_change_status(
            actor=world.acme.manager, partner=world.acme.partner, to_status="suspended", reason="Audit"
        )
    client = client_for(world.acme.partner_admin)
    # when the partner admin comes back
    portal = client.get("/portal/")
    home = client.get("/")
    # then the portal is shut and the start page says why
    assert portal.status_code == 404
    assert home.status_code == 403
    assert "has been deactivated" in home.content.decode()


@pytest.mark.django_db
def test_contact_of_one_partner_cannot_be_deleted_through_another(world, client_for):
    # given a contact of acme partner 1
    contact = ContactFactory(partner=world.acme.partner)
    # when the manager posts its id under partner 2's URL
    response = client_for(world.acme.manager).post(
        reverse("office:contact_delete", args=[world.acme.partners[1].pk, contact.pk])
    )
    # then nothing is found and the contact stays
    assert response.status_code == 404
    with platform_scope():
        assert PartnerContact.objects.filter(pk=contact.pk).exists()


# --- hosts and people with several portals --------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("nope.localhost", 404),  # no such tenant
        ("a.acme.localhost", 404),  # slugs have no dots
        ("globex.localhost", 404),  # switched off, below
        ("acme.localhost.evil.example", 400),  # not our domain at all (ALLOWED_HOSTS)
    ],
)
def test_unknown_or_inactive_tenant_hosts_are_not_found(world, host, status):
    # given globex switched off
    from prm.tenancy.models import Tenant

    with platform_scope():
        Tenant.objects.filter(pk=world.globex.tenant.pk).update(is_active=False)
    # when anyone, even a member, asks a host that is no active tenant's
    response = make_client(world.globex.manager, host=host).get("/office/partners/")
    # then there is no portal there
    assert response.status_code == status
    assert "Partner 1" not in response.content.decode()


@pytest.mark.django_db
def test_the_host_is_case_and_port_insensitive(world):
    response = make_client(world.acme.manager, host="ACME.localhost:8000").get("/office/partners/")
    assert response.status_code == 200
    assert "Acme Partner 1" in response.content.decode()


@pytest.mark.django_db
def test_one_person_in_two_tenants_gets_each_tenants_own_front_door(world):
    # given a person who is a partner user at acme and a channel manager at globex
    from .factories import StaffMembershipFactory

    person = world.acme.sales_rep
    StaffMembershipFactory(tenant=world.globex.tenant, user=person.user, role=Role.CHANNEL_MANAGER)
    # when they go to each portal
    at_acme = make_client(person, host=world.acme.host)
    at_globex = make_client(person, host=world.globex.host)
    # then acme is the partner portal of their company, globex the back office, and neither leaks
    assert at_acme.get("/")["Location"] == "/portal/"
    assert at_acme.get("/office/partners/").status_code == 404
    assert at_globex.get("/")["Location"] == "/office/"
    directory = at_globex.get("/office/partners/").content.decode()
    assert "Globex Partner 1" in directory and "Acme Partner" not in directory
    assert at_globex.get(f"/office/partners/{world.acme.partner.pk}/").status_code == 404
    # and the platform page lists both portals, with their addresses
    platform = make_client(person, host=PLATFORM_HOST).get("/").content.decode()
    assert "acme.localhost" in platform and "globex.localhost" in platform
