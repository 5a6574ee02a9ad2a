"""Service micro-benchmarks: time.perf_counter around a call, N runs after a warm-up, p50/p95.

Each benchmark is a function registered with ``@micro(...)`` that gets the ``MicroContext`` and
returns its variants (``Variant``: a name, the call, and the context it runs in). Later
capabilities add theirs here (deal selectors, accrual services, ...)::

    @micro("deals.list", "deal_list_for_actor for a partner user: count + first page")
    def deal_list(ctx):
        return [Variant("partner user", lambda: ..., context=lambda: tenant_scope(ctx.tenant, partner=...))]
"""

from __future__ import annotations

import cProfile
import math
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from psycopg2 import sql

from bench import database


@dataclass
class MicroContext:
    tenant: Any  # prm.tenancy.models.Tenant
    staff_user_id: int
    partner_user_id: int
    search: str
    database_url: str  # the owner's URL, for raw connections
    platform_url: str  # the platform login's, for RLS off when the owner is bound by it
    owner_bypasses_rls: bool


@dataclass
class Variant:
    name: str
    call: Callable[[], object]
    context: Callable[[], AbstractContextManager] = nullcontext
    baseline: bool = False  # the other variants are reported as a multiple of this one
    runs: int | None = None  # at most this many runs (a slow service), whatever --micro-runs says
    warmup: int | None = None
    exact: bool = False  # exactly ``runs`` runs (a workload of its own size), whatever --micro-runs says
    note: Callable[[], str] | None = None  # what the runs did, asked after them inside the context


MICROS: list[tuple[str, str, Callable[[MicroContext], list[Variant]]]] = []


def micro(name: str, description: str):
    def register(function):
        MICROS.append((name, description, function))
        return function

    return register


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted samples."""
    return samples[max(math.ceil(q / 100 * len(samples)) - 1, 0)]


def time_variant(variant: Variant, *, runs: int, warmup: int) -> dict:
    if variant.runs:
        runs = variant.runs if variant.exact else min(runs, variant.runs)
    warmup = min(warmup, variant.warmup) if variant.warmup is not None else warmup
    samples = []
    note = None
    with variant.context():
        for _ in range(warmup):
            variant.call()
        # BENCH_PROFILE=<file>: the timed runs under cProfile, its stats written there (where the
        # time goes; the figures of such a run are not the benchmark's).
        profiler = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
        if profiler is not None:
            profiler.enable()
        for _ in range(runs):
            started = time.perf_counter()
            variant.call()
            samples.append((time.perf_counter() - started) * 1000)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(os.environ["BENCH_PROFILE"])
        if variant.note is not None:
            note = variant.note()
    samples.sort()
    timed = {
        "name": variant.name,
        "runs": runs,
        "p50_ms": round(percentile(samples, 50), 3),
        "p95_ms": round(percentile(samples, 95), 3),
        "p99_ms": round(percentile(samples, 99), 3),
        "mean_ms": round(sum(samples) / len(samples), 3),
        "min_ms": round(samples[0], 3),
        "max_ms": round(samples[-1], 3),
    }
    if note:
        timed["note"] = note
    return timed


def run_all(ctx: MicroContext, *, runs: int, warmup: int, only: set[str] | None, say) -> list[dict]:
    results = []
    for name, description, factory in MICROS:
        # A name, or an app's prefix: "deals" selects deals.conflicts_find, deals.conflict_hint, ...
        if only and name not in only and name.split(".", 1)[0] not in only:
            continue
        variants = factory(ctx)
        timed = [time_variant(variant, runs=runs, warmup=warmup) for variant in variants]
        base = next((t["p50_ms"] for t, v in zip(timed, variants, strict=True) if v.baseline), None)
        for entry in timed:
            if base:
                entry["vs_baseline"] = round(entry["p50_ms"] / base, 2)
        results.append({"name": name, "description": description, "variants": timed})
        say(f"  {name}: " + ", ".join(f"{v['name']} p50 {v['p50_ms']:.2f} ms" for v in timed))
    return results


# --- Helpers ------------------------------------------------------------------------------------


def _actor(ctx: MicroContext, user_id: int):
    from prm.accounts.models import Membership

    return Membership.objects.select_related("partner", "user").get(user_id=user_id)


@contextmanager
def _raw(ctx: MicroContext, *, app_role: bool, tenant_id: int | None = None) -> Iterator:
    """A psycopg2 connection in one open transaction: as the app role under the tenant's RLS
    settings, or with row-level security bypassed (the owner when it is a superuser or has
    BYPASSRLS, else the platform's login, which has BYPASSRLS: nobody may switch to it)."""
    from bench.database import connect
    from prm.tenancy.db import app_role as app_role_name

    url = ctx.database_url if app_role or ctx.owner_bypasses_rls else ctx.platform_url
    with closing(connect(url)) as connection:
        connection.autocommit = False
        with connection.cursor() as cursor:
            if app_role:
                cursor.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(app_role_name())))
                cursor.execute("SELECT set_config('prm.tenant_id', %s, true)", [str(tenant_id)])
            yield cursor
        connection.rollback()


def _directory(ctx: MicroContext, **filters):
    """What the directory page reads: the count (paginator) and page 1 with its relations."""
    from partners.selectors import partner_list_for_actor

    state = {}

    def call():
        if "actor" not in state:
            state["actor"] = _actor(ctx, ctx.staff_user_id)
        queryset = partner_list_for_actor(actor=state["actor"], **filters)
        queryset.count()
        return list(queryset[:25])

    return call


# --- The benchmarks -----------------------------------------------------------------------------


@micro(
    "partners.directory_selector",
    "partner_list_for_actor as a channel manager: count + page 1 of 25 with relations (ORM, tenant scope)",
)
def directory_selector(ctx: MicroContext) -> list[Variant]:
    from prm.tenancy.scope import tenant_scope

    def scope():
        return tenant_scope(ctx.tenant)

    return [
        Variant(f"search {ctx.search!r} + status=active", _directory(ctx, search=ctx.search, status="active"), scope),
        Variant(f"search {ctx.search!r}", _directory(ctx, search=ctx.search), scope),
        Variant("no filter, sorted by name", _directory(ctx), scope, baseline=True),
    ]


