"""Every read of the public partner locator.

**The search** (``locator_search``) is one statement per page, whatever the number of partners or
results: the public profiles of active partners in the tenant, filtered (country: the partner's HQ
country, a country it serves or one of its shown locations; region served; industry; product
line; tier: at least the chosen tier of its program; competency held; a keyword; distance from a
place), each scored, ordered and counted (``count(*) OVER ()``), the page's rows with everything
the page shows. The score is explained on the page, part by part, with the tenant's weights:

* **tier**: the weight times the partner's tier rank as a share of its program's top rank (the
  best share over its programs; Gold as the top of three tiers gets all of it, Silver two thirds);
* **competencies**: the weight times the share of the tenant's active competencies it holds now
  (``learning.selectors.certificates.competencies_held_sql``: the learning app's holdings);
* **proximity** (only when the visitor names a place, geocoded by ``prm.geo``): the weight times
  ``1 - distance / radius``, from the partner's nearest shown location (the haversine in SQL);
  partners farther than the radius are not listed;
* **completeness**: the weight times the profile's completeness (``services.locator``).

Each part is rounded to whole points and the score is their sum. Featured (sponsored) partners
come first only when the vendor turned featured placement on, and the page says so. A part the
partner keeps private (its tier, competencies or locations) neither counts nor matches a filter.

The profile page (``locator_profile_for_public``) and the portal's preview read the same
``profile_page``; the office lists every profile with its state (``profile_rows_for_actor``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Count, F, QuerySet
from django.http import Http404
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy, ngettext

from learning.selectors.certificates import (
    competencies_held_sql,
    competency_names_held,
    competency_options,
    valid_certifications_of_partner,
)
from partners.models import Partner, PartnerStatus
from partners.selectors import partner_locations_shown
from prm import geo
from prm.countries import country_name
from prm.memo import tenant_memo
from prm.segments import INDUSTRY_CHOICES, REGION_CHOICES
from prm.tenancy.scope import current_tenant_id
from programs.selectors.policies import product_line_options
from programs.selectors.tiers import TierOption, tier_options, tiers_by_partner

from ..models import LocatorSettings, ProfileStatus, PublicProfile
from ..permissions import MARKETING_VIEW, PROFILE_MANAGE

PER_PAGE = 10
RADIUS_CHOICES = (25, 50, 100, 250, 500, 1000)
DEFAULT_RADIUS = 250
KEYWORDS_MAX = 8

_INDUSTRIES = dict(INDUSTRY_CHOICES)
_REGIONS = dict(REGION_CHOICES)


# --- settings and reference data ---------------------------------------------------------------------


def locator_settings() -> LocatorSettings | None:
    """The tenant's locator settings, or None before the vendor saved any (the locator is off)."""
    return LocatorSettings.objects.first()


def locator_settings_public() -> LocatorSettings:
    """The settings of a locator that is on; a 404 for the public when it is off."""
    found = locator_settings()
    if found is None or not found.enabled:
        raise Http404
    return found


def frame_ancestors_of(found: LocatorSettings) -> list[str]:
    """The embeddable page's CSP ``frame-ancestors`` sources: the vendor's sites, else ``'none'``."""
    return list(found.frame_ancestors or []) or ["'none'"]


@dataclass(frozen=True)
class LocatorOptions:
    """What the search form offers: tiers (by program and rank), competencies, product lines."""

    tiers: tuple[tuple[int, str], ...]
    competencies: tuple[tuple[int, str], ...]
    product_lines: tuple[tuple[int, str], ...]


def _build_options() -> LocatorOptions:
    return LocatorOptions(
        tiers=tuple((tier.id, tier.label) for tier in tier_options()),
        competencies=tuple(competency_options()),
        product_lines=tuple((line.pk, line.name) for line in product_line_options()),
    )


def locator_options() -> LocatorOptions:
    """Memoised per tenant (``prm.memo``): tiers and product lines change in the admin, which says
    so; a new competency shows within the memo's lifetime."""
    return tenant_memo("marketing.locator_options", _build_options)


# --- the search ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocatorQuery:
    """What the visitor asks (the search form's cleaned values)."""

    q: str = ""
    country: str = ""
    region: str = ""
    industry: str = ""
    product_line_id: int | None = None
    tier_id: int | None = None
    competency_id: int | None = None
    near: str = ""
    radius_km: int = DEFAULT_RADIUS


