"""What the partner locator's tests share: the locator switched on, partners with public profiles
(a place on the map, a tier, competencies held), and a visitor's client on a tenant's host."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from learning.models import CompetencyHolding
from marketing.models import PublicProfile
from marketing.services.locator import locator_settings_save, profile_publish, profile_save
from partners.models import PartnerLocation
from prm import geo
from prm.accounts.roles import Role
from prm.tenancy.scope import platform_scope, tenant_scope

from ..conftest import host_of
from ..factories import EnrollmentFactory, PartnerFactory, PartnerMembershipFactory, ProgramFactory, TierFactory
from ..learning.factories import CompetencyFactory

DESCRIPTION = "We plan, install and run networks for companies of every size, with certified engineers. " * 4


def visitor(side, ip: str = "203.0.113.7") -> Client:
    """An anonymous visitor on the tenant's host."""
    return Client(HTTP_HOST=host_of(side.tenant), REMOTE_ADDR=ip)


def locator_on(side, **fields):
    """The side's locator, public (its vendor admin saves the settings)."""
    with tenant_scope(side.tenant):
        return locator_settings_save(actor=side.admin, **{"enabled": True, **fields})


def settings_data(**changes) -> dict:
    """The locator's settings form as the vendor fills it in, with ``changes``."""
    data = {
        "enabled": "on",
        "title": "Find an Acme partner",
        "intro": "Certified partners near you.",
        "frame_ancestors": "https://www.acme.example\nhttps://shop.acme.example",
        "confirm_every_months": "12",
        "hide_after_days": "30",
        "featured_label": "",
        "weight_tier": "40",
        "weight_competencies": "25",
        "weight_proximity": "25",
        "weight_completeness": "10",
    }
    data.update(changes)
    return data


def place(partner, city: str, country: str = "DE", *, hq: bool = False) -> PartnerLocation:
    """A location of ``partner`` at ``city``'s coordinates (``prm.geo``)."""
    found = geo.locate(city, country)
    with platform_scope():
        return PartnerLocation.objects.create(
            tenant_id=partner.tenant_id,
            partner=partner,
            city=city,
            country=country,
            latitude=found.latitude,
            longitude=found.longitude,
            is_headquarters=hq,
        )


def admin_of(partner):
    return PartnerMembershipFactory(tenant=partner.tenant, partner=partner, role=Role.PARTNER_ADMIN)


def publish(partner, *, admin=None, headline: str = "Networks done right", description: str = DESCRIPTION, **fields):
    """The partner's profile, saved and published by its admin in its own scope."""
    admin = admin or admin_of(partner)
    with tenant_scope(partner.tenant_id, partner=partner.pk):
        profile_save(actor=admin, headline=headline, description=description, **fields)
        return profile_publish(actor=admin)


def public_partner(side, name: str, *, city: str = "", country: str = "DE", **fields):
    """A new active partner of ``side`` with a public profile (and a location at ``city``)."""
    partner = PartnerFactory(tenant=side.tenant, display_name=name, legal_name=f"{name} GmbH", country=country)
    if city:
        place(partner, city, country, hq=True)
    profile = publish(partner, **fields)
    return partner, profile


def ladder(side, names=("Bronze", "Silver", "Gold")):
    """A program whose tiers rank 1, 2, 3 (the last is the top)."""
    program = ProgramFactory(tenant=side.tenant, name="Resell partners")
    return [
        TierFactory(tenant=side.tenant, program=program, rank=rank, name=name) for rank, name in enumerate(names, 1)
    ]


def enrol(partner, tier):
    return EnrollmentFactory(tenant=partner.tenant, partner=partner, tier=tier)


def competency(side, name: str):
    return CompetencyFactory(tenant=side.tenant, name=name, code=name.lower().replace(" ", "-"))


def holds(partner, held) -> CompetencyHolding:
    """``partner`` holds the competency now (an open holding, as the learning app's recompute
    writes it)."""
    with platform_scope():
        return CompetencyHolding.objects.create(
            tenant_id=partner.tenant_id, partner=partner, competency=held, gained_at=timezone.now()
        )


def profile_of(partner) -> PublicProfile:
    with platform_scope():
        return PublicProfile.objects.get(partner=partner)
