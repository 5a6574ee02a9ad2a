"""Reads of partner records, as the acting membership may see them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Func, Q, QuerySet
from django.http import Http404

from prm.memo import tenant_memo
from prm.tenancy.search import contains_ignoring_case

from .hooks import directory_facets
from .models import INVEST_TAG, Partner, PartnerContact, PartnerLocation, PartnerType, tag_label
from .permissions import VIEW, partner_require

SORTS = {
    "name": ("display_name", "id"),
    "-name": ("-display_name", "-id"),
    "newest": ("-created_at", "-id"),
    "status": ("status", "display_name", "id"),
    "country": ("country", "display_name", "id"),
}


def _with_directory_relations(queryset: QuerySet[Partner]) -> QuerySet[Partner]:
    """What a directory row and a record read: the type, the manager, and what the directory's
    facets show (``partners.hooks``), prefetched."""
    prefetches = [prefetch for facet in directory_facets() for prefetch in facet.prefetch()]
    return queryset.select_related("partner_type", "account_manager__user").prefetch_related(*prefetches)


def _directory_filtered(
    *,
    search: str = "",
    partner_type=None,
    status: str = "",
    country: str = "",
    manager=None,
    tag: str = "",
    sort: str = "name",
    facets: dict | None = None,
) -> QuerySet[Partner]:
    queryset = Partner.objects.all()
    if search:
        term = search.strip()
        # Not __icontains: under row-level security the planner cannot estimate LIKE and would
        # read every partner to sort them (prm/tenancy/search.py).
        queryset = queryset.filter(
            Q(contains_ignoring_case("display_name", term))
            | Q(contains_ignoring_case("legal_name", term))
            | Q(external_crm_id__iexact=term)
            | Q(email_domains__contains=[term.lower()])
        )
    if partner_type is not None:
        queryset = queryset.filter(partner_type=partner_type)
    chosen = facets or {}
    for facet in directory_facets():
        if chosen.get(facet.name) is not None:
            queryset = facet.narrow(queryset, chosen[facet.name])
    if status:
        queryset = queryset.filter(status=status)
    if country:
        queryset = queryset.filter(country=country.upper())
    if manager is not None:
        queryset = queryset.filter(account_manager=manager)
    if tag:
        # A predicate on the rows the other filters and the name index give: no index serves an
        # array test under row-level security (not LEAKPROOF), see the model's indexes.
        queryset = queryset.filter(tags__contains=[tag])
    return queryset.order_by(*SORTS.get(sort, SORTS["name"]))


def partner_list_for_actor(*, actor, **filters) -> QuerySet[Partner]:
    """Every partner of the tenant, filtered and sorted as the directory is (``search``,
    ``partner_type``, ``status``, ``country``, ``manager`` (a staff membership or its id),
    ``tag``, ``sort``, and ``facets``: the chosen values of the directory's facets by name,
    ``partners.hooks``), with their relations: the export, the dashboard."""
    partner_require(actor, None, VIEW)  # every partner: staff only (a partner user sees its own)
    return _with_directory_relations(_directory_filtered(**filters))


# What a directory row shows of a partner; names come from the tenant's reference data.
DIRECTORY_FIELDS = (
    "id",
    "display_name",
    "legal_name",
    "status",
    "country",
    "partner_type_id",
    "account_manager_id",
    "tags",
)


def partner_directory_for_actor(*, actor, **filters) -> QuerySet[dict]:
    """The back-office directory (filters as ``partner_list_for_actor``): the few fields a row
    shows, as dicts. Building ~300 model instances per page was most of the page's time; the
    type's and the manager's names come from ``partner_type_options`` and the staff list."""
    partner_require(actor, None, VIEW)  # every partner: staff only
    return _directory_filtered(**filters).values(*DIRECTORY_FIELDS)


@dataclass(frozen=True)
class PartnerTypeOption:
    id: int
    slug: str
    name: str


def _partner_type_options() -> tuple[PartnerTypeOption, ...]:
    return tuple(PartnerTypeOption(t.pk, t.slug, t.name) for t in PartnerType.objects.order_by("name", "id"))


def partner_type_options() -> tuple[PartnerTypeOption, ...]:
    """The tenant's partner types by name (the directory's filter and rows). Reference data,
    memoised per tenant (``prm.memo``; types change in the admin, which says so)."""
    return tenant_memo("partner_types", _partner_type_options)


def _partner_tags() -> tuple[str, ...]:
    in_use = Partner.objects.annotate(tag=Func(F("tags"), function="unnest")).values_list("tag", flat=True)
    return tuple(sorted({INVEST_TAG, *in_use.distinct().order_by()}))


def partner_tag_options() -> tuple[str, ...]:
    """The tags the tenant's partners carry, and the investment tag always (what the directory's
    filter, program targeting, routing rules and MDF allocation offer). Reference data, memoised
    per tenant: a service that changes tags says so (``reference_changed``), as the admin does."""
    return tenant_memo("partner_tags", _partner_tags)


def partner_tag_choices() -> list[tuple[str, str]]:
    """``partner_tag_options`` as (tag, how it reads) choices, in the reader's language."""
    return [(tag, tag_label(tag)) for tag in partner_tag_options()]


