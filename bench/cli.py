"""`make bench`: generate a tenant at scale, serve it like production, load it, time services.

Steps: (1) a fresh database of its own (``prm_bench`` beside the one DATABASE_URL names),
migrated through our migrate command (as the owner, so RLS is applied); (2) the generator
(bench/datagen.py) fills it with COPY; (3) collectstatic into a temporary STATIC_ROOT;
(4) the query count and status of every scenario through Django's test client; (5) the service
micro-benchmarks (bench/micro.py); (6) gunicorn under prm.settings.bench on 127.0.0.1 and wrk
against every scenario (bench/scenarios.py) at each concurrency; (6b) webhook delivery latency
through a real Celery worker (bench/webhooks.py); (7) bench/results/latest.md and latest.json.
Gunicorn and the worker are stopped on every way out.

    python scripts/services.py test -- python -m bench [--duration 5] [--partners 5000] ...
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import database, machine
from bench.machine import OtherWork, background
from bench.server import API_RATE, ROOT, Gunicorn, GunicornConfig
from bench.server import request as http_request

RESULTS = ROOT / "bench" / "results"


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    scale = parser.add_argument_group("scale (the first tenant, acme; the second, globex)")
    scale.add_argument("--partners", type=int, default=5000)
    scale.add_argument("--users", type=int, default=20000, help="partner users (with e-mail and membership)")
    scale.add_argument("--staff", type=int, default=50)
    scale.add_argument("--other-partners", type=int, default=50)
    scale.add_argument("--other-users", type=int, default=200)
    scale.add_argument("--other-staff", type=int, default=10)
    scale.add_argument("--deals", type=int, default=1_000_000, help="deal registrations of acme (globex: 1/1000)")
    scale.add_argument("--courses", type=int, default=200, help="e-learning courses of acme (globex: 1/10)")
    scale.add_argument(
        "--certificates", type=int, default=100_000, help="e-learning certificates of acme (globex: 1/1000)"
    )
    scale.add_argument("--seed", type=int, default=2026)
    scale.add_argument("--database", default="prm_bench", help="the bench database (dropped and created)")
    scale.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database if it holds this scale already (steps added since with addable=True run on it)",
    )
    load = parser.add_argument_group("load")
    load.add_argument("--duration", type=float, default=5, help="seconds per wrk run")
    load.add_argument("--warmup", type=float, default=1, help="seconds of discarded load per scenario")
    load.add_argument("--connections", default="1,32", help="comma-separated concurrencies")
    load.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: deploy/gunicorn.conf.py's)")
    load.add_argument(
        "--threads", type=int, default=None, help="threads per worker, 1: sync workers (default: the config file's)"
    )
    load.add_argument("--scenarios", default="", help="only these scenarios (comma-separated names)")
    load.add_argument("--search", default="river", help="the directory search term")
    load.add_argument("--no-load", action="store_true", help="skip gunicorn and wrk (and the webhook delivery)")
    load.add_argument(
        "--pgbouncer",
        action="store_true",
        help="also serve every scenario through pgbouncer in transaction pooling mode (a second gunicorn), "
        "each right after its direct runs, and report each page's ratio to the direct connection",
    )
    load.add_argument(
        "--quiet-wait", type=float, default=0, help="wait up to this many seconds for other work on the machine to end"
    )
    hooks = parser.add_argument_group("webhook delivery (after the load; bench/webhooks.py)")
    hooks.add_argument("--webhook-rate", type=float, default=20, help="events recorded per second")
    hooks.add_argument("--webhook-seconds", type=float, default=20, help="seconds of events at that rate")
    hooks.add_argument(
        "--webhook-answer-ms", type=float, default=0, help="the receiver answers this long after a POST arrives"
    )
    hooks.add_argument("--no-webhooks", action="store_true", help="skip it (--no-load skips it too)")
    micro = parser.add_argument_group("micro-benchmarks")
    micro.add_argument("--micro-runs", type=int, default=200)
    micro.add_argument("--micro-warmup", type=int, default=20)
    micro.add_argument("--micro", default="", help="only these micro-benchmarks (comma-separated names)")
    micro.add_argument("--no-micro", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where latest.md / latest.json go")
    return parser.parse_args(argv)


class Phases:
    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, name: str):
        say(f"{name} ...")
        started = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - started, 1)
        say(f"{name}: {self.seconds[name]:.1f} s")


def _stop_on_signal(signum, frame):
    # SIGTERM/SIGHUP become an exception, so every `finally` (gunicorn, temp files) runs.
    raise SystemExit(128 + signum)


def _environment(args, static_root: str) -> tuple[str, str, str]:
    """Point this process and its children at the bench database and settings, with production's
    three logins: as given when DATABASE_PLATFORM_URL is set; otherwise DATABASE_URL is the
    owner's (`make bench`: the test servers), and the app's and the platform's logins are made
    there as `make run` makes them (prm/tenancy/roles.py)."""
    from prm.tenancy.roles import production_logins

    base = os.environ.get("DATABASE_URL") or database.DEFAULT_URL
    owner_base = os.environ.get("DATABASE_OWNER_URL") or base
    if os.environ.get("DATABASE_PLATFORM_URL"):
        runtime_base, platform_base = base, os.environ["DATABASE_PLATFORM_URL"]
    else:
        logins, warnings = production_logins(owner_base, os.environ)
        for warning in warnings:
            say(warning)
        runtime_base, platform_base = logins["DATABASE_URL"], logins["DATABASE_PLATFORM_URL"]
    os.environ.update(
        DJANGO_SETTINGS_MODULE="prm.settings.bench",
        DATABASE_URL=database.with_database(runtime_base, args.database),
        DATABASE_PLATFORM_URL=database.with_database(platform_base, args.database),
        DATABASE_OWNER_URL=database.with_database(owner_base, args.database),
        PRM_BASE_DOMAIN="localhost",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_LOG_LEVEL="WARNING",
        PRM_BENCH_STATIC_ROOT=static_root,
        # The API scenarios' keys send far more than production's 600 a minute (the count still runs).
        PRM_API_RATE=API_RATE,
    )
    return owner_base, os.environ["DATABASE_OWNER_URL"], os.environ["DATABASE_PLATFORM_URL"]


@contextlib.contextmanager
def _pooled_gunicorn(args, config: GunicornConfig, scratch: Path):
    """With ``--pgbouncer``: a pgbouncer in transaction pooling mode in front of the bench
    database's server (scripts/pgbouncer.py: Debian's, as `make test` runs it), one pool per
    login of 20 server sessions (deploy/pgbouncer.ini's), and a second gunicorn like the first
    whose DATABASE_URL and DATABASE_PLATFORM_URL go through it, with ``PRM_DB_POOLED=1``
    (README, "Connection pooling (pgbouncer)"). Otherwise None."""
    if not args.pgbouncer:
        yield None
        return
    from scripts.pgbouncer import Pgbouncer, user_of

    runtime, platform = os.environ["DATABASE_URL"], os.environ["DATABASE_PLATFORM_URL"]
    logins = dict([user_of(runtime), user_of(platform)])
    with Pgbouncer(runtime, logins=logins, pool_size=20) as bouncer:
        say(f"pgbouncer (transaction pooling) on 127.0.0.1:{bouncer.port}")
        pooled = {"DATABASE_URL": bouncer.url(runtime), "DATABASE_PLATFORM_URL": bouncer.url(platform)}
        saved = {key: os.environ.get(key) for key in (*pooled, "PRM_DB_POOLED")}
        os.environ.update(pooled, PRM_DB_POOLED="1")  # what gunicorn starts with
        try:
            server = Gunicorn(config, log_path=scratch / "gunicorn-pgbouncer.log").__enter__()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        try:
            yield server
        finally:
            server.stop()


def _cpu_per_request(other: OtherWork, requests: int) -> dict:
    """CPU milliseconds per request during a run: gunicorn's processes, the database's backends."""
    app, db = other.application_seconds, other.database_seconds
    if not requests or app is None or db is None:
        return {"cpu_ms": None, "app_cpu_ms": None, "db_cpu_ms": None}
    return {
        "cpu_ms": round((app + db) / requests * 1000, 2),
        "app_cpu_ms": round(app / requests * 1000, 2),
        "db_cpu_ms": round(db / requests * 1000, 2),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop_on_signal)
    started = time.perf_counter()
    static_root = tempfile.mkdtemp(prefix="prm-bench-static-")
    try:
        return _run(args, static_root, started)
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    finally:
        shutil.rmtree(static_root, ignore_errors=True)


def _run(args, static_root: str, started: float) -> int:
    from bench.load import ensure_wrk, run_wrk

    phases = Phases()
    admin_url, owner_url, platform_url = _environment(args, static_root)
    wrk, wrk_source = ensure_wrk(say)
    say(f"wrk: {wrk} ({wrk_source})")
    connections = [int(c) for c in args.connections.split(",") if c.strip()]
    from bench.plans import default_plans, plans_as_json

    plans = default_plans(
        partners=args.partners,
        users=args.users,
        staff=args.staff,
        other_partners=args.other_partners,
        other_users=args.other_users,
        other_staff=args.other_staff,
        seed=args.seed,
        deals=args.deals,
        courses=args.courses,
        certificates=args.certificates,
    )

    # --- 1-2: database and data -------------------------------------------------------------
    import django

    meta = None
    if args.reuse and database.exists(admin_url, args.database):
        django.setup()
        from bench.datagen import add_steps, generated_meta, steps_missing

        meta = generated_meta()
        missing = steps_missing(meta) if meta is not None else None
        if meta is None or meta.get("plans") != plans_as_json(plans):
            say(f"{args.database} holds another scale: generating afresh")
            meta = None
        elif missing is None:
            say(f"{args.database} was generated by other steps (one changed since): generating afresh")
            meta = None
        else:
            with phases("migrate (reused database)"):
                database.manage("migrate", "--no-input", "-v", "0")
            if missing:  # steps added since that can run on this database (``@step(addable=True)``)
                with phases(f"add to the reused database: {', '.join(missing)}"):
                    add_steps(plans, missing, log=say)
                meta = generated_meta()
    if meta is None:
        with phases(f"create database {args.database} and migrate"):
            database.recreate(admin_url, args.database)
            database.manage("migrate", "--no-input", "-v", "0")
        django.setup()
        from bench.datagen import generate, generated_meta

        with phases("generate data"):
            generate(plans, log=say)
        meta = generated_meta()
    facts = database.server_facts(owner_url)
    machine_facts = machine.facts(wrk=wrk, postgres=facts["postgres"])

    # --- 3: static files, as the production image collects them -------------------------------
    with phases("collectstatic"):
        database.manage("collectstatic", "--no-input", "-v", "0")

    # --- 4: who, and how many queries each page runs -------------------------------------------
    from django.conf import settings
    from django.db import connections as db_connections

    from bench.scenarios import (
        QUERY_FLOOR,
        SCENARIOS,
        SHELLS,
        api_keys,
        find_actors,
        measure_queries,
        numbered,
        session_cookie,
    )

    wanted = {name.strip() for name in args.scenarios.split(",") if name.strip()}
    references = {QUERY_FLOOR, *SHELLS.values()}
    scenarios = [s for s in SCENARIOS if not wanted or s.name in wanted or s.name in references]
    for scenario in [s for s in scenarios if not s.available()]:
        say(f"  {scenario.name}: {scenario.url_name} does not resolve (not built yet): skipped")
        scenarios.remove(scenario)
    actors = find_actors(tenant_slug=plans[0].slug, search=args.search)
    cookies = {"staff": session_cookie(actors.staff_user_id), "partner": session_cookie(actors.partner_user_id)}
    keys = api_keys(actors) if any(s.api_key for s in scenarios) else {}
    say(
        f"staff: {actors.staff_email}; partner user: {actors.partner_email} (partner {actors.partner_id})"
        + (f"; API keys made for the partner user and the administrator {actors.admin_email}" if keys else "")
    )
    measured = {}
    with phases("query counts"):
        for scenario in scenarios:
            measured[scenario.name] = measure_queries(scenario, actors, cookies, keys)
            found = measured[scenario.name]
            say(
                f"  {scenario.name}: HTTP {found['status']}, {found['queries']} queries "
                f"({found['round_trips']} statements with transaction control), SQL {found['sql_ms']} ms, "
                f"Python CPU {found['python_cpu_ms']} ms per request in-process"
            )
            if scenario.queries is not None and found["queries"] != scenario.queries:
                say(
                    f"  {scenario.name}: {found['queries']} queries, pinned {scenario.queries}:"
                    " read its SQL in latest.json"
                )
            found["pinned_queries"] = scenario.queries
            if found["status"] != scenario.status:
                raise SystemExit(
                    f"{scenario.name} answered HTTP {found['status']}, not {scenario.status}: fix that first"
                )

    # --- 5: micro-benchmarks (before the server starts: nothing else competes for the cores) ---
    micro_results, calm_micro, calm_load = [], None, None
    if not args.no_micro:
        calm_micro = background(say, wait=args.quiet_wait)
        from bench.micro import MicroContext, run_all
        from prm.tenancy.models import Tenant

        context = MicroContext(
            tenant=Tenant.objects.get(slug=plans[0].slug),
            staff_user_id=actors.staff_user_id,
            partner_user_id=actors.partner_user_id,
            search=args.search,
            database_url=owner_url,
            platform_url=platform_url,
            owner_bypasses_rls=facts["owner_bypasses_rls"],
        )
        only = {name.strip() for name in args.micro.split(",") if name.strip()} or None
        with phases("micro-benchmarks"):
            micro_results = run_all(context, runs=args.micro_runs, warmup=args.micro_warmup, only=only, say=say)
    db_connections.close_all()

    # --- 6: the server under load -------------------------------------------------------------
    config = GunicornConfig.from_file(workers=args.workers, threads=args.threads)
    runs: dict[str, dict[str, dict]] = {s.name: {} for s in scenarios}
    # --pgbouncer: the same runs through pgbouncer, each scenario's right after its direct ones.
    pooled_runs: dict[str, dict[str, dict]] = {s.name: {} for s in scenarios}
    if not args.no_load:
        calm_load = background(say, wait=args.quiet_wait)
        with (
            tempfile.TemporaryDirectory(prefix="prm-bench-") as scratch,
            phases("load (gunicorn + wrk)"),
            Gunicorn(config, log_path=Path(scratch) / "gunicorn.log") as server,
            _pooled_gunicorn(args, config, Path(scratch)) as pooled_server,
        ):
            say(f"gunicorn on 127.0.0.1:{server.port}: {config.describe()}")
            targets = [("", server, runs)]
            if pooled_server is not None:
                say(f"gunicorn through pgbouncer on 127.0.0.1:{pooled_server.port}")
                targets.append((" through pgbouncer", pooled_server, pooled_runs))
            for scenario in scenarios:
                host = scenario.host(actors, settings.PRM_BASE_DOMAIN)
                path = scenario.url_path(actors)
                headers = scenario.headers(cookies, keys)
                template = scenario.body_template(actors)
                request = {"headers": headers, "method": scenario.method, "body": template}
                body = numbered(template, "preflight") if template is not None else None
                for label, target, into in targets:
                    status, answer = http_request(
                        target.port, path, host=host, method=scenario.method, headers=headers, body=body
                    )
                    if status != scenario.status:
                        raise SystemExit(
                            f"{scenario.name}: gunicorn{label} answered HTTP {status}: {answer[:500]!r}\n"
                            f"{target.log_tail()}"
                        )
                    url = f"http://127.0.0.1:{target.port}{path}"
                    if args.quiet_wait > 0:
                        background(say, wait=args.quiet_wait)
                    if args.warmup > 0:
                        run_wrk(wrk, url=url, host=host, connections=max(connections), duration=args.warmup, **request)
                        target.drain()
                    for count in connections:
                        backends = lambda: database.backend_pids(owner_url, args.database)  # noqa: E731
                        with OtherWork(backends, server=target.pid) as other:
                            run = run_wrk(wrk, url=url, host=host, connections=count, duration=args.duration, **request)
                        cpu = _cpu_per_request(other, run.requests)
                        target.drain()
                        into[scenario.name][str(count)] = {**run.as_dict(), "other_cpu_pct": other.percent, **cpu}
                        say(
                            f"  {scenario.name}{label} c={count}: {run.rps:,.0f} req/s, p50 {run.p50_ms} ms, "
                            f"p95 {run.p95_ms} ms, p99 {run.p99_ms} ms, CPU/request {cpu['cpu_ms']} ms "
                            f"(app {cpu['app_cpu_ms']}, PostgreSQL {cpu['db_cpu_ms']}), "
                            f"other work {other.percent}% CPU" + (f", errors {run.errors}" if run.errors else "")
                        )

    # --- 6b: webhook delivery through a real worker -------------------------------------------
    webhooks, calm_webhooks = None, None
    if not args.no_load and not args.no_webhooks:
        calm_webhooks = background(say, wait=args.quiet_wait)
        from bench.webhooks import WebhookStepFailed, measure

        with (
            tempfile.TemporaryDirectory(prefix="prm-bench-") as scratch,
            phases(f"webhook delivery ({args.webhook_rate:g} events/s, Celery worker)"),
        ):
            try:
                webhooks = measure(
                    tenant_slug=plans[0].slug,
                    admin_user_id=actors.admin_user_id,
                    partner_id=actors.partner_id,
                    rate=args.webhook_rate,
                    seconds=args.webhook_seconds,
                    scratch=Path(scratch),
                    answer_after_ms=args.webhook_answer_ms,
                    backends=lambda: database.backend_pids(owner_url, args.database),
                    say=say,
                )
            except WebhookStepFailed as failure:  # the pages' figures are kept: the report says so
                say(f"  webhook delivery not measured: {failure}")
                webhooks = {"error": str(failure).splitlines()[0]}
        if "error" not in webhooks:
            latency = webhooks["latency"]
            say(
                f"  {webhooks['delivered']} of {webhooks['events']} delivered at {webhooks['achieved_rate_per_s']} "
                f"events/s: enqueue to received p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms, "
                f"max {latency['max_ms']} ms; other work {webhooks['other_cpu_pct']}% CPU"
            )
        db_connections.close_all()

    # --- 7: results ---------------------------------------------------------------------------
    floor = runs.get(QUERY_FLOOR, {})
    shells = {actor: runs.get(name, {}) for actor, name in SHELLS.items()}

    def ratio(run: dict, reference: dict, c: str) -> float | None:
        return round(run["rps"] / reference[c]["rps"], 3) if reference.get(c, {}).get("rps") else None

    results = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench", *sys.argv[1:]]),
        "machine": {
            **machine_facts,
            "before_micro": calm_micro,
            "before_load": calm_load,
            "before_webhooks": calm_webhooks,
        },
        "server": {
            "description": config.describe(),
            "workers": config.workers,
            "worker_class": config.worker_class,
            "threads": config.threads,
            "settings": "prm.settings.bench",
            "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
            "database_role": "connects as the owner URL's user and drops to prm_app (SET ROLE): RLS applies",
        },
        "load": {
            "tool": "wrk",
            "wrk_version": machine_facts["wrk"],
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "connections": connections,
        },
        "scale": {
            "tenants": [
                {"slug": p.slug, "partners": p.partners, "users": p.users, "staff": p.staff, "seed": p.seed}
                for p in plans
            ],
            "rows": meta.get("rows", {}),
            "evaluation": meta.get("evaluation", {}),
        },
        "actors": {"staff": actors.staff_email, "partner": actors.partner_email, "partner_id": actors.partner_id},
        "scenarios": [
            {
                "name": s.name,
                "title": s.title,
                "path": s.url_path(actors),
                "host": s.host(actors, settings.PRM_BASE_DOMAIN),
                "actor": s.described_actor(),
                "method": s.method,
                "status": measured[s.name]["status"],
                "bytes": measured[s.name]["bytes"],
                "queries": measured[s.name]["queries"],
                "round_trips": measured[s.name]["round_trips"],
                "sql": measured[s.name]["sql"],
                "runs": runs[s.name],
                "sql_ms": measured[s.name]["sql_ms"],
                "python_cpu_ms": measured[s.name]["python_cpu_ms"],
                "shell": s.reference,
                "vs_query_floor": {c: ratio(run, floor, c) for c, run in runs[s.name].items()},
                # Content pages against the shell of their actor (signed-in pages only).
                "vs_shell": {
                    c: ratio(run, shells[s.actor], c) if s.actor in shells and not s.reference else None
                    for c, run in runs[s.name].items()
                },
                # --pgbouncer: the runs through pgbouncer; *_vs_direct: how many times slower
                # (direct req/s over pooled; pooled p50 over direct), target at most 1.1.
                "pgbouncer": {
                    c: {
                        **run,
                        "rps_vs_direct": ratio(runs[s.name][c], {c: run}, c) if c in runs[s.name] else None,
                        "p50_vs_direct": round(run["p50_ms"] / runs[s.name][c]["p50_ms"], 3)
                        if runs[s.name].get(c, {}).get("p50_ms")
                        else None,
                    }
                    for c, run in pooled_runs[s.name].items()
                }
                or None,
            }
            for s in scenarios
        ],
        "micro": micro_results,
        "webhooks": webhooks,
        "timings": {"phases": phases.seconds, "total_s": round(time.perf_counter() - started, 1)},
    }
    from bench.report import markdown, write

    json_path, md_path = write(results, args.output)
    print(markdown(results))
    say(f"wrote {md_path} and {json_path}")
    return 0
