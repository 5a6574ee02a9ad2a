"""Generator step for marketing (imported by bench/datagen.py after every other capability's).

Set-based (``INSERT ... SELECT``; no asset, version or activity row goes through Python), the
"random" choices hashes of the tenant's slug and a row number, so two runs write the same:

* the library: 40 folders (8 at the top, 4 under each; 8 at a small tenant) and two assets per
  partner (10,000 at acme, 100 at globex). Titles are "<code name> <topic> <document>" from word
  lists, so full-text search has realistic selectivity: each of the ten document words
  ("datasheet", "brochure", ...) is in about 10 % of the titles, each of the 200 code names
  ("Korion", ...) in about 0.5 %, each of the 24 topics in about 4 %; descriptions are sentences
  of other word lists (industries, benefits: no document word), 1-3 tags of 20. Kinds mixed (a
  "webinar" is a video, a tenth of the rest links, files otherwise), 92 % published (published_at
  spread over two years), 5 % drafts, 3 % archived; 70 % for everyone, the rest for an audience
  (tiers, a program, partner types, a region or partner roles); 5 % expired (valid_until past),
  10 % valid until a date ahead, 2 % not valid yet; 8 % behind terms. 1-3 versions each (file
  names or addresses: no stored files, the pages and the search need none), the current one the
  last. ``search`` is filled by the library services' own expression (``services.library``).
* usage: 40 views and downloads per partner over the last 12 months (200,000 at acme) by active
  partner users, the popular assets and people drawn more often (a square of a uniform draw); the
  terms accepted before each download of an asset behind terms; a library visit per person.
* the locator: its settings (on, the default weights) and a public profile for about 60 % of the
  active partners (confirmed within the year; a few drafts and hidden ones besides), with a
  headline, a description (half of them long enough to count fully), contact details, 1-3
  product lines, the parts shown (each kept private by 5-15 %), the completeness the services
  would compute (``selectors.locator.profile_completeness``'s points, in SQL; no logos) and the
  search vector ``services.locator`` keeps. Competencies and tiers come from the learning and
  programs steps.
* co-branding: a published two-page datasheet (an A4 PDF made here with weasyprint, stored in the
  default storage) with four areas: the logo and company name on page 1, the contact block and a
  custom text on page 2.

Addable (``@step(addable=True)``): it reads only the database, so ``--reuse`` adds it to a bench
database generated before it.
"""

from __future__ import annotations

import functools

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from bench.datagen import StepContext, step
from bench.datagen_incentives import _columns, _count, _drop, _insert, _sequence
from marketing.models import (
    AreaKind,
    Asset,
    AssetActivity,
    AssetFolder,
    AssetTermsAcceptance,
    AssetVersion,
    CobrandArea,
    CobrandTemplate,
    LibraryVisit,
    LocatorSettings,
    PublicProfile,
    PublishStatus,
)

ASSETS_PER_PARTNER = 2  # 10,000 at 5,000 partners (acme), 100 at 50 (globex): the "1/100"
ACTIVITY_PER_PARTNER = 40  # views and downloads over 12 months: 200,000 at acme
PROFILE_PERCENT = 60  # of the active partners, public in the locator
TOP_FOLDERS = ["Sales", "Marketing", "Technical", "Brand", "Events", "Training", "Competitive", "Campaigns"]
SUBFOLDERS = ["2025", "2026", "Localised", "Archive"]
SMALL_TENANT = 500  # partners: below it, the top folders only

