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


def get(port: int, path: str, *, host: str, cookie: str = "", timeout: float = 10) -> tuple[int, bytes]:
    """One plain HTTP GET to the server (readiness, pre-flight checks)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Host": host, **({"Cookie": cookie} if cookie else {})}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


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
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        # Workers left behind (or a master that would not stop): its process group, by id.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
