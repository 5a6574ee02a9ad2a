"""What the API tests share: keys, clients that present them, and a webhook receiver (a real
HTTP server on loopback that can be told to fail)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.test import Client

from prm.accounts.credentials import api_key_create, scopes_for
from prm.tenancy.scope import tenant_scope

from ..conftest import host_of


def issue_key(membership, scopes=None, **fields) -> str:
    """A key made by ``membership`` (every scope it may hold by default); returns the secret."""
    with tenant_scope(membership.tenant_id, partner=membership.partner_id):
        issued = api_key_create(
            actor=membership, name=fields.pop("name", "CRM"), scopes=list(scopes or scopes_for(membership)), **fields
        )
    return issued.secret


def api_client(secret: str | None, tenant, *, host: str | None = None) -> Client:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    return Client(HTTP_HOST=host or host_of(tenant), **headers)


def call(client: Client, method: str, path: str, data=None, **headers):
    """A JSON request; ``headers`` as ``Idempotency_Key="..."`` -> ``Idempotency-Key``."""
    extra = {f"HTTP_{name.upper()}": value for name, value in headers.items()}
    send = getattr(client, method.lower())
    if method.upper() in ("GET", "HEAD"):
        return send(path, data or {}, **extra)
    return send(path, json.dumps(data or {}), content_type="application/json", **extra)


@dataclass
class Received:
    headers: dict
    body: str
    status: int

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """Records every POST; answers 500 to the first ``fail_first`` of them, then 204."""

    fail_first: int = 0
    requests: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
                with receiver.lock:
                    status = 500 if len(receiver.requests) < receiver.fail_first else 204
                    receiver.requests.append(Received(dict(self.headers.items()), body, status))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def accepted(self) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.status < 300]
