"""A minimal SAML 2.0 identity provider for the tests: a threaded stdlib HTTP server on loopback.

* ``GET /sso`` (HTTP-Redirect binding) or ``POST /sso`` without credentials (HTTP-POST
  binding): reads the AuthnRequest (its ID, AssertionConsumerServiceURL and Issuer) and shows a
  sign-in form ("Email", "Password", "Sign in"), the request and RelayState in hidden fields.
* ``POST /sso`` with credentials: checks the password and answers with a page that auto-submits
  (and has a visible "Continue" button) a form POSTing ``SAMLResponse`` (a signed
  ``samlp:Response`` holding a signed ``saml:Assertion``) and ``RelayState`` to the ACS URL.
* ``GET /metadata``: the IdP's metadata (its entity id is this URL).

There is no SP registry: the IdP trusts the AuthnRequest's ACS URL and uses its Issuer as the
Audience (an SP test is about the SP). AuthnRequest signatures are not checked.

Knobs for negative tests (``reset()`` puts them back): ``sign_assertion``, ``sign_response``,
``time_offset`` (seconds added to every timestamp the IdP writes), ``untrusted_key`` (sign with
a key whose certificate the SP does not know), ``audience``/``destination`` (override the
values taken from the request).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import secrets
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from onelogin.saml2.constants import OneLogin_Saml2_Constants as C
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from .forms import parse_form

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
ATTRNAME_BASIC = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
ATTRNAME_URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"

# Attribute names under which each user value is sent: the plain ones, and the URIs that
# allauth's SAML provider maps by default (``SAMLProvider.default_attribute_mapping``) and that
# ADFS / Entra ID / Okta send.
ATTRIBUTE_NAMES = {
    "email": [
        "email",
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    ],
    "first_name": [
        "first_name",
        "urn:oid:2.5.4.42",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
    ],
    "last_name": [
        "last_name",
        "urn:oid:2.5.4.4",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
    ],
    "email_verified": ["email_verified", "http://schemas.auth0.com/email_verified"],
}


def _key_and_cert(common_name: str) -> tuple[str, str]:
    """A fresh RSA key and a self-signed certificate for it (PEM strings)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


def pem_body(pem: str) -> str:
    """A PEM's base64 body on one line, without the BEGIN/END lines (python3-saml's ``x509cert``)."""
    return "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))


def _instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _new_id() -> str:
    return "_" + secrets.token_hex(20)


@dataclass
class SamlUser:
    email: str
    password: str
    first_name: str = ""
    last_name: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class AuthnRequest:
    id: str
    acs_url: str
    issuer: str
    xml: str


def parse_authn_request(encoded: str, *, deflated: bool) -> AuthnRequest:
    raw = base64.b64decode(encoded)
    if deflated:
        raw = zlib.decompress(raw, -15)
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(raw, parser)
    if root.tag != f"{{{SAMLP}}}AuthnRequest":
        raise ValueError(f"not an AuthnRequest: {root.tag}")
    issuer = root.findtext(f"{{{SAML}}}Issuer") or ""
    return AuthnRequest(
        id=root.get("ID", ""), acs_url=root.get("AssertionConsumerServiceURL", ""), issuer=issuer, xml=raw.decode()
    )