# Each document word in ~10 % of the titles (the library_search scenario searches "datasheet").
DOCUMENTS = [
    "datasheet",
    "brochure",
    "presentation",
    "webinar",
    "guide",
    "whitepaper",
    "checklist",
    "playbook",
    "battlecard",
    "infographic",
]
TOPICS = (  # noqa: SIM905 (word lists read better as text)
    "firewall switching routing wireless sdwan endpoint backup storage kubernetes observability identity "
    "email licensing pricing analytics compliance migration hyperconverged monitoring networking security "
    "cloud datacenter collaboration"
).split()
# 200 code names, each in ~0.5 % of the titles (a rare word).
_STARTS = "Ar Bel Cor Dal Fen Gal Hal Kor Lum Mer Nor Pel Quin Ryn Sol Tor Val Wen Zar Yst".split()  # noqa: SIM905
_ENDS = "a ex ion is on or us ix en ar".split()  # noqa: SIM905
CODE_NAMES = [start + end for start in _STARTS for end in _ENDS]
INDUSTRY_WORDS = ["manufacturing", "healthcare", "finance", "retail", "public sector", "education", "energy", "media"]
BENEFITS = [
    "Cut deployment time in half with guided setup and ready-made policies.",
    "One console for every site, with role-based access and a full audit trail.",
    "Scales from a branch office to a global network without a redesign.",
    "Predictable subscription pricing with support around the clock included.",
    "Proven in more than two thousand customer deployments worldwide.",
    "Integrates with the tools your customers already use, out of the box.",
    "Reduce incidents with automated updates and health checks every hour.",
    "Includes talking points, objection handling and a short customer story.",
]
TAGS = (  # noqa: SIM905
    "security cloud launch smb enterprise q1 q2 q3 q4 competitive pricing training social email events "
    "print web case-study partner-only localised"
).split()
HEADLINES = [
    "Your local experts for {industry}",
    "Certified specialists in {industry} since 2012",
    "Design, deployment and managed services for {industry}",
    "Trusted advisor to {industry} customers",
]
ABOUT = [
    "We plan, deploy and run networks and security for customers of every size.",
    "Our certified engineers support you from the first workshop to operations around the clock.",
    "Customers count on our managed services, our training centre and our local stock.",
    "We have helped more than three hundred organisations move to the cloud safely.",
    "Ask us for a free assessment of your infrastructure and a roadmap that fits your budget.",
    "Our team speaks your language and knows the regulations of your industry.",
]

assert len(set(CODE_NAMES)) == len(CODE_NAMES)


def _h(key: str, modulo: int, row: str = "g.n") -> str:
    """A deterministic draw in [0, modulo) from the tenant's salt, a key and the row."""
    return f"mod(abs(hashtext(%(salt)s || ':{key}:' || {row})::bigint), {modulo})::int"


def _pick(array: str, draw: str, *, after: str = "") -> str:
    """An item of the list parameter ``array`` by ``draw``; ``after``: the draw of another pick
    of the same list, which this one never repeats (the next items, wrapping)."""
    size = f"cardinality(%({array})s::text[])"
    if after:
        draw = f"mod({after}, {size}) + 1 + mod({draw}, {size} - 1)"
    return f"(%({array})s::text[])[1 + mod({draw}, {size})]"


# The assets, with their ids, the draws that shape them, and the number of versions.
ASSETS = f"""
CREATE TEMP TABLE bench_asset AS
SELECT nextval(%(asset_seq)s) AS id, a.*,
    CASE WHEN a.status = 'draft' THEN NULL ELSE a.created_at + interval '2 days' END AS published_at
FROM (
    SELECT g.n,
        {_pick("code_names", _h("code", 1000000))} || ' ' || initcap({_pick("topics", _h("topic", 1000000))})
            || ' ' || {_pick("documents", _h("document", 1000000))}
            || CASE WHEN {_h("year", 2)} = 0 THEN '' ELSE ' ' || (2024 + {_h("yearn", 3)})::text END AS title,
        {_pick("documents", _h("document", 1000000))} AS document,
        {_pick("code_names", _h("code", 1000000))} || ' ' || {_pick("topics", _h("topic", 1000000))}
            || ' for ' || {_pick("industries", _h("industry", 1000000))} || ' customers. '
            || {_pick("benefits", _h("benefit1", 1000000))} || ' '
            || {_pick("benefits", _h("benefit2", 1000000), after=_h("benefit1", 1000000))}
            || CASE WHEN {_h("long", 2)} = 0 THEN ''
                ELSE ' ' || {_pick("benefits", _h("benefit3", 1000000), after=_h("benefit2", 1000000))} END
            AS description,
        ARRAY(SELECT DISTINCT t FROM unnest((ARRAY[
            {_pick("tags", _h("tag1", 1000000))}, {_pick("tags", _h("tag2", 1000000))},
            {_pick("tags", _h("tag3", 1000000))}])[1:1 + {_h("tags", 3)}]) AS t ORDER BY t) AS tags,
        CASE {_h("language", 10)} WHEN 0 THEN 'de' WHEN 1 THEN 'fr' ELSE 'en' END AS language,
        CASE WHEN {_h("status", 100)} < 92 THEN 'published' WHEN {_h("status", 100)} < 97 THEN 'draft'
            ELSE 'archived' END AS status,
        {_h("validity", 100)} AS validity,
        {_h("terms", 100)} < 8 AS requires_terms,
        {_h("audience", 100)} AS audience,
        {_h("option", 2)} AS option,
        {_h("folder", 100)} AS folder_draw,
        {_h("folder_pick", 1000000)} AS folder_pick,
        {_h("kind", 10)} AS kind_draw,
        1 + {_h("versions", 3)} AS versions,
        %(now)s - make_interval(secs => 3600 + {_h("published", 730 * 86400)}) - interval '2 days' AS created_at
    FROM generate_series(1, %(assets)s) AS g (n)
) a
ORDER BY a.n
"""  # noqa: S608 (constant SQL: the draws are written from literals, nothing typed)