def _sql_pair(ctx: MicroContext, statement: str, params: list) -> list[Variant]:
    """The same SQL text with row-level security applied (app role) and not applied (owner)."""
    cursors: dict[str, Any] = {}

    def opened(key: str, **options):
        @contextmanager
        def manage():
            with _raw(ctx, **options) as cursor:
                cursors[key] = cursor
                yield

        return manage

    def run(key: str):
        def call():
            cursor = cursors[key]
            cursor.execute(statement, params)
            return cursor.fetchall()

        return call

    owner = "RLS off (owner, RLS bypassed)" if ctx.owner_bypasses_rls else "RLS off (platform role, BYPASSRLS)"
    return [
        Variant("RLS on (prm_app, tenant policy)", run("app"), opened("app", app_role=True, tenant_id=ctx.tenant.pk)),
        Variant(owner, run("owner"), opened("owner", app_role=False), baseline=True),
    ]


def _directory_sql(ctx: MicroContext, **filters) -> tuple[str, list]:
    """The directory's page query (the selector's first 25 rows) as it is sent: the ORM adds
    the tenant filter only when a query runs, so it is caught on its way to the database."""
    from django.db import connection

    from partners.selectors import partner_list_for_actor
    from prm.tenancy.scope import tenant_scope

    sent: list[tuple[str, list]] = []

    def record(execute, statement, params, many, context):
        sent.append((statement, list(params or ())))
        return execute(statement, params, many, context)

    with tenant_scope(ctx.tenant):
        queryset = partner_list_for_actor(actor=_actor(ctx, ctx.staff_user_id), **filters)[:25]
        with connection.execute_wrapper(record):
            list(queryset)
    # The first statement reading partners (the prefetches of enrollments follow it).
    return next((statement, params) for statement, params in sent if 'FROM "partners_partner"' in statement)


@micro(
    "rls.directory_page_sql", "RLS cost: the directory's page 1 query (ORDER BY name LIMIT 25), with and without RLS"
)
def rls_directory_page(ctx: MicroContext) -> list[Variant]:
    return _sql_pair(ctx, *_directory_sql(ctx))


@micro("rls.directory_search_sql", "RLS cost: the directory search's page query (same SQL text), with and without RLS")
def rls_directory_search(ctx: MicroContext) -> list[Variant]:
    return _sql_pair(ctx, *_directory_sql(ctx, search=ctx.search, status="active"))


@micro("rls.count_partners_sql", "RLS cost: count(*) of the tenant's partners (the policy runs on every row)")
def rls_count_partners(ctx: MicroContext) -> list[Variant]:
    return _sql_pair(ctx, "SELECT count(*) FROM partners_partner WHERE tenant_id = %s", [ctx.tenant.pk])


@micro(
    "tenancy.request_scope",
    "Per-request tenancy work: TenantMiddleware around an empty view (tenant, membership, unread "
    "count, the scope's transaction), warm from its caches and cold (the membership read from the "
    "database, as every request did before the caches)",
)
def request_scope(ctx: MicroContext) -> list[Variant]:
    from django.conf import settings
    from django.contrib.auth import SESSION_KEY
    from django.core.cache import cache
    from django.http import HttpResponse
    from django.test import RequestFactory

    from prm.accounts.models import User
    from prm.tenancy.middleware import TenantMiddleware
    from prm.tenancy.request_cache import membership_key

    middleware = TenantMiddleware(lambda request: HttpResponse())
    factory = RequestFactory()
    host = f"{ctx.tenant.slug}.{settings.PRM_BASE_DOMAIN}"

    def enter(user_id: int, *, cold: bool):
        user = User.objects.get(pk=user_id)

        def call():
            if cold:
                cache.delete(membership_key(ctx.tenant.pk, user.pk))
            request = factory.get("/", HTTP_HOST=host)
            request.session, request.user = {SESSION_KEY: str(user.pk)}, user
            return middleware(request)

        return call

    return [
        Variant("staff user, warm", enter(ctx.staff_user_id, cold=False), baseline=True),
        Variant("partner user, warm", enter(ctx.partner_user_id, cold=False)),
        Variant("staff user, membership from the database", enter(ctx.staff_user_id, cold=True)),
        Variant("partner user, membership from the database", enter(ctx.partner_user_id, cold=True)),
    ]


# --- Programs: tier evaluation and policy decisions -------------------------------------------------


def _rolled_back(call: Callable[[], object]) -> Callable[[], object]:
    """The call in a savepoint that is rolled back afterwards: every run finds the same state
    (standings, pending proposals, tiers and review dates as the generator left them) and does
    the same work. The rollback is inside the timing (a few ms)."""
    from django.db import transaction

    def run():
        with transaction.atomic():
            result = call()
            transaction.set_rollback(True)
        return result

    return run


def _partner(ctx: MicroContext):
    return _actor(ctx, ctx.partner_user_id).partner


@micro(
    "programs.tier_evaluate_all",
    "tier_evaluate() over every enrollment of the tenant (the nightly run), rolled back after each run; "
    "standings exist from the generator's first run",
)
def tier_evaluate_all(ctx: MicroContext) -> list[Variant]:
    from prm.tenancy.scope import tenant_scope
    from programs.models import Program
    from programs.services.evaluation import tier_evaluate

    with tenant_scope(ctx.tenant):
        review_day = min(d for d in Program.objects.values_list("next_review_on", flat=True) if d)

    def scope():
        return tenant_scope(ctx.tenant)

    return [
        Variant("ordinary night", _rolled_back(lambda: tier_evaluate()), scope, runs=10, warmup=1, baseline=True),
        Variant(
            f"review night ({review_day}: grace and demotions)",
            _rolled_back(lambda: tier_evaluate(today=review_day)),
            scope,
            runs=10,
            warmup=1,
        ),
    ]