@dataclass(frozen=True)
class ScorePart:
    text: str  # "Gold tier: 40 of 40"
    points: int
    max_points: int


@dataclass
class LocatorResult:
    profile_id: int
    partner_id: int
    name: str
    headline: str
    city: str
    country: str
    has_logo: bool
    featured: bool  # shown as sponsored (only when the vendor's placement is on)
    tier: str
    tier_color: str
    competencies: list[str]
    distance_km: float | None
    near_city: str
    score: int
    max_score: int
    parts: list[ScorePart]


@dataclass
class LocatorPage:
    """One page of results: rows, the total, and what the page says about the search."""

    results: list[LocatorResult]
    total: int
    number: int
    per_page: int
    origin: geo.Location | None = None
    notices: list[str] = field(default_factory=list)
    max_score: int = 0


_SEARCH_SQL = """
WITH held AS MATERIALIZED ({held}),
candidates AS (
    SELECT pp.id, pp.partner_id, pp.headline, pp.completeness, pp.featured, pp.show_tier,
        pp.show_competencies, pp.show_locations, (pp.logo <> '') AS has_logo,
        p.display_name::text AS name,
        -- The HQ's city is a location: shown only when the partner shows its locations.
        CASE WHEN pp.show_locations THEN p.city ELSE '' END AS city, p.country
    FROM marketing_publicprofile pp
    JOIN partners_partner p ON p.id = pp.partner_id AND p.tenant_id = pp.tenant_id
    WHERE pp.tenant_id = %(tenant)s AND pp.status = 'public' AND p.status = 'active'
        AND (%(tsquery)s = '' OR pp.search @@ to_tsquery('simple', %(tsquery)s))
        AND (%(country)s = '' OR p.country = %(country)s OR %(country)s = ANY(p.countries_served)
            OR (pp.show_locations AND EXISTS (
                SELECT 1 FROM partners_partnerlocation l
                WHERE l.tenant_id = pp.tenant_id AND l.partner_id = pp.partner_id AND l.country = %(country)s)))
        AND (%(region)s = '' OR %(region)s = ANY(p.regions_served))
        AND (%(industry)s = '' OR %(industry)s = ANY(p.industries))
        AND (%(line)s::bigint IS NULL OR %(line)s::bigint = ANY(pp.product_line_ids))
        -- At least the chosen tier of its program, where the partner shows its tier.
        AND (%(tier)s::bigint IS NULL OR (pp.show_tier AND EXISTS (
            SELECT 1 FROM programs_enrollment e
            JOIN programs_tier t ON t.id = e.tier_id AND t.tenant_id = e.tenant_id
            JOIN programs_tier x ON x.id = %(tier)s::bigint AND x.tenant_id = e.tenant_id
            JOIN programs_program g ON g.id = t.program_id AND g.tenant_id = t.tenant_id AND g.is_active
            WHERE e.tenant_id = pp.tenant_id AND e.partner_id = pp.partner_id
                AND t.program_id = x.program_id AND t.rank >= x.rank)))
        AND (%(competency)s::bigint IS NULL OR (pp.show_competencies AND EXISTS (
            SELECT 1 FROM held h WHERE h.partner_id = pp.partner_id AND h.competency_id = %(competency)s::bigint)))
), tops AS (
    SELECT program_id, max(rank) AS top FROM programs_tier WHERE tenant_id = %(tenant)s GROUP BY program_id
), tiers AS (
    -- The partner's best tier: the highest share of its program's top rank.
    SELECT DISTINCT ON (e.partner_id) e.partner_id, t.name::text AS tier, t.color::text AS color,
        t.rank::float8 / greatest(o.top, 1) AS share
    FROM candidates c
    JOIN programs_enrollment e ON e.tenant_id = %(tenant)s AND e.partner_id = c.partner_id
    JOIN programs_tier t ON t.id = e.tier_id AND t.tenant_id = e.tenant_id
    JOIN programs_program g ON g.id = t.program_id AND g.tenant_id = t.tenant_id AND g.is_active
    JOIN tops o ON o.program_id = t.program_id
    WHERE c.show_tier
    ORDER BY e.partner_id, t.rank::float8 / greatest(o.top, 1) DESC, t.rank DESC, t.id
), competencies AS (
    SELECT h.partner_id, count(*) AS n, array_agg(h.name::text ORDER BY h.name) AS names
    FROM candidates c JOIN held h ON h.partner_id = c.partner_id
    WHERE c.show_competencies
    GROUP BY h.partner_id
), nearest AS (
    SELECT DISTINCT ON (l.partner_id) l.partner_id, l.city::text AS city, {haversine} AS km
    FROM candidates c
    JOIN partners_partnerlocation l ON l.tenant_id = %(tenant)s AND l.partner_id = c.partner_id
    WHERE %(located)s AND c.show_locations AND l.latitude IS NOT NULL AND l.longitude IS NOT NULL
    ORDER BY l.partner_id, km
), scored AS (
    SELECT c.*, tr.tier, tr.color, coalesce(k.n, 0) AS held, coalesce(k.names, '{{}}') AS names,
        n.km, n.city AS near_city,
        round((%(w_tier)s * coalesce(tr.share, 0))::numeric)::int AS tier_points,
        round((%(w_competencies)s
            * least(coalesce(k.n, 0)::float8 / greatest(%(competency_total)s, 1), 1))::numeric)::int
            AS competency_points,
        CASE WHEN n.km IS NULL THEN 0
            ELSE round((%(w_proximity)s * greatest(0, 1 - n.km / %(radius)s))::numeric)::int END AS proximity_points,
        round((%(w_completeness)s * c.completeness / 100.0)::numeric)::int AS completeness_points
    FROM candidates c
    LEFT JOIN tiers tr ON tr.partner_id = c.partner_id
    LEFT JOIN competencies k ON k.partner_id = c.partner_id
    LEFT JOIN nearest n ON n.partner_id = c.partner_id
    WHERE NOT %(located)s OR n.km <= %(radius)s
)
SELECT id, partner_id, name, headline, city, country, has_logo, featured AND %(featured_first)s, tier, color,
    held, names, km, near_city, tier_points, competency_points, proximity_points, completeness_points, completeness,
    tier_points + competency_points + proximity_points + completeness_points AS score,
    count(*) OVER () AS total
FROM scored
ORDER BY featured AND %(featured_first)s DESC, score DESC, km NULLS LAST, name, id
LIMIT %(limit)s OFFSET %(offset)s
"""


