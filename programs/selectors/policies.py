"""Reads of the policy half, as the acting membership may see them: licences (a partner user its
own company's, staff their tenant's), the verification queue, territories, and the options of
the policy pages' forms. The partners a page names come from ``partners.selectors``."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from partners.models import Partner

from ..models import LicenceStatus, LicenceType, PartnerLicence, Product, ProductLine, TerritoryGrant
from ..permissions import VIEW, licence_require, territory_require
from ..services.policy import grant_in_force


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


def licence_review_list_for_actor(*, actor) -> QuerySet[PartnerLicence]:
    """The vendor's verification queue: pending licences, oldest first (serves licence_pending_idx)."""
    licence_require(actor, None, VIEW)  # every partner's: staff only
    return (
        PartnerLicence.objects.filter(status=LicenceStatus.PENDING)
        .select_related("partner", "licence_type", "uploaded_by__user")
        .order_by("uploaded_at", "id")
    )


def territory_list_for_actor(*, actor, partner: Partner) -> list[TerritoryGrant]:
    """The partner's grants in force today (a partner user: only its own company's)."""
    territory_require(actor, partner, VIEW)
    return list(
        TerritoryGrant.objects.filter(partner=partner)
        .filter(grant_in_force(timezone.localdate()))
        .select_related("region", "product_line")
        .order_by("product_line__name", "country", "id")
    )


# The tenant's catalogue configuration, which every member of the tenant reads (no actor decides
# what of it is seen): the choices of the policy pages' forms.


def licence_type_options() -> list[LicenceType]:
    return list(LicenceType.objects.order_by("name"))


def product_line_options(*, active_only: bool = True) -> list[ProductLine]:
    queryset = ProductLine.objects.order_by("name", "id")
    return list(queryset.filter(is_active=True) if active_only else queryset)


# --- the catalogue, for other apps (deal registration) ---------------------------------------


def product_catalogue() -> list[Product]:
    """The products on offer, by line: active products of active lines, each with its line."""
    products = Product.objects.filter(is_active=True, line__is_active=True).select_related("line")
    return list(products.order_by("line__name", "name", "id"))


def product_line_choices():
    """Every product line, by name (configuration forms)."""
    return ProductLine.objects.order_by("name")