@micro(
    "programs.tier_evaluate_partner",
    "tier_evaluate(partner_ids=[one]) as after an event (a metric value recorded, a user joined), rolled back",
)
def tier_evaluate_partner(ctx: MicroContext) -> list[Variant]:
    from prm.tenancy.scope import tenant_scope
    from programs.services.evaluation import tier_evaluate

    with tenant_scope(ctx.tenant):
        partner_id = _actor(ctx, ctx.partner_user_id).partner_id
    return [
        Variant(
            "one partner, every program",
            _rolled_back(lambda: tier_evaluate(partner_ids=[partner_id])),
            lambda: tenant_scope(ctx.tenant),
        )
    ]


@micro(
    "programs.policy_decide",
    "policy_decide(action='sell') for the partner user's company: one product line, in a country",
)
def policy_decision(ctx: MicroContext) -> list[Variant]:
    from prm.tenancy.scope import tenant_scope
    from programs.models import ProductLine
    from programs.services.policy import policy_decide

    with tenant_scope(ctx.tenant):
        partner = _partner(ctx)
        lines = {line.slug: line for line in ProductLine.objects.all()}

    def decide(slug: str, country: str):
        return lambda: policy_decide(partner=partner, action="sell", product_line=lines[slug], country=country)

    def scope():
        return tenant_scope(ctx.tenant)

    return [
        Variant(
            f"Public Sector in {partner.country} (territory rules)", decide("public-sector", partner.country), scope
        ),
        Variant("Cloud Security (tier + licence rules)", decide("cloud-security", partner.country), scope),
        Variant("Core Networking (no rules)", decide("core-networking", partner.country), scope, baseline=True),
    ]


@micro(
    "programs.product_lines_for_partner",
    "product_lines_for_partner: every line with the partner's decision (the portal's products page)",
)
def product_lines(ctx: MicroContext) -> list[Variant]:
    from prm.tenancy.scope import tenant_scope
    from programs.services.policy import product_lines_for_partner

    with tenant_scope(ctx.tenant):
        partner = _partner(ctx)
    return [
        Variant(
            "staff scope",
            lambda: product_lines_for_partner(partner=partner),
            lambda: tenant_scope(ctx.tenant),
        ),
        Variant(
            "partner user's scope (partner RLS policies)",
            lambda: product_lines_for_partner(partner=partner),
            lambda: tenant_scope(ctx.tenant, partner=partner.pk),
        ),
    ]


# --- Deals: conflict detection ----------------------------------------------------------------------


def _conflict_customers(ctx: MicroContext) -> list[tuple[str, dict]]:
    """Three customers for the partner user's company: one whose web domain another partner has an
    active registration for, one whose name is a near spelling of one, one that matches nothing."""
    from deals.models import ACTIVE_STATUSES, Deal
    from prm.tenancy.scope import tenant_scope

    with tenant_scope(ctx.tenant):
        partner_id = _actor(ctx, ctx.partner_user_id).partner_id
        active = Deal.objects.filter(status__in=list(ACTIVE_STATUSES)).exclude(partner_id=partner_id)
        by_domain = active.exclude(customer_domain="").order_by("id").values_list("customer_domain", flat=True)[0]
        named = (
            active.filter(customer_domain="", customer_key__regex=r"^[a-z]+ [a-z]+$")
            .order_by("id")
            .values_list("customer_key", flat=True)[0]
        )
    return [
        (
            f"domain match ({by_domain})",
            {"customer_name": "Unrelated Name Ltd", "customer_website": f"www.{by_domain}"},
        ),
        (f"similar name ({named[:-1]!r})", {"customer_name": named[:-1].title() + " GmbH"}),
        ("no match", {"customer_name": "Qzxv Wobblecorp", "customer_website": "https://qzxvwobblecorp.com"}),
    ]


def _conflict_variants(ctx: MicroContext, function) -> list[Variant]:
    from prm.tenancy.scope import tenant_scope

    with tenant_scope(ctx.tenant):
        partner_id = _actor(ctx, ctx.partner_user_id).partner_id
    scopes = {
        "partner user": lambda: tenant_scope(ctx.tenant, partner=partner_id),
        "staff": lambda: tenant_scope(ctx.tenant),
    }
    return [
        Variant(
            f"{label}, {who}",
            (lambda typed=typed: function(partner_id=partner_id, **typed)),
            scope,
            baseline=(who == "staff" and label == "no match"),
        )
        for who, scope in scopes.items()
        for label, typed in _conflict_customers(ctx)
    ]


@micro(
    "deals.conflicts_find",
    "conflicts_find: other partners' active registrations (domain index UNION trigram index) and vendor accounts",
)
def conflicts_find_micro(ctx: MicroContext) -> list[Variant]:
    from deals.conflicts import conflicts_find

    return _conflict_variants(ctx, conflicts_find)


@micro("deals.conflict_hint", "conflict_hint: the registration form's live yes/no hint")
def conflict_hint_micro(ctx: MicroContext) -> list[Variant]:
    from deals.conflicts import conflict_hint

    def hint(*, partner_id, customer_name, customer_website=""):
        return conflict_hint(partner_id=partner_id, customer_name=customer_name, customer_website=customer_website)

    return _conflict_variants(ctx, hint)


@micro(
    "deals.pipeline_refresh",
    "pipeline_refresh: the pipeline dashboard's GROUP BYs over every registration (the background task), rolled back",
)
def pipeline_refresh_micro(ctx: MicroContext) -> list[Variant]:
    from deals.services import pipeline_refresh
    from prm.tenancy.scope import tenant_scope

    return [
        Variant(
            "all registrations of the tenant",
            _rolled_back(pipeline_refresh),
            lambda: tenant_scope(ctx.tenant),
            runs=5,
            warmup=1,
            baseline=True,
        )
    ]


# --- E-learning: the competency recompute and certificate PDFs ---------------------------------------


