"""What the hostile-input tests share: hypothesis profiles and strategies, an audit of rendered
HTML against the Content-Security-Policy, a URL walker that fills in every pattern's arguments,
and clients that enforce CSRF."""

from __future__ import annotations

import os
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils.regex_helper import normalize
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from ..conftest import PLATFORM_HOST, host_of

# --- hypothesis -----------------------------------------------------------------------------

# No example database (database=None below), and hypothesis's caches (character tables, the
# constants it collects from source) go to the temporary directory: nothing is written to
# .hypothesis/ in the checkout. HYPOTHESIS_STORAGE_DIRECTORY still wins when it is set.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "prm-hypothesis")

_COMMON = {
    "deadline": None,  # requests against PostgreSQL vary in speed; time is not what we test
    "database": None,  # no example database: nothing is written to .hypothesis/
    "print_blob": True,  # a failure prints the @reproduce_failure line that replays it
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,  # the world is built once per test, shared by its examples
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
}
settings.register_profile("hostile", max_examples=25, **_COMMON)
settings.register_profile("hostile-quick", max_examples=10, **_COMMON)
settings.register_profile("hostile-thorough", max_examples=300, **_COMMON)

# Picked per test (not loaded globally, so the rest of the suite keeps hypothesis's defaults).
# PRM_HYPOTHESIS_PROFILE=hostile-thorough runs 300 examples a test, for a bug hunt.
_PROFILE = os.environ.get("PRM_HYPOTHESIS_PROFILE", "hostile")
HOSTILE = settings.get_profile(_PROFILE)
# For tests whose every example costs several requests (and a file upload or two).
HOSTILE_QUICK = settings.get_profile("hostile-quick" if _PROFILE == "hostile" else _PROFILE)

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    "' OR 1=1 --",
    "'; DROP TABLE partners_partner; --",
    '" OR ""="',
    "1; SELECT pg_sleep(10)",
    "%' AND 1=1 AND '%'='",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1+1)",
    "{{ 7|add:7 }}{% debug %}",
    "${7*7}",
    "../../../../etc/passwd",
    "\x00",
    "nul\x00inside",
    "\r\nSet-Cookie: pwned=1",
    "\u202egnp.exe",  # right-to-left override
    "שלום עולם",  # Hebrew (RTL)
    "مرحبا بالعالم",  # Arabic (RTL)
    "パートナー管理",  # Japanese
    "合作伙伴关系",  # Chinese
    "😀👍🏽👨‍👩‍👧‍👦🏳️‍🌈",  # emoji, skin tones, ZWJ sequences
    "e\u0301\u0302\u0303\u0304",  # stacked combining marks
    "Z\u0334\u0321\u0322a\u0337l\u0338g\u0335o\u0336",
    "\ufeffBOM\u200bzero\u200dwidth",
    "\\",
    "%00%0d%0a",
    "   ",
    "",
]

# Text: the written-out payloads, every Unicode character but surrogates (which no UTF-8 form
# can carry), ASCII control characters (NUL included), oversized text, and mixtures of them.
_unicode = st.text(st.characters(codec="utf-8"), max_size=60)
_controls = st.text(st.characters(min_codepoint=0, max_codepoint=31), min_size=1, max_size=10)
_oversized = st.tuples(
    st.sampled_from(["a", "é", "中", "😀", "<b>", "'", "\x00", "a,"]), st.integers(2_000, 12_000)
).map(lambda pair: pair[0] * (pair[1] // len(pair[0])))
_mixed = st.lists(st.one_of(st.sampled_from(PAYLOADS), _unicode, _controls), min_size=2, max_size=5).map("".join)
hostile_text = st.one_of(st.sampled_from(PAYLOADS), _unicode, _controls, _oversized, _mixed)

# Values a field that expects a number, a choice or an id receives from an attacker.
hostile_id = st.one_of(
    hostile_text,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["0", "-1", "1.5", "1e3", "0x10", "²", "١٢", "\uff19", " 1 ", "1\x00", "NaN", "[]", "{}", "null"]),
)


# --- auditing rendered HTML against the policy ----------------------------------------------

_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}
_SCRIPTY_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
_DATA_SCRIPT_TYPES = {"application/json"}  # data blocks (allauth's): never executed, not script