# Versions: the first when the asset was created, the later ones spread between then and now.
VERSIONS = """
CREATE TEMP TABLE bench_version AS
SELECT nextval(%(version_seq)s) AS id, a.id AS asset_id, v.k AS number, a.versions,
    CASE WHEN v.k = 1 THEN a.created_at
        ELSE a.created_at + (%(now)s - a.created_at) * (v.k - 1)::float8 / a.versions END AS created_at
FROM bench_asset a CROSS JOIN generate_series(1, a.versions) AS v (k)
ORDER BY a.id, v.k
"""

ASSET_ROWS = """
INSERT INTO marketing_asset ({columns})
SELECT a.id, %(tenant)s,
    CASE WHEN a.folder_draw < 5 THEN NULL
        WHEN a.folder_draw < 20 OR cardinality(%(subfolders)s::bigint[]) = 0
            THEN (%(top_folders)s::bigint[])[1 + mod(a.folder_pick, cardinality(%(top_folders)s::bigint[]))]
        ELSE (%(subfolders)s::bigint[])[1 + mod(a.folder_pick, cardinality(%(subfolders)s::bigint[]))] END,
    a.title, a.description,
    CASE WHEN a.document = 'webinar' THEN 'video' WHEN a.kind_draw = 0 THEN 'link' ELSE 'file' END,
    a.tags, a.language, a.status,
    CASE WHEN a.validity < 2 THEN (%(now)s + make_interval(days => 10 + mod(a.folder_pick, 50)))::date END,
    CASE WHEN a.validity >= 95 THEN least(a.published_at + interval '60 days', %(now)s - interval '1 day')::date
        WHEN a.validity >= 85 THEN (%(now)s + make_interval(days => 30 + mod(a.folder_pick, 330)))::date END,
    a.requires_terms,
    CASE WHEN a.requires_terms THEN
        'For use with customers of authorised partners only. Do not publish or change this material.'
        ELSE '' END,
    v.id,
    a.published_at,
    (%(creators)s::bigint[])[1 + mod(a.n, cardinality(%(creators)s::bigint[]))],
    a.created_at, v.created_at,
    CASE WHEN a.audience BETWEEN 70 AND 79 THEN
        CASE WHEN a.option = 0 THEN %(tiers_a)s::bigint[] ELSE %(tiers_b)s::bigint[] END ELSE '{{}}' END,
    CASE WHEN a.audience BETWEEN 80 AND 84 THEN %(programs)s::bigint[] ELSE '{{}}' END,
    CASE WHEN a.audience BETWEEN 85 AND 89 THEN
        CASE WHEN a.option = 0 THEN %(types_a)s::bigint[] ELSE %(types_b)s::bigint[] END ELSE '{{}}' END,
    CASE WHEN a.audience BETWEEN 90 AND 94 THEN
        ARRAY[(%(regions)s::text[])[1 + mod(a.folder_pick, cardinality(%(regions)s::text[]))]] ELSE '{{}}' END,
    CASE WHEN a.audience >= 95 THEN
        CASE WHEN a.option = 0 THEN %(roles_a)s::text[] ELSE %(roles_b)s::text[] END ELSE '{{}}' END
FROM bench_asset a
JOIN bench_version v ON v.asset_id = a.id AND v.number = a.versions
"""

