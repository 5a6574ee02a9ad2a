"""Reads of the content library.

* The portal: ``library_for_actor`` (what a partner user may see today, searched, filtered and
  ranked, as ``.values()`` rows with the "new" and "updated" facts), ``library_facets_for_actor``
  (folders and tags with their counts), ``asset_get_for_actor`` (one asset, or a 404: not
  published, out of its validity, not in its audience) and ``asset_page_for_actor``.
* The back office: ``office_asset_list`` (every asset, filtered), ``asset_usage`` (views,
  downloads and partners of a page of assets, one grouped query), ``office_asset_page`` and
  ``asset_usage_by_partner``.

**What a partner user sees** (``available_filter``): published, valid today (``valid_from <=
today <= valid_until``, either end open), and in its audience (``selectors.audience``); anything
else is a 404, also by URL. Staff see every asset of the tenant.

**Search** (``search_query``): PostgreSQL full text on ``Asset.search`` ('simple': title A, tags
B, description C), the words as a web search engine reads them (``websearch_to_tsquery``: "quoted
phrases", ``or``, ``-word``), and the last word also as a prefix, so "partn" finds "partner";
ranked by ``ts_rank``, then the newest first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connections, router
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Left
from django.http import Http404

from partners.models import Partner
from prm.events.selectors import events_for_object
from prm.memo import tenant_memo
from prm.tenancy.scope import current_tenant_id

from ..models import (
    Asset,
    AssetActivity,
    AssetActivityKind,
    AssetFolder,
    AssetTermsAcceptance,
    AssetVersion,
    PublishStatus,
)
from .audience import audience_filter, audience_labels

# The last word of a search, searched as a prefix too: letters, digits and inner dashes only (it
# goes into to_tsquery's syntax).
_LAST_WORD = re.compile(r"(?:^|\s)([^\W_]+)$")
DESCRIPTION_SHOWN = 280  # characters of the description a list row carries
TAG_FACETS = 30


# --- folders ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FolderOption:
    """A folder as lists show it: its path ("Brochures / 2026"), its parent and depth."""

    id: int
    name: str
    path: str
    parent_id: int | None
    depth: int


def _folder_options() -> tuple[FolderOption, ...]:
    folders = list(AssetFolder.objects.values("id", "name", "parent_id", "position"))
    children: dict[int | None, list[dict]] = {}
    for folder in folders:
        children.setdefault(folder["parent_id"], []).append(folder)
    ordered: list[FolderOption] = []

    def walk(parent_id, path: str, depth: int, seen: frozenset) -> None:
        for folder in sorted(children.get(parent_id, []), key=lambda f: (f["position"], f["name"].casefold())):
            if folder["id"] in seen:  # a cycle made around the services: shown once
                continue
            shown = f"{path} / {folder['name']}" if path else folder["name"]
            ordered.append(FolderOption(folder["id"], folder["name"], shown, folder["parent_id"], depth))
            walk(folder["id"], shown, depth + 1, seen | {folder["id"]})

    walk(None, "", 0, frozenset())
    placed = {option.id for option in ordered}
    # A folder whose parent is gone (cannot happen through PROTECT, but stay total): at the top.
    ordered += [FolderOption(f["id"], f["name"], f["name"], None, 0) for f in folders if f["id"] not in placed]
    return tuple(ordered)


def folder_options() -> tuple[FolderOption, ...]:
    """The tenant's folders as a tree (depth first, by position and name). Reference data,
    memoised per tenant (``prm.memo``; the folder services say when they change it)."""
    return tenant_memo("marketing.asset_folders", _folder_options)


def folder_with_subfolders(folder_id: int) -> list[int]:
    """``folder_id`` and every folder under it (a folder filter shows its subfolders' assets)."""
    options = folder_options()
    found, frontier = {folder_id}, {folder_id}
    while frontier:
        frontier = {o.id for o in options if o.parent_id in frontier and o.id not in found}
        found |= frontier
    return sorted(found)


def folder_get_for_actor(*, actor, folder_id: int) -> AssetFolder:
    folder = AssetFolder.objects.filter(pk=folder_id).first()
    if folder is None:
        raise Http404
    return folder


def folder_list_for_actor(*, actor) -> list[dict]:
    """The folders with how many assets each holds (directly), for the folders page."""
    counts = dict(Asset.objects.order_by().values_list("folder_id").annotate(n=Count("id")))
    return [{"folder": option, "assets": counts.get(option.id, 0)} for option in folder_options()]


# --- what a partner user sees -------------------------------------------------------------------------


def available_filter(actor, *, today: date, prefix: str = "") -> Q:
    """The assets ``actor`` may see today: every asset for staff; for a partner user, published,
    within the validity and in its audience. ``prefix``: the path to the asset (``"asset__"``: a
    campaign's assets). ``services.library.asset_is_available`` is its Python twin."""
    if actor.is_staff_member:
        return Q()
    p = prefix
    return (
        Q(**{f"{p}status": PublishStatus.PUBLISHED})
        & (Q(**{f"{p}valid_from__isnull": True}) | Q(**{f"{p}valid_from__lte": today}))
        & (Q(**{f"{p}valid_until__isnull": True}) | Q(**{f"{p}valid_until__gte": today}))
        & audience_filter(actor, prefix=p)
    )


def search_query(text: str) -> SearchQuery | None:
    """The full-text query of what someone typed (None: nothing searchable)."""
    text = " ".join((text or "").split())
    if not text:
        return None
    query = SearchQuery(text, search_type="websearch", config="simple")
    last = _LAST_WORD.search(text)
    if last:
        word, rest = last.group(1), text[: last.start(1)].strip()
        # After "or" or inside an open quote the words' meaning is websearch's own: no prefix.
        if rest.lower().split()[-1:] != ["or"] and rest.count('"') % 2 == 0:
            prefix = SearchQuery(f"{word}:*", search_type="raw", config="simple")
            if rest:
                prefix = SearchQuery(rest, search_type="websearch", config="simple") & prefix
            query = query | prefix
    return query


def _filtered(
    assets: QuerySet[Asset],
    *,
    query: SearchQuery | None,
    folder_id: int | None = None,
    kind: str = "",
    tag: str = "",
    status: str = "",
    published_after=None,
) -> QuerySet[Asset]:
    if query is not None:
        assets = assets.filter(search=query)
    if folder_id:
        assets = assets.filter(folder_id__in=folder_with_subfolders(folder_id))
    if kind:
        assets = assets.filter(kind=kind)
    if tag:
        assets = assets.filter(tags__contains=[tag])
    if status:
        assets = assets.filter(status=status)
    if published_after is not None:
        assets = assets.filter(published_at__gt=published_after)
    return assets


def _current_version(column: str) -> Subquery:
    """A column of the asset's current version for a list's rows: a subquery PostgreSQL runs for
    the page's rows only, after the sort and the LIMIT, where a join would pair every asset found
    with its version first (10,000 at the bench's scale: half of the office list's time)."""
    # A Subquery is not scoped by the manager: the tenant is named (and serves the index).
    current = AssetVersion.objects.filter(tenant_id=OuterRef("tenant_id"), pk=OuterRef("current_version_id"))
    return Subquery(current.order_by().values(column)[:1])


PORTAL_FIELDS = (
    "id",
    "title",
    "kind",
    "tags",
    "folder_id",
    "published_at",
    "requires_terms",
    "valid_until",
)


def library_for_actor(
    *,
    actor,
    today: date,
    q: str = "",
    folder_id: int | None = None,
    kind: str = "",
    tag: str = "",
    new_since=None,
) -> tuple[QuerySet, QuerySet[Asset]]:
    """The assets a partner user may see today, as ``.values()`` rows (with ``excerpt``, the
    current version's number and time, ``last_download``: the person's latest download, and
    ``rank`` when searching), best match or newest first; and the same assets to count.
    ``new_since``: only those published after it ("new since your last visit")."""
    query = search_query(q)
    assets = _filtered(
        Asset.objects.filter(available_filter(actor, today=today)),
        query=query,
        folder_id=folder_id,
        kind=kind,
        tag=tag,
        published_after=new_since,
    )
    # A Subquery is not scoped by the manager: the tenant is named (and serves the index).
    downloads = AssetActivity.objects.filter(
        tenant_id=OuterRef("tenant_id"),
        asset_id=OuterRef("pk"),
        membership_id=actor.pk,
        kind=AssetActivityKind.DOWNLOAD,
    ).order_by("-at")
    rows = assets.values(
        *PORTAL_FIELDS,
        excerpt=Left("description", DESCRIPTION_SHOWN),
        version=_current_version("number"),
        version_at=_current_version("created_at"),
        last_download=Subquery(downloads.values("at")[:1]),
    )
    if query is not None:
        rows = rows.annotate(rank=SearchRank(F("search"), query)).order_by("-rank", "-published_at", "-id")
    else:
        rows = rows.order_by("-published_at", "-id")
    return rows, assets


# Both facets of a library search from one pass over the assets it finds (``found``): each folder's
# own count (the rows without a tag), then the TAG_FACETS most used tags, in order (``position``).
_FACETS_SQL = """
WITH found AS MATERIALIZED ({found})
SELECT NULL::text AS tag, f.folder_id, count(*) AS n, 0 AS position FROM found f GROUP BY f.folder_id
UNION ALL (
    SELECT t.tag::text, NULL::bigint, count(*), row_number() OVER (ORDER BY count(*) DESC, t.tag)
    FROM (SELECT unnest(f.tags) AS tag FROM found f) t
    GROUP BY t.tag ORDER BY count(*) DESC, t.tag LIMIT %s
)
"""


@dataclass
class Facets:
    """The folders and tags of what a library search finds (each with its count), for the
    filters beside the list."""

    folders: list[dict] = field(default_factory=list)  # {"folder": FolderOption, "count": n}
    tags: list[tuple[str, int]] = field(default_factory=list)


def library_facets_for_actor(*, actor, today: date, q: str = "", kind: str = "", new_since=None) -> Facets:
    """Folders and tags of the assets the search and the kind filter find (not the folder and
    tag filters themselves: choosing one shows the others' counts), one statement."""
    assets = _filtered(
        Asset.objects.filter(available_filter(actor, today=today)),
        query=search_query(q),
        kind=kind,
        published_after=new_since,
    )
    # One pass over what the search finds, read by both counts (a materialized CTE): under
    # row-level security no index serves the search's conditions (``@@`` and the audience's array
    # operators are not LEAKPROOF), so each pass evaluates them on every visible asset of the
    # tenant, and that is most of a facet's cost. Raw SQL around the queryset's: the tenant's
    # filter written out (the scope adds it only to querysets it runs itself).
    found = assets.filter(tenant_id=current_tenant_id()).order_by().values("folder_id", "tags")
    sql, params = found.query.sql_with_params()
    with connections[router.db_for_read(Asset)].cursor() as cursor:
        cursor.execute(_FACETS_SQL.replace("{found}", sql, 1), [*params, TAG_FACETS])
        counted = cursor.fetchall()
    direct = {folder_id: n for tag, folder_id, n, _ in counted if tag is None}
    tags = [(tag, n) for tag, _, n, _ in sorted((row for row in counted if row[0] is not None), key=lambda r: r[3])]
    options = folder_options()
    parents = {option.id: option.parent_id for option in options}
    # A folder counts its subfolders' assets too (what choosing it shows).
    totals: dict[int, int] = {}
    for option in options:
        count, folder, seen = direct.get(option.id, 0), option.id, set()
        while folder is not None and folder not in seen:
            totals[folder] = totals.get(folder, 0) + count
            seen.add(folder)
            folder = parents.get(folder)
    folders = [{"folder": option, "count": totals[option.id]} for option in options if totals.get(option.id)]
    return Facets(folders=folders, tags=tags)


def asset_get_for_actor(*, actor, asset_id: int, today: date) -> Asset:
    """One asset ``actor`` may see today (staff: any of the tenant's), or a 404."""
    asset = (
        Asset.objects.filter(available_filter(actor, today=today), pk=asset_id)
        .select_related("current_version", "folder")
        .first()
    )
    if asset is None:
        raise Http404
    return asset


@dataclass
class PortalAssetPage:
    """One asset as a partner user's page shows it."""

    asset: Asset
    versions: list[AssetVersion]
    accepted_at: object = None  # when the person accepted its terms (None: not yet, or no terms)
    last_download: object = None


def asset_page_for_actor(*, actor, asset: Asset) -> PortalAssetPage:
    """The asset's history (every version, newest first) and the person's own facts: whether and
    when it accepted the terms, when it last downloaded."""
    versions = list(AssetVersion.objects.filter(asset=asset).order_by("-number"))
    accepted_at = None
    if asset.requires_terms:
        accepted_at = (
            AssetTermsAcceptance.objects.filter(asset=asset, membership=actor)
            .values_list("accepted_at", flat=True)
            .first()
        )
    last_download = AssetActivity.objects.filter(
        asset=asset, membership=actor, kind=AssetActivityKind.DOWNLOAD
    ).aggregate(last=Max("at"))["last"]
    return PortalAssetPage(asset=asset, versions=versions, accepted_at=accepted_at, last_download=last_download)


# --- the back office ----------------------------------------------------------------------------------

OFFICE_FIELDS = (
    "id",
    "title",
    "kind",
    "status",
    "tags",
    "folder_id",
    "published_at",
    "updated_at",
    "valid_from",
    "valid_until",
    "requires_terms",
    "audience_program_ids",
    "audience_tier_ids",
    "audience_partner_type_ids",
    "audience_regions",
    "audience_roles",
)


def office_asset_list(
    *, actor, q: str = "", folder_id: int | None = None, kind: str = "", tag: str = "", status: str = ""
) -> tuple[QuerySet, QuerySet[Asset]]:
    """Every asset of the tenant, filtered, as ``.values()`` rows (best match or the latest
    changed first), and the same assets to count."""
    query = search_query(q)
    assets = _filtered(Asset.objects.all(), query=query, folder_id=folder_id, kind=kind, tag=tag, status=status)
    rows = assets.values(*OFFICE_FIELDS, version=_current_version("number"))
    if query is not None:
        rows = rows.annotate(rank=SearchRank(F("search"), query)).order_by("-rank", "-updated_at", "-id")
    else:
        rows = rows.order_by("-updated_at", "-id")
    return rows, assets


@dataclass(frozen=True)
class Usage:
    views: int = 0
    downloads: int = 0
    partners: int = 0
    people: int = 0
    last_at: object = None


def asset_usage(*, asset_ids) -> dict[int, Usage]:
    """{asset id: its views, downloads, distinct partners and people} for a page of assets, one
    grouped query (an asset nobody used has no entry)."""
    rows = (
        AssetActivity.objects.filter(asset_id__in=list(asset_ids))
        .order_by()
        .values("asset_id")
        .annotate(
            views=Count("id", filter=Q(kind=AssetActivityKind.VIEW)),
            downloads=Count("id", filter=Q(kind=AssetActivityKind.DOWNLOAD)),
            partners=Count("partner_id", distinct=True),
            people=Count("membership_id", distinct=True),
            last_at=Max("at"),
        )
    )
    return {
        row["asset_id"]: Usage(row["views"], row["downloads"], row["partners"], row["people"], row["last_at"])
        for row in rows
    }


@dataclass
class OfficeAssetPage:
    """One asset as the back office shows it."""

    asset: Asset
    versions: list[AssetVersion]
    usage: Usage
    acceptances: int
    events: list
    audience: list[tuple[str, list[str]]]  # (what, the names chosen), only the lists not empty


def office_asset_page(*, actor, asset_id: int) -> OfficeAssetPage:
    asset = Asset.objects.filter(pk=asset_id).select_related("current_version", "folder", "created_by__user").first()
    if asset is None:
        raise Http404
    versions = list(AssetVersion.objects.filter(asset=asset).select_related("created_by__user").order_by("-number"))
    usage = asset_usage(asset_ids=[asset.pk]).get(asset.pk, Usage())
    acceptances = AssetTermsAcceptance.objects.filter(asset=asset).count() if asset.requires_terms else 0
    return OfficeAssetPage(
        asset=asset,
        versions=versions,
        usage=usage,
        acceptances=acceptances,
        events=list(events_for_object(actor=actor, target=asset)[:30]),
        audience=audience_labels(asset),
    )


def asset_version_get_for_actor(*, actor, asset_id: int, version_id: int) -> AssetVersion:
    """One version of an asset, for staff (every version of every asset)."""
    version = AssetVersion.objects.filter(pk=version_id, asset_id=asset_id).select_related("asset").first()
    if version is None or not actor.is_staff_member:
        raise Http404
    return version


def asset_usage_by_partner(*, asset: Asset) -> tuple[QuerySet, QuerySet]:
    """Who used an asset: per partner, its views, downloads, people and last use, the latest
    first, as ``.values()`` rows; and the partners to count."""
    activity = AssetActivity.objects.filter(asset=asset)
    rows = (
        activity.order_by()
        .values("partner_id", partner_name=F("partner__display_name"))
        .annotate(
            views=Count("id", filter=Q(kind=AssetActivityKind.VIEW)),
            downloads=Count("id", filter=Q(kind=AssetActivityKind.DOWNLOAD)),
            people=Count("membership_id", distinct=True),
            last_at=Max("at"),
        )
        .order_by("-last_at", "partner_id")
    )
    counted = Partner.objects.filter(pk__in=activity.values("partner_id"))
    return rows, counted