def _tsquery(text: str) -> str:
    """The visitor's words as a prefix query ("north wind" -> "north:* & wind:*"): words only, so
    no operator of the query syntax gets through."""
    words = re.findall(r"\w+", text or "")[:KEYWORDS_MAX]
    return " & ".join(f"{word.lower()}:*" for word in words)


def locate_place(query: LocatorQuery) -> tuple[geo.Location | None, list[str]]:
    """Where the visitor's place is (``prm.geo``), and what the page should say about it."""
    near = (query.near or "").strip()
    if not near:
        return None, []
    if not query.country:
        return None, [gettext("Choose the country of “%(place)s” to search by distance.") % {"place": near}]
    found = geo.locate(near, query.country)
    if found is None:
        return None, [gettext("We cannot place “%(place)s”: the results are not sorted by distance.") % {"place": near}]
    if found.precision == geo.COUNTRY:
        return found, [
            gettext("We do not know “%(place)s”: distances are measured from the capital of %(country)s.")
            % {"place": near, "country": country_name(query.country)}
        ]
    return found, []


def _km(value: float) -> str:
    """Whole kilometres, as the reader writes numbers."""
    return number_format(round(value), force_grouping=True)


def _parts(row: dict, found: LocatorSettings, *, located: bool, competency_total: int) -> list[ScorePart]:
    parts = []
    if found.weight_tier:
        text = (
            gettext("%(tier)s tier: %(points)s of %(max)s")
            if row["tier"]
            else gettext("No tier shown: %(points)s of %(max)s")
        )
        parts.append(
            ScorePart(
                text % {"tier": row["tier"], "points": row["tier_points"], "max": found.weight_tier},
                row["tier_points"],
                found.weight_tier,
            )
        )
    if found.weight_competencies and competency_total:
        text = ngettext(
            "%(count)s competency: %(points)s of %(max)s",
            "%(count)s competencies: %(points)s of %(max)s",
            row["held"],
        )
        values = {"count": row["held"], "points": row["competency_points"], "max": found.weight_competencies}
        parts.append(ScorePart(text % values, row["competency_points"], found.weight_competencies))
    if found.weight_proximity and located and row["km"] is not None:
        text = gettext("%(km)s km away: %(points)s of %(max)s") % {
            "km": _km(row["km"]),
            "points": row["proximity_points"],
            "max": found.weight_proximity,
        }
        parts.append(ScorePart(text, row["proximity_points"], found.weight_proximity))
    if found.weight_completeness:
        text = gettext("profile %(percent)s%% complete: %(points)s of %(max)s") % {
            "percent": row["completeness"],
            "points": row["completeness_points"],
            "max": found.weight_completeness,
        }
        parts.append(ScorePart(text, row["completeness_points"], found.weight_completeness))
    return parts


