"""Stored text is escaped wherever it is shown: a payload typed into each form, then every page
that shows it, by every side that sees it; and the CSV export defuses spreadsheet formulas.

Each check is twofold: the payload's markup never appears verbatim, and its escaped form does
appear (so the page really showed it, and the check is not passing on an empty page).
"""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from partners.models import Partner
from prm.accounts.models import Invitation
from prm.accounts.roles import Role
from prm.tenancy.scope import platform_scope

from ..conftest import csv_rows, make_client
from ..factories import EnrollmentFactory, InvitationFactory, PartnerFactory, PartnerTypeFactory, TierFactory
from .support import XSS, assert_inert

pytestmark = pytest.mark.django_db

SHORT = '"><svg onload=alert(1)>'  # for fields of 20-40 characters
TINY = "<i onclick=alert(1)>"  # for the 20-character postal code
EMAIL = '"<script>alert(1)</script>"@evil.example'  # a valid address (a quoted local part)


def shows(response, *payloads):
    """The page is inert and shows each payload escaped."""
    assert response.status_code == 200, response.status_code
    assert_inert(response, *payloads)
    body = response.content.decode()
    for payload in payloads:
        assert html.escape(payload, quote=False) in body or html.escape(payload) in body, (
            f"{payload!r} is not shown on {response.request['PATH_INFO']}"
        )


def test_company_profile_typed_by_a_partner_admin(world):
    # given a partner admin who types markup into every text field of their company profile
    acme = world.acme
    portal = make_client(acme.partner_admin)
    values = {
        "display_name": XSS,
        "website": "https://p1.example/<script>alert(1)</script>",
        "phone": SHORT,
        "address_line": XSS,
        "city": XSS,
        "postal_code": TINY,
        "regions_served": ["EMEA"],  # the lists are picked, not typed (markup there: test_list_fields)
        "countries_served": ["DE"],
        "industries": ["Retail"],
        "size_band": "",
        "description": f"{XSS}\nsecond line",
    }
    # when it is saved
    saved = portal.post(reverse("portal:company_edit"), values)
    assert saved.status_code == 302
    # then the portal shows it escaped: profile, edit form, home page
    shows(portal.get(reverse("portal:company")), XSS, SHORT, TINY, "<script>alert(1)</script>")
    shows(portal.get(reverse("portal:company_edit")), XSS, SHORT)
    shows(portal.get(reverse("portal:home")), XSS)
    # and so does the back office: record, timeline (the before/after of each field), directory
    office = make_client(acme.manager)
    partner = acme.partner.pk
    shows(office.get(reverse("office:partner_detail", args=[partner])), XSS, SHORT, TINY)
    shows(office.get(reverse("office:partner_detail", args=[partner]), HTTP_HX_REQUEST="true"), XSS)
    shows(office.get(reverse("office:partner_timeline", args=[partner])), XSS)
    shows(office.get(reverse("office:partner_list")), XSS)
    shows(office.get(reverse("office:partner_list"), {"q": "script"}, HTTP_HX_REQUEST="true"), XSS)
    shows(office.get(reverse("office:dashboard")), XSS)  # "partners you manage"
    # and the manager's notification about the change
    shows(office.get(reverse("notifications:list")), XSS)


def test_a_script_url_is_no_website():
    # given the website field, which is shown as a link
    from partners.forms import PartnerProfileForm

    for url in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>"):
        form = PartnerProfileForm({"website": url}, editable_fields=("website",))
        # then only http(s) addresses are accepted
        assert not form.is_valid(), url