def company_summary_for_actor(*, actor) -> dict:
    """What the portal home's company card shows of the actor's own partner: its status and its
    channel account manager's name. One narrow row, not the record with its relations (the home
    renders on every sign-in)."""
    partner = (
        Partner.objects.filter(pk=actor.partner_id)
        .select_related("account_manager__user")
        .only(
            "status",
            "account_manager__user__first_name",
            "account_manager__user__last_name",
            "account_manager__user__email",
        )
        .first()
    )
    if partner is None:
        raise Http404
    manager = partner.account_manager
    return {"status": partner.get_status_display(), "manager": str(manager.user) if manager else ""}


def partner_get_for_actor(*, actor, partner_id: int) -> Partner:
    """One partner: staff see any of their tenant's, a partner user only its own. Else 404."""
    queryset = Partner.objects.select_related("partner_type", "account_manager__user", "parent")
    partner = _with_directory_relations(queryset).filter(pk=partner_id).first()
    if partner is None:
        raise Http404
    partner_require(actor, partner, VIEW)
    return partner


def company_get_for_actor(*, actor) -> Partner:
    """A partner user's own company, with its type and nothing more (the portal's pages about the
    company that need no record: products, licences). Staff have no company: a 404."""
    if not actor.is_partner_user:
        raise Http404
    partner = Partner.objects.select_related("partner_type").filter(pk=actor.partner_id).first()
    if partner is None:
        raise Http404
    partner_require(actor, partner, VIEW)
    return partner


def partner_options_for_actor(*, actor) -> list[Partner]:
    """Every partner of the tenant with its type, by name, for staff tools that pick one (the
    policy check): staff only, a partner user asking is a 404."""
    partner_require(actor, None, VIEW)  # every partner: staff only
    return list(Partner.objects.select_related("partner_type").order_by("display_name", "id"))


def partner_count_by_status_for_actor(*, actor) -> dict[str, int]:
    """How many of the tenant's partners are in each status (the back office's dashboard)."""
    partner_require(actor, None, VIEW)
    return dict(Partner.objects.values_list("status").annotate(n=Count("id")).order_by())


def contact_get_for_actor(*, actor, partner_id: int, contact_id: int) -> PartnerContact:
    """One contact of one partner the actor may see. Else 404."""
    contact = PartnerContact.objects.select_related("partner").filter(partner_id=partner_id, pk=contact_id).first()
    if contact is None:
        raise Http404
    partner_require(actor, contact.partner, VIEW)
    return contact


def primary_contact_for_actor(*, actor, partner_id: int) -> PartnerContact | None:
    """A partner's primary contact (the first recorded, when there are several) for whoever may
    see the partner: what a co-branded PDF's contact block falls back to. None without one."""
    partner_require(actor, Partner(pk=partner_id, tenant_id=actor.tenant_id), VIEW)
    primary = PartnerContact.objects.filter(partner_id=partner_id, role=PartnerContact.ContactRole.PRIMARY)
    return primary.order_by("created_at", "id").first()


def partner_locations_for_actor(*, actor, partner_id: int) -> list[PartnerLocation]:
    """The places a partner works from (the HQ first), for whoever may see the partner."""
    partner_require(actor, Partner(pk=partner_id, tenant_id=actor.tenant_id), VIEW)
    return list(PartnerLocation.objects.filter(partner_id=partner_id).order_by("-is_headquarters", "city", "id"))


def partner_locations_shown(*, partner_id: int) -> list[PartnerLocation]:
    """The places a partner works from (the HQ first) for a public page that already decided the
    partner shows them (the partner locator: the partner opted in and chose to show its
    locations). No actor: the public has none."""
    return list(PartnerLocation.objects.filter(partner_id=partner_id).order_by("-is_headquarters", "city", "id"))


def location_get_for_actor(*, actor, location_id: int) -> PartnerLocation:
    """One location of a partner the actor may see (404 otherwise)."""
    location = PartnerLocation.objects.select_related("partner").filter(pk=location_id).first()
    if location is None:
        raise Http404
    partner_require(actor, location.partner, VIEW)
    return location
