"""Isolation cases of the partner locator (merged by tests/marketing/isolation.py).

Acme's locator is public and acme partner 1 has a public profile (with a logo); globex's locator is
public too, so that acme's profile asked for on globex's host is a 404 of isolation, not of a
locator that is off. The public pages are on each tenant's host (the bare domain has none). In the
portal only a partner's admins and marketing people keep the profile (a sales rep gets a 403);
in the office every staff member reads the page and the vendor's admins and marketing people
change the settings and featured placement (a channel manager gets a 403)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from marketing.models import LocatorSettings, ProfileStatus, PublicProfile
from marketing.services.locator import profile_publish, profile_save
from prm.tenancy.models import Tenant
from prm.tenancy.scope import platform_scope, tenant_scope

from ..isolation import PUBLIC, STAFF, Case, office_page, office_write, portal_page, portal_write
from .locator_setup import locator_on, settings_data
from .world import MANAGE, built_once, for_world, png

NAME = "Matrix Locator Headline"
PROFILE = lambda ctx: [ctx.profile.pk]  # noqa: E731
PUBLIC_EXPECT = {"anonymous": 200, "anonymous@platform": 404}
PUBLIC_OBJECT = {**PUBLIC_EXPECT, "other_tenant@own_host": 404}
KEEPERS = ("partner_admin",)  # PROFILE_MANAGE: a partner's admins and marketing people


def _locators_on(side, **fields) -> None:
    locator_on(side, **fields)
    with platform_scope():
        for other in Tenant.objects.exclude(pk=side.tenant.pk):
            LocatorSettings.objects.get_or_create(tenant=other, defaults={"enabled": True})


def drafted(ctx, *, with_logo: bool = False) -> None:
    """Acme's locator on, acme partner 1's profile saved (not public) by its admin."""
    side = ctx.side
    _locators_on(side)
    with tenant_scope(side.tenant, partner=side.partner.pk):
        ctx.profile = profile_save(
            actor=side.partner_admin,
            headline=NAME,
            description="Matrix description of a partner that does networks.",
            logo=png() if with_logo else None,
        )


def published(ctx) -> None:
    """Acme partner 1's profile public, with a logo."""
    drafted(ctx, with_logo=True)
    with tenant_scope(ctx.side.tenant, partner=ctx.side.partner.pk):
        ctx.profile = profile_publish(actor=ctx.side.partner_admin)


def prompted(ctx) -> None:
    published(ctx)
    with platform_scope():
        PublicProfile.objects.filter(pk=ctx.profile.pk).update(prompted_at=timezone.now())


@built_once
def featurable(ctx) -> None:
    published(ctx)
    _locators_on(ctx.side, featured_placement=True)


def _profile(ctx) -> PublicProfile:
    with platform_scope():
        return PublicProfile.objects.get(pk=ctx.profile.pk)


def _public_case(**fields) -> Case:
    return Case(area=PUBLIC, setup=published, **{"expect": PUBLIC_EXPECT, **fields})


def _settings_title(ctx) -> str:
    with platform_scope():
        found = LocatorSettings.objects.filter(tenant=ctx.side.tenant).first()
    return found.title if found else ""


SETTINGS_DATA = settings_data(
    title="Matrix locator", intro="Find a partner", frame_ancestors="https://www.acme.example"
)

CASES = {
    "locator": _public_case(contains=lambda ctx: NAME),
    "locator_embed": _public_case(contains=lambda ctx: NAME),
    "locator_partner": _public_case(
        args=PROFILE, object_scoped=True, expect=PUBLIC_OBJECT, contains=lambda ctx: "Contact this partner"
    ),
    "locator_embed_partner": _public_case(
        args=PROFILE, object_scoped=True, expect=PUBLIC_OBJECT, contains=lambda ctx: NAME
    ),
    "locator_contact_sent": _public_case(
        args=PROFILE, object_scoped=True, expect=PUBLIC_OBJECT, contains=lambda ctx: "will be in touch"
    ),
    "locator_logo": _public_case(args=PROFILE, object_scoped=True, expect=PUBLIC_OBJECT),
    "portal:locator_profile": portal_page(allowed=KEEPERS, setup=prompted, contains="Is your profile still right?"),
    "portal:locator_logo": portal_page(allowed=KEEPERS, setup=published),
    "portal:locator_publish": portal_write(
        allowed=KEEPERS, setup=drafted, effect=lambda ctx: _profile(ctx).status == ProfileStatus.PUBLIC
    ),
    "portal:locator_withdraw": portal_write(
        allowed=KEEPERS, setup=published, effect=lambda ctx: _profile(ctx).status == ProfileStatus.DRAFT
    ),
    "portal:locator_confirm": portal_write(
        allowed=KEEPERS, setup=prompted, effect=lambda ctx: _profile(ctx).prompted_at is None
    ),
    "office:locator": office_page(allowed=STAFF, setup=published, contains="Partner locator"),
    "office:locator_settings": office_write(
        allowed=MANAGE, data=SETTINGS_DATA, effect=lambda ctx: _settings_title(ctx) == "Matrix locator"
    ),
    "office:locator_feature": office_write(
        allowed=MANAGE,
        setup=featurable,
        args=PROFILE,
        data={"featured": "on"},
        effect=lambda ctx: _profile(ctx).featured,
    ),
}


# --- for tests/hostile/test_fuzz_forms.py (merged into its FORM_VIEWS): name -> (who, path, valid data)


FORM_VIEWS: dict = {
    "office:locator_settings": (
        lambda w: w.acme.admin,
        lambda w: reverse("office:locator_settings"),
        lambda w: dict(SETTINGS_DATA),
    ),
    "office:locator_feature": (
        lambda w: w.acme.marketing,
        lambda w: reverse("office:locator_feature", args=PROFILE(for_world(w, featurable))),
        lambda w: {"featured": "on"},
    ),
    "portal:locator_profile": (
        lambda w: w.acme.partner_admin,
        lambda w: reverse("portal:locator_profile"),
        lambda w: {
            "headline": "Fuzzed headline",
            "description": "Fuzzed description",
            "public_email": "hello@fuzz.example",
            "public_phone": "+49 30 1234",
            "show_tier": "on",
            "show_contact": "on",
        },
    ),
    "locator_partner": (
        lambda w: None,
        lambda w: reverse("locator_partner", args=PROFILE(for_world(w, featurable))),
        lambda w: {
            "name": "Ada Fuzz",
            "email": "ada@fuzz-locator.de",
            "company": "Fuzz Locator GmbH",
            "country": "DE",
            "message": "Call me",
            "consent": "on",
        },
    ),
}
# POSTs without input (a button).
NO_INPUT: set[str] = {"portal:locator_publish", "portal:locator_withdraw", "portal:locator_confirm"}

__all__ = ["CASES", "FORM_VIEWS", "NO_INPUT"]
