"""The partner locator's pages: the partner keeps its profile in the portal (edit, preview,
publish, withdraw, the confirmation prompt and the home's action item), the vendor configures the
locator and features partners in the office, and the public search pages, links its results and
serves logos."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from marketing.demo_parts.locator import load as load_demo
from marketing.models import LocatorSettings, ProfileStatus, PublicProfile
from partners.models import Partner
from prm.accounts.roles import Role
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.web.demo_kit import Demo

from ..conftest import body, make_client
from ..factories import PartnerFactory, PartnerMembershipFactory, ProductLineFactory
from .locator_setup import locator_on, profile_of, public_partner, publish, settings_data, visitor
from .world import png

pytestmark = pytest.mark.django_db


def profile_data(**changes) -> dict:
    data = {
        "headline": "Campus networks for schools",
        "description": "We design and run campus networks. " * 10,
        "public_email": "hello@p1.example",
        "public_phone": "+49 30 1234",
        "show_tier": "on",
        "show_certifications": "on",
        "show_competencies": "on",
        "show_locations": "on",
        "show_website": "on",
        "show_contact": "on",
    }
    data.update(changes)
    return data


# --- the portal ----------------------------------------------------------------------------------------


def test_a_partner_admin_writes_previews_publishes_and_withdraws_its_profile(acme):
    locator_on(acme)
    line = ProductLineFactory(tenant=acme.tenant, name="Campus Wi-Fi")
    client = make_client(acme.partner_admin)
    path = reverse("portal:locator_profile")

    page = body(client.get(path))
    assert "Your public profile" in page and "Not public" in page
    assert "Publish in the partner locator" not in page  # nothing saved yet

    response = client.post(path, {**profile_data(product_lines=[str(line.pk)]), "logo": png("our-logo.png")})
    assert response.status_code == 302 and response["Location"] == path
    page = body(client.get(path))
    assert "Your profile is saved. It is not public until you publish it." in page
    assert "How the public sees it" in page and "Campus networks for schools" in page
    assert reverse("portal:locator_logo") in page
    logo = client.get(reverse("portal:locator_logo"))
    assert (
        logo.status_code == 200 and logo["Content-Type"] == "image/png" and logo["X-Content-Type-Options"] == "nosniff"
    )
    assert logo["Cache-Control"] == "private, no-store"  # one address for every partner: never in a shared cache
    profile = profile_of(acme.partner)
    assert profile.product_line_ids == [line.pk] and profile.status == ProfileStatus.DRAFT

    assert client.post(reverse("portal:locator_publish")).status_code == 302
    page = body(client.get(path))
    assert "Your profile is public in the partner locator." in page
    public = reverse("locator_partner", args=[profile.pk])
    assert public in page
    shown = body(visitor(acme).get(public))
    assert "Campus networks for schools" in shown and "hello@p1.example" in shown
    public_logo = visitor(acme).get(reverse("locator_logo", args=[profile.pk]))
    assert public_logo["Content-Type"] == "image/png" and public_logo["Cache-Control"] == "public, max-age=300"

    # What the partner keeps private is not shown.
    client.post(path, profile_data(show_contact=""))
    assert "hello@p1.example" not in body(visitor(acme).get(public))

    assert client.post(reverse("portal:locator_withdraw")).status_code == 302
    assert profile_of(acme.partner).status == ProfileStatus.DRAFT
    assert visitor(acme).get(public).status_code == 404


def test_a_logo_that_is_no_image_comes_back_with_the_form_as_typed(acme):
    client = make_client(acme.partner_admin)
    fake = SimpleUploadedFile("logo.png", b"GIF89a<script>alert(1)</script>", content_type="image/png")
    response = client.post(reverse("portal:locator_profile"), {**profile_data(), "logo": fake})
    page = body(response)
    assert response.status_code == 200
    assert "Upload the logo as a PNG or JPEG image." in page and 'value="Campus networks for schools"' in page
    with platform_scope():
        assert not PublicProfile.objects.exists()


def test_only_the_profiles_keepers_may_write_it(acme):
    sales = make_client(acme.sales_rep)
    assert sales.get(reverse("portal:locator_profile")).status_code == 403
    assert sales.post(reverse("portal:locator_profile"), profile_data()).status_code == 403
    marketing = PartnerMembershipFactory(tenant=acme.tenant, partner=acme.partner, role=Role.PARTNER_MARKETING)
    assert make_client(marketing).post(reverse("portal:locator_profile"), profile_data()).status_code == 302


def test_a_prompted_partner_is_asked_on_its_page_and_its_home_and_confirms(acme):
    locator_on(acme, hide_after_days=30)
    profile = publish(acme.partner, admin=acme.partner_admin)
    asked = timezone.now() - timedelta(days=2)
    with platform_scope():
        PublicProfile.objects.filter(pk=profile.pk).update(prompted_at=asked)
    client = make_client(acme.partner_admin)

    page = body(client.get(reverse("portal:locator_profile")))
    assert "Is your profile still right?" in page and 'id="locator-prompt"' in page
    home = body(client.get(reverse("portal:home")))
    assert "Confirm your public profile" in home
    assert "Confirm your public profile" not in body(make_client(acme.sales_rep).get(reverse("portal:home")))

    client.post(reverse("portal:locator_confirm"))
    assert "Thank you: your profile is confirmed." in body(client.get(reverse("portal:locator_profile")))
    assert profile_of(acme.partner).prompted_at is None
    assert "Confirm your public profile" not in body(client.get(reverse("portal:home")))


def test_the_menus_lead_to_the_locator_pages(acme):
    assert reverse("office:locator") in body(make_client(acme.marketing).get(reverse("office:dashboard")))
    assert reverse("portal:locator_profile") in body(make_client(acme.partner_admin).get(reverse("portal:home")))
    assert reverse("portal:locator_profile") not in body(make_client(acme.sales_rep).get(reverse("portal:home")))


# --- the office ---------------------------------------------------------------------------------------


def test_the_vendor_configures_the_locator_and_features_a_partner(acme):
    client = make_client(acme.marketing)
    page = body(client.get(reverse("office:locator")))
    assert "Partner locator" in page and "No partner has a profile here yet." in page

    refused = client.post(reverse("office:locator_settings"), settings_data(frame_ancestors="http://www.acme.example"))
    assert refused.status_code == 200
    assert "is not an https origin" in body(refused) and 'value="Find an Acme partner"' in body(refused)
    with platform_scope():
        assert not LocatorSettings.objects.exists()

    assert client.post(reverse("office:locator_settings"), settings_data()).status_code == 302
    with platform_scope():
        found = LocatorSettings.objects.get(tenant=acme.tenant)
    assert found.enabled and found.frame_ancestors == ["https://www.acme.example", "https://shop.acme.example"]
    assert "Find an Acme partner" in body(visitor(acme).get(reverse("locator")))

    _partner, profile = public_partner(acme, "Featurable Partner")
    page = body(client.get(reverse("office:locator")))
    assert "Featurable Partner" in page and "Featured placement is off" in page
    assert reverse("office:locator_feature", args=[profile.pk]) not in page  # nothing to feature with it off

    client.post(reverse("office:locator_settings"), settings_data(featured_placement="on", featured_label="Sponsored"))
    page = body(client.get(reverse("office:locator")))
    assert reverse("office:locator_feature", args=[profile.pk]) in page
    client.post(reverse("office:locator_feature", args=[profile.pk]), {"featured": "on"})
    assert profile_of(_partner).featured
    assert "Featurable Partner is featured." in body(client.get(reverse("office:locator")))
    # A channel manager reads the page but changes nothing.
    manager = make_client(acme.manager)
    assert manager.get(reverse("office:locator")).status_code == 200
    assert manager.post(reverse("office:locator_feature", args=[profile.pk]), {"featured": ""}).status_code == 403


def test_the_office_lists_profiles_by_status_with_their_last_confirmation(acme):
    locator_on(acme)
    public_partner(acme, "Public One")
    _hidden, hidden = public_partner(acme, "Hidden One")
    with platform_scope():
        PublicProfile.objects.filter(pk=hidden.pk).update(status=ProfileStatus.HIDDEN)
    client = make_client(acme.manager)
    every = body(client.get(reverse("office:locator")))
    assert "Public One" in every and "Hidden One" in every and "Hidden (not confirmed in time)" in every
    only_hidden = body(client.get(reverse("office:locator"), {"status": "hidden"}))
    assert "Hidden One" in only_hidden and "Public One" not in only_hidden


# --- the public pages ------------------------------------------------------------------------------------


def test_the_results_are_paged_and_the_links_keep_the_search(acme):
    locator_on(acme)
    for n in range(12):
        public_partner(acme, f"Paged Partner {n:02d}", country="DE")
    first = body(visitor(acme).get(reverse("locator"), {"country": "DE"}))
    assert first.count('class="card mb-3 locator-result"') == 10
    assert "12 partners found" in first and "?country=DE&amp;page=2" in first
    second = body(visitor(acme).get(reverse("locator"), {"country": "DE", "page": "2"}))
    assert second.count('class="card mb-3 locator-result"') == 2
    stale = body(visitor(acme).get(reverse("locator"), {"country": "DE", "page": "99"}))
    assert stale.count('class="card mb-3 locator-result"') == 2  # past the end: the last page
    # Values that do not fit are ignored, never an error page.
    odd = visitor(acme).get(reverse("locator"), {"tier": "x", "radius": "7", "competency": "-1", "page": "y"})
    assert odd.status_code == 200


def test_a_place_the_data_does_not_know_is_said_so(acme):
    locator_on(acme)
    public_partner(acme, "Somewhere Partner", city="Berlin")
    page = body(visitor(acme).get(reverse("locator"), {"near": "Atlantis", "country": "DE", "radius": "1000"}))
    assert "We do not know “Atlantis”: distances are measured from the capital of Germany." in page
    assert "Somewhere Partner" in page
    page = body(visitor(acme).get(reverse("locator"), {"near": "Berlin"}))
    assert "Choose the country of “Berlin” to search by distance." in page


def test_the_embedded_profile_opens_the_contact_form_in_a_new_tab(acme):
    locator_on(acme, frame_ancestors=["https://www.acme.example"])
    _partner, profile = public_partner(acme, "Embedded Partner")
    page = body(visitor(acme).get(reverse("locator_embed_partner", args=[profile.pk])))
    assert f'href="{reverse("locator_partner", args=[profile.pk])}#contact-heading" target="_blank"' in page
    assert reverse("locator_embed") in page  # back to the search, in the frame
    assert visitor(acme).post(reverse("locator_embed_partner", args=[profile.pk]), {}).status_code == 404


# --- the demo -------------------------------------------------------------------------------------------


def test_the_demo_publishes_profiles_and_prompts_one_once(acme):
    for n, country in enumerate(("US", "DE", "GB")):
        partner = PartnerFactory(
            tenant=acme.tenant,
            display_name=f"Demo {n}",
            country=country,
            external_crm_id=f"DEMO-ACME-{n:03d}",
            email_domains=[f"demo{n}.example"],
        )
        PartnerMembershipFactory(tenant=acme.tenant, partner=partner, role=Role.PARTNER_ADMIN)
    demo = Demo(tenant=acme.tenant, seed=1, staff={"admin": acme.admin, "marketing": acme.marketing})
    with tenant_scope(acme.tenant):
        load_demo(demo)
        load_demo(demo)
        found = LocatorSettings.objects.get()
        assert found.enabled and found.frame_ancestors == ["https://www.acme.example"]
        assert not found.featured_placement
        assert PublicProfile.objects.filter(status=ProfileStatus.PUBLIC).count() == 3
        assert PublicProfile.objects.filter(prompted_at__isnull=False).count() == 1
        assert Partner.objects.filter(locations__city="Munich").exists()
    page = body(visitor(acme).get(reverse("locator"), {"near": "Munich", "country": "DE"}))
    assert "Demo 1" in page
