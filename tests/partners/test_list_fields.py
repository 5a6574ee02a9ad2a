"""Industries, regions served and countries served on the partner forms (the back office's record
form and the portal's company profile): picked from the fixed lists, never typed."""

from __future__ import annotations

import re

import pytest

from partners.models import Partner
from prm.tenancy.scope import platform_scope, tenant_scope

pytestmark = pytest.mark.django_db


def _record_form(acme) -> dict:
    """What the back office's form posts for acme's first partner when nothing is changed."""
    return {
        "legal_name": acme.partner.legal_name,
        "display_name": acme.partner.display_name,
        "partner_type": acme.partner_type.pk,
        "country": "DE",
    }


def _error(page: str, field: str) -> str | None:
    match = re.search(rf'<div id="id_{field}_errors" class="invalid-feedback d-block">([^<]+)</div>', page)
    return match and match.group(1).strip()


def _ticked(page: str, field: str) -> list[str]:
    """The values of ``field`` a browser would send back: ticked boxes and selected options."""
    boxes = re.findall(rf'<input type="checkbox" name="{field}" value="([^"]*)"[^>]*\bchecked\b', page)
    select = re.search(rf'<select name="{field}".*?</select>', page, re.S)
    options = re.findall(r'<option value="([^"]*)" selected>', select.group(0)) if select else []
    return boxes + options


def _stored(acme) -> Partner:
    with tenant_scope(acme.tenant):
        return Partner.objects.get(pk=acme.partner.pk)


def test_the_record_form_offers_the_lists_instead_of_text_boxes(world, client_for):
    # given a channel manager on a partner's edit form
    acme = world.acme
    page = client_for(acme.manager).get(f"/office/partners/{acme.partner.pk}/edit/").content.decode()
    # then industries and regions are ticks with their names, countries a list box of names
    assert re.search(
        r'<input type="checkbox" name="industries" value="Healthcare"[^>]*>\s*<label[^>]*>Healthcare<', page
    )
    assert re.search(r'name="regions_served" value="EMEA"[^>]*>\s*<label[^>]*>Europe, Middle East and Africa<', page)
    assert re.search(r'<select name="countries_served"[^>]*multiple', page)
    assert '<option value="AT">Austria</option>' in page
    # and no list is a text box any more
    for field in ("industries", "regions_served", "countries_served"):
        assert not re.search(rf'<input type="text" name="{field}"', page)
    # and each group of ticks is named for assistive technology (the label cannot point at it)
    assert 'role="group" aria-label="Industries"' in page


def test_staff_pick_from_the_lists_and_the_record_shows_the_names(world, client_for):
    # given a channel manager
    acme = world.acme
    client = client_for(acme.manager)
    # when they tick industries and regions and choose countries, in the order the form lists them
    response = client.post(
        f"/office/partners/{acme.partner.pk}/edit/",
        {
            **_record_form(acme),
            "industries": ["Healthcare", "Manufacturing"],
            "regions_served": ["EMEA"],
            "countries_served": ["AT", "DE"],
        },
    )
    # then the record keeps the lists' values
    assert response.status_code == 302
    partner = _stored(acme)
    assert (partner.industries, partner.regions_served, partner.countries_served) == (
        ["Healthcare", "Manufacturing"],
        ["EMEA"],
        ["AT", "DE"],
    )
    # and shows them by name
    page = client.get(f"/office/partners/{acme.partner.pk}/").content.decode()
    assert "Healthcare, Manufacturing" in page
    assert "Europe, Middle East and Africa" in page
    assert "Austria, Germany" in page
    # and the form opens with them ticked
    form = client.get(f"/office/partners/{acme.partner.pk}/edit/").content.decode()
    assert _ticked(form, "industries") == ["Healthcare", "Manufacturing"]
    assert _ticked(form, "regions_served") == ["EMEA"]
    assert _ticked(form, "countries_served") == ["AT", "DE"]
    # and names what is chosen under the long list of countries, which shows only a few at once
    assert re.search(r'data-chosen-for="id_countries_served"[^>]*>Chosen: <span[^>]*>Austria, Germany</span>', form)