def _same_origin(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//")


class _Audit(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        seen = dict(attrs)
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"<{tag}> has an event handler attribute {name}={value[:60]!r}")
            if name.startswith(("hx-on", "data-hx-on")) or name in ("hx-vars", "data-hx-vars"):
                self.problems.append(f"<{tag}> uses {name}, which htmx evaluates as script")
            if name in ("hx-vals", "data-hx-vals") and value.strip().lower().startswith(("js:", "javascript:")):
                self.problems.append(f"<{tag}> has script in {name}")
            if name in ("hx-trigger", "data-hx-trigger") and "[" in value:
                self.problems.append(f"<{tag}> has an htmx trigger filter (evaluated as script): {value!r}")
            squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
            if name in _URL_ATTRIBUTES and squeezed.startswith(_SCRIPTY_SCHEMES):
                self.problems.append(f"<{tag} {name}={value[:60]!r}> is a script URL")
        if tag == "script":
            src = seen.get("src")
            kind = (seen.get("type") or "").strip().lower()
            if src is None and kind not in _DATA_SCRIPT_TYPES:
                self.problems.append(f"inline <script> at line {self.getpos()[0]}")
            if src is not None and not _same_origin(src):
                self.problems.append(f"<script src={src!r}> is not from this site")
        if tag in ("iframe", "frame", "object", "embed", "base", "applet"):
            self.problems.append(f"<{tag}> element")
        if tag == "link" and "stylesheet" in (seen.get("rel") or "") and not _same_origin(seen.get("href") or ""):
            self.problems.append(f"stylesheet {seen.get('href')!r} is not from this site")
        if tag == "img" and not (_same_origin(seen.get("src") or "/") or (seen.get("src") or "").startswith("data:")):
            self.problems.append(f"<img src={seen.get('src')!r}> is not from this site")
        if tag == "meta" and (seen.get("http-equiv") or "").lower() in ("refresh", "content-security-policy"):
            self.problems.append(f"<meta http-equiv={seen.get('http-equiv')!r}>")


def html_problems(html: str) -> list[str]:
    """What in a page the Content-Security-Policy would block or that could run script."""
    audit = _Audit()
    audit.feed(html)
    audit.close()
    return audit.problems


def assert_inert(response, *payloads: str) -> None:
    """An HTML response: nothing in it could run script, and no payload appears unescaped."""
    body = response.content.decode()
    assert html_problems(body) == [], f"{response.request['PATH_INFO']}: {html_problems(body)}"
    for payload in payloads:
        for fragment in _dangerous_fragments(payload):
            assert fragment not in body, f"{fragment!r} appears unescaped in {response.request['PATH_INFO']}"


def _dangerous_fragments(payload: str) -> list[str]:
    """The opening tags in a payload: markup, if one appeared verbatim in a page."""
    return re.findall(r"<[A-Za-z][^<>]*>", payload)


# --- walking the URLconf ----------------------------------------------------------------------

# Values tried, in order, for a URL argument: the first that resolves back to the same pattern.
_SAMPLES = ("1", "x", "partners", "partners/partner", "x-y")


def url_patterns(resolver=None, regexes=(), prefix="", namespace=None):
    """(route, name, pattern, regexes) of every URL pattern, recursively."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        regex = pattern.pattern.regex.pattern
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_patterns(pattern, (*regexes, regex), prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield prefix + str(pattern.pattern), name, pattern, (*regexes, regex)


def concrete_path(pattern: URLPattern, regexes: tuple[str, ...], values: dict | None = None) -> str:
    """A path that resolves to ``pattern``, its arguments filled from ``values`` or samples."""
    values = values or {}
    templates = [normalize(regex)[0] for regex in regexes]
    params = [param for _, names in templates for param in names]
    for sample in _SAMPLES:
        filled = {param: str(values.get(param, sample)) for param in params}
        path = "/" + "".join(template % filled for template, _ in templates)
        try:
            match = resolve(path)
        except Resolver404:
            continue
        if match.func is pattern.callback:
            return path
    raise AssertionError(f"no sample path resolves to {regexes}")


# --- clients ---------------------------------------------------------------------------------


def csrf_client(membership=None, *, host: str | None = None) -> Client:
    """A client that enforces CSRF as a browser meets it; signed in as ``membership`` if given."""
    if host is None:
        host = host_of(membership.tenant) if membership is not None else PLATFORM_HOST
    client = Client(enforce_csrf_checks=True, HTTP_HOST=host)
    if membership is not None:
        client.force_login(membership.user)
    return client
