"""Isolation cases of announcements (merged by tests/marketing/isolation.py).

Acme partner 1 holds the tier "Matrix Gold"; acme has two announcements for that tier ("Matrix
announcement", and "Matrix pinned", pinned), which partner 2's admin (no tier) and globex do not
see: a 404. Writes in the back office are for the vendor's admins and channel marketing
(``MARKETING_MANAGE``): the channel manager gets a 403."""

from __future__ import annotations

from django.urls import reverse

from marketing.models import Announcement, AnnouncementReceipt, DigestFrequency
from marketing.services.announcements import announcement_create
from marketing.services.audience import AudienceChoice
from prm.tenancy.scope import tenant_scope

from ..isolation import Case, in_platform, office_page, office_write, portal_page, portal_write
from .world import MANAGE, built_once, for_world, tier_held_by


@built_once
def announcements(ctx) -> None:
    side = ctx.side
    with tenant_scope(side.tenant):
        tier = tier_held_by(side.partner, name="Matrix Gold")
        audience = AudienceChoice(tier_ids=(tier.pk,))
        ctx.tier = tier
        ctx.announcement = announcement_create(
            actor=side.marketing, title="Matrix announcement", body="Matrix news for Gold", audience=audience
        )
        ctx.pinned = announcement_create(
            actor=side.marketing, title="Matrix pinned", body="Matrix pinned news", pinned=True, audience=audience
        )


def _get(ctx, which: str = "announcement") -> Announcement:
    return Announcement.objects.get(pk=getattr(ctx, which).pk)


@in_platform
def created(ctx) -> bool:
    return Announcement.objects.filter(tenant=ctx.side.tenant, title="Matrix new announcement").exists()


@in_platform
def pinned(ctx) -> bool:
    return _get(ctx).pinned


@in_platform
def unpinned(ctx) -> bool:
    return not _get(ctx, "pinned").pinned


@in_platform
def withdrawn(ctx) -> bool:
    return _get(ctx).expires_at is not None


@in_platform
def all_read(ctx) -> bool:
    return AnnouncementReceipt.objects.filter(partner=ctx.side.partner).count() == 2


ONE = lambda ctx: [ctx.announcement.pk]  # noqa: E731
PINNED = lambda ctx: [ctx.pinned.pk]  # noqa: E731


def fields(ctx=None, *, title: str = "Matrix new announcement") -> dict:
    return {"title": title, "body": "Matrix text", "publish_at": "", "expires_at": ""}


CASES: dict[str, Case] = {
    "office:announcements": office_page(setup=announcements, contains="Matrix pinned"),
    "office:announcement_create": office_page(allowed=MANAGE, setup=announcements, contains="Matrix Gold"),
    "office:announcement": office_page(setup=announcements, args=ONE, contains="Matrix news for Gold"),
    "office:announcement_edit": office_page(allowed=MANAGE, setup=announcements, args=ONE, contains="Matrix news"),
    "office:announcement_pin": office_write(allowed=MANAGE, setup=announcements, args=ONE, effect=pinned),
    "office:announcement_unpin": office_write(allowed=MANAGE, setup=announcements, args=PINNED, effect=unpinned),
    "office:announcement_withdraw": office_write(allowed=MANAGE, setup=announcements, args=ONE, effect=withdrawn),
    "portal:announcements": portal_page(setup=announcements, contains="Matrix pinned"),
    "portal:announcement": portal_page(setup=announcements, args=ONE, contains="Matrix news for Gold"),
    "portal:announcements_read_all": portal_write(setup=announcements, effect=all_read),
    "portal:announcement_settings": portal_page(contains="A weekly digest"),
}
# The create, edit and settings pages are GET cases here (a URL has one case); their POSTs go
# through the same view (area, capability, selector), are fuzzed (FORM_VIEWS) and tested in
# test_announcement_pages.py.


# --- for tests/hostile/test_fuzz_forms.py (merged into its FORM_VIEWS): name -> (who, path, valid data)


FORM_VIEWS: dict = {
    "office:announcement_create": (
        lambda w: w.acme.marketing,
        lambda w: reverse("office:announcement_create"),
        lambda w: fields(),
    ),
    "office:announcement_edit": (
        lambda w: w.acme.marketing,
        lambda w: reverse("office:announcement_edit", args=ONE(for_world(w, announcements))),
        lambda w: fields(title="Matrix renamed"),
    ),
    "portal:announcement_settings": (
        lambda w: w.acme.sales_rep,
        lambda w: reverse("portal:announcement_settings"),
        lambda w: {"frequency": DigestFrequency.WEEKLY},
    ),
}
# POSTs without input (a button).
NO_INPUT: set[str] = {
    "office:announcement_pin",
    "office:announcement_unpin",
    "office:announcement_withdraw",
    "portal:announcements_read_all",
}