@pytest.mark.parametrize(
    ("field", "ticked", "forged"),
    [
        ("industries", "Retail", "Basket weaving"),
        ("regions_served", "APAC", "Mars"),
        ("countries_served", "FR", "XX"),
        ("countries_served", "FR", "de"),  # a code in the wrong case is not the list's value
        ("countries_served", "FR", "<b>DE</b>"),
    ],
)
def test_a_value_outside_the_list_is_refused_on_its_field_and_kept_in_view(world, client_for, field, ticked, forged):
    # given a channel manager whose browser posts a value the list does not hold
    acme = world.acme
    response = client_for(acme.manager).post(
        f"/office/partners/{acme.partner.pk}/edit/",
        {**_record_form(acme), "display_name": "Renamed", field: [ticked, forged]},
    )
    # then the form comes back with a message on that field naming the value
    page = response.content.decode()
    assert response.status_code == 200
    message = _error(page, field)
    assert message is not None and "is not one of the choices. Pick from the list." in message
    # and what was posted is still there, marked, next to what was ticked (escaped, never markup)
    assert _ticked(page, field) == [ticked, forged.replace("<", "&lt;").replace(">", "&gt;")]
    assert "(not in the list)" in page and "<b>DE</b>" not in page
    # and nothing was saved
    assert _stored(acme).display_name == "Acme Partner 1"


def test_values_stored_before_the_lists_are_shown_and_kept_until_unticked(world, client_for):
    # given a partner whose lists were typed as text before the lists existed
    acme = world.acme
    with platform_scope():
        Partner.objects.filter(pk=acme.partner.pk).update(
            industries=["Healthcare", "Widgets"], regions_served=["DACH"], countries_served=["DE", "UK"]
        )
    client = client_for(acme.manager)
    # when a channel manager opens the form
    page = client.get(f"/office/partners/{acme.partner.pk}/edit/").content.decode()
    # then the old values are there, ticked and marked as not in the list
    assert _ticked(page, "industries") == ["Healthcare", "Widgets"]
    assert _ticked(page, "regions_served") == ["DACH"]
    assert _ticked(page, "countries_served") == ["DE", "UK"]
    assert "Widgets (not in the list)" in page and "UK (not in the list)" in page
    # and the record shows them as typed
    record = client.get(f"/office/partners/{acme.partner.pk}/").content.decode()
    assert "Healthcare, Widgets" in record and "Germany, UK" in record
    # when they save the record for another reason, sending back what the form showed
    response = client.post(
        f"/office/partners/{acme.partner.pk}/edit/",
        {
            **_record_form(acme),
            "display_name": "Renamed",
            "industries": ["Healthcare", "Widgets"],
            "regions_served": ["DACH"],
            "countries_served": ["DE", "UK"],
        },
    )
    # then the old values are kept, not silently dropped
    assert response.status_code == 302
    partner = _stored(acme)
    assert partner.display_name == "Renamed"
    assert (partner.industries, partner.regions_served, partner.countries_served) == (
        ["Healthcare", "Widgets"],
        ["DACH"],
        ["DE", "UK"],
    )
    # when they untick one and choose the list's value instead
    response = client.post(
        f"/office/partners/{acme.partner.pk}/edit/",
        {
            **_record_form(acme),
            "display_name": "Renamed",
            "industries": ["Healthcare", "Widgets"],
            "regions_served": ["DACH"],
            "countries_served": ["DE", "GB"],
        },
    )
    # then it is gone and the new one stored
    assert response.status_code == 302
    assert _stored(acme).countries_served == ["DE", "GB"]