class SamlIdp:
    """The running IdP. ``entity_id``, ``sso_url``, ``metadata_url``, ``x509cert`` (PEM body),
    ``cert_pem`` (full PEM), ``add_user()``, ``sign_in()``, ``make_response()``."""

    def __init__(self):
        started = time.monotonic()
        self.key_pem, self.cert_pem = _key_and_cert("PRM test SAML IdP")
        self.x509cert = pem_body(self.cert_pem)
        self._untrusted: tuple[str, str] | None = None
        self.users: dict[str, SamlUser] = {}
        self.reset()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.port = self._server.server_port
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.entity_id = f"{self.base_url}/metadata"
        self.metadata_url = self.entity_id
        self.sso_url = f"{self.base_url}/sso"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="saml-idp", daemon=True
        )
        self._thread.start()
        self.startup_seconds = time.monotonic() - started

    # --- Set-up -------------------------------------------------------------------------------

    def reset(self) -> None:
        """The knobs back to a well-behaved IdP."""
        self.sign_assertion = True
        self.sign_response = True
        self.time_offset = 0  # seconds added to IssueInstant, NotBefore, NotOnOrAfter, ...
        self.untrusted_key = False
        self.audience: str | None = None  # None: the AuthnRequest's Issuer
        self.destination: str | None = None  # None: the AuthnRequest's ACS URL

    def add_user(self, email: str, password: str, first_name: str = "", last_name: str = "", **attributes) -> None:
        """Add (or replace) a user. Extra keyword arguments are attributes (a value or a list):
        ``email_verified="false"`` replaces the default ``"true"`` (sent under each of its
        ``ATTRIBUTE_NAMES``); any other name is sent as given (URI names:
        ``**{"urn:oasis:names:tc:SAML:attribute:subject-id": "x"}``)."""
        self.users[email.lower()] = SamlUser(
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            attributes={k: v if isinstance(v, list) else [v] for k, v in attributes.items()},
        )

    def idp_settings(self) -> dict:
        """The ``idp`` section of python3-saml's settings for this IdP."""
        return {
            "entityId": self.entity_id,
            "singleSignOnService": {"url": self.sso_url, "binding": C.BINDING_HTTP_REDIRECT},
            "x509cert": self.x509cert,
        }

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    # --- The SAML ------------------------------------------------------------------------------

    def _signing_pair(self) -> tuple[str, str]:
        if not self.untrusted_key:
            return self.key_pem, self.cert_pem
        if self._untrusted is None:
            self._untrusted = _key_and_cert("PRM test SAML IdP")
        return self._untrusted

    def _attribute_statement(self, user: SamlUser) -> str:
        values = {
            "email": [user.email],
            "first_name": [user.first_name],
            "last_name": [user.last_name],
            "email_verified": ["true"],
        }
        extra = {}
        for name, vals in user.attributes.items():
            (values if name in ATTRIBUTE_NAMES else extra)[name] = vals
        parts = []
        for key, vals in values.items():
            vals = [v for v in vals if v]
            if vals:  # no empty attributes (an unknown name is left out, as IdPs do)
                parts.extend(self._attribute(name, vals) for name in ATTRIBUTE_NAMES[key])
        parts.extend(self._attribute(name, vals) for name, vals in extra.items())
        return f"<saml:AttributeStatement>{''.join(parts)}</saml:AttributeStatement>"

    @staticmethod
    def _attribute(name: str, values: list[str]) -> str:
        fmt = ATTRNAME_URI if ":" in name else ATTRNAME_BASIC
        vals = "".join(
            f'<saml:AttributeValue xsi:type="xs:string">{escape(str(v))}</saml:AttributeValue>' for v in values
        )
        return f"<saml:Attribute Name={quoteattr(name)} NameFormat={quoteattr(fmt)}>{vals}</saml:Attribute>"

    def make_response(
        self, user: SamlUser | str, *, acs_url: str, audience: str, in_response_to: str | None = None
    ) -> str:
        """The base64 ``SAMLResponse`` for ``user`` (a SamlUser or a known e-mail), signed as the
        knobs say. ``in_response_to=None`` makes an IdP-initiated response."""
        if isinstance(user, str):
            user = self.users[user.lower()]
        key_pem, cert_pem = self._signing_pair()
        now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.time_offset)
        issued = _instant(now)
        not_before = _instant(now - dt.timedelta(minutes=1))
        not_after = _instant(now + dt.timedelta(minutes=5))
        session_not_after = _instant(now + dt.timedelta(hours=8))
        irt = f" InResponseTo={quoteattr(in_response_to)}" if in_response_to else ""
        issuer = f"<saml:Issuer>{escape(self.entity_id)}</saml:Issuer>"
        assertion_id, response_id = _new_id(), _new_id()

        assertion = (
            f'<saml:Assertion xmlns:saml="{SAML}" xmlns:xs="http://www.w3.org/2001/XMLSchema"'
            f' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
            f' ID="{assertion_id}" Version="2.0" IssueInstant="{issued}">'
            f"{issuer}"
            "<saml:Subject>"
            f'<saml:NameID Format="{NAMEID_EMAIL}">{escape(user.email)}</saml:NameID>'
            '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
            f'<saml:SubjectConfirmationData NotOnOrAfter="{not_after}" Recipient={quoteattr(acs_url)}{irt}/>'
            "</saml:SubjectConfirmation>"
            "</saml:Subject>"
            f'<saml:Conditions NotBefore="{not_before}" NotOnOrAfter="{not_after}">'
            f"<saml:AudienceRestriction><saml:Audience>{escape(audience)}</saml:Audience></saml:AudienceRestriction>"
            "</saml:Conditions>"
            f'<saml:AuthnStatement AuthnInstant="{issued}" SessionIndex="{_new_id()}"'
            f' SessionNotOnOrAfter="{session_not_after}">'
            "<saml:AuthnContext><saml:AuthnContextClassRef>"
            "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
            "</saml:AuthnContextClassRef></saml:AuthnContext>"
            "</saml:AuthnStatement>"
            f"{self._attribute_statement(user)}"
            "</saml:Assertion>"
        )
        if self.sign_assertion:
            assertion = self._sign(assertion, key_pem, cert_pem)

        response = (
            f'<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="{response_id}" Version="2.0"'
            f" IssueInstant={quoteattr(issued)} Destination={quoteattr(acs_url)}{irt}>"
            f"{issuer}"
            f'<samlp:Status><samlp:StatusCode Value="{C.STATUS_SUCCESS}"/></samlp:Status>'
            "<ASSERTION/>"
            "</samlp:Response>"
        )
        # The (signed) assertion goes in as an element: its bytes, and so its signature, unchanged.
        root = etree.fromstring(response.encode())
        placeholder = root.find("ASSERTION")
        placeholder.addprevious(etree.fromstring(assertion.encode()))
        root.remove(placeholder)
        xml = etree.tostring(root).decode()
        if self.sign_response:
            xml = self._sign(xml, key_pem, cert_pem)
        return base64.b64encode(xml.encode()).decode()

    @staticmethod
    def _sign(xml: str, key_pem: str, cert_pem: str) -> str:
        signed = OneLogin_Saml2_Utils.add_sign(
            xml, key_pem, cert_pem, sign_algorithm=C.RSA_SHA256, digest_algorithm=C.SHA256
        )
        return signed.decode() if isinstance(signed, bytes) else signed

    def metadata(self) -> str:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"'
            f' xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID={quoteattr(self.entity_id)}>'
            '<md:IDPSSODescriptor WantAuthnRequestsSigned="false"'
            ' protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
            '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>'
            f"<ds:X509Certificate>{self.x509cert}</ds:X509Certificate>"
            "</ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
            f"<md:NameIDFormat>{NAMEID_EMAIL}</md:NameIDFormat>"
            f'<md:SingleSignOnService Binding="{C.BINDING_HTTP_REDIRECT}" Location={quoteattr(self.sso_url)}/>'
            f'<md:SingleSignOnService Binding="{C.BINDING_HTTP_POST}" Location={quoteattr(self.sso_url)}/>'
            "</md:IDPSSODescriptor>"
            "</md:EntityDescriptor>"
        )

    # --- A client's view (for tests without a browser) ----------------------------------------

    def sign_in(self, redirect_url: str, email: str, password: str) -> tuple[str, dict[str, str]]:
        """Follow an SP's redirect to ``/sso?SAMLRequest=...`` as a browser would, sign in, and
        return what the browser would POST: ``(acs_url, {"SAMLResponse": ..., "RelayState": ...})``.
        Raises ``SignInFailed`` when the IdP shows the form again (wrong password)."""
        with httpx.Client(timeout=10) as http:
            page = http.get(redirect_url)
            page.raise_for_status()
            action, fields = parse_form(page.text)
            fields.update(email=email, password=password)
            answer = http.post(httpx.URL(redirect_url).join(action), data=fields)
            answer.raise_for_status()
        action, fields = parse_form(answer.text)
        if "SAMLResponse" not in fields:
            raise SignInFailed(answer.text)
        return action, fields


