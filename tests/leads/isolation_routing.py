"""Isolation cases of lead distribution: the routing part (tests/leads/isolation.py merges them), with
its form views for the hostile-input fuzz (tests/hostile/test_fuzz_forms.py).

Acme partner 1 is enrolled in a program with a rule for everyone; ``ctx.lead`` is a new lead of
acme (for the writes, routed or not as each needs); ``ctx.location`` a location of partner 1."""

from __future__ import annotations

from types import SimpleNamespace

from django.urls import reverse

from leads.models import LeadOffer, OfferStatus, RoutingDecision
from leads.services.routing import lead_route
from partners.models import PartnerLocation
from prm.tenancy.scope import platform_scope, tenant_scope

from ..factories import EnrollmentFactory, ProgramFactory, TierFactory
from ..isolation import STAFF, office_page, office_write, portal_page, portal_write
from .factories import LeadFactory, RoutingRuleFactory


def _program(side):
    built = getattr(side, "_routing_program", None)
    if built is None:
        program = ProgramFactory(tenant=side.tenant, name="Routing matrix", slug="routing-matrix")
        tier = TierFactory(tenant=side.tenant, program=program, name="Matrix tier", lead_routing_weight=1)
        EnrollmentFactory(tenant=side.tenant, partner=side.partner, tier=tier)
        RoutingRuleFactory(tenant=side.tenant, program=program, name="Matrix rule", is_fallback=True)
        built = side._routing_program = program
    return built


def new_lead(ctx) -> None:
    side = ctx.side
    _program(side)
    with tenant_scope(side.tenant):
        ctx.lead = LeadFactory(tenant=side.tenant, company="Matrix Prospect")


def routed_lead(ctx) -> None:
    new_lead(ctx)
    with tenant_scope(ctx.side.tenant):
        lead_route(lead=ctx.lead, trigger="new")


def location(ctx) -> None:
    with platform_scope():
        ctx.location = PartnerLocation.objects.create(
            tenant=ctx.side.tenant, partner=ctx.side.partner, city="Hamburg", country="DE", label="Matrix office"
        )


LEAD = lambda ctx: [ctx.lead.pk]  # noqa: E731
LOCATION = lambda ctx: [ctx.location.pk]  # noqa: E731


def _decided(ctx) -> bool:
    with platform_scope():
        return RoutingDecision.objects.filter(lead_id=ctx.lead.pk).exists()


def _offered_to_partner_1(ctx) -> bool:
    with platform_scope():
        return LeadOffer.objects.filter(lead_id=ctx.lead.pk, partner=ctx.side.partner).exists()


def _withdrawn(ctx) -> bool:
    with platform_scope():
        return LeadOffer.objects.filter(lead_id=ctx.lead.pk, status=OfferStatus.WITHDRAWN).exists()


def _capacity_saved(ctx) -> bool:
    from leads.models import LeadCapacity

    with platform_scope():
        return LeadCapacity.objects.filter(partner=ctx.side.partner, daily_quota=7).exists()


def _location_added(ctx) -> bool:
    with platform_scope():
        return PartnerLocation.objects.filter(partner=ctx.side.partner, city="Bremen").exists()


def _location_removed(ctx) -> bool:
    with platform_scope():
        return not PartnerLocation.objects.filter(pk=ctx.location.pk).exists()


CAPACITY = {"monthly_cap": "40", "daily_quota": "7", "paused_reason": "", "away_from": "", "away_until": ""}
PLACE = {"label": "North", "city": "Bremen", "postal_code": "28195", "country": "DE", "latitude": "", "longitude": ""}

CASES: dict = {
    "office:lead_routing": office_page(allowed=STAFF, args=LEAD, setup=routed_lead, contains="Matrix rule"),
    "office:lead_route_now": office_write(allowed=STAFF, args=LEAD, setup=new_lead, effect=_decided),
    "office:lead_offer_to": office_write(
        allowed=STAFF,
        args=LEAD,
        setup=new_lead,
        data=lambda ctx: {"partner": str(ctx.side.partner.pk), "note": "Knows them"},
        effect=_offered_to_partner_1,
    ),
    "office:lead_offer_withdraw": office_write(allowed=STAFF, args=LEAD, setup=routed_lead, effect=_withdrawn),
    "portal:lead_capacity": portal_page(allowed=("partner_admin",), contains="Lead capacity"),
    "portal:lead_location_add": portal_write(allowed=("partner_admin",), data=PLACE, effect=_location_added),
    "portal:lead_location_remove": portal_write(
        allowed=("partner_admin",), args=LOCATION, setup=location, effect=_location_removed
    ),
}

# --- for tests/hostile/test_fuzz_forms.py (merged into its FORM_VIEWS): name -> (who, path, valid data)


def _world_ctx(world):
    ctx = getattr(world, "_leads_routing", None)
    if ctx is None:
        ctx = SimpleNamespace(side=world.acme)
        new_lead(ctx)
        world._leads_routing = ctx
    return ctx


FORM_VIEWS: dict = {
    "office:lead_offer_to": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:lead_offer_to", args=LEAD(_world_ctx(w))),
        lambda w: {"partner": str(w.acme.partner.pk), "note": "Knows them"},
    ),
    "portal:lead_capacity": (
        lambda w: w.acme.partner_admin,
        lambda w: reverse("portal:lead_capacity"),
        lambda w: dict(CAPACITY),
    ),
    "portal:lead_location_add": (
        lambda w: w.acme.partner_admin,
        lambda w: reverse("portal:lead_location_add"),
        lambda w: dict(PLACE),
    ),
}
# POSTs without input (a button).
NO_INPUT: set[str] = {"office:lead_route_now", "office:lead_offer_withdraw", "portal:lead_location_remove"}