def test_partner_created_and_edited_by_staff(world):
    # given the vendor admin adding a partner with markup in its names and domains
    acme = world.acme
    office = make_client(acme.admin)
    created = office.post(
        reverse("office:partner_create"),
        {
            "legal_name": XSS,
            "display_name": XSS + " display",
            "partner_type": acme.partner_type.pk,
            "country": "DE",
            "email_domains": "<script>alert(1)</script>.example",
        },
    )
    assert created.status_code == 302
    with platform_scope():
        partner = Partner.objects.get(legal_name=XSS)
    # and a channel manager giving it a CRM id with markup
    edit = reverse("office:partner_edit", args=[partner.pk])
    form = make_client(acme.manager).get(edit).context["form"]
    values = {name: form[name].value() or ([] if isinstance(form[name].value(), list) else "") for name in form.fields}
    values.update(external_crm_id=SHORT, email_domains=", ".join(partner.email_domains))
    assert make_client(acme.manager).post(edit, values).status_code == 302
    # then the record, its edit form, the directory and the success message show it escaped
    shows(office.get(reverse("office:partner_detail", args=[partner.pk])), XSS, SHORT, "<script>alert(1)</script>")
    shows(office.get(edit), XSS, SHORT)
    shows(office.get(reverse("office:partner_list")), XSS)
    shows(office.get(reverse("office:partner_timeline", args=[partner.pk])), SHORT)
    flashed = make_client(acme.admin)
    flashed.post(
        reverse("office:partner_create"),
        {"legal_name": TINY, "partner_type": acme.partner_type.pk, "country": "FR"},
    )
    shows(flashed.get(reverse("office:partner_list")), TINY)  # "... was added as an applicant."


def test_contact_added_by_staff(world):
    # given a channel manager adding a contact with markup in every field
    acme = world.acme
    office = make_client(acme.manager)
    values = {"name": XSS, "email": EMAIL, "phone": SHORT, "role": "billing", "title": XSS}
    # when it is saved
    saved = office.post(reverse("office:contact_create", args=[acme.partner.pk]), values)
    assert saved.status_code == 302
    # then the people tab (with its "Remove ...?" confirmation), the timeline, the success
    # message and the partner's own profile show it escaped
    shows(office.get(reverse("office:partner_people", args=[acme.partner.pk])), XSS, SHORT, EMAIL)
    shows(office.get(reverse("office:partner_timeline", args=[acme.partner.pk])), XSS)
    shows(make_client(acme.partner_admin).get(reverse("portal:company")), XSS, EMAIL)
    # and a refused contact re-renders what was typed, escaped
    refused = office.post(reverse("office:contact_create", args=[acme.partner.pk]), {**values, "role": XSS})
    shows(refused, XSS)


def test_status_change_reason(world):
    # given the vendor admin suspending a partner with markup in the reason
    acme = world.acme
    office = make_client(acme.admin)
    response = office.post(
        reverse("office:partner_status", args=[acme.partner.pk]), {"to_status": "suspended", "reason": XSS}
    )
    assert response.status_code == 302
    # then the timeline and the channel manager's notification show it escaped
    shows(office.get(reverse("office:partner_timeline", args=[acme.partner.pk])), XSS)
    shows(make_client(acme.manager).get(reverse("notifications:list")), XSS)


@pytest.mark.parametrize(
    ("who", "invite", "listing"),
    [
        ("admin", "office:staff_invite", "office:staff"),
        ("manager", "office:partner_invite", "office:partner_people"),
        ("partner_admin", "portal:people_invite", "portal:people"),
    ],
)
def test_invitation_to_an_address_with_markup(world, who, invite, listing):
    # given someone inviting an address whose quoted local part is markup (Django accepts it)
    acme = world.acme
    member = {"admin": acme.admin, "manager": acme.manager, "partner_admin": acme.partner_admin}[who]
    client = make_client(member)
    args = [acme.partner.pk] if invite == "office:partner_invite" else []
    role = Role.MARKETING if invite == "office:staff_invite" else Role.SALES
    # when the invitation is sent
    response = client.post(reverse(invite, args=args), {"email": EMAIL, "role": role})
    assert response.status_code == 302
    with platform_scope():
        assert Invitation.objects.filter(email=EMAIL).exists()
    # then the pending invitations (and the "on its way" message) show it escaped
    shows(client.get(reverse(listing, args=args)), EMAIL)