VERSION_ROWS = """
INSERT INTO marketing_assetversion ({columns})
SELECT v.id, %(tenant)s, v.asset_id, v.number, '',
    CASE WHEN m.kind = 'file' THEN
        lower(replace(m.title, ' ', '-')) || CASE WHEN v.number > 1 THEN '-v' || v.number ELSE '' END || '.pdf'
        ELSE '' END,
    CASE WHEN m.kind = 'file' THEN 200000 + mod(v.id * 7919, 4800000) ELSE 0 END,
    CASE m.kind WHEN 'link' THEN 'https://www.' || %(slug)s || '.example/resources/' || m.id || '?v=' || v.number
        WHEN 'video' THEN 'https://videos.' || %(slug)s || '.example/watch/' || m.id || '-' || v.number
        ELSE '' END,
    CASE WHEN v.number > 1 THEN 'Updated figures, screenshots and the price list.' ELSE '' END,
    m.created_by_id, v.created_at
FROM bench_version v JOIN marketing_asset m ON m.tenant_id = %(tenant)s AND m.id = v.asset_id
"""

# Who uses the library: active partner users, numbered; what they use: published assets, numbered.
PEOPLE = """
CREATE TEMP TABLE bench_people AS
SELECT row_number() OVER (ORDER BY m.id) AS rn, m.id, m.partner_id
FROM accounts_membership m JOIN partners_partner p ON p.id = m.partner_id AND p.tenant_id = m.tenant_id
WHERE m.tenant_id = %(tenant)s AND m.partner_id IS NOT NULL AND m.is_active AND p.status IN ('active', 'onboarding')
"""

POOL = """
CREATE TEMP TABLE bench_pool AS
SELECT row_number() OVER (ORDER BY a.published_at DESC, a.id) AS rn, a.id, a.current_version_id, a.published_at
FROM marketing_asset a
WHERE a.tenant_id = %(tenant)s AND a.status = 'published'
"""

ACTIVITY = f"""
INSERT INTO marketing_assetactivity ({{columns}})
SELECT %(tenant)s, a.id, a.current_version_id, m.id, m.partner_id,
    CASE WHEN x.kind < 35 THEN 'download' ELSE 'view' END,
    s.since + (%(now)s - s.since) * (x.moment / 1000000.0)
FROM generate_series(1, %(activity)s) AS g (n)
CROSS JOIN LATERAL (
    SELECT {_h("person", 1000000)} AS person, {_h("asset", 1000000)} AS asset,
        {_h("kind", 100)} AS kind, {_h("moment", 1000000)} AS moment
) x
JOIN bench_people m ON m.rn = 1 + floor(%(people)s * power(x.person / 1000000.0, 1.5))::bigint
JOIN bench_pool a ON a.rn = 1 + floor(%(pool)s * power(x.asset / 1000000.0, 2))::bigint
CROSS JOIN LATERAL (SELECT greatest(a.published_at, %(now)s - interval '365 days') AS since) s
"""  # noqa: S608 (constant SQL: the draws are written from literals, nothing typed)

TERMS = """
INSERT INTO marketing_assettermsacceptance ({columns})
SELECT %(tenant)s, t.asset_id, t.membership_id, min(t.partner_id), min(t.at) - interval '1 minute'
FROM marketing_assetactivity t
JOIN marketing_asset a ON a.tenant_id = t.tenant_id AND a.id = t.asset_id AND a.requires_terms
WHERE t.tenant_id = %(tenant)s AND t.kind = 'download'
GROUP BY t.asset_id, t.membership_id
"""

VISITS = f"""
INSERT INTO marketing_libraryvisit ({{columns}})
SELECT %(tenant)s, t.membership_id, min(t.partner_id),
    max(t.at) - make_interval(days => 1 + {_h("visit", 20, "t.membership_id")}), max(t.at)
FROM marketing_assetactivity t
WHERE t.tenant_id = %(tenant)s
GROUP BY t.membership_id
"""  # noqa: S608 (constant SQL: the draws are written from literals, nothing typed)

