"""Serving the app the way production does: gunicorn, DEBUG off, collected static files.

``Gunicorn`` is a context manager: the server (its own process group) is stopped on the way
out, whatever the way out is (an error, Ctrl-C, SIGTERM: cli.py turns those into exceptions).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


CONFIG_FILE = ROOT / "deploy" / "gunicorn.conf.py"
# The API's per-key rate limit for the bench (cli.py sets PRM_API_RATE): far above what wrk sends.
API_RATE = "1000000/min"
# A worker of the production image, 4 prefork processes, taking every queue (no -Q: all of
# CELERY_TASK_QUEUES; docker-compose.yml splits them over worker groups, README "Queues and beat").
CELERY_WORKER = ["-A", "prm", "worker", "--concurrency", "4", "--loglevel", "INFO"]


@dataclass(frozen=True)
class GunicornConfig:
    """What the bench serves with: deploy/gunicorn.conf.py (what production and `make run` use),
    with the workers and threads the command line may change."""

    workers: int
    worker_class: str
    threads: int

    @classmethod
    def from_file(cls, *, workers: int | None = None, threads: int | None = None) -> GunicornConfig:
        import runpy

        config = runpy.run_path(str(CONFIG_FILE))
        threads = threads or config["threads"]
        return cls(
            workers=workers or config["workers"],
            worker_class="gthread" if threads > 1 else "sync",
            threads=threads,
        )

    def describe(self) -> str:
        threads = f", {self.threads} threads each" if self.worker_class == "gthread" else ""
        return f"gunicorn, {self.workers} {self.worker_class} workers{threads}, no access log"


def free_port(preferred: int = 8390) -> int:
    for port in range(preferred, preferred + 100):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port on 127.0.0.1 for gunicorn")


def _term_when_parent_dies() -> None:
    """In the child, before exec: SIGTERM when the bench process dies (Linux; elsewhere a no-op)."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


def request(
    port: int,
    path: str,
    *,
    host: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: str | None = None,
    timeout: float = 10,
) -> tuple[int, bytes]:
    """One plain HTTP request to the server (pre-flight checks)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(
            method, path, body=body.encode() if body is not None else None, headers={"Host": host, **(headers or {})}
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def get(port: int, path: str, *, host: str, cookie: str = "", timeout: float = 10) -> tuple[int, bytes]:
    """One plain HTTP GET to the server (readiness, pre-flight checks)."""
    return request(port, path, host=host, headers={"Cookie": cookie} if cookie else {}, timeout=timeout)


def _stop(process: subprocess.Popen | None, *, grace: float = 10) -> None:
    """SIGTERM (graceful), then its whole process group (its own session) SIGKILLed, by id."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    # Children left behind (or a parent that would not stop): its process group, by id.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


class Gunicorn:
    def __init__(self, config: GunicornConfig, *, log_path: Path):
        self.config = config
        self.log_path = log_path
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "prm.wsgi:application",
            "--config",
            str(CONFIG_FILE),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.config.workers),
            "--worker-class",
            self.config.worker_class,
            "--threads",
            str(self.config.threads),
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            "--error-logfile",
            str(self.log_path),
        ]
        # A session of its own: Ctrl-C in the terminal reaches us, and we stop it in order. Should
        # we be killed outright (scripts/services.py SIGKILLs its command 0.25 s after a Ctrl-C),
        # the kernel tells gunicorn's master (parent-death signal) and it stops its workers.
        env = {**os.environ, "PRM_WEB_ACCESS_LOG": ""}  # no access log: it would cost every request
        self.process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, start_new_session=True, preexec_fn=_term_when_parent_dies
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                status, _ = get(self.port, "/healthz", host="localhost", timeout=2)
                if status == 200:
                    return
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{self.log_tail()}")

    def drain(self, *, quick_ms: float = 50, timeout: float = 60) -> None:
        """Wait until requests a finished wrk run left queued are served.

        wrk closes its connections when its time is up, but gunicorn's sync workers still answer
        every request already accepted or waiting in the listen backlog (up to one per
        connection): the next run would measure that backlog. A health check waits behind it;
        one answered quickly means it is gone.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            started = time.perf_counter()
            with contextlib.suppress(OSError):
                get(self.port, "/healthz", host="localhost", timeout=timeout)
            if (time.perf_counter() - started) * 1000 < quick_ms:
                return

    def stop(self) -> None:
        process, self.process = self.process, None
        _stop(process)  # graceful: the master stops its workers

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


class CeleryWorker:
    """A Celery worker as production runs it (``CELERY_WORKER``), with this process's environment
    (the bench's settings and database) and ``env`` on top; stopped (its process group) on the way
    out. It is ready when it has done some work: the caller checks that end to end."""

    def __init__(self, *, log_path: Path, env: dict[str, str] | None = None):
        self.log_path = log_path
        self.env = env or {}
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> CeleryWorker:
        command = [sys.executable, "-m", "celery", *CELERY_WORKER]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                command,
                cwd=ROOT,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_term_when_parent_dies,
            )
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        process, self.process = self.process, None
        _stop(process)  # warm shutdown: running tasks finish

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
