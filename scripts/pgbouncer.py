"""A throw-away pgbouncer in transaction pooling mode, in front of a PostgreSQL server.

Used by ``scripts/services.py test --pgbouncer`` (`make test`'s pooled pass), by the bench's
``--pgbouncer`` option and by tests/operations/test_pgbouncer.py. Production's configuration is
deploy/pgbouncer.ini; this one differs only where a test machine needs it to:

* it listens on a free loopback port, with its files in a temporary directory;
* clients are trusted (loopback only); the logins it may forward are listed in its auth file,
  with the passwords it presents to the server when the server asks for one;
* every database name is served (a wildcard entry): the test databases of each xdist worker,
  the bench's, the ones tests create.

No Django here: scripts/services.py loads it before Django is set up.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

CANDIDATES = ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")


def binary() -> str | None:
    """Debian's pgbouncer (scripts/ensure-pgbouncer.sh installs it), or ``PRM_PGBOUNCER``."""
    for candidate in (os.environ.get("PRM_PGBOUNCER"), *CANDIDATES, shutil.which("pgbouncer")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def server_of(url: str) -> tuple[str, int]:
    """Where ``url``'s PostgreSQL listens: (host or Unix-socket directory, port)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    host = query.get("host") or unquote(parts.hostname or "") or "127.0.0.1"
    return host, int(query.get("port") or parts.port or 5432)


def user_of(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return unquote(parts.username or ""), unquote(parts.password or "")


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


class Pgbouncer:
    """One pgbouncer process: ``start()``, ``url(...)`` for each login, ``stop()``.

    ``logins``: login name -> the password pgbouncer gives the server for it ("" when the server
    trusts the connection). ``pool_size``: server connections per database and login."""

    def __init__(self, server_url: str, *, logins: dict[str, str], pool_size: int = 20, port: int | None = None):
        self.server_host, self.server_port = server_of(server_url)
        self.logins = logins
        self.pool_size = pool_size
        self.port = port or _free_port()
        self.workdir: Path | None = None
        self.process: subprocess.Popen | None = None

    def url(self, url: str) -> str:
        """``url`` (same login, password and database) through this pgbouncer."""
        parts = urlsplit(url)
        query = [(key, value) for key, value in parse_qsl(parts.query) if key not in ("host", "port")]
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{self.port}" if credentials else f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query)))

    def login_url(self, login: str, database: str) -> str:
        password = self.logins.get(login, "")
        secret = f":{quote(password, safe='')}" if password else ""
        return f"postgres://{quote(login, safe='')}{secret}@127.0.0.1:{self.port}/{quote(database, safe='')}"

    def config(self) -> str:
        assert self.workdir is not None
        return "\n".join(
            [
                "[databases]",
                # The fallback entry: any database name, on the server, with the client's login.
                f"* = host={self.server_host} port={self.server_port}",
                "",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                f"listen_port = {self.port}",
                "unix_socket_dir =",
                "auth_type = trust",
                f"auth_file = {self.workdir / 'userlist.txt'}",
                "pool_mode = transaction",
                f"default_pool_size = {self.pool_size}",
                "min_pool_size = 0",
                "reserve_pool_size = 0",
                # Every server session checked before it is handed out, as deploy/pgbouncer.ini
                # does: after PostgreSQL dropped them, none is handed out dead.
                "server_check_delay = 0",
                "max_client_conn = 1000",
                # psycopg2 sends neither, but Django's OPTIONS "options" (the test settings'
                # synchronous_commit) does: pgbouncer cannot keep per-client settings.
                "ignore_startup_parameters = extra_float_digits,options",
                f"logfile = {self.workdir / 'pgbouncer.log'}",
                f"pidfile = {self.workdir / 'pgbouncer.pid'}",
                "log_connections = 0",
                "log_disconnections = 0",
                "",
            ]
        )

    def start(self, *, timeout: float = 15) -> Pgbouncer:
        executable = binary()
        if executable is None:
            raise RuntimeError("pgbouncer is missing: run scripts/ensure-pgbouncer.sh (or set PRM_PGBOUNCER)")
        self.workdir = Path(tempfile.mkdtemp(prefix="prm-pgbouncer-"))
        users = "".join(f"{_quoted(login)} {_quoted(password)}\n" for login, password in self.logins.items())
        (self.workdir / "userlist.txt").write_text(users)
        (self.workdir / "pgbouncer.ini").write_text(self.config())
        command = [executable, str(self.workdir / "pgbouncer.ini")]
        if os.geteuid() == 0:
            # pgbouncer refuses to run as root: it drops to an unprivileged user, which must be
            # able to read its files and write its log.
            user = "postgres" if _user_exists("postgres") else "nobody"
            entry = pwd.getpwnam(user)
            for path in [self.workdir, *self.workdir.iterdir()]:
                os.chown(path, entry.pw_uid, entry.pw_gid)
            command[1:1] = ["-u", user]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while not _answers(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = self.log()
                self.stop()
                raise RuntimeError(f"pgbouncer did not start on 127.0.0.1:{self.port}:\n{log[-2000:]}")
            time.sleep(0.05)
        return self

    def log(self) -> str:
        path = self.workdir and self.workdir / "pgbouncer.log"
        return path.read_text(errors="replace") if path and path.exists() else ""

    def stop(self) -> None:
        """Immediate shutdown (SIGTERM): its server connections close, so the databases they
        were on can be dropped."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self) -> Pgbouncer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def logins_for(owner_url: str, environment) -> dict[str, str]:
    """The logins the app uses on the server of ``owner_url``: the owner's (the test suite's
    single connection), the app's and the platform's (deploy/roles.sql), with their passwords
    (PRM_APP_PASSWORD / PRM_PLATFORM_PASSWORD; "" when the server trusts loopback)."""
    owner, owner_password = user_of(owner_url)
    return {
        owner or "postgres": owner_password,
        environment.get("PRM_DB_APP_ROLE") or "prm_app": environment.get("PRM_APP_PASSWORD", ""),
        environment.get("PRM_DB_PLATFORM_ROLE") or "prm_platform": environment.get("PRM_PLATFORM_PASSWORD", ""),
    }