# The public profiles: status by a draw per partner (PROFILE_PERCENT public, then drafts, hidden).
PROFILES = f"""
INSERT INTO marketing_publicprofile ({{columns}})
SELECT %(tenant)s, d.partner_id, d.status, d.headline, d.description, '', d.email, d.phone, d.lines,
    d.show_tier, d.show_certifications, d.show_competencies, d.show_locations, d.show_website, d.show_contact,
    d.featured,
    -- profile_completeness's points (selectors/locator.py; no logo: 0 of its 15)
    10 + CASE WHEN length(d.description) >= 300 THEN 20 ELSE 10 END
        + CASE WHEN d.show_locations AND d.located THEN 15 ELSE 0 END
        + CASE WHEN d.show_contact AND (d.email <> '' OR d.phone <> '') THEN 10 ELSE 0 END
        + CASE WHEN d.show_website AND d.website <> '' THEN 10 ELSE 0 END
        + CASE WHEN cardinality(d.lines) > 0 THEN 10 ELSE 0 END
        + CASE WHEN cardinality(d.industries) > 0 THEN 10 ELSE 0 END,
    -- services/locator.py's vector: the company's name (A), the headline (B), the description (C)
    setweight(to_tsvector('simple', coalesce(d.name, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(d.headline, '')), 'B')
        || setweight(to_tsvector('simple', coalesce(d.description, '')), 'C'),
    d.confirmed_at, d.confirmed_by_id,
    CASE WHEN d.status = 'hidden' THEN d.confirmed_at + interval '366 days' END,
    CASE WHEN d.status = 'hidden' THEN d.confirmed_at + interval '396 days' END,
    coalesce(d.confirmed_at, %(now)s - interval '30 days')
FROM (
    SELECT p.id AS partner_id, p.display_name::text AS name, p.website, p.industries,
        CASE WHEN x.draw < %(public)s THEN 'public' WHEN x.draw < %(public)s + 5 THEN 'draft' ELSE 'hidden' END
            AS status,
        replace({_pick("headlines", _h("headline", 1000000, "p.id"))}, '{{{{industry}}}}',
            lower(coalesce(p.industries[1], 'business'))) AS headline,
        p.display_name || ' is a ' || replace(t.slug, '-', ' ') || ' partner of ' || %(vendor)s || '. '
            || {_pick("about", _h("about1", 1000000, "p.id"))} || ' '
            || {_pick("about", _h("about2", 1000000, "p.id"), after=_h("about1", 1000000, "p.id"))}
            || CASE WHEN x.long THEN ' ' || {_pick("about", _h("about3", 1000000, "p.id"))} || ' '
                || {_pick("about", _h("about4", 1000000, "p.id"), after=_h("about3", 1000000, "p.id"))}
                ELSE '' END AS description,
        CASE WHEN {_h("email", 10, "p.id")} = 0 THEN ''
            ELSE 'hello@' || coalesce(p.email_domains[1], 'example.com') END AS email,
        p.phone,
        ARRAY(SELECT DISTINCT l FROM unnest((ARRAY[
            (%(lines)s::bigint[])[1 + mod({_h("line1", 1000000, "p.id")}, cardinality(%(lines)s::bigint[]))],
            (%(lines)s::bigint[])[1 + mod({_h("line2", 1000000, "p.id")}, cardinality(%(lines)s::bigint[]))],
            (%(lines)s::bigint[])[1 + mod({_h("line3", 1000000, "p.id")}, cardinality(%(lines)s::bigint[]))]
        ])[1:1 + {_h("lines", 3, "p.id")}]) AS l WHERE l IS NOT NULL ORDER BY l) AS lines,
        {_h("show_tier", 100, "p.id")} >= 10 AS show_tier,
        {_h("show_certifications", 100, "p.id")} >= 10 AS show_certifications,
        {_h("show_competencies", 100, "p.id")} >= 5 AS show_competencies,
        {_h("show_locations", 100, "p.id")} >= 10 AS show_locations,
        {_h("show_website", 100, "p.id")} >= 5 AS show_website,
        {_h("show_contact", 100, "p.id")} >= 15 AS show_contact,
        {_h("featured", 100, "p.id")} < 2 AS featured,
        EXISTS (SELECT 1 FROM partners_partnerlocation l WHERE l.tenant_id = p.tenant_id AND l.partner_id = p.id
            AND l.latitude IS NOT NULL AND l.longitude IS NOT NULL) AS located,
        CASE WHEN x.draw < %(public)s
                THEN %(now)s - make_interval(secs => 3600 + {_h("confirmed", 330 * 86400, "p.id")})
            WHEN x.draw >= %(public)s + 5 THEN %(now)s - make_interval(days => 420 + {_h("hidden", 30, "p.id")})
            END AS confirmed_at,
        CASE WHEN x.draw < %(public)s OR x.draw >= %(public)s + 5 THEN (
            SELECT m.id FROM accounts_membership m WHERE m.tenant_id = p.tenant_id AND m.partner_id = p.id
                AND m.role = 'partner_admin' ORDER BY m.id LIMIT 1) END AS confirmed_by_id
    FROM partners_partner p
    JOIN partners_partnertype t ON t.id = p.partner_type_id AND t.tenant_id = p.tenant_id
    CROSS JOIN LATERAL (SELECT {_h("profile", 100, "p.id")} AS draw, {_h("long", 2, "p.id")} = 1 AS long) x
    WHERE p.tenant_id = %(tenant)s AND p.status = 'active' AND x.draw < %(public)s + 7
) d
"""  # noqa: S608 (constant SQL: the draws are written from literals, nothing typed)


