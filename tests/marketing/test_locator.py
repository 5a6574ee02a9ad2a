"""The public partner locator: search (filters, distance, the explained score, featured placement
only when the vendor turns it on and the page says so), what is never shown (drafts, hidden
profiles, inactive partners, another tenant's), the confirmation sweep, "contact this partner"
(a lead offered to that partner first, with a deadline; the spam guard and rate limits), and the
embeddable page's framing policy per tenant."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from leads.models import Lead, LeadOffer, LeadSource, LeadStatus, OfferStatus, RoutingDecision
from leads.services.offers import offer_decline
from leads.services.routing_manual import capacity_save
from marketing import events
from marketing.models import ProfileStatus, PublicProfile
from marketing.selectors.locator import LocatorQuery, locator_search, locator_settings
from marketing.services.locator import (
    frame_ancestors_clean,
    locator_settings_save,
    locator_sweep,
    profile_confirm,
    profile_feature,
    profile_save,
    profile_withdraw,
)
from partners.models import PartnerStatus
from prm.errors import NotAllowed, PolicyViolation
from prm.events.models import Event
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope

from ..conftest import body, make_client
from ..factories import PartnerFactory
from ..leads.factories import RoutingRuleFactory
from .locator_setup import (
    admin_of,
    competency,
    enrol,
    holds,
    ladder,
    locator_on,
    place,
    profile_of,
    public_partner,
    publish,
    visitor,
)
from .world import png

pytestmark = pytest.mark.django_db


def search(side, **asked):
    with tenant_scope(side.tenant):
        return locator_search(found=locator_settings(), query=LocatorQuery(**asked))


def names(page) -> list[str]:
    return [row.name for row in page.results]


# --- search ------------------------------------------------------------------------------------------


def test_a_visitor_finds_partners_by_country_and_competency(acme):
    locator_on(acme)
    security = competency(acme, "Network Security")
    munich, _ = public_partner(acme, "Munich Nets", city="Munich")
    public_partner(acme, "Berlin Cables", city="Berlin")
    lyon, _ = public_partner(acme, "Lyon Reseaux", city="Lyon", country="FR")
    holds(munich, security)
    holds(lyon, security)

    assert sorted(names(search(acme, country="DE"))) == ["Berlin Cables", "Munich Nets"]
    assert names(search(acme, country="DE", competency_id=security.pk)) == ["Munich Nets"]
    assert sorted(names(search(acme, competency_id=security.pk))) == ["Lyon Reseaux", "Munich Nets"]

    response = visitor(acme).get(reverse("locator"), {"country": "DE", "competency": security.pk})
    page = body(response)
    assert response.status_code == 200
    assert "Munich Nets" in page and "Berlin Cables" not in page and "Lyon Reseaux" not in page
    assert 'method="get"' in page  # the search is a plain form: it works without JavaScript


def test_a_country_served_or_a_location_there_counts_as_that_country(acme):
    locator_on(acme)
    serving, _ = public_partner(acme, "Vienna Serves", city="Vienna", country="AT")
    with platform_scope():
        serving.countries_served = ["DE"]
        serving.save(update_fields=["countries_served"])
    office, _ = public_partner(acme, "Zurich Office", city="Zurich", country="CH")
    place(office, "Stuttgart", "DE")
    public_partner(acme, "Paris Only", city="Paris", country="FR")

    assert sorted(names(search(acme, country="DE"))) == ["Vienna Serves", "Zurich Office"]


def test_nearest_partners_come_first_and_the_radius_keeps_far_ones_out(acme):
    locator_on(acme, weight_tier=0, weight_competencies=0, weight_completeness=0, weight_proximity=25)
    public_partner(acme, "Hamburg Nets", city="Hamburg")
    public_partner(acme, "Munich Nets", city="Munich")
    public_partner(acme, "Berlin Nets", city="Berlin")

    near_munich = search(acme, near="Munich", country="DE", radius_km=1000)
    assert names(near_munich) == ["Munich Nets", "Berlin Nets", "Hamburg Nets"]
    distances = [row.distance_km for row in near_munich.results]
    assert distances[0] < 1 and 450 < distances[1] < 550 and 550 < distances[2] < 650
    assert names(search(acme, near="München", country="DE", radius_km=250)) == ["Munich Nets"]


def test_every_result_explains_its_score(acme):
    locator_on(acme)  # 40 tier, 25 competencies, 25 proximity, 10 completeness
    _bronze, silver, gold = ladder(acme)
    security, cloud = competency(acme, "Network Security"), competency(acme, "Cloud")
    golden, _ = public_partner(acme, "Golden Nets", city="Munich")
    enrol(golden, gold)
    holds(golden, security)
    holds(golden, cloud)
    silvery, _ = public_partner(acme, "Silver Nets", city="Augsburg")
    enrol(silvery, silver)
    holds(silvery, security)

    page = search(acme, near="Munich", country="DE", radius_km=250)

    first, second = page.results
    assert first.name == "Golden Nets"
    texts = [part.text for part in first.parts]
    assert texts[0] == "Gold tier: 40 of 40"
    assert texts[1] == "2 competencies: 25 of 25"
    assert texts[2] == "0 km away: 25 of 25"
    assert texts[3].startswith("profile ") and texts[3].endswith(" of 10")
    completeness = profile_of(golden).completeness
    assert texts[3] == f"profile {completeness}% complete: {int(completeness / 10 + 0.5)} of 10"  # half up
    assert first.score == sum(part.points for part in first.parts) and first.max_score == 100
    # Silver is rank 2 of 3: 27 of 40; one competency of two: 13 of 25 (12.5 rounded up).
    assert [part.text for part in second.parts][:2] == ["Silver tier: 27 of 40", "1 competency: 13 of 25"]
    assert second.parts[2].text == "56 km away: 19 of 25"  # Augsburg: 25 * (1 - 56 / 250)

    # Without a place, proximity is no part of the score (and the page says what counts).
    assert search(acme).max_score == 75
    page = body(visitor(acme).get(reverse("locator"), {"near": "Munich", "country": "DE"}))
    assert "Gold tier: 40 of 40; 2 competencies: 25 of 25; 0 km away: 25 of 25" in page
    assert "How partners are ranked" in page and "Nobody pays for a place in this list." in page


def test_a_tier_filter_finds_that_tier_or_higher_of_its_program(acme):
    locator_on(acme)
    bronze, silver, gold = ladder(acme)
    for name, tier in (("Bronze Co", bronze), ("Silver Co", silver), ("Gold Co", gold)):
        partner, _ = public_partner(acme, name)
        enrol(partner, tier)
    assert names(search(acme, tier_id=silver.pk)) == ["Gold Co", "Silver Co"]


def test_hidden_locations_hide_the_hq_city_in_the_results_too(acme):
    locator_on(acme)
    partner, _ = public_partner(acme, "Quiet Place", show_locations=False)
    with platform_scope():
        type(partner).objects.filter(pk=partner.pk).update(city="Secretville")
    [row] = search(acme).results
    assert row.city == ""
    assert "Secretville" not in body(visitor(acme).get(reverse("locator")))


def test_a_hidden_tier_neither_counts_nor_matches(acme):
    locator_on(acme)
    _bronze, _silver, gold = ladder(acme)
    partner, _ = public_partner(acme, "Quiet Gold", show_tier=False)
    enrol(partner, gold)
    assert search(acme, tier_id=gold.pk).results == []
    [row] = search(acme).results
    assert row.tier == "" and row.parts[0].text == "No tier shown: 0 of 40"


def test_featured_partners_come_first_only_when_the_vendor_says_so_and_the_page_says_it(acme):
    locator_on(acme, weight_tier=40)
    _bronze, _silver, gold = ladder(acme)
    strong, _ = public_partner(acme, "Strong Partner")
    enrol(strong, gold)
    _weak, sponsored = public_partner(acme, "Sponsored Partner")
    with tenant_scope(acme.tenant), pytest.raises(PolicyViolation, match="featured placement"):
        profile_feature(actor=acme.admin, profile=sponsored, featured=True)

    locator_on(acme, featured_placement=True, featured_label="Sponsored")
    with tenant_scope(acme.tenant):
        profile_feature(actor=acme.marketing, profile=sponsored, featured=True)
    page = body(visitor(acme).get(reverse("locator")))
    assert page.index("Sponsored Partner") < page.index("Strong Partner")
    assert "Featured partners are sponsored placements" in page
    assert '<span class="badge text-bg-warning">Sponsored</span>' in page

    # Placement off again: the score alone orders, and nothing says "sponsored".
    locator_on(acme, featured_placement=False)
    assert names(search(acme)) == ["Strong Partner", "Sponsored Partner"]
    page = body(visitor(acme).get(reverse("locator")))
    assert "sponsored placements" not in page and "text-bg-warning" not in page
    assert "Nobody pays for a place in this list." in page


def test_drafts_hidden_profiles_and_inactive_partners_are_never_shown(acme):
    locator_on(acme)
    _shown, _ = public_partner(acme, "Shown Partner")
    draft = PartnerFactory(tenant=acme.tenant, display_name="Draft Partner")
    draft_admin = admin_of(draft)
    with tenant_scope(acme.tenant, partner=draft.pk):
        profile_save(actor=draft_admin, headline="Not yet", description="Soon")
    _hidden, hidden_profile = public_partner(acme, "Hidden Partner")
    with platform_scope():
        PublicProfile.objects.filter(pk=hidden_profile.pk).update(status=ProfileStatus.HIDDEN)
    withdrawn, _ = public_partner(acme, "Withdrawn Partner")
    with tenant_scope(acme.tenant, partner=withdrawn.pk):
        profile_withdraw(actor=admin_of(withdrawn))
    suspended, suspended_profile = public_partner(acme, "Suspended Partner")
    with platform_scope():
        type(suspended).objects.filter(pk=suspended.pk).update(status=PartnerStatus.SUSPENDED)

    assert names(search(acme)) == ["Shown Partner"]
    page = body(visitor(acme).get(reverse("locator")))
    for name in ("Draft Partner", "Hidden Partner", "Withdrawn Partner", "Suspended Partner"):
        assert name not in page
    for profile in (hidden_profile, suspended_profile, profile_of(draft), profile_of(withdrawn)):
        assert visitor(acme).get(reverse("locator_partner", args=[profile.pk])).status_code == 404
        assert visitor(acme).get(reverse("locator_embed_partner", args=[profile.pk])).status_code == 404


def test_the_locator_of_one_tenant_never_shows_another_tenants_partners(acme, globex):
    locator_on(acme)
    locator_on(globex)
    _acme_partner, acme_profile = public_partner(acme, "Acme Only Partner", city="Munich")
    public_partner(globex, "Globex Only Partner", city="Munich")

    acme_page = body(visitor(acme).get(reverse("locator"), {"near": "Munich", "country": "DE"}))
    globex_page = body(visitor(globex).get(reverse("locator"), {"near": "Munich", "country": "DE"}))
    assert "Acme Only Partner" in acme_page and "Globex Only Partner" not in acme_page
    assert "Globex Only Partner" in globex_page and "Acme Only Partner" not in globex_page
    assert visitor(globex).get(reverse("locator_partner", args=[acme_profile.pk])).status_code == 404
    assert visitor(globex).get(reverse("locator_logo", args=[acme_profile.pk])).status_code == 404


def test_a_locator_that_is_off_is_not_there(acme):
    _partner, profile = public_partner(acme, "Early Partner")
    for name, args in (("locator", []), ("locator_embed", []), ("locator_partner", [profile.pk])):
        assert visitor(acme).get(reverse(name, args=args)).status_code == 404
    locator_on(acme)
    locator_on(acme, enabled=False)
    assert visitor(acme).get(reverse("locator")).status_code == 404


# --- the embeddable page ---------------------------------------------------------------------------------


def test_the_embeddable_page_may_be_framed_by_the_vendors_sites_only(acme, globex):
    locator_on(acme, frame_ancestors=["https://www.acme.example", "https://*.acme-shop.example"])
    locator_on(globex)
    _partner, profile = public_partner(acme, "Framed Partner")

    for path in (reverse("locator_embed"), reverse("locator_embed_partner", args=[profile.pk])):
        response = visitor(acme).get(path)
        assert response.status_code == 200
        policy = response["Content-Security-Policy"]
        assert "frame-ancestors https://www.acme.example https://*.acme-shop.example;" in policy
        assert "default-src 'self'" in policy  # the rest of the site's policy holds
        assert "X-Frame-Options" not in response
    framed = body(visitor(acme).get(reverse("locator_embed")))
    assert reverse("locator_embed_partner", args=[profile.pk]) in framed  # links stay in the frame
    assert 'aria-label="Main"' not in framed  # minimal chrome: no navigation bar

    globex_embed = visitor(globex).get(reverse("locator_embed"))
    assert "frame-ancestors 'none'" in globex_embed["Content-Security-Policy"]
    # The normal pages keep the site's policy: never framed.
    page = visitor(acme).get(reverse("locator"))
    assert page["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in page["Content-Security-Policy"]


@pytest.mark.parametrize(
    "origin",
    [
        "http://www.acme.example",
        "https://www.acme.example/partners",
        "https://www.acme.example; script-src *",
        "'self'",
        "*",
        "https://",
        "https://*.com",  # every site under a public suffix
        "https://*.co.uk",
        "https://com",
    ],
)
def test_only_https_origins_may_embed_the_locator(origin):
    with pytest.raises(PolicyViolation):
        frame_ancestors_clean([origin])


def test_origins_are_tidied(acme):
    assert frame_ancestors_clean("https://WWW.Acme.example/\n\nhttps://www.acme.example\nhttps://a.example:8443") == [
        "https://www.acme.example",
        "https://a.example:8443",
    ]
    with tenant_scope(acme.tenant), pytest.raises(NotAllowed):
        locator_settings_save(actor=acme.manager, enabled=True)  # a channel manager does not configure it


# --- the partner's profile --------------------------------------------------------------------------------


def test_a_profile_keeps_its_completeness_and_takes_only_real_images_as_logo(acme):
    partner = acme.partner
    with tenant_scope(acme.tenant, partner=partner.pk):
        bare = profile_save(actor=acme.partner_admin, headline="Networks")
        assert bare.completeness == 10  # a headline, nothing else (no industries, no location)
        with pytest.raises(PolicyViolation, match="PNG or JPEG"):
            profile_save(actor=acme.partner_admin, logo=SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>"))
        gif = BytesIO()
        Image.new("RGB", (10, 10)).save(gif, "GIF")
        with pytest.raises(PolicyViolation, match="PNG or JPEG"):
            profile_save(actor=acme.partner_admin, logo=SimpleUploadedFile("logo.gif", gif.getvalue()))
        full = profile_save(
            actor=acme.partner_admin,
            headline="Networks",
            description="x" * 300,
            logo=png(),
            public_email="hello@p1.example",
        )
    assert full.logo.name.endswith(".png")
    assert full.completeness == 10 + 20 + 15 + 10 + (10 if partner.industries else 0)
    with tenant_scope(acme.tenant, partner=partner.pk), pytest.raises(NotAllowed):
        profile_save(actor=acme.sales_rep, headline="Not mine to write")


def test_the_sweep_prompts_then_hides_and_a_confirmation_brings_the_profile_back(acme):
    locator_on(acme, confirm_every_months=12, hide_after_days=30)
    partner = acme.partner
    publish(partner, admin=acme.partner_admin)
    fresh, _ = public_partner(acme, "Fresh Partner")
    profile = profile_of(partner)
    with platform_scope():
        PublicProfile.objects.filter(pk=profile.pk).update(confirmed_at=timezone.now() - timedelta(days=400))
    now = timezone.now()

    with tenant_scope(acme.tenant):
        first = locator_sweep(now=now)
        again = locator_sweep(now=now + timedelta(days=1))
    assert (first.prompted, first.hidden, again.prompted, again.hidden) == (1, 0, 0, 0)
    profile = profile_of(partner)
    assert profile.status == ProfileStatus.PUBLIC and profile.prompted_at == now
    assert profile_of(fresh).prompted_at is None
    with platform_scope():
        told = Notification.objects.filter(recipient=acme.partner_admin, kind="public_profile.confirm")
        assert told.count() == 1
        assert Event.objects.filter(verb=events.PROFILE_PROMPTED, object_id=profile.pk).count() == 1
    assert partner.display_name in body(visitor(acme).get(reverse("locator")))  # still shown meanwhile

    with tenant_scope(acme.tenant):
        hidden = locator_sweep(now=now + timedelta(days=31))
    assert hidden.hidden == 1
    assert profile_of(partner).status == ProfileStatus.HIDDEN
    assert partner.display_name not in body(visitor(acme).get(reverse("locator")))
    with platform_scope():
        assert Event.objects.filter(verb=events.PROFILE_HIDDEN, object_id=profile.pk).count() == 1

    with tenant_scope(acme.tenant, partner=partner.pk):
        profile_confirm(actor=acme.partner_admin)
    profile = profile_of(partner)
    assert (profile.status, profile.prompted_at, profile.hidden_at) == (ProfileStatus.PUBLIC, None, None)
    assert profile.confirmed_by_id == acme.partner_admin.pk
    assert partner.display_name in body(visitor(acme).get(reverse("locator")))


def test_a_sweep_of_a_locator_that_is_off_does_nothing(acme):
    partner = acme.partner
    publish(partner, admin=acme.partner_admin)
    with platform_scope():
        PublicProfile.objects.filter(partner=partner).update(confirmed_at=timezone.now() - timedelta(days=900))
    with tenant_scope(acme.tenant):
        assert locator_sweep().prompted == 0


# --- contact this partner -----------------------------------------------------------------------------------


def contact_data(**changes) -> dict:
    data = {
        "name": "Bill Lumbergh",
        "email": "bill@initrode.de",
        "company": "Initrode AG",
        "phone": "+49 89 1234",
        "country": "DE",
        "message": "Wi-Fi for three plants, please.",
        "consent": "on",
    }
    data.update(changes)
    return data


def _routing(side, *partners):
    """A program the partners are enrolled in, with a fall-back rule that offers a lead to any."""
    (tier,) = ladder(side, names=("Member",))
    for partner in partners:
        enrol(partner, tier)
    RoutingRuleFactory(tenant=side.tenant, program=tier.program, is_fallback=True, name="Everyone")


def test_contacting_a_partner_offers_it_the_lead_first_and_the_leads_app_routes_it_on(
    acme, django_capture_on_commit_callbacks
):
    locator_on(acme)
    chosen, other = acme.partners
    _routing(acme, chosen, other)
    profile = publish(chosen, admin=acme.partner_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = visitor(acme).post(reverse("locator_partner", args=[profile.pk]), contact_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("locator_contact_sent", args=[profile.pk])
    sent = body(visitor(acme).get(response["Location"]))
    assert f"We passed your request to {chosen.display_name}. They will be in touch" in sent

    with platform_scope():
        lead = Lead.objects.get(tenant=acme.tenant)
        offer = LeadOffer.objects.get(lead=lead)
        decision = RoutingDecision.objects.get(lead=lead)
        contacted = Event.objects.get(verb=events.LOCATOR_CONTACTED)
    assert (lead.source, lead.status, lead.company, lead.email) == (
        LeadSource.LOCATOR,
        LeadStatus.OFFERED,
        "Initrode AG",
        "bill@initrode.de",
    )
    assert (offer.partner_id, offer.status) == (chosen.pk, OfferStatus.PENDING)
    assert offer.due_at > offer.offered_at  # the normal acceptance deadline
    assert decision.trigger == "locator" and decision.log["first_choice"]["outcome"] == "offered"
    assert (contacted.partner_id, contacted.data["lead_id"], contacted.data["offered"]) == (chosen.pk, lead.pk, True)
    with platform_scope():
        assert Notification.objects.filter(recipient=acme.partner_admin, kind="lead.offered").exists()
    why = body(make_client(acme.partner_admin).get(reverse("portal:lead_offer", args=[offer.pk])))
    assert "A visitor chose your company in the partner locator" in why

    # The chosen partner declines: the leads app routes the lead on, never back to it.
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(acme.tenant, partner=chosen.pk):
        offer_decline(actor=acme.partner_admin, offer=offer, reason="capacity")
    with platform_scope():
        pending = LeadOffer.objects.get(lead=lead, status=OfferStatus.PENDING)
    assert pending.partner_id == other.pk


def test_a_partner_that_may_not_take_leads_now_is_passed_over_and_the_log_says_why(
    acme, django_capture_on_commit_callbacks
):
    locator_on(acme)
    chosen, other = acme.partners
    _routing(acme, chosen, other)
    profile = publish(chosen, admin=acme.partner_admin)
    with tenant_scope(acme.tenant, partner=chosen.pk):
        capacity_save(actor=acme.partner_admin, partner=chosen, paused=True, paused_reason="Holidays")

    with django_capture_on_commit_callbacks(execute=True):
        visitor(acme).post(reverse("locator_partner", args=[profile.pk]), contact_data())

    with platform_scope():
        offer = LeadOffer.objects.get(lead__source=LeadSource.LOCATOR)
        decision = RoutingDecision.objects.get(lead=offer.lead)
    assert offer.partner_id == other.pk
    assert decision.log["first_choice"] == {
        "partner_id": chosen.pk,
        "name": chosen.display_name,
        "outcome": "refused",
        "reasons": ["paused"],
        "codes": [],
    }
    log = body(make_client(acme.manager).get(reverse("office:lead_routing", args=[offer.lead_id])))
    assert f"The visitor chose {chosen.display_name} in the partner locator, which may not receive it now" in log
    # and the passed-over partner is not told about a lead another partner holds: the vendor's event only
    with platform_scope():
        contacted = Event.objects.get(verb=events.LOCATOR_CONTACTED)
    assert contacted.internal and not contacted.data["offered"]


def test_the_honeypot_is_answered_like_a_success_and_nothing_is_kept(acme):
    locator_on(acme)
    _partner, profile = public_partner(acme, "Guarded Partner")
    response = visitor(acme).post(
        reverse("locator_partner", args=[profile.pk]), contact_data(company_code="http://spam.example")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("locator_contact_sent", args=[profile.pk])
    with platform_scope():
        assert not Lead.objects.exists()
        assert not Event.objects.filter(verb=events.LOCATOR_CONTACTED).exists()


@override_settings(PRM_LOCATOR_CONTACT_RATE_PER_IP="2/h")
def test_a_client_over_its_limit_gets_429_with_retry_after(acme):
    locator_on(acme)
    _partner, profile = public_partner(acme, "Busy Partner")
    path = reverse("locator_partner", args=[profile.pk])
    answers = [visitor(acme).post(path, contact_data(email=f"p{n}@initrode{n}.de")) for n in range(3)]
    assert [answer.status_code for answer in answers] == [302, 302, 429]
    assert int(answers[2]["Retry-After"]) > 0
    assert "Nothing of what you sent was kept." in body(answers[2])
    with platform_scope():
        assert Lead.objects.count() == 2


@override_settings(PRM_LOCATOR_CONTACT_RATE_PER_ADDRESS="1/d")
def test_one_mailbox_over_its_limit_gets_429_from_any_address(acme):
    locator_on(acme)
    _partner, profile = public_partner(acme, "Busy Partner")
    path = reverse("locator_partner", args=[profile.pk])
    first = visitor(acme, ip="198.51.100.1").post(path, contact_data())
    second = visitor(acme, ip="198.51.100.2").post(path, contact_data(email="Bill+again@initrode.de"))
    assert (first.status_code, second.status_code) == (302, 429)


def test_bad_input_comes_back_as_typed_and_no_consent_no_lead(acme):
    locator_on(acme)
    _partner, profile = public_partner(acme, "Careful Partner")
    response = visitor(acme).post(
        reverse("locator_partner", args=[profile.pk]), contact_data(email="not-an-address", consent="")
    )
    page = body(response)
    assert response.status_code == 200
    assert 'value="Initrode AG"' in page and "Enter a valid email address." in page
    with platform_scope():
        assert not Lead.objects.exists()


def test_the_nightly_fan_out_sweeps_every_tenant(acme, globex):
    from prm.celery import app

    locator_on(acme)
    locator_on(globex)
    publish(acme.partner, admin=acme.partner_admin)
    publish(globex.partner, admin=globex.partner_admin)
    with platform_scope():
        PublicProfile.objects.update(confirmed_at=timezone.now() - timedelta(days=400))

    assert app.tasks["marketing.locator_sweep_all"].apply().get() >= 2

    assert profile_of(acme.partner).prompted_at is not None
    assert profile_of(globex.partner).prompted_at is not None
    assert app.tasks["marketing.locator_sweep"].apply(kwargs={"tenant_id": acme.tenant.pk}).get() == {
        "prompted": 0,
        "hidden": 0,
    }