@micro(
    "learning.competencies_recompute",
    "competencies_recompute() for every partner of the tenant (5,000; set-based SQL over 100,000 certificates), "
    "rolled back after each run; target <= 2 s",
)
def competencies_recompute_micro(ctx: MicroContext) -> list[Variant]:
    from learning.services.competency import competencies_recompute
    from prm.tenancy.scope import tenant_scope

    return [
        Variant(
            "every partner",
            _rolled_back(lambda: competencies_recompute(partner_ids=None)),
            lambda: tenant_scope(ctx.tenant),
            runs=10,
            warmup=1,
            baseline=True,
        )
    ]


@micro(
    "learning.certificate_pdf",
    "render_certificate_pdf(certificate): the weasyprint render a worker runs after an award (branding, QR code), "
    "in this process as the worker's task calls it",
)
def certificate_pdf_micro(ctx: MicroContext) -> list[Variant]:
    from learning.models import Certificate
    from learning.pdf import render_certificate_pdf
    from prm.tenancy.scope import tenant_scope

    with tenant_scope(ctx.tenant):
        certificate = (
            Certificate.objects.filter(status="active")
            .select_related("certification", "holder__user", "partner")
            .order_by("id")
            .first()
        )
    return [
        Variant(
            "one certificate",
            lambda: render_certificate_pdf(certificate),
            lambda: tenant_scope(ctx.tenant),
            runs=50,
            warmup=3,
        )
    ]


# --- Recruitment: the partner import ---------------------------------------------------------------

IMPORT_ROWS = 2_000  # as the example: 1,000 partners with two users each


def _import_csv(slug: str) -> bytes:
    """A CSV of IMPORT_ROWS rows of new partners and their users (names unique to the bench run)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    header = ["Legal name", "Partner type", "Country", "Website", "City", "User e-mail", "First name", "Last name"]
    writer.writerow(header)
    for n in range(IMPORT_ROWS):
        partner = n // 2
        domain = f"bench-import-{partner}.{slug}.example"
        writer.writerow(
            [
                f"Bench Import {partner} GmbH",
                "reseller",
                "DE",
                f"https://www.{domain}",
                "Berlin",
                f"person{n}@{domain}",
                "Pat",
                f"Person{n}",
            ]
        )
    return out.getvalue().encode()


@micro(
    "recruitment.partner_import",
    f"a {IMPORT_ROWS:,}-row CSV (1,000 new partners, 2,000 invitations): upload and check every row; then the "
    "whole import (upload, confirm, every batch as the worker runs them), rolled back after each run; "
    f"rows per second = {IMPORT_ROWS:,} / p50",
)
def partner_import_micro(ctx: MicroContext) -> list[Variant]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from prm.tenancy.scope import tenant_scope
    from recruitment.services.imports import partner_import_confirm, partner_import_run, partner_import_upload

    data = _import_csv(ctx.tenant.slug)
    with tenant_scope(ctx.tenant):
        from prm.accounts.models import Membership
        from prm.accounts.roles import Role

        admin = Membership.objects.select_related("user").filter(role=Role.ADMIN, is_active=True).first()

    def upload():
        return partner_import_upload(actor=admin, upload=SimpleUploadedFile("partners.csv", data, "text/csv"))

    def whole():
        partner_import = upload()
        partner_import_confirm(actor=admin, partner_import=partner_import, invite_users=False)
        while not partner_import_run(partner_import_id=partner_import.pk)["done"]:
            pass

    return [
        Variant("upload and check", _rolled_back(upload), lambda: tenant_scope(ctx.tenant), runs=5, warmup=1),
        Variant("upload, confirm, import", _rolled_back(whole), lambda: tenant_scope(ctx.tenant), runs=5, warmup=1),
    ]


# --- Leads: routing decisions and the deadline sweep --------------------------------------------------

ROUTE_LEADS = int(os.environ.get("BENCH_ROUTE_LEADS", "10000"))  # fewer for a quick look
ROUTE_WARMUP = 50


class _Statements:
    """Every statement a service sends while installed (``connection.execute_wrapper``): how many,
    and how long each kind took (its first words), to say where a service's time goes."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0
        self.kinds: dict[str, list[float]] = {}

    def __call__(self, execute, statement, params, many, context):
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.count += 1
            self.seconds += elapsed
            kind = " ".join(str(statement).split())[:70]
            entry = self.kinds.setdefault(kind, [0, 0.0])
            entry[0] += 1
            entry[1] += elapsed

    def summary(self, runs: int, *, top: int = 5) -> str:
        heavy = sorted(self.kinds.items(), key=lambda item: -item[1][1])[:top]
        return (
            f"{self.count / runs:.1f} statements and {self.seconds / runs * 1000:.2f} ms of SQL per call; "
            "heaviest: "
            + "; ".join(f"`{kind}...` x{n / runs:.1f}, {seconds / runs * 1000:.2f} ms" for kind, (n, seconds) in heavy)
        )


def _fresh_leads(ctx: MicroContext, count: int) -> list:
    """``count`` new leads of the tenant as they arrive (the generator's mix of countries, cities,
    industries, product lines; 1 % of them a named account's; no coordinates), in one bulk insert."""
    import random

    import bench.datagen  # noqa: F401 (first: the step modules import from it)
    from bench.datagen_deals import _Identity, customers
    from bench.datagen_leads import country_draw, lead_fields
    from leads.models import Lead, LeadSource, LeadStatus, NamedAccount
    from programs.models import ProductLine

    rng = random.Random(20261205)  # noqa: S311 (test data)
    lines = list(ProductLine.objects.values_list("id", flat=True))
    named = list(NamedAccount.objects.values_list("name", "domain")[:200])
    # Names the generator did not use (its seed differs): fresh customers, not duplicates.
    fresh = [(name, domain) for name, domain, _ in customers(rng, count)]
    identity = _Identity()
    leads = []
    for n in range(count):
        company = rng.choice(named) if named and rng.random() < 0.01 else fresh[n]
        fields = lead_fields(
            rng,
            country=country_draw(rng),
            company=company,
            identity=identity,
            lines=lines,
            currency=ctx.tenant.default_currency,
        )
        # As an import or the web form leaves them: a city, no coordinates (routing finds them).
        fields |= {"latitude": None, "longitude": None}
        leads.append(
            Lead(
                tenant_id=ctx.tenant.pk,
                reference=f"BENCH-{n:06d}",
                status=LeadStatus.NEW,
                source=LeadSource.IMPORT,
                campaign="Bench",
                **fields,
            )
        )
    return Lead.objects.bulk_create(leads, batch_size=2_000)