def test_a_partner_admin_picks_from_the_same_lists_on_the_company_profile(world, client_for):
    # given a partner admin on its company profile form
    acme = world.acme
    client = client_for(acme.partner_admin)
    page = client.get("/portal/company/edit/").content.decode()
    assert 'type="checkbox" name="industries" value="Retail"' in page
    assert '<option value="FR">France</option>' in page
    # when they post a value the lists do not hold
    refused = client.post(
        "/portal/company/edit/",
        {"display_name": "Acme One", "industries": ["Retail", "Crypto"], "regions_served": ["EMEA"]},
    )
    # then it is refused on the field, and what they ticked is still ticked
    page = refused.content.decode()
    assert refused.status_code == 200
    assert _error(page, "industries") == "Crypto is not one of the choices. Pick from the list."
    assert _ticked(page, "industries") == ["Retail", "Crypto"]
    assert _ticked(page, "regions_served") == ["EMEA"]
    assert _stored(acme).industries == []
    # when they post values from the lists
    saved = client.post(
        "/portal/company/edit/",
        {"display_name": "Acme One", "industries": ["Retail"], "regions_served": ["EMEA"], "countries_served": ["FR"]},
    )
    # then they are stored and the profile shows their names, the headquarters country too
    assert saved.status_code == 302
    partner = _stored(acme)
    assert (partner.industries, partner.regions_served, partner.countries_served) == (["Retail"], ["EMEA"], ["FR"])
    profile = client.get("/portal/company/").content.decode()
    assert "Europe, Middle East and Africa" in profile and "France" in profile and "Germany" in profile


def test_unticking_everything_empties_the_lists(world, client_for):
    # given a partner with industries and countries
    acme = world.acme
    with platform_scope():
        Partner.objects.filter(pk=acme.partner.pk).update(industries=["Retail"], countries_served=["DE"])
    # when a channel manager saves the form with nothing ticked (a browser sends no field at all)
    response = client_for(acme.manager).post(f"/office/partners/{acme.partner.pk}/edit/", _record_form(acme))
    # then the lists are empty
    assert response.status_code == 302
    partner = _stored(acme)
    assert (partner.industries, partner.countries_served) == ([], [])


def test_the_headquarters_country_is_chosen_by_name(world, client_for):
    # given the vendor admin adding a partner
    acme = world.acme
    client = client_for(acme.admin)
    page = client.get("/office/partners/new/").content.decode()
    # then the headquarters country is a list of names, not a box for a code
    assert re.search(r'<select name="country"[^>]*required', page)
    assert '<option value="PT">Portugal</option>' in page
    # when a code outside the list is posted
    fields = {"legal_name": "Newco Ltd", "partner_type": acme.partner_type.pk}
    refused = client.post("/office/partners/new/", {**fields, "country": "XYZ"})
    # then it is refused on the field and shown back, marked
    assert _error(refused.content.decode(), "country") == "XYZ is not one of the choices. Pick from the list."
    assert '<option value="XYZ" selected>XYZ (not in the list)</option>' in refused.content.decode()
    # when a country is chosen from the list, the partner is created with its code
    assert client.post("/office/partners/new/", {**fields, "country": "PT"}).status_code == 302
    with tenant_scope(acme.tenant):
        assert Partner.objects.get(legal_name="Newco Ltd").country == "PT"


def test_a_headquarters_code_stored_before_the_list_is_kept(world, client_for):
    # given a partner whose headquarters code predates the list
    acme = world.acme
    with platform_scope():
        Partner.objects.filter(pk=acme.partner.pk).update(country="UK")
    client = client_for(acme.manager)
    # then its form shows the code, chosen and marked
    page = client.get(f"/office/partners/{acme.partner.pk}/edit/").content.decode()
    assert '<option value="UK" selected>UK (not in the list)</option>' in page
    # and saving the record for another reason keeps it
    response = client.post(
        f"/office/partners/{acme.partner.pk}/edit/", {**_record_form(acme), "country": "UK", "display_name": "Renamed"}
    )
    assert response.status_code == 302
    assert (_stored(acme).display_name, _stored(acme).country) == ("Renamed", "UK")
