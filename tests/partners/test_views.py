"""Partner pages as people use them: the directory, its export, the record, the portal profile."""

from __future__ import annotations

import re

import pytest

from partners.models import Partner, PartnerStatus
from partners.permissions import PARTNERS_CREATE
from partners.services import partner_change_status
from prm.accounts.access import OFFICE
from prm.events.verbs import verb
from prm.tenancy.scope import platform_scope, tenant_scope

from ..conftest import csv_rows
from ..factories import EnrollmentFactory, PartnerFactory, PartnerTypeFactory, TierFactory

# A verb only these tests record (event_record refuses undeclared ones).
verb("partner.note", "Note")

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(world):
    """acme's two partners, plus Zeta (an onboarding MSP in France, Gold tier, managed by the admin)."""
    acme = world.acme
    msp = PartnerTypeFactory(tenant=acme.tenant, name="Managed service provider", slug="msp")
    zeta = PartnerFactory(
        partner_type=msp,
        legal_name="Zeta Networks SAS",
        display_name="Zeta Networks",
        country="FR",
        status=PartnerStatus.ONBOARDING,
        account_manager=acme.admin,
        email_domains=["zeta.example"],
        external_crm_id="CRM-77",
    )
    gold = TierFactory(tenant=acme.tenant, name="Gold", program__name="Resell")
    EnrollmentFactory(partner=zeta, tier=gold)
    return {"zeta": zeta, "msp": msp, "gold": gold}


def _names(response) -> list[str]:
    """Partner names in the directory's result rows, in order."""
    return re.findall(r'<td><a href="/office/partners/\d+/">([^<]+)</a>', response.content.decode())


# --- directory ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["Acme Partner 1", "Acme Partner 2", "Zeta Networks"]),
        ({"q": "zeta"}, ["Zeta Networks"]),
        ({"q": "Networks SAS"}, ["Zeta Networks"]),  # the legal name
        ({"q": "zeta.example"}, ["Zeta Networks"]),  # an e-mail domain
        ({"q": "crm-77"}, ["Zeta Networks"]),  # the CRM id, any case
        ({"q": "partner 2"}, ["Acme Partner 2"]),
        ({"q": "ZETA nETWORKS"}, ["Zeta Networks"]),  # any case
        ({"q": "%"}, []),  # LIKE's wildcards are plain characters in a search
        ({"q": "_"}, []),
        ({"q": "globex"}, []),  # another tenant's partners never match
        ({"type": "msp"}, ["Zeta Networks"]),
        ({"status": "onboarding"}, ["Zeta Networks"]),
        ({"status": "active"}, ["Acme Partner 1", "Acme Partner 2"]),
        ({"country": "fr"}, ["Zeta Networks"]),
        ({"status": "bogus", "country": "XYZ"}, ["Acme Partner 1", "Acme Partner 2", "Zeta Networks"]),
        ({"sort": "-name"}, ["Zeta Networks", "Acme Partner 2", "Acme Partner 1"]),
        ({"sort": "country"}, ["Acme Partner 1", "Acme Partner 2", "Zeta Networks"]),
        ({"sort": "status"}, ["Acme Partner 1", "Acme Partner 2", "Zeta Networks"]),
        ({"type": "msp", "status": "active"}, []),
    ],
    ids=lambda v: str(v) if isinstance(v, dict) else None,
)
def test_directory_search_filters_and_sort(world, directory, client_for, query, expected):
    response = client_for(world.acme.manager).get("/office/partners/", query)
    assert response.status_code == 200
    assert _names(response) == expected
    count = len(expected)
    assert f"{count} partner{'s' if count != 1 else ''}" in response.content.decode()


def test_directory_filters_by_tier_and_manager(world, directory, client_for):
    client = client_for(world.acme.manager)
    assert _names(client.get("/office/partners/", {"tier": directory["gold"].pk})) == ["Zeta Networks"]
    assert _names(client.get("/office/partners/", {"manager": world.acme.admin.pk})) == ["Zeta Networks"]
    assert _names(client.get("/office/partners/", {"manager": world.acme.manager.pk})) == [
        "Acme Partner 1",
        "Acme Partner 2",
    ]
    # another tenant's tier or manager is not a valid choice: the filter is dropped, not applied
    other_tier = TierFactory(tenant=world.globex.tenant)
    assert len(_names(client.get("/office/partners/", {"tier": other_tier.pk}))) == 3
    assert len(_names(client.get("/office/partners/", {"manager": world.globex.manager.pk}))) == 3


def test_directory_filter_choices_come_from_the_tenant(world, directory, client_for):
    page = client_for(world.acme.manager).get("/office/partners/").content.decode()
    assert "Managed service provider" in page and "Resell Gold" in page and "cam@acme.example" not in page
    assert str(world.globex.manager.user) not in page