@micro(
    "leads.route",
    f"lead_route() of {ROUTE_LEADS:,} new leads (after {ROUTE_WARMUP} more as a warm-up), one after the other as "
    "the worker routes them, each timed alone and committed: the leads are made in one bulk insert before the clock "
    "starts, on a copy of the bench database that is dropped at the end; target p95 <= 20 ms",
)
def lead_route_micro(ctx: MicroContext) -> list[Variant]:
    from django.db import connection
    from django.db.models import Avg, Count

    from leads.models import RoutingDecision
    from leads.services.routing import lead_route
    from prm.tenancy.db import owner_connection
    from prm.tenancy.scope import tenant_scope

    state: dict[str, Any] = {}

    @contextmanager
    def prepared():
        # Each decision in its own tenant scope, which commits as the worker's task does, on a
        # copy of the bench database dropped after.
        with database.scratch_copy("route"):
            # The generator wrote its ~220,000 offers through the tally's trigger in one go: ~3,000
            # rows updated that many times left the table at 14 MB (a vacuum frees the versions but
            # keeps the pages), where a table vacuumed as it goes holds its rows in a few dozen pages;
            # each decision's capacity check reads it.
            with owner_connection(), connection.cursor() as cursor:
                cursor.execute("VACUUM FULL ANALYZE leads_leadoffertally")
            with tenant_scope(ctx.tenant):
                leads = _fresh_leads(ctx, ROUTE_LEADS + ROUTE_WARMUP)
            state["ids"] = [lead.pk for lead in leads]
            state["queue"] = iter(leads)
            state["sql"] = _Statements()
            with connection.execute_wrapper(state["sql"]):
                yield

    def call():
        with tenant_scope(ctx.tenant):
            return lead_route(lead=next(state["queue"]), trigger="new")

    def note() -> str:
        with tenant_scope(ctx.tenant):
            outcomes = list(
                RoutingDecision.objects.filter(lead_id__in=state["ids"])
                .values("outcome", "rule__name")
                .annotate(n=Count("id"), logged=Avg("duration_ms"))
                .order_by("-n")
            )
        made = "; ".join(
            # The decision's own time as the engine logs it: reading and judging, without its writes
            # (RoutingDecision.duration_ms); the timings above are the whole call with its commit.
            f"{row['outcome']} by {row['rule__name'] or 'no rule'}: {row['n']:,} "
            f"(decided in {row['logged'] or 0:.1f} ms)"
            for row in outcomes
        )
        return f"{made}. {state['sql'].summary(ROUTE_LEADS + ROUTE_WARMUP)}"

    return [
        Variant(
            f"{ROUTE_LEADS:,} new leads, the generated mix",
            call,
            prepared,
            runs=ROUTE_LEADS,
            warmup=ROUTE_WARMUP,
            exact=True,
            note=note,
        )
    ]


@micro(
    "leads.sweep",
    "offers_sweep() over the tenant's ~100,000 open offers, set-based, rolled back after each run; target <= 5 s. "
    "The generated backlog: every offer past its deadline expired (~10,000: events, notifications, the leads' "
    "re-routing enqueued through the outbox, not run: leads.route times routing) and every one past its reminder "
    "time reminded (~20,000), as after an outage of the worker. The next tick: once the backlog is swept, "
    "the sweep 5 minutes after the next reminder time or deadline (the steady state: what falls due in 5 minutes "
    "of business hours)",
)
def lead_sweep_micro(ctx: MicroContext) -> list[Variant]:
    from datetime import timedelta

    from django.db import connection, transaction
    from django.db.models import Min
    from django.utils import timezone

    from leads.models import LeadOffer, OfferStatus
    from leads.services.offers import offers_sweep
    from prm.tenancy.scope import tenant_scope

    runs: dict[str, dict[str, Any]] = {"backlog": {"n": 0}, "tick": {"n": 0}}

    def scope(name: str, *, swept_first: bool = False):
        @contextmanager
        def manage():
            with tenant_scope(ctx.tenant), transaction.atomic():
                if swept_first:
                    at = timezone.now()
                    runs[name]["before"] = offers_sweep(now=at)
                    # Deadlines and reminder times fall in business hours: the tick covers the first
                    # 5 minutes that hold one (on a weekend, Monday's first).
                    pending = LeadOffer.objects.filter(status=OfferStatus.PENDING)
                    upcoming = [
                        pending.filter(reminded_at__isnull=True, remind_at__gt=at).aggregate(m=Min("remind_at"))["m"],
                        pending.filter(due_at__gt=at).aggregate(m=Min("due_at"))["m"],
                    ]
                    start = min([moment for moment in upcoming if moment] or [at])
                    runs[name]["at"] = start + timedelta(minutes=5)
                with connection.execute_wrapper(runs[name].setdefault("sql", _Statements())):
                    yield
                transaction.set_rollback(True)

        return manage

    def sweep(name: str, **when):
        def call():
            runs[name]["result"] = offers_sweep(now=runs[name]["at"] if when else None)
            runs[name]["n"] += 1
            return runs[name]["result"]

        return call

    def note(name: str):
        def say() -> str:
            done = runs[name]
            first = (
                f"after the backlog's sweep ({done['before']!r}), at {done['at']:%a %H:%M} UTC, "
                if "before" in done
                else ""
            )
            return f"{first}each run: {done.get('result')!r}. {done['sql'].summary(done['n'])}"

        return say

    return [
        Variant(
            "the backlog",
            _rolled_back(sweep("backlog")),
            scope("backlog"),
            runs=5,
            warmup=1,
            note=note("backlog"),
            baseline=True,
        ),
        Variant(
            "the next tick",
            _rolled_back(sweep("tick", later=True)),
            scope("tick", swept_first=True),
            runs=20,
            warmup=2,
            note=note("tick"),
        ),
    ]


