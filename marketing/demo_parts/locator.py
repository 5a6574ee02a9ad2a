"""Demo data: the public partner locator at acme (idempotent), through the services.

* The locator is public, with an introduction; it may be embedded on ``https://www.acme.example``;
  featured placement stays off (nobody is placed first for payment).
* Up to eight of acme's active partners publish a profile (headline, description, product lines,
  contact), each with a place on the map in a real city (``prm.geo``), written by its admin.
* One profile was last confirmed 13 months ago: the nightly sweep, run once here, prompts it (its
  admin sees "Confirm your public profile" on the portal's home).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from partners.models import Partner, PartnerLocation, PartnerStatus
from partners.services import location_add
from prm.accounts.models import Membership
from prm.accounts.roles import Role
from prm.web.demo_kit import Demo
from programs.selectors.policies import product_line_options

from ..models import LocatorSettings, PublicProfile
from ..services.locator import locator_settings_save, locator_sweep, profile_publish, profile_save

# Demo content as the vendor and the partners would type it (not product text).
INTRO = (
    "Find an Acme partner near you: every partner here is certified by Acme and keeps its own profile. "
    "Search by country, industry or competency, or type your city to see who is closest."
)
EMBEDDED_ON = ["https://www.acme.example"]
PROFILES = 8
OFFICE = "Office"  # a location's label, as a partner admin types it
CITIES = {
    "US": "Chicago",
    "DE": "Munich",
    "GB": "Manchester",
    "FR": "Lyon",
    "NL": "Rotterdam",
    "SE": "Gothenburg",
    "ES": "Barcelona",
    "AU": "Melbourne",
    "CA": "Toronto",
    "JP": "Osaka",
    "BR": "Sao Paulo",
    "IN": "Bangalore",
}
HEADLINES = (
    "Networks that run themselves: design, rollout and 24/7 care",
    "Secure campus Wi-Fi for schools, hospitals and city halls",
    "Your Acme storage experts since 2009",
    "From the first switch to the whole data centre",
    "Managed security for mid-sized manufacturers",
    "Cloud networking, migrations and training",
    "Retail networks: stores online in a day",
    "Acme partner for the public sector",
)
DESCRIPTION = (
    "{name} plans, installs and runs Acme networks for companies of every size. Our certified engineers "
    "design the network with you, roll it out without downtime and look after it afterwards, with a service "
    "desk that answers in your language. We have delivered more than two hundred Acme projects, from single "
    "offices to campuses with thousands of users, and we train your own team so that you stay in control."
)


def _admin_of(partner: Partner) -> Membership | None:
    return Membership.objects.filter(partner=partner, role=Role.PARTNER_ADMIN, is_active=True).order_by("pk").first()


def _placed(demo: Demo, partner: Partner) -> None:
    """A location in a real city for the partner (the demo's HQ cities are invented)."""
    city = CITIES.get(partner.country)
    if city is None or PartnerLocation.objects.filter(partner=partner, city=city).exists():
        return
    location_add(actor=demo.staff["admin"], partner=partner, city=city, country=partner.country, label=OFFICE)


def load(demo: Demo) -> None:
    if demo.tenant.slug != "acme" or LocatorSettings.objects.exists():
        return
    marketing = demo.staff.get("marketing") or demo.staff["admin"]
    locator_settings_save(
        actor=marketing,
        enabled=True,
        title="Find an Acme partner",
        intro=INTRO,
        frame_ancestors=EMBEDDED_ON,
        featured_placement=False,
    )
    lines = [line.pk for line in product_line_options()]
    partners = Partner.objects.filter(status=PartnerStatus.ACTIVE, external_crm_id__startswith="DEMO-ACME-").order_by(
        "external_crm_id"
    )
    published = []
    for number, partner in enumerate(partners):
        if len(published) >= PROFILES:
            break
        admin = _admin_of(partner)
        if admin is None:
            continue
        _placed(demo, partner)
        profile_save(
            actor=admin,
            headline=HEADLINES[len(published) % len(HEADLINES)],
            description=DESCRIPTION.format(name=partner.display_name),
            public_email=f"hello@{partner.email_domains[0]}" if partner.email_domains else "",
            public_phone=f"+1 555 01{number:02d}",
            product_line_ids=lines[: 1 + number % max(len(lines), 1)] if lines else [],
            show_contact=number % 3 != 2,
        )
        published.append(profile_publish(actor=admin))
    if not published:
        return
    # One profile last confirmed 13 months ago: the nightly sweep prompts it.
    stale = published[-1]
    PublicProfile.objects.filter(pk=stale.pk).update(confirmed_at=timezone.now() - timedelta(days=400))
    summary = locator_sweep()
    demo.notes.append(
        f"Partner locator: {len(published)} public profiles, {summary.prompted} asked to confirm "
        "(/find-a-partner/, embeddable at /find-a-partner/embed/)."
    )