def _ids(query: str, params: list) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return [row[0] for row in cursor.fetchall()]


def _audiences(tenant: int) -> dict:
    """The audience lists the targeted assets use, from what the tenant has: the main program's
    top two (or three) tiers, the second program, partner types by slug, regions, partner roles."""
    programs = _ids("SELECT id FROM programs_program WHERE tenant_id = %s ORDER BY id", [tenant])
    tiers = _ids(
        "SELECT id FROM programs_tier WHERE tenant_id = %s AND program_id = %s ORDER BY rank DESC",
        [tenant, programs[0] if programs else 0],
    )
    types = {slug: pk for pk, slug in _rows("SELECT id, slug FROM partners_partnertype WHERE tenant_id = %s", [tenant])}
    any_type = sorted(types.values())[:1]
    return {
        "tiers_a": tiers[:2],
        "tiers_b": tiers[:3],
        "programs": programs[1:2] or programs[:1],
        "types_a": [types[slug] for slug in ("msp",) if slug in types] or any_type,
        "types_b": [types[slug] for slug in ("reseller", "systems-integrator") if slug in types] or any_type,
        "regions": ["NA", "EMEA", "APAC", "LATAM"],
        "roles_a": ["partner_admin", "partner_marketing"],
        "roles_b": ["sales", "technical"],
    }