def test_new_account_names(world):
    # given an invitee who puts markup in their name
    acme = world.acme
    invitation = InvitationFactory(partner=acme.partner, invited_by=acme.partner_admin)
    newcomer = make_client(None, host=acme.host)
    password = "a-Long-enough-passphrase-42"
    # when they create their account
    response = newcomer.post(
        reverse("invitation_accept", args=[invitation.token]),
        {"first_name": XSS, "last_name": SHORT, "password1": password, "password2": password},
    )
    assert response.status_code == 302
    # then their name is shown escaped: their own bar and home, the people lists, the inviter's
    # notification
    shows(newcomer.get(reverse("portal:home")), XSS)
    shows(make_client(acme.partner_admin).get(reverse("portal:people")), XSS, SHORT)
    shows(make_client(acme.manager).get(reverse("office:partner_people", args=[acme.partner.pk])), XSS)
    shows(make_client(acme.partner_admin).get(reverse("notifications:list")), XSS)


def test_portal_name_set_by_the_vendor_admin(world):
    # given the vendor admin naming the portal with markup
    acme = world.acme
    admin = make_client(acme.admin)
    values = {
        "name": XSS,
        "brand_color": "#1f4e8c",
        "default_currency": "EUR",
        "time_zone": "UTC",
        "default_language": "en",
    }
    # when it is saved
    assert admin.post(reverse("office:settings"), values).status_code == 302
    # then every page with the name in its title and bar shows it escaped, signed in or not
    shows(admin.get(reverse("office:dashboard")), XSS)
    shows(make_client(acme.partner_admin).get(reverse("portal:home")), XSS)
    shows(make_client(None, host=acme.host).get(reverse("account_login")), XSS)
    invitation = InvitationFactory(partner=acme.partner)
    shows(make_client(None, host=acme.host).get(reverse("invitation_accept", args=[invitation.token])), XSS)
    not_found = make_client(acme.manager).get("/no/such/page/")
    assert not_found.status_code == 404
    assert_inert(not_found, XSS)


def test_a_brand_colour_cannot_break_out_of_its_style_attribute(world):
    # given the vendor admin trying CSS and markup as the brand colour
    admin = make_client(world.acme.admin)
    for colour in ('red" onmouseover="alert(1)', "#000;background:url(//evil.example/x)", "#1f4e8c</style>"):
        values = {
            "name": "Acme",
            "brand_color": colour,
            "default_currency": "EUR",
            "time_zone": "UTC",
            "default_language": "en",
        }
        # when it is submitted
        response = admin.post(reverse("office:settings"), values)
        # then it is refused: the colour goes into a style attribute on every page
        assert response.status_code == 200
        assert "brand_color" in response.context["form"].errors
        assert_inert(response, colour)


# --- the CSV export ---------------------------------------------------------------------------

FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1", '=HYPERLINK("http://evil.example")']


def _rows(response) -> list[list[str]]:
    return csv_rows(response)


@pytest.mark.parametrize("formula", FORMULAS)
def test_no_exported_cell_starts_a_formula(world, formula):
    # given text that starts like a formula everywhere it can reach the export: the names a
    # partner admin and the vendor admin type, a staff member's name, a partner type and a tier
    # configured in the admin, the website and the CRM id
    acme = world.acme
    portal = make_client(acme.partner_admin)
    company = portal.get(reverse("portal:company_edit")).context["form"]
    values = {
        name: company[name].value() or ([] if isinstance(company[name].value(), list) else "")
        for name in company.fields
    }
    assert portal.post(reverse("portal:company_edit"), {**values, "display_name": formula}).status_code == 302
    with platform_scope():
        Partner.objects.filter(pk=acme.partner.pk).update(legal_name=formula, external_crm_id=formula)
        acme.manager.user.first_name = formula
        acme.manager.user.save()
    weird = PartnerTypeFactory(tenant=acme.tenant, name=formula, slug="formula")
    other = PartnerFactory(partner_type=weird, legal_name="Typed", display_name="Typed", account_manager=acme.manager)
    EnrollmentFactory(partner=other, tier=TierFactory(tenant=acme.tenant, name=formula, program__name=formula))
    # when staff export the directory
    rows = _rows(make_client(acme.manager).get(reverse("office:partner_export")))
    # then no cell starts with a character that makes spreadsheets run it
    header, *data = rows
    assert len(data) == 3
    starts = [(header[i], cell) for row in data for i, cell in enumerate(row) if cell.startswith(tuple("=+-@\t\r"))]
    assert starts == []
    # and the text survives, behind a quote
    assert any(cell == "'" + formula for row in data for cell in row)
