"""Real identity providers on loopback for the single sign-on tests.

``oidc_idp`` (session scope): a django-oauth-toolkit OpenID Connect provider
(tests/sso/oidc_idp/) in a subprocess. ``saml_idp`` (function scope, over the session-scoped
``saml_idp_server``): a SAML 2.0 IdP (tests/sso/saml_idp.py) on a thread of this process, its
knobs reset after each test. Both keep their users and clients for the session: a test adds
its own (``add_user`` replaces a user of the same e-mail; ``add_client`` always makes a new one).

Tests under tests/sso/ get the fixtures from tests/sso/conftest.py; elsewhere import them into
a conftest.py (not into several test modules: each import would start its own servers).
"""

from __future__ import annotations

import os
import secrets
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from .forms import parse_form
from .saml_idp import SamlIdp, SignInFailed

__all__ = ["OidcIdp", "SamlIdp", "SignInFailed", "oidc_idp", "running_oidc_idp", "saml_idp", "saml_idp_server"]

HERE = Path(__file__).resolve().parent
START_TIMEOUT = 30


class OidcIdp:
    """The running OpenID Connect provider.

    ``issuer``: ``http://127.0.0.1:<port>/o``, allauth's ``server_url`` (it appends
    ``/.well-known/openid-configuration``) and the ID tokens' ``iss``. ``base_url``,
    ``discovery_url``, ``authorization_endpoint``, ``token_endpoint``, ``userinfo_endpoint``,
    ``jwks_uri``, ``login_url``; ``startup_seconds``.
    """

    def __init__(self, port: int, admin_token: str, process: subprocess.Popen, log: Path):
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.issuer = f"{self.base_url}/o"
        self.discovery_url = f"{self.issuer}/.well-known/openid-configuration"
        self.authorization_endpoint = f"{self.issuer}/authorize/"
        self.token_endpoint = f"{self.issuer}/token/"
        self.userinfo_endpoint = f"{self.issuer}/userinfo/"
        self.jwks_uri = f"{self.issuer}/.well-known/jwks.json"
        self.login_url = f"{self.base_url}/accounts/login/"
        self.process = process
        self.log = log
        self.startup_seconds = 0.0
        self._admin = httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {admin_token}"})

    def _call(self, path: str, payload: dict) -> dict:
        response = self._admin.post(path, json=payload, timeout=10)
        if response.status_code != 200:
            raise AssertionError(f"OIDC IdP {path}: {response.status_code} {response.text}\n{self.log_text()}")
        return response.json()

    def add_user(
        self, email: str, password: str, first_name: str = "", last_name: str = "", *, email_verified: bool = True
    ) -> None:
        """Add (or update) a user; its username is the e-mail address."""
        self._call(
            "/_admin/users",
            {
                "email": email,
                "password": password,
                "first_name": first_name,
                "last_name": last_name,
                "email_verified": email_verified,
            },
        )

    def add_client(self, redirect_uri: str | list[str], name: str = "") -> tuple[str, str]:
        """Register a confidential authorization-code client (no consent screen, RS256 ID
        tokens, the redirect URI(s) matched exactly). Returns ``(client_id, client_secret)``."""
        uris = [redirect_uri] if isinstance(redirect_uri, str) else list(redirect_uri)
        data = self._call("/_admin/clients", {"redirect_uris": uris, "name": name})
        return data["client_id"], data["client_secret"]

    def sign_in(self, authorize_url: str, email: str, password: str) -> str:
        """Open an RP's authorization URL as a fresh browser would, sign in on the IdP's form,
        and return the URL the IdP finally redirects to off itself (``redirect_uri?code=...&state=...``,
        or ``?error=...``). Raises ``SignInFailed`` when the form comes back (wrong password)."""
        with httpx.Client(timeout=10) as http:
            url = authorize_url
            signed_in = False
            for _ in range(10):
                response = http.get(url)
                if response.is_redirect:
                    url = str(response.url.join(response.headers["Location"]))
                    if not url.startswith(self.base_url + "/"):
                        return url
                    continue
                if response.status_code == 200 and 'name="password"' in response.text and not signed_in:
                    action, fields = parse_form(response.text)
                    fields.update(username=email, password=password)
                    answer = http.post(response.url.join(action), data=fields)
                    if not answer.is_redirect:
                        raise SignInFailed(answer.text)
                    signed_in = True
                    url = str(answer.url.join(answer.headers["Location"]))
                    continue
                raise AssertionError(
                    f"unexpected answer from the OIDC IdP at {url}: {response.status_code}\n{response.text}"
                )
            raise AssertionError("too many redirects at the OIDC IdP")

    def log_text(self) -> str:
        try:
            return self.log.read_text()[-5000:]
        except OSError:
            return ""

    def close(self) -> None:
        self._admin.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@contextmanager
def running_oidc_idp() -> Iterator[OidcIdp]:
    """Start the OIDC provider (a fresh SQLite database and signing key), stop it at the end."""
    with tempfile.TemporaryDirectory(prefix="oidc-idp-") as tmp:
        token = secrets.token_urlsafe(24)
        env = {
            **os.environ,
            "OIDC_IDP_DIR": tmp,
            "OIDC_IDP_ADMIN_TOKEN": token,
            "DJANGO_SETTINGS_MODULE": "oidc_idp.settings",  # never the product's
            "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
            "PYTHONUNBUFFERED": "1",
        }
        log = Path(tmp) / "server.log"
        started = time.monotonic()
        with open(log, "wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "oidc_idp.server"],
                cwd=HERE,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
            )
        idp = None
        try:
            port = _wait_ready(process, log)
            idp = OidcIdp(port, token, process, log)
            idp.startup_seconds = time.monotonic() - started
            yield idp
        finally:
            if idp is not None:
                idp.close()
            elif process.poll() is None:
                process.kill()
                process.wait(5)
            if process.stdout:
                process.stdout.close()


def _wait_ready(process: subprocess.Popen, log: Path) -> int:
    """The port from the server's ``READY <port>`` line."""
    deadline = time.monotonic() + START_TIMEOUT
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while b"\n" not in buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (process.poll() is not None and not selector.select(0)):
                raise RuntimeError(f"the OIDC IdP did not start (exit {process.poll()}):\n{log.read_text()}")
            if selector.select(min(remaining, 0.5)):
                chunk = os.read(process.stdout.fileno(), 4096)
                if not chunk:
                    raise RuntimeError(f"the OIDC IdP exited (exit {process.wait()}):\n{log.read_text()}")
                buffer += chunk
    line = buffer.split(b"\n", 1)[0].decode()
    if not line.startswith("READY "):
        raise RuntimeError(f"the OIDC IdP said {line!r}:\n{log.read_text()}")
    return int(line.split()[1])


@pytest.fixture(scope="session")
def oidc_idp() -> Iterator[OidcIdp]:
    """The OpenID Connect provider, one per test session (per xdist worker)."""
    with running_oidc_idp() as idp:
        yield idp


@pytest.fixture(scope="session")
def saml_idp_server() -> Iterator[SamlIdp]:
    idp = SamlIdp()
    try:
        yield idp
    finally:
        idp.close()


@pytest.fixture
def saml_idp(saml_idp_server) -> Iterator[SamlIdp]:
    """The SAML 2.0 IdP (one server per session), its knobs back to normal after the test."""
    saml_idp_server.reset()
    yield saml_idp_server
    saml_idp_server.reset()