def test_directory_paginates_by_25_and_keeps_the_filters(world, client_for):
    acme = world.acme
    for n in range(30):
        PartnerFactory(partner_type=acme.partner_type, display_name=f"Bulk {n:02d}", country="NL")
    client = client_for(acme.manager)
    first = client.get("/office/partners/", {"country": "NL"})
    assert _names(first) == [f"Bulk {n:02d}" for n in range(25)]
    assert "Page 1 of 2" in first.content.decode()
    assert 'href="?country=NL&amp;page=2"' in first.content.decode()
    second = client.get("/office/partners/", {"country": "NL", "page": 2})
    assert _names(second) == [f"Bulk {n:02d}" for n in range(25, 30)]
    # a page number out of range, or not a number, gives the nearest page instead of an error
    assert _names(client.get("/office/partners/", {"country": "NL", "page": 99})) == _names(second)
    assert _names(client.get("/office/partners/", {"country": "NL", "page": "x"})) == _names(first)


def test_htmx_request_gets_only_the_results(world, directory, client_for):
    response = client_for(world.acme.manager).get("/office/partners/", {"q": "zeta"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="results">')
    assert "<html" not in body and 'role="search"' not in body
    assert _names(response) == ["Zeta Networks"]


# --- export -------------------------------------------------------------------------------------


def _csv(response) -> list[dict]:
    header, *rows = csv_rows(response)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_export_is_the_filtered_directory_as_csv(world, directory, client_for):
    response = client_for(world.acme.marketing).get("/office/partners/export.csv", {"status": "onboarding"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert re.fullmatch(r'attachment; filename="partners-\d{8}-\d{4}\.csv"', response["Content-Disposition"])
    [row] = _csv(response)
    assert row["display_name"] == "Zeta Networks"
    assert row["legal_name"] == "Zeta Networks SAS"
    assert row["partner_type"] == "Managed service provider"
    assert row["status"] == "Onboarding"
    assert row["tiers"] == "Resell Gold"
    assert row["country"] == "FR"
    assert row["external_crm_id"] == "CRM-77"
    assert row["id"] == str(directory["zeta"].pk)


def test_export_holds_only_the_tenants_partners(world, directory, client_for):
    rows = _csv(client_for(world.acme.manager).get("/office/partners/export.csv"))
    assert sorted(r["display_name"] for r in rows) == ["Acme Partner 1", "Acme Partner 2", "Zeta Networks"]


@pytest.mark.parametrize("payload", ['=HYPERLINK("http://evil.example")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"])
def test_export_defuses_spreadsheet_formulas(world, client_for, payload):
    # given a partner admin who typed a formula into the company's display name and website fields
    acme = world.acme
    with platform_scope():
        Partner.objects.filter(pk=acme.partner.pk).update(display_name=payload, legal_name=payload, website=payload)
    # when staff export the directory
    rows = _csv(client_for(acme.manager).get("/office/partners/export.csv"))
    # then the cells start with a quote, so spreadsheets show text instead of running it
    [row] = [r for r in rows if r["id"] == str(acme.partner.pk)]
    for column in ("display_name", "legal_name", "website"):
        assert row[column] == "'" + payload


# --- the record ---------------------------------------------------------------------------------


def test_partner_record_tabs(world, client_for):
    acme = world.acme
    with tenant_scope(acme.tenant):
        partner_change_status(actor=acme.manager, partner=acme.partner, to_status="suspended", reason="Overdue")
    client = client_for(acme.manager)
    base = f"/office/partners/{acme.partner.pk}/"
    profile = client.get(base).content.decode()
    assert "Acme Partner 1 Ltd" in profile and "Suspended" in profile
    assert 'name="to_status"' in profile  # the manager may change the status
    people = client.get(base + "people/").content.decode()
    assert acme.partner_admin.user.email in people and acme.sales_rep.user.email in people
    assert acme.partner_admins[1].user.email not in people
    assert "Deactivated" in people  # suspension took their access
    timeline = client.get(base + "timeline/").content.decode()
    assert "Status changed" in timeline and "active → suspended" in timeline and "Overdue" in timeline
    # htmx asks for one tab: it gets that tab's content only
    partial = client.get(base + "timeline/", HTTP_HX_REQUEST="true").content.decode()
    assert "Overdue" in partial and "<html" not in partial and "nav-tabs" not in partial
    assert client.get(base + "nope/").status_code == 404


def test_marketing_sees_the_record_without_the_controls_it_may_not_use(world, client_for):
    acme = world.acme
    client = client_for(acme.marketing)
    profile = client.get(f"/office/partners/{acme.partner.pk}/").content.decode()
    assert "Acme Partner 1 Ltd" in profile
    assert 'name="to_status"' not in profile
    assert "Edit record" not in profile


def test_marketing_sees_no_deactivate_buttons_on_the_people_tab(world, client_for):
    page = client_for(world.acme.marketing).get(f"/office/partners/{world.acme.partner.pk}/people/").content.decode()
    assert "Deactivate" not in page
    # and a channel manager, who may give the partner's users access and take it away, does
    page = client_for(world.acme.manager).get(f"/office/partners/{world.acme.partner.pk}/people/").content.decode()
    assert f'action="/office/people/{world.acme.partner_admin.pk}/deactivate/"' in page


def test_office_edit_form_shows_per_field_errors_and_keeps_what_was_typed(world, client_for):
    acme = world.acme
    response = client_for(acme.manager).post(
        f"/office/partners/{acme.partner.pk}/edit/",
        {
            "legal_name": "Acme Partner 1 Ltd",
            "display_name": "Renamed",
            "partner_type": acme.partner_type.pk,
            "country": "XYZ",
            "website": "not a url",
            "account_manager": world.globex.manager.pk,  # another tenant's person
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert _error(page, "country") and _error(page, "website") and _error(page, "account_manager")
    assert 'value="Renamed"' in page and 'value="XYZ"' in page and 'value="not a url"' in page
    with tenant_scope(acme.tenant):
        assert Partner.objects.get(pk=acme.partner.pk).display_name == "Acme Partner 1"


def _error(page: str, field: str) -> str | None:
    match = re.search(rf'<div id="id_{field}_errors" class="invalid-feedback d-block">([^<]+)</div>', page)
    return match and match.group(1).strip()


def test_partner_create_refuses_another_tenants_partner_type(world, client_for):
    client = client_for(world.acme.admin)
    response = client.post(
        "/office/partners/new/",
        {
            "legal_name": "Intruder Ltd",
            "display_name": "Intruder",
            "partner_type": world.globex.partner_type.pk,
            "country": "DE",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in _error(response.content.decode(), "partner_type")
    ok = client.post(
        "/office/partners/new/",
        {
            "legal_name": "Newco Ltd",
            "display_name": "Newco",
            "partner_type": world.acme.partner_type.pk,
            "country": "DE",
        },
    )
    with tenant_scope(world.acme.tenant):
        created = Partner.objects.get(legal_name="Newco Ltd")
        assert (created.country, created.status) == ("DE", PartnerStatus.APPLICANT)
        assert not Partner.objects.filter(legal_name="Intruder Ltd").exists()
    assert ok["Location"] == f"/office/partners/{created.pk}/"


# --- the portal's company profile ----------------------------------------------------------


def _no_account_manager(side):
    with platform_scope():
        Partner.objects.filter(pk=side.partner.pk).update(account_manager=None)


def test_the_company_profile_offers_editing_to_whom_the_partner_table_lets_edit(world, client_for):
    # the partner admin may edit its company (partner_may: EDIT), a sales rep only reads it
    edit = '<a class="btn btn-outline-primary btn-sm" href="/portal/company/edit/">Edit profile</a>'
    assert edit in client_for(world.acme.partner_admin).get("/portal/company/").content.decode()
    assert edit not in client_for(world.acme.sales_rep).get("/portal/company/").content.decode()


def test_company_edit_form_offers_only_partner_fields(world, client_for):
    page = client_for(world.acme.partner_admin).get("/portal/company/edit/").content.decode()
    for field in ("display_name", "website", "phone", "countries_served", "description"):
        assert f'name="{field}"' in page
    for field in ("legal_name", "country", "account_manager", "external_crm_id", "partner_type", "email_domains"):
        assert f'name="{field}"' not in page
    assert "Acme Partner 1 Ltd" in page  # shown read-only as the vendor's


def test_company_edit_rerenders_with_typed_input_and_per_field_errors(world, client_for):
    acme = world.acme
    response = client_for(acme.partner_admin).post(
        "/portal/company/edit/",
        {"display_name": "Acme One", "website": "not a url", "countries_served": ["DE", "XYZ"], "phone": "+49 1"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert _error(page, "website") == "Enter a valid URL."
    assert _error(page, "countries_served") == "XYZ is not one of the choices. Pick from the list."
    assert _error(page, "display_name") is None
    assert 'value="not a url"' in page and 'value="Acme One"' in page
    assert '<option value="DE" selected>Germany</option>' in page
    assert '<option value="XYZ" selected>XYZ (not in the list)</option>' in page
    assert 'aria-invalid="true"' in page
    with tenant_scope(acme.tenant):
        partner = Partner.objects.get(pk=acme.partner.pk)
        assert (partner.display_name, partner.phone) == ("Acme Partner 1", "")


def test_company_edit_shows_in_the_timeline(world, client_for):
    # given a partner without an account manager (see the xfail below for one with)
    acme = world.acme
    _no_account_manager(acme)
    client = client_for(acme.partner_admin)
    # when its admin renames the company and lists its industries
    response = client.post(
        "/portal/company/edit/",
        {"display_name": "Acme One", "website": "https://one.example", "industries": ["Healthcare", "Retail"]},
    )
    # then the profile shows the new values and the timeline the change, by whom
    assert response.status_code == 302 and response["Location"] == "/portal/company/"
    page = client.get("/portal/company/").content.decode()
    assert '<h1 class="h3 mb-0">Acme One</h1>' in page
    assert "Healthcare, Retail" in page
    assert "Profile updated" in page
    assert "<code>display_name</code>: Acme Partner 1 → Acme One" in page
    assert str(acme.partner_admin.user) in page
    # and the vendor sees the same event on the record's timeline
    office = client_for(acme.manager).get(f"/office/partners/{acme.partner.pk}/timeline/").content.decode()
    assert "Acme Partner 1 → Acme One" in office


def test_company_edit_of_a_managed_partner_is_saved_and_tells_the_manager(world, client_for):
    acme = world.acme
    response = client_for(acme.partner_admin).post("/portal/company/edit/", {"display_name": "Acme One"})
    assert response.status_code == 302
    bell = client_for(acme.manager).get("/notifications/").content.decode()
    assert "Acme One: company profile updated" in bell


def test_vendor_fields_posted_by_a_partner_admin_are_ignored(world, client_for):
    acme = world.acme
    _no_account_manager(acme)
    response = client_for(acme.partner_admin).post(
        "/portal/company/edit/",
        {
            "display_name": "Acme One",
            "legal_name": "Hijacked Ltd",
            "country": "US",
            "account_manager": acme.admin.pk,
            "external_crm_id": "X-1",
            "status": "active",
            "partner_type": PartnerTypeFactory(tenant=acme.tenant).pk,
            "email_domains": "evil.example",
            "custom_attributes": '{"vip": true}',
        },
    )
    assert response.status_code == 302
    with tenant_scope(acme.tenant):
        partner = Partner.objects.get(pk=acme.partner.pk)
    assert partner.display_name == "Acme One"
    assert (partner.legal_name, partner.country, partner.account_manager_id) == ("Acme Partner 1 Ltd", "DE", None)
    assert (partner.external_crm_id, partner.partner_type_id, partner.email_domains) == ("", acme.partner_type.pk, [])
    assert partner.custom_attributes == {}


def test_company_profile_timeline_hides_vendor_internal_events(world, client_for):
    acme = world.acme
    from prm.events.services import event_record

    with tenant_scope(acme.tenant):
        event_record(
            actor=acme.manager, target=acme.partner, verb="partner.note", message="Internal: churn risk", internal=True
        )
        event_record(actor=acme.manager, target=acme.partner, verb="partner.note", message="Welcome aboard")
    page = client_for(acme.partner_admin).get("/portal/company/").content.decode()
    assert "Welcome aboard" in page and "churn risk" not in page
    office = client_for(acme.manager).get(f"/office/partners/{acme.partner.pk}/timeline/").content.decode()
    assert "churn risk" in office


def test_office_dashboard_counts_the_tenants_partners_and_lists_the_managers_own(world, directory, client_for):
    page = client_for(world.acme.manager).get("/office/").content.decode()
    counts = {
        status: int(n)
        for n, status in re.findall(r'<div class="fs-3">(\d+)</div><a href="/office/partners/\?status=(\w+)"', page)
    }
    assert counts == {"applicant": 0, "onboarding": 1, "active": 2, "suspended": 0}  # globex's are not counted
    mine = re.findall(r'<a href="/office/partners/\d+/">([^<]+)</a>', page)
    assert mine == ["Acme Partner 1", "Acme Partner 2"]  # Zeta is the admin's


@pytest.fixture
def office_card():
    """A card declared for the office's home, as an app's ready() would, taken away afterwards."""
    from prm.web import home

    declared = home.home_card(
        area=OFFICE,
        template="partners/portal_home.html#notifications",
        context=lambda *, request, actor: {"recent": []},
        capability=PARTNERS_CREATE,
    )
    yield declared
    home.HOME_CARDS.remove(declared)


def test_the_office_dashboard_shows_the_cards_declared_for_the_office(world, office_card, client_for):
    # given a card declared for the office, for those who add partners
    # when the vendor admin opens the dashboard
    page = client_for(world.acme.admin).get("/office/").content.decode()
    # then the card follows the dashboard's own content
    assert "Latest notifications" in page
    assert page.index("Partners you manage") < page.index("Latest notifications")
    # and a channel manager, who does not add partners, does not get it
    assert "Latest notifications" not in client_for(world.acme.manager).get("/office/").content.decode()
