"""Reads of the policy half, as the acting membership may see them: licences (a partner user its
own company's, staff their tenant's), the verification queue, territories, and the options of
the policy pages' forms."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from partners.models import Partner
from partners.permissions import VIEW as PARTNER_VIEW
from partners.permissions import partner_require

from ..models import LicenceStatus, LicenceType, PartnerLicence, ProductLine, TerritoryGrant
from ..permissions import VIEW, licence_require, territory_require
from ..services.policy import grant_in_force


def own_partner_for_actor(*, actor) -> Partner:
    """A partner user's own company (with its type), for the portal's policy pages."""
    if not actor.is_partner_user:
        raise Http404
    partner = Partner.objects.select_related("partner_type").filter(pk=actor.partner_id).first()
    if partner is None:
        raise Http404
    return partner


def licence_list_for_actor(*, actor, partner: Partner | None = None) -> QuerySet[PartnerLicence]:
    """Licences newest first: a partner user sees its own company's; staff any partner's (or one's)."""
    queryset = PartnerLicence.objects.select_related("licence_type", "uploaded_by__user", "verified_by__user")
    if actor.is_partner_user:
        partner = partner or actor.partner_id
    licence_require(actor, partner, VIEW)
    if partner is not None:
        queryset = queryset.filter(partner=partner)
    return queryset.order_by("-uploaded_at", "-id")


def licence_get_for_actor(*, actor, licence_id: int) -> PartnerLicence:
    """One licence: a partner user only its own company's, staff any of their tenant's. Else 404."""
    queryset = PartnerLicence.objects.select_related("partner", "licence_type")
    if actor.is_partner_user:
        queryset = queryset.filter(partner_id=actor.partner_id)  # nothing to read of others
    licence = queryset.filter(pk=licence_id).first()
    if licence is None:
        raise Http404
    licence_require(actor, licence, VIEW)
    return licence


def licence_queue_for_actor(*, actor) -> QuerySet[PartnerLicence]:
    """The vendor's verification queue: pending licences, oldest first (serves licence_pending_idx)."""
    licence_require(actor, None, VIEW)  # every partner's: staff only
    return (
        PartnerLicence.objects.filter(status=LicenceStatus.PENDING)
        .select_related("partner", "licence_type", "uploaded_by__user")
        .order_by("uploaded_at", "id")
    )


def territories_for_actor(*, actor, partner: Partner) -> list[TerritoryGrant]:
    """The partner's grants in force today (a partner user: only its own company's)."""
    territory_require(actor, partner, VIEW)
    return list(
        TerritoryGrant.objects.filter(partner=partner)
        .filter(grant_in_force(timezone.localdate()))
        .select_related("region", "product_line")
        .order_by("product_line__name", "country", "id")
    )


def licence_types() -> list[LicenceType]:
    return list(LicenceType.objects.order_by("name"))


def product_line_options(*, active_only: bool = True) -> list[ProductLine]:
    queryset = ProductLine.objects.order_by("name", "id")
    return list(queryset.filter(is_active=True) if active_only else queryset)


def partner_options_for_actor(*, actor) -> list[Partner]:
    """Every partner of the tenant, for staff tools that pick one (the policy check)."""
    partner_require(actor, None, PARTNER_VIEW)  # every partner: staff only
    return list(Partner.objects.select_related("partner_type").order_by("display_name", "id"))