# --- Incentives: a partner's balance, a quarter's rebates, statements ---------------------------------

BALANCE_LINES = 10_000


@micro(
    "incentives.balance",
    f"balances() of one partner whose ledger holds {BALANCE_LINES:,} lines (its company's and three reps', "
    "in two currencies; posted in bulk on a copy of the bench database, analysed): the earnings page's "
    "figures; target p95 <= 10 ms",
)
def incentives_balance_micro(ctx: MicroContext) -> list[Variant]:
    from datetime import date, timedelta
    from decimal import Decimal

    from django.db import connection

    from incentives.models import Account, TransactionKind
    from incentives.selectors import balances
    from incentives.services.ledger import Line, Posting, exchange_rate_set, ledger_post_many
    from partners.models import Partner
    from prm.accounts.models import Membership
    from prm.accounts.roles import Role
    from prm.tenancy.scope import tenant_scope

    state: dict[str, Any] = {}

    @contextmanager
    def prepared():
        with database.scratch_copy("ledger"):
            with tenant_scope(ctx.tenant):
                admin = Membership.objects.filter(role=Role.ADMIN, partner__isnull=True).first()
                if ctx.tenant.default_currency != "EUR":
                    exchange_rate_set(actor=admin, currency="EUR", on=date(2024, 1, 1), rate=Decimal("1.08"))
                partner = Partner.objects.order_by("id").first()
                reps = [None, *Membership.objects.filter(partner=partner).order_by("id")[:3]]
                start = date(2025, 1, 1)
                postings = []
                for n in range(BALANCE_LINES // 2):
                    currency = "EUR" if n % 5 == 0 else ctx.tenant.default_currency
                    amount = Decimal(10 + n % 90)
                    postings.append(
                        Posting(
                            TransactionKind.ACCRUAL,
                            partner.pk,
                            start + timedelta(days=n % 365),
                            [
                                Line(Account.EXPENSE, amount, currency),
                                Line(Account.PENDING if n % 3 else Account.APPROVED, -amount, currency, reps[n % 4]),
                            ],
                            "bench",
                        )
                    )
                ledger_post_many(postings=postings)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE incentives_ledgerentry")
            state["partner"] = partner.pk
            yield

    def call():
        with tenant_scope(ctx.tenant):
            return balances(partner_id=state["partner"])

    return [Variant(f"one partner, {BALANCE_LINES:,} lines", call, prepared, runs=200, warmup=20)]


@micro(
    "incentives.rebates",
    "rebate_accrue() of a growth plan over every partner of the tenant for a quarter of the bench's won "
    "deals (the same quarter a year before as the baseline), on a copy of the bench database: the "
    "first run (every partner's accrual posted) and a true-up with nothing changed; target <= 10 s",
)
def incentives_rebates_micro(ctx: MicroContext) -> list[Variant]:
    from datetime import timedelta

    from django.db.models import Max

    from deals.models import Deal, DealStatus
    from incentives.models import RebatePlan
    from incentives.services.rebates import quarter_of, rebate_accrue
    from prm.tenancy.scope import tenant_scope

    state: dict[str, Any] = {}

    @contextmanager
    def prepared():
        with database.scratch_copy("rebates"):
            with tenant_scope(ctx.tenant):
                latest = Deal.objects.filter(status=DealStatus.WON).aggregate(m=Max("won_on"))["m"]
                # A whole quarter of wins with the same quarter a year before it: a year before the last win's.
                state["on"] = quarter_of(latest - timedelta(days=365))[0]
                state["plan"] = RebatePlan.objects.create(
                    name="Bench growth", growth_only=True, bands=[["0", "1"], ["50000", "2"], ["250000", "3"]]
                )
            state["results"] = []
            yield

    def call():
        with tenant_scope(ctx.tenant):
            result = rebate_accrue(plan=state["plan"], on=state["on"])
        state["results"].append(result)
        return result

    def note() -> str:
        runs = ", ".join(f"{r.partners:,} partners, {r.posted:,} postings" for r in state["results"][:2])
        return f"quarter of {state['on']:%Y-%m-%d}; first runs: {runs}"

    return [Variant("first run, then true-ups", call, prepared, runs=3, warmup=0, exact=True, note=note)]


@micro(
    "incentives.statements",
    "payout_statements(): the PDF statements of a payout run, rendered as the worker does (weasyprint), "
    "per statement (statements per second = 1000 / p50 ms)",
)
def incentives_statements_micro(ctx: MicroContext) -> list[Variant]:
    from datetime import date
    from decimal import Decimal

    from incentives.models import Account, Payout, TransactionKind
    from incentives.pdf import render_statement_pdf
    from incentives.services import payout_run_approve, payout_run_prepare
    from incentives.services.ledger import Line, Posting, ledger_post_many
    from incentives.services.payouts import payout_statements
    from partners.models import Partner
    from prm.accounts.models import Membership
    from prm.accounts.roles import Role
    from prm.tenancy.scope import tenant_scope

    state: dict[str, Any] = {}

    @contextmanager
    def prepared():
        with database.scratch_copy("statements"):
            with tenant_scope(ctx.tenant):
                staff = list(
                    Membership.objects.filter(role__in=[Role.ADMIN, Role.FINANCE], partner__isnull=True).order_by("id")[
                        :2
                    ]
                )
                partners = list(Partner.objects.order_by("id").values_list("id", flat=True)[:50])
                currency = ctx.tenant.default_currency
                ledger_post_many(
                    postings=[
                        Posting(
                            TransactionKind.APPROVAL,
                            partner_id,
                            date(2025, 1, 1 + n % 28),
                            [
                                Line(Account.EXPENSE, Decimal("125.00"), currency),
                                Line(Account.APPROVED, Decimal("-125.00"), currency),
                            ],
                            f"Bench line {n}",
                        )
                        for partner_id in partners
                        for n in range(12)
                    ]
                )
                run = payout_run_prepare(actor=staff[0], period_end=date(2025, 12, 31))
                payout_run_approve(actor=staff[-1], run=run)
                state["run"] = run
                state["payouts"] = list(Payout.objects.filter(run=run).select_related("run", "partner", "member__user"))
            state["n"] = 0
            yield

    def call():
        with tenant_scope(ctx.tenant):
            payout = state["payouts"][state["n"] % len(state["payouts"])]
            state["n"] += 1
            return render_statement_pdf(payout)

    def whole_run():
        # The worker's task body for the run (every payee the bench's ledger has payable, the 50
        # above included): each statement rendered, stored in the media storage, its row updated.
        with tenant_scope(ctx.tenant):
            Payout.objects.filter(run=state["run"]).update(statement="")
            started = time.perf_counter()
            state["made"] = payout_statements(run_id=state["run"].pk)
            state["seconds"] = time.perf_counter() - started

    def made() -> str:
        return (
            f"{state['made']:,} statements stored in {state['seconds']:.1f} s: "
            f"{state['made'] / state['seconds']:.1f} per second in one worker process"
        )

    return [
        Variant("one statement of 12 lines", call, prepared, runs=50, warmup=3),
        Variant(
            "the worker's task: a whole run's statements", whole_run, prepared, runs=1, warmup=0, exact=True, note=made
        ),
    ]


# --- Scorecards: the nightly measure and one partner's on demand ------------------------------------


@micro(
    "scorecards.measure",
    "scorecard_measure() of the main program's scorecard (nine KPIs from five apps) for the current month over "
    "every enrolled partner (the nightly run: the month's snapshots upserted, then the month ranked), with the 23 "
    "months before it measured by the generator; and scorecards_measure_all(partner_ids=[one]) as the on-demand "
    "task runs it (one partner measured, the whole month ranked again); each run rolled back; target <= 10 s",
)
def scorecards_measure_micro(ctx: MicroContext) -> list[Variant]:
    from bench.datagen import generated_meta
    from bench.datagen_scorecards import summary
    from prm.tenancy.scope import tenant_scope
    from scorecards.models import Scorecard, ScorecardSnapshot
    from scorecards.services.scoring import measured_day, scorecard_measure, scorecards_measure_all

    with tenant_scope(ctx.tenant):
        scorecard = Scorecard.objects.filter(is_active=True).order_by("pk").first()
        partner_id = _actor(ctx, ctx.partner_user_id).partner_id
    if scorecard is None:
        return []
    backfilled = summary(generated_meta() or {})
    runs: dict[str, dict[str, Any]] = {"all": {"n": 0}, "one": {"n": 0}}

    def scope(name: str):
        @contextmanager
        def manage():
            from django.db import connection

            from prm.tenancy.db import owner_connection

            with tenant_scope(ctx.tenant), connection.execute_wrapper(runs[name].setdefault("sql", _Statements())):
                yield
            # Every rolled-back run left a dead version of each row of the month, and the bench's
            # PostgreSQL may run without autovacuum: the pages loaded next would read a month
            # swollen tenfold (the ranked list's count took 480 ms instead of 2 ms).
            with owner_connection(), connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE scorecards_scorecardsnapshot")

        return manage

    def measure(name: str, call):
        def run():
            runs[name]["written"] = call()
            runs[name]["n"] += 1
            return runs[name]["written"]

        return run

    def note(name: str, *, first: str = ""):
        def say() -> str:
            done = runs[name]
            statements = done["sql"].summary(max(done["n"], 1))
            month = measured_day().replace(day=1)
            partners = ScorecardSnapshot.objects.filter(scorecard=scorecard, period=month).count()
            return (
                f"{first}as of {measured_day()}: {done.get('written', 0):,} snapshots written per run "
                f"({partners:,} in the month). {statements}"
            )

        return say

    return [
        Variant(
            "nightly run, every enrolled partner",
            _rolled_back(measure("all", lambda: scorecard_measure(scorecard=scorecard))),
            scope("all"),
            runs=10,
            warmup=1,
            baseline=True,
            note=note("all", first=f"{backfilled}. "),
        ),
        Variant(
            "one partner on demand (the task's call)",
            _rolled_back(measure("one", lambda: scorecards_measure_all(partner_ids=[partner_id]))),
            scope("one"),
            runs=20,
            warmup=2,
            note=note("one"),
        ),
    ]


# --- Marketing: co-branded PDFs in a worker, the library's search -----------------------------------

COBRAND_RUNS, COBRAND_WARMUP = 100, 5


def _logo_png() -> bytes:
    """A partner's logo as partners upload them: a 600 x 240 PNG with a mark and a name."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 240), "#ffffff")
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 20, 220, 220), fill="#0b7a4b")
    draw.rectangle((250, 90, 580, 150), fill="#1d2733")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@micro(
    "marketing.cobrand",
    f"cobrand_make() as the worker's task runs it (marketing.cobrand_make: the tenant's scope and transaction, "
    f"committed): a partner's co-branded PDF of the generator's two-page datasheet with four areas (logo, company "
    f"name, contact block, custom text), {COBRAND_RUNS} fresh pending documents of as many partners made one after "
    f"the other (weasyprint overlay, pypdf merge, stored, event, notification), on a copy of the bench database "
    f"with the files in a temporary MEDIA_ROOT; PDFs per second in one worker process = 1000 / mean ms",
)
def cobrand_micro(ctx: MicroContext) -> list[Variant]:
    import tempfile

    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.test import override_settings

    import bench.datagen  # noqa: F401 (first: the step modules import from it)
    from bench.datagen_marketing import datasheet_pdf
    from marketing.models import AreaKind, CobrandArea, CobrandDocument, CobrandStatus, CobrandTemplate
    from marketing.selectors.cobrand import brand_for_actor
    from marketing.services.cobrand import COMPANY_KEY
    from marketing.tasks_cobrand import cobrand_make_task
    from prm.accounts.models import Membership
    from prm.accounts.roles import Role
    from prm.tenancy.scope import tenant_scope

    state: dict[str, Any] = {}

    @contextmanager
    def prepared():
        media = tempfile.mkdtemp(prefix="prm-bench-media-")
        storages = {**settings.STORAGES, "default": {**settings.STORAGES["default"], "OPTIONS": {"location": media}}}
        try:
            with override_settings(STORAGES=storages), database.scratch_copy("cobrand"):
                with tenant_scope(ctx.tenant):
                    template = CobrandTemplate.objects.filter(status="published").order_by("id").first()
                    if template is None:
                        raise SystemExit("the bench data has no co-brand template (bench/datagen_marketing.py)")
                    # The generator's PDF where the row says it is (this run's storage is empty).
                    stored = default_storage.save(template.file.name, ContentFile(datasheet_pdf(ctx.tenant.name)))
                    assert stored == template.file.name, stored
                    logo = default_storage.save("private/publicprofile/bench-logo.png", ContentFile(_logo_png()))
                    areas = {area.kind: str(area.pk) for area in CobrandArea.objects.filter(template=template)}
                    people = list(
                        Membership.objects.filter(role=Role.PARTNER_ADMIN, is_active=True, partner__status="active")
                        .select_related("partner", "user")
                        .order_by("id")[: COBRAND_RUNS + COBRAND_WARMUP]
                    )
                    documents = []
                    for person in people:
                        brand = brand_for_actor(actor=person)
                        values = {
                            COMPANY_KEY: brand.company,
                            areas.get(AreaKind.LOGO, "logo"): logo,
                            areas.get(AreaKind.COMPANY_NAME, "name"): brand.company,
                            areas.get(AreaKind.CONTACT, "contact"): brand.contact,
                            areas.get(AreaKind.TEXT, "text"): "Ask us for a free site survey this quarter.",
                        }
                        documents.append(
                            CobrandDocument(
                                tenant_id=ctx.tenant.pk,
                                template=template,
                                partner_id=person.partner_id,
                                requested_by=person,
                                values=values,
                            )
                        )
                    made = CobrandDocument.objects.bulk_create(documents)
                state["ids"] = [document.pk for document in made]
                state["queue"] = iter(state["ids"])
                state["sql"] = _Statements()
                from django.db import connection

                with connection.execute_wrapper(state["sql"]):
                    yield
        finally:
            import shutil

            shutil.rmtree(media, ignore_errors=True)

    def call():
        started = time.perf_counter()
        made = cobrand_make_task(tenant_id=ctx.tenant.pk, document_id=next(state["queue"]))
        state.setdefault("seconds", []).append(time.perf_counter() - started)
        return made

    def note() -> str:
        timed = state["seconds"][COBRAND_WARMUP:]
        rate = len(timed) / sum(timed) if timed else 0
        with tenant_scope(ctx.tenant):
            done = CobrandDocument.objects.filter(pk__in=state["ids"])
            ready = done.filter(status=CobrandStatus.READY)
            sizes = [document.file.size for document in ready[:20]]
            made, failed = ready.count(), done.filter(status=CobrandStatus.FAILED).count()
        size = f"{sum(sizes) / len(sizes) / 1024:.0f} KB" if sizes else "none"
        return (
            f"{rate:.1f} PDFs per second in one process (1000 / mean ms); {made} ready, {failed} failed; a PDF "
            f"of {size}. {state['sql'].summary(COBRAND_RUNS + COBRAND_WARMUP)}"
        )

    return [
        Variant(
            "a final document, 2 pages, 4 areas with a logo",
            call,
            prepared,
            runs=COBRAND_RUNS,
            warmup=COBRAND_WARMUP,
            exact=True,
            note=note,
        )
    ]


LIBRARY_RARE_WORD = "korion"  # one of the generator's code names: in ~0.5 % of the titles


@micro(
    "marketing.library_search",
    "The portal library's reads for a partner admin at 10,000 assets, as its page makes them: library_for_actor "
    "(the capped count and page 1 of 25) and library_facets_for_actor (folders and tags), under row-level security "
    "(the partner's scope); and the search's count statement alone with RLS on and off (the GIN index on "
    "Asset.search serves it only without RLS: @@ is not LEAKPROOF)",
)
def library_search_micro(ctx: MicroContext) -> list[Variant]:
    from django.db import connection

    from bench.scenarios import LIBRARY_SEARCH
    from marketing.selectors.library import library_facets_for_actor, library_for_actor
    from prm.tenancy.scope import tenant_scope
    from prm.tenancy.time import tenant_clock

    with tenant_scope(ctx.tenant):
        actor = _actor(ctx, ctx.partner_user_id)
    today = tenant_clock(ctx.tenant)[0]

    def page(q: str):
        def call():
            rows, counted = library_for_actor(actor=actor, today=today, q=q)
            total = counted[:10001].count()  # paginate's capped count
            shown = list(rows[:25])
            facets = library_facets_for_actor(actor=actor, today=today, q=q)
            return total, shown, facets

        return call

    def scope():
        return tenant_scope(ctx.tenant, partner=actor.partner_id)

    sent: list[tuple[str, list]] = []

    def record(execute, statement, params, many, context):
        sent.append((statement, list(params or ())))
        return execute(statement, params, many, context)

    with scope(), connection.execute_wrapper(record):
        page(LIBRARY_SEARCH)()
    counting = next(((s, p) for s, p in sent if s.startswith("SELECT COUNT(*)")), None)
    variants = [
        Variant(f"search {LIBRARY_SEARCH!r} (~10 % of titles)", page(LIBRARY_SEARCH), scope, baseline=True),
        Variant(f"search {LIBRARY_RARE_WORD!r} (~0.5 %)", page(LIBRARY_RARE_WORD), scope),
        Variant("no search (the whole library)", page(""), scope),
    ]
    if counting is not None:
        # The settings statement the scope sends in front of the first query is not part of it.
        statement = counting[0].split("; ", 1)[-1] if counting[0].startswith("SELECT set_config") else counting[0]
        for variant in _sql_pair(ctx, statement, counting[1]):
            variant.name = f"the search's count statement, {variant.name}"
            variant.baseline = False
            variants.append(variant)
    return variants