def _rows(query: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _folders(ctx: StepContext) -> tuple[list[int], list[int]]:
    """The folder tree: the top folders, and SUBFOLDERS under each at a tenant of some size."""
    top = [ctx.copy_one(AssetFolder, {"name": name, "position": n}) for n, name in enumerate(TOP_FOLDERS, start=1)]
    sub = []
    if ctx.plan.partners >= SMALL_TENANT:
        for parent in top:
            sub += [
                ctx.copy_one(AssetFolder, {"name": name, "parent_id": parent, "position": n})
                for n, name in enumerate(SUBFOLDERS, start=1)
            ]
    return top, sub


def _library(ctx: StepContext, params: dict) -> None:
    from marketing.services.library import _vector  # the services' own expression (one source of truth)

    tenant = ctx.tenant_id
    _insert(ASSETS, params)
    _insert(VERSIONS, params)
    columns = _columns(
        Asset,
        "id, tenant_id, folder_id, title, description, kind, tags, language, status, valid_from, valid_until, "
        "requires_terms, terms, current_version_id, published_at, created_by_id, created_at, updated_at, "
        "audience_tier_ids, audience_program_ids, audience_partner_type_ids, audience_regions, audience_roles",
    )
    _count(ctx, Asset, _insert(ASSET_ROWS.format(columns=columns), params))
    columns = _columns(
        AssetVersion, "id, tenant_id, asset_id, number, file, filename, size, url, notes, created_by_id, created_at"
    )
    _count(ctx, AssetVersion, _insert(VERSION_ROWS.format(columns=columns), params))
    _drop("bench_asset", "bench_version")
    # The search vector as the services write it (title A, tags B, description C), one UPDATE.
    Asset.objects.filter(tenant_id=tenant).update(search=_vector())


def _usage(ctx: StepContext, params: dict) -> None:
    _insert(PEOPLE, params)
    _insert(POOL, params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM bench_people), (SELECT count(*) FROM bench_pool)")
        people, pool = cursor.fetchone()
    if people and pool:
        found = {**params, "people": people, "pool": pool}
        columns = _columns(AssetActivity, "tenant_id, asset_id, version_id, membership_id, partner_id, kind, at")
        _count(ctx, AssetActivity, _insert(ACTIVITY.format(columns=columns), found))
        columns = _columns(AssetTermsAcceptance, "tenant_id, asset_id, membership_id, partner_id, accepted_at")
        _count(ctx, AssetTermsAcceptance, _insert(TERMS.format(columns=columns), params))
        columns = _columns(LibraryVisit, "tenant_id, membership_id, partner_id, previous_at, visited_at")
        _count(ctx, LibraryVisit, _insert(VISITS.format(columns=columns), params))
    _drop("bench_people", "bench_pool")


def _locator(ctx: StepContext, params: dict) -> None:
    ctx.copy_one(
        LocatorSettings,
        {
            "enabled": True,
            "title": f"Find a {ctx.plan.name} partner",
            "intro": "Certified partners near you: search by country, competency and distance.",
        },
    )
    lines = _ids("SELECT id FROM programs_productline WHERE tenant_id = %s ORDER BY id", [ctx.tenant_id])
    columns = _columns(
        PublicProfile,
        "tenant_id, partner_id, status, headline, description, logo, public_email, public_phone, product_line_ids, "
        "show_tier, show_certifications, show_competencies, show_locations, show_website, show_contact, featured, "
        "completeness, search, confirmed_at, confirmed_by_id, prompted_at, hidden_at, updated_at",
    )
    found = {**params, "lines": lines or [None], "public": PROFILE_PERCENT, "vendor": ctx.plan.name}
    _count(ctx, PublicProfile, _insert(PROFILES.format(columns=columns), found))


# --- co-branding: a two-page datasheet ------------------------------------------------------------

DATASHEET = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><style>
  @page {{ size: A4; margin: 0; }}
  body {{ margin: 0; font-family: "DejaVu Sans", sans-serif; color: #1d2733; }}
  section {{ position: relative; height: 297mm; break-after: page; }}
  section:last-child {{ break-after: auto; }}
  .band {{ background: #1f4e8c; color: #fff; padding: 150pt 48pt 36pt; }}
  .band h1 {{ font-size: 28pt; margin: 0 0 8pt; }}
  .band p {{ font-size: 12pt; margin: 0; }}
  .body {{ padding: 24pt 48pt; font-size: 10.5pt; line-height: 1.45; }}
  .body h2 {{ font-size: 14pt; color: #1f4e8c; margin: 16pt 0 6pt; }}
  table {{ border-collapse: collapse; width: 100%; font-size: 9.5pt; }}
  td, th {{ border-bottom: 0.5pt solid #c8d1dc; padding: 4pt 6pt; text-align: left; }}
  .partner {{ position: absolute; left: 0; right: 0; bottom: 0; height: 170pt; background: #f3f6fa;
              border-top: 1.5pt solid #1f4e8c; }}
</style></head><body>
<section>
  <div class="band"><h1>{vendor} Secure Edge</h1>
    <p>Networking and security in one appliance, managed from the cloud.</p></div>
  <div class="body">
    <h2>Why Secure Edge</h2>
    <p>Next-generation firewall, SD-WAN and Wi-Fi control in one box, set up in minutes with zero-touch
    provisioning and managed from one console for every site.</p>
    <h2>Highlights</h2>
    <p>Up to 10 Gbit/s of inspected traffic, automatic failover between links, threat updates every hour,
    and reports your auditors will like.</p>
  </div>
</section>
<section>
  <div class="body" style="padding-top: 60pt">
    <h2>Specifications</h2>
    <table>
      <tr><th>Model</th><th>Throughput</th><th>Ports</th><th>Users</th></tr>
      <tr><td>SE-100</td><td>1 Gbit/s</td><td>8</td><td>50</td></tr>
      <tr><td>SE-400</td><td>4 Gbit/s</td><td>16</td><td>250</td></tr>
      <tr><td>SE-1000</td><td>10 Gbit/s</td><td>24 + 4 SFP+</td><td>1,000</td></tr>
    </table>
    <h2>Services</h2>
    <p>Installation, training and support around the clock from your local partner.</p>
  </div>
  <div class="partner"></div>
</section>
</body></html>"""

# (label, kind, page, x, y, width, height, font size, colour, editable, at most characters, default)
COBRAND_AREAS = [
    ("Partner logo", AreaKind.LOGO, 1, 48, 730, 140, 70, 11, "#000000", False, 200, ""),
    ("Company name", AreaKind.COMPANY_NAME, 1, 210, 750, 337, 30, 18, "#1f4e8c", False, 80, ""),
    ("Contact", AreaKind.CONTACT, 2, 48, 40, 240, 100, 10, "#1d2733", True, 200, ""),
    ("Your offer", AreaKind.TEXT, 2, 310, 40, 237, 100, 10, "#1d2733", True, 160, "Ask us for a free site survey."),
]


@functools.cache
def datasheet_pdf(vendor: str) -> bytes:
    """The co-brand template's PDF (two A4 pages), made with weasyprint; nothing is fetched."""
    from weasyprint import HTML, URLFetcher

    return HTML(string=DATASHEET.format(vendor=vendor), url_fetcher=URLFetcher(allowed_protocols=set())).write_pdf()


def _cobrand(ctx: StepContext) -> None:
    from marketing.pdf_cobrand import read_template
    from prm.web.files import private_upload_path

    data = datasheet_pdf(ctx.plan.name)
    pages = read_template(data)
    name = default_storage.save(private_upload_path(CobrandTemplate(), "datasheet.pdf"), ContentFile(data))
    template = ctx.copy_one(
        CobrandTemplate,
        {
            "name": "Secure Edge datasheet (2 pages)",
            "description": "Our datasheet with your logo and name on the cover and your contact details on the back.",
            "file": name,
            "page_count": len(pages),
            "page_width": pages[0].width,
            "page_height": pages[0].height,
            "status": PublishStatus.PUBLISHED,
        },
    )
    ctx.copy(
        CobrandArea,
        (
            {
                "tenant_id": ctx.tenant_id,
                "template_id": template,
                "label": label,
                "kind": kind,
                "page": page,
                "x": x,
                "y": y,
                "width": width,
                "height": height,
                "font_size": size,
                "color": color,
                "editable": editable,
                "max_chars": limit,
                "default_text": text,
                "position": position,
            }
            for position, (label, kind, page, x, y, width, height, size, color, editable, limit, text) in enumerate(
                COBRAND_AREAS, start=1
            )
        ),
    )


@step("marketing: library, usage, locator profiles, a co-brand template", addable=True)
def marketing(ctx: StepContext) -> None:
    tenant = ctx.tenant_id
    if Asset.objects.filter(tenant_id=tenant).exists():  # added already (idempotent per tenant)
        return
    top, sub = _folders(ctx)
    creators = _ids(
        "SELECT id FROM accounts_membership WHERE tenant_id = %s AND partner_id IS NULL AND role IN "
        "('marketing', 'admin') ORDER BY role = 'marketing' DESC, id",
        [tenant],
    )
    params = {
        "tenant": tenant,
        "salt": ctx.plan.slug,
        "slug": ctx.plan.slug,
        "now": ctx.now,
        "assets": ASSETS_PER_PARTNER * ctx.plan.partners,
        "activity": ACTIVITY_PER_PARTNER * ctx.plan.partners,
        "asset_seq": _sequence(Asset),
        "version_seq": _sequence(AssetVersion),
        "top_folders": top,
        "subfolders": sub,
        "creators": creators or [None],
        "code_names": CODE_NAMES,
        "topics": TOPICS,
        "documents": DOCUMENTS,
        "industries": INDUSTRY_WORDS,
        "benefits": BENEFITS,
        "tags": TAGS,
        "headlines": HEADLINES,
        "about": ABOUT,
        **_audiences(tenant),
    }
    _library(ctx, params)
    _usage(ctx, params)
    _locator(ctx, params)
    _cobrand(ctx)