def max_score(found: LocatorSettings, *, located: bool, competency_total: int) -> int:
    """The most points a partner can score in this search (the parts the page explains)."""
    return (
        found.weight_tier
        + (found.weight_competencies if competency_total else 0)
        + (found.weight_proximity if located else 0)
        + found.weight_completeness
    )


_COLUMNS = (
    "id",
    "partner_id",
    "name",
    "headline",
    "city",
    "country",
    "has_logo",
    "featured",
    "tier",
    "color",
    "held",
    "names",
    "km",
    "near_city",
    "tier_points",
    "competency_points",
    "proximity_points",
    "completeness_points",
    "completeness",
    "score",
    "total",
)


def _run(params: dict) -> list[dict]:
    sql = _SEARCH_SQL.format(
        held=competencies_held_sql(),
        haversine=geo.haversine_sql("l.latitude", "l.longitude", lat="%(lat)s", lon="%(lon)s"),
    )
    with connection.cursor() as cursor:
        # JIT off for the rest of the page's transaction, in the same round trip: the statement's
        # estimated cost passes jit_above_cost at a few thousand partners, and compiling it took
        # ~140 ms of a 190 ms search that runs in 13 ms without (bench/results/marketing-2026-12-05.md).
        cursor.execute(f"SELECT set_config('jit', 'off', true); {sql}", params)
        return [dict(zip(_COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def locator_search(
    *, found: LocatorSettings, query: LocatorQuery, page: int = 1, per_page: int = PER_PAGE
) -> LocatorPage:
    """One page of the public search, scored and explained (one statement; a page past the end
    costs a second for the last page)."""
    origin, notices = locate_place(query)
    options = locator_options()
    competency_total = len(options.competencies)
    located = origin is not None
    radius = query.radius_km if query.radius_km in RADIUS_CHOICES else DEFAULT_RADIUS
    page = max(1, page)
    params = {
        "tenant": current_tenant_id(),
        "tsquery": _tsquery(query.q),
        "country": (query.country or "").upper(),
        "region": query.region or "",
        "industry": query.industry or "",
        "line": query.product_line_id,
        "tier": query.tier_id,
        "competency": query.competency_id,
        "located": located,
        "lat": origin.latitude if origin else 0.0,
        "lon": origin.longitude if origin else 0.0,
        "radius": float(radius),
        "w_tier": found.weight_tier,
        "w_competencies": found.weight_competencies,
        "w_proximity": found.weight_proximity if located else 0,
        "w_completeness": found.weight_completeness,
        "competency_total": competency_total,
        "featured_first": bool(found.featured_placement),
        "limit": per_page,
        "offset": (page - 1) * per_page,
    }
    rows = _run(params)
    if not rows and page > 1:  # past the end (a stale link): the last page instead
        total = (_run({**params, "limit": 1, "offset": 0}) or [{"total": 0}])[0]["total"]
        page = max(1, -(-total // per_page))
        rows = _run({**params, "offset": (page - 1) * per_page}) if total else []
    most = max_score(found, located=located, competency_total=competency_total)
    results = [
        LocatorResult(
            profile_id=row["id"],
            partner_id=row["partner_id"],
            name=row["name"],
            headline=row["headline"],
            city=row["city"],
            country=country_name(row["country"]),
            has_logo=row["has_logo"],
            featured=row["featured"],
            tier=row["tier"] or "",
            tier_color=row["color"] or "",
            competencies=list(row["names"] or []),
            distance_km=row["km"],
            near_city=row["near_city"] or "",
            score=row["score"],
            max_score=most,
            parts=_parts(row, found, located=located, competency_total=competency_total),
        )
        for row in rows
    ]
    return LocatorPage(
        results=results,
        total=rows[0]["total"] if rows else 0,
        number=page,
        per_page=per_page,
        origin=origin,
        notices=notices,
        max_score=most,
    )


# --- one profile ---------------------------------------------------------------------------------------


@dataclass
class ProfilePage:
    """What a profile's page shows: only what the partner chose to make public."""

    profile: PublicProfile
    partner: Partner
    tiers: list[TierOption]
    certifications: list[tuple[str, int]]
    competencies: list[str]
    industries: list[str]
    regions: list[str]
    countries: list[str]
    locations: list
    website: str
    email: str
    phone: str


def profile_page(profile: PublicProfile, partner: Partner, *, today: date, locations=None) -> ProfilePage:
    """The page of ``profile`` (public or the partner's preview): a fixed number of queries.
    ``locations``: the partner's, when the caller has read them already."""
    if locations is None and profile.show_locations:
        locations = partner_locations_shown(partner_id=partner.pk)
    return ProfilePage(
        profile=profile,
        partner=partner,
        tiers=tiers_by_partner(partner_ids=[partner.pk]).get(partner.pk, []) if profile.show_tier else [],
        certifications=(
            valid_certifications_of_partner(partner_id=partner.pk, today=today) if profile.show_certifications else []
        ),
        competencies=competency_names_held(partner_id=partner.pk) if profile.show_competencies else [],
        industries=[str(_INDUSTRIES.get(value, value)) for value in partner.industries or []],
        regions=[str(_REGIONS.get(value, value)) for value in partner.regions_served or []],
        countries=[country_name(code) for code in partner.countries_served or []],
        locations=locations if profile.show_locations else [],
        website=partner.website if profile.show_website else "",
        email=profile.public_email if profile.show_contact else "",
        phone=profile.public_phone if profile.show_contact else "",
    )


def locator_profile_public(*, profile_id: int) -> PublicProfile:
    """A profile the public may see: public, of an active partner; else 404."""
    profile = (
        PublicProfile.objects.select_related("partner")
        .filter(pk=profile_id, status=ProfileStatus.PUBLIC, partner__status=PartnerStatus.ACTIVE)
        .first()
    )
    if profile is None:
        raise Http404
    return profile


DESCRIPTION_FULL = 300  # a description this long counts fully towards completeness


# --- completeness -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompletenessItem:
    key: str
    label: str
    points: int


# What a complete public profile shows, and what each part counts (100 in all). Parts the partner
# keeps private (contact, website, locations) do not count: the locator cannot show them.
COMPLETENESS = (
    CompletenessItem("headline", gettext_lazy("A headline"), 10),
    CompletenessItem("description", gettext_lazy("A description (at least 300 characters counts fully)"), 20),
    CompletenessItem("logo", gettext_lazy("A logo"), 15),
    CompletenessItem("locations", gettext_lazy("A place on the map, shown (the company's address or an office)"), 15),
    CompletenessItem("contact", gettext_lazy("A public e-mail address or phone number, shown"), 10),
    CompletenessItem("website", gettext_lazy("The company's website, shown (from the company profile)"), 10),
    CompletenessItem("product_lines", gettext_lazy("The product lines you sell"), 10),
    CompletenessItem("industries", gettext_lazy("The industries you serve (from the company profile)"), 10),
)


def profile_completeness(profile: PublicProfile, partner: Partner, *, located: bool) -> tuple[int, list[str]]:
    """How complete the public profile is (0..100) and the labels of what is missing or short.
    ``located``: the partner has a location with coordinates."""
    description = len((profile.description or "").strip())
    earned = {
        "headline": 1.0 if (profile.headline or "").strip() else 0.0,
        "description": 1.0 if description >= DESCRIPTION_FULL else (0.5 if description else 0.0),
        "logo": 1.0 if profile.logo else 0.0,
        "locations": 1.0 if located and profile.show_locations else 0.0,
        "contact": 1.0 if profile.show_contact and (profile.public_email or profile.public_phone) else 0.0,
        "website": 1.0 if profile.show_website and partner.website else 0.0,
        "product_lines": 1.0 if profile.product_line_ids else 0.0,
        "industries": 1.0 if partner.industries else 0.0,
    }
    percent = round(sum(item.points * earned[item.key] for item in COMPLETENESS))
    missing = [str(item.label) for item in COMPLETENESS if earned[item.key] < 1]
    return max(0, min(100, percent)), missing


# --- the partner's own profile (the portal) -------------------------------------------------------------


@dataclass
class OwnProfile:
    profile: PublicProfile
    partner: Partner
    saved: bool
    missing: list[str]
    completeness: int
    due: bool  # prompted: confirm it before ``hide_on``
    hide_on: datetime | None
    settings: LocatorSettings | None
    locations: list


def own_profile_for_actor(*, actor) -> OwnProfile:
    """The actor's company's public profile (an unsaved one before the first save), what is
    missing for a complete profile, and whether a confirmation is due. 404 for anyone but a
    partner user who keeps the profile."""
    if not actor.is_partner_user or actor.partner_id is None or not actor.can(PROFILE_MANAGE):
        raise Http404
    partner = Partner.objects.get(pk=actor.partner_id)
    profile = PublicProfile.objects.filter(partner_id=partner.pk).first()
    saved = profile is not None
    if profile is None:
        profile = PublicProfile(partner=partner)
    locations = partner_locations_shown(partner_id=partner.pk)
    located = any(place.latitude is not None and place.longitude is not None for place in locations)
    completeness, missing = profile_completeness(profile, partner, located=located)
    found = locator_settings()
    due = profile.status == ProfileStatus.PUBLIC and profile.prompted_at is not None
    hide_on = profile.prompted_at + timedelta(days=found.hide_after_days) if due and found else None
    return OwnProfile(
        profile=profile,
        partner=partner,
        saved=saved,
        missing=missing,
        completeness=completeness,
        due=due,
        hide_on=hide_on,
        settings=found,
        locations=locations,
    )


# --- the office's list --------------------------------------------------------------------------------

PROFILE_FIELDS = (
    "id",
    "partner_id",
    "status",
    "headline",
    "completeness",
    "featured",
    "confirmed_at",
    "prompted_at",
    "hidden_at",
    "updated_at",
)


def profile_rows_for_actor(*, actor, status: str = "") -> tuple[QuerySet, QuerySet]:
    """Every partner's profile for the vendor's staff (``MARKETING_VIEW``), by partner name:
    the page's rows (``.values()`` with the partner's name) and what to count."""
    if not actor.is_staff_member or not actor.can(MARKETING_VIEW):
        raise Http404
    profiles = PublicProfile.objects.all()
    if status in ProfileStatus.values:
        profiles = profiles.filter(status=status)
    rows = profiles.order_by("partner__display_name", "id").values(
        *PROFILE_FIELDS, partner_name=F("partner__display_name")
    )
    return rows, profiles


def profile_get_for_vendor(*, actor, profile_id: int) -> PublicProfile:
    """One profile for the vendor's staff; 404 otherwise."""
    if not actor.is_staff_member or not actor.can(MARKETING_VIEW):
        raise Http404
    profile = PublicProfile.objects.select_related("partner").filter(pk=profile_id).first()
    if profile is None:
        raise Http404
    return profile


def profile_counts(*, actor) -> dict[str, int]:
    """How many profiles are in each state (the office's summary)."""
    if not actor.is_staff_member or not actor.can(MARKETING_VIEW):
        raise Http404
    counts = dict(PublicProfile.objects.values_list("status").annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in ProfileStatus.values}


# --- what the portal's home asks ------------------------------------------------------------------------


def confirmation_due_for_actor(*, actor) -> PublicProfile | None:
    """The actor's company's profile when it waits for a confirmation (prompted, or hidden for want
    of one); one query."""
    if not actor.is_partner_user or actor.partner_id is None:
        return None
    profile = (
        PublicProfile.objects.filter(partner_id=actor.partner_id)
        .only("id", "status", "prompted_at", "hidden_at")
        .first()
    )
    if profile is None:
        return None
    if profile.status == ProfileStatus.HIDDEN or (
        profile.status == ProfileStatus.PUBLIC and profile.prompted_at is not None
    ):
        return profile
    return None


__all__ = [
    "COMPLETENESS",
    "DEFAULT_RADIUS",
    "PER_PAGE",
    "RADIUS_CHOICES",
    "LocatorOptions",
    "LocatorPage",
    "LocatorQuery",
    "LocatorResult",
    "OwnProfile",
    "ProfilePage",
    "confirmation_due_for_actor",
    "frame_ancestors_of",
    "locate_place",
    "locator_options",
    "locator_profile_public",
    "locator_search",
    "locator_settings",
    "locator_settings_public",
    "max_score",
    "own_profile_for_actor",
    "profile_completeness",
    "profile_counts",
    "profile_get_for_vendor",
    "profile_page",
    "profile_rows_for_actor",
]