class SignInFailed(AssertionError):
    pass


# --- HTTP --------------------------------------------------------------------------------------

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body>{body}</body></html>"""


def _login_page(request_b64: str, relay_state: str | None, sp: str, error: str = "") -> str:
    relay = (
        f'<input type="hidden" name="RelayState" value="{html.escape(relay_state)}">' if relay_state is not None else ""
    )
    alert = f'<p role="alert">{html.escape(error)}</p>' if error else ""
    body = f"""<h1>Sign in to the test SAML IdP</h1>
<p>Requested by {html.escape(sp)}</p>
{alert}
<form method="post" action="/sso">
<input type="hidden" name="SAMLRequest" value="{html.escape(request_b64)}">{relay}
<p><label for="email">Email</label> <input type="email" id="email" name="email" autocomplete="username" required></p>
<p><label for="password">Password</label> <input type="password" id="password" name="password" autocomplete="current-password" required></p>
<button type="submit">Sign in</button>
</form>"""
    return _PAGE.format(title="Sign in - Test SAML IdP", body=body)


def _post_page(acs_url: str, saml_response: str, relay_state: str | None) -> str:
    relay = (
        f'<input type="hidden" name="RelayState" value="{html.escape(relay_state)}">' if relay_state is not None else ""
    )
    body = f"""<h1>Signing you in…</h1>
