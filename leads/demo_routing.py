"""The routing part of the demo (acme only; idempotent): rules for the Resell program ("DACH direct"
round robin, "Nearest in the US" nearest first, a fall-back for everyone else), the partners'
locations (the HQ from each record, geocoded, plus an office in a real city for the DACH and US
partners), one named account, one partner paused and one with a daily quota of one lead."""

from __future__ import annotations

from partners.models import Partner, PartnerLocation, PartnerStatus
from partners.services import location_add, partner_locations_backfill
from prm.web.demo_kit import Demo
from programs.models import Enrollment, Program

from .models import LeadCapacity, NamedAccount, RoutingRule, Strategy
from .services.routing_manual import capacity_save

OFFICES = {
    "DE": ["Munich", "Hamburg", "Cologne", "Frankfurt", "Stuttgart"],
    "US": ["Chicago", "Austin", "Seattle", "Boston", "Denver"],
    "AT": ["Vienna"],
    "CH": ["Zurich"],
}
OFFICE = "Demo office"  # demo data, as typed by a partner admin (not a product text)
RULES = [
    # name, priority, strategy, countries, fall-back, max km
    ("DACH direct", 10, Strategy.ROUND_ROBIN, ["DE", "AT", "CH"], False, None),
    ("Nearest in the US", 20, Strategy.NEAREST, ["US"], False, 3000),
    ("Everyone else", 100, Strategy.ROUND_ROBIN, [], True, None),
]


def load(demo: Demo) -> None:
    if demo.tenant.slug != "acme":
        return
    program = Program.objects.filter(slug="resell").first() or Program.objects.filter(is_active=True).first()
    if program is None:
        return
    admin = demo.staff["admin"]
    for name, priority, strategy, countries, fallback, max_km in RULES:
        RoutingRule.objects.get_or_create(
            program=program,
            name=name,
            defaults={
                "priority": priority,
                "strategy": strategy,
                "countries": countries,
                "is_fallback": fallback,
                "max_distance_km": max_km,
            },
        )
    created = partner_locations_backfill()
    enrolled = list(
        Partner.objects.filter(
            status=PartnerStatus.ACTIVE,
            pk__in=Enrollment.objects.filter(program=program).values("partner_id"),
        ).order_by("external_crm_id", "id")
    )
    offices = 0
    for position, partner in enumerate(enrolled):
        cities = OFFICES.get(partner.country)
        if not cities or PartnerLocation.objects.filter(partner=partner, label=OFFICE).exists():
            continue
        location_add(
            actor=admin,
            partner=partner,
            city=cities[position % len(cities)],
            country=partner.country,
            label=OFFICE,
        )
        offices += 1
    if enrolled and not NamedAccount.objects.exists():
        NamedAccount.objects.create(
            partner=enrolled[0],
            name="Globodyne",
            name_key="globodyne",
            domain="globodyne.example",
            note="Long-standing customer of this partner.",
        )
    if len(enrolled) >= 3 and not LeadCapacity.objects.exists():
        capacity_save(actor=admin, partner=enrolled[1], paused=True, paused_reason="Hiring two new sales reps")
        capacity_save(actor=admin, partner=enrolled[2], daily_quota=1, monthly_cap=20)
    demo.notes.append(
        f"{demo.tenant.slug}: routing rules for {program.name}, {created} HQ and {offices} office locations, "
        "a named account (Globodyne), a paused partner and one with a daily quota"
    )