<form method="post" action="{html.escape(acs_url)}" id="saml-post">
<input type="hidden" name="SAMLResponse" value="{saml_response}">{relay}
<button type="submit">Continue</button>
</form>
<script>document.getElementById("saml-post").submit();</script>"""
    return _PAGE.format(title="Signing in - Test SAML IdP", body=body)


def _handler_for(idp: SamlIdp):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):
            pass

        def _send(self, status: int, text: str, content_type: str = "text/html; charset=utf-8") -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            if url.path == "/metadata":
                return self._send(200, idp.metadata(), "application/samlmetadata+xml")
            if url.path == "/sso":
                return self._show_form(query.get("SAMLRequest"), query.get("RelayState"), deflated=True)
            return self._send(404, "not found", "text/plain")

        def do_POST(self):
            url = urlsplit(self.path)
            if url.path != "/sso":
                return self._send(404, "not found", "text/plain")
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items()}
            if "email" not in form:  # HTTP-POST binding: the AuthnRequest itself
                return self._show_form(form.get("SAMLRequest"), form.get("RelayState"), deflated=False)
            try:
                request = parse_authn_request(form.get("SAMLRequest", ""), deflated=False)
            except Exception as e:
                return self._send(400, f"bad SAMLRequest: {e}", "text/plain")
            relay_state = form.get("RelayState")
            user = idp.users.get(form["email"].strip().lower())
            if user is None or not secrets.compare_digest(user.password, form.get("password", "")):
                page = _login_page(form["SAMLRequest"], relay_state, request.issuer, "Wrong e-mail or password.")
                return self._send(200, page)
            acs_url = idp.destination or request.acs_url
            saml_response = idp.make_response(
                user, acs_url=acs_url, audience=idp.audience or request.issuer, in_response_to=request.id
            )
            return self._send(200, _post_page(acs_url, saml_response, relay_state))

        def _show_form(self, encoded: str | None, relay_state: str | None, *, deflated: bool):
            if not encoded:
                return self._send(400, "SAMLRequest missing", "text/plain")
            try:
                request = parse_authn_request(encoded, deflated=deflated)
            except Exception as e:
                return self._send(400, f"bad SAMLRequest: {e}", "text/plain")
            if not request.acs_url:
                return self._send(400, "the AuthnRequest names no AssertionConsumerServiceURL", "text/plain")
            # The form carries the request inflated (plain base64), as the POST binding would.
            plain = base64.b64encode(request.xml.encode()).decode()
            return self._send(200, _login_page(plain, relay_state, request.issuer))

    return Handler
