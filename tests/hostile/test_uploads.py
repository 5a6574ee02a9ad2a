"""The logo upload (office settings): judged by its content, not its name; stored under a random
name outside any static path; served only through /branding/logo, as an image, per tenant.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from prm.tenancy.models import Tenant

from ..conftest import make_client
from .support import HOSTILE_QUICK, hostile_text, html_problems

pytestmark = pytest.mark.django_db

SETTINGS = {
    "name": "Acme",
    "brand_color": "#1f4e8c",
    "default_currency": "EUR",
    "time_zone": "UTC",
    "default_language": "en",
}
IMAGE_ERROR = "Upload a PNG, JPEG or WebP image."


def image(fmt="PNG", size=(40, 20), colour=(200, 30, 30), **options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt, **options)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge canvas (a decompression bomb's first bytes)."""
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + _chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _chunk(b"IEND", b"")


def png_with_text(text: bytes) -> bytes:
    """A valid PNG with a tEXt comment chunk (where polyglots hide their markup)."""
    data = image()
    end = data.rindex(b"IEND") - 4
    return data[:end] + _chunk(b"tEXt", b"Comment\x00" + text) + data[end:]


@pytest.fixture(autouse=True)
def fresh_storage(settings):
    """A new in-memory storage per test: stored files outlive the database's rollback."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


def _stored_files() -> list[str]:
    try:
        return default_storage.listdir("tenants")[1]
    except (FileNotFoundError, OSError):
        return []


def upload(client, content: bytes, name="logo.png", content_type="image/png"):
    return client.post(
        reverse("office:settings"), {**SETTINGS, "logo": SimpleUploadedFile(name, content, content_type=content_type)}
    )


def _tenant(side) -> Tenant:
    return Tenant.objects.get(pk=side.tenant.pk)


HOSTILE_FILES = {
    "PHP renamed .png": (b"<?php system($_GET['c']); ?>", "logo.png", "image/png"),
    "HTML renamed .png": (b"<!doctype html><html><script>alert(1)</script></html>", "logo.png", "image/png"),
    "SVG with script": (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>',
        "logo.svg",
        "image/svg+xml",
    ),
    "SVG renamed .png": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "a.png",
        "image/png",
    ),
    "PNG signature, then HTML": (b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", "logo.png", "image/png"),
    "a GIF (an image, not one we take)": (image("GIF"), "logo.gif", "image/gif"),
    "a BMP named .png": (image("BMP"), "logo.png", "image/png"),
    "polyglot: PNG + appended HTML": (image() + b"<html><script>alert(1)</script></html>", "logo.png", "image/png"),
    "polyglot: PNG + appended PHP": (image() + b"<?php system($_GET['c']); ?>", "logo.png", "image/png"),
    "polyglot: PNG + appended ZIP": (image() + b"PK\x03\x04" + b"\x00" * 40, "logo.png", "image/png"),
    "polyglot: script in a PNG text chunk": (png_with_text(b"<script>alert(1)</script>"), "logo.png", "image/png"),
    "polyglot: JPEG + appended HTML": (image("JPEG") + b"<script>alert(1)</script>", "logo.jpg", "image/jpeg"),
    "polyglot: HTML in a JPEG comment": (
        image("JPEG", comment=b"<html><body><script>alert(1)</script>"),
        "logo.jpg",
        "image/jpeg",
    ),
    "polyglot: WebP + appended HTML": (image("WEBP") + b"<script>alert(1)</script>", "logo.webp", "image/webp"),
    "empty file": (b"", "logo.png", "image/png"),
    "truncated PNG": (image()[:60], "logo.png", "image/png"),
}


@pytest.mark.parametrize("kind", list(HOSTILE_FILES))
def test_files_that_are_not_plain_images_are_refused_and_nothing_is_stored(world, kind):
    # given the vendor admin on the settings page, and a file that is not a plain PNG/JPEG/WebP
    acme = world.acme
    content, name, content_type = HOSTILE_FILES[kind]
    # when they upload it as the logo
    response = upload(make_client(acme.admin), content, name, content_type)
    # then the form says what a logo may be (the empty file: that it is empty), and nothing is kept
    assert response.status_code == 200
    errors = response.context["form"].errors.get("logo")
    assert errors, f"{kind} was accepted"
    assert errors[0] in (IMAGE_ERROR, "The submitted file is empty.")
    assert html_problems(response.content.decode()) == []
    assert not _tenant(acme).logo
    assert _stored_files() == []


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # 144 Mpx: warned, then refused
@pytest.mark.parametrize(
    ("kind", "content", "message"),
    [
        ("too wide", image(size=(2001, 10)), "Keep the logo within 2000 by 2000 pixels."),
        ("too tall", image(size=(10, 2001)), "Keep the logo within 2000 by 2000 pixels."),
        ("a bomb: 30000 x 30000 claimed in 100 bytes", png_claiming(30_000, 30_000), None),
        ("a bomb: 12000 x 12000 claimed", png_claiming(12_000, 12_000), None),
        ("too many bytes", b"\x89PNG\r\n\x1a\n" + b"\x00" * (600 * 1024), "Keep the logo under 512 KB."),
    ],
)
def test_huge_images_are_refused_before_they_are_decoded(world, kind, content, message):
    # given the vendor admin, and an image too large in bytes or in pixels
    acme = world.acme
    # when they upload it
    response = upload(make_client(acme.admin), content)
    # then the form refuses it with a clear message (never a server error), nothing kept
    assert response.status_code == 200
    errors = response.context["form"].errors["logo"]
    assert errors[0] in ((message,) if message else (IMAGE_ERROR, "Keep the logo within 2000 by 2000 pixels."))
    assert not _tenant(acme).logo and _stored_files() == []


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_a_valid_image_is_stored_under_a_random_name_and_served_as_an_image(world, fmt, content_type):
    # given the vendor admin, and a real image whose file name tries to climb out of the folder
    acme = world.acme
    content = image(fmt)
    # when they upload it
    response = upload(make_client(acme.admin), content, name="../../static/evil.php.png", content_type="text/html")
    # then it is saved under a random name (nothing of the uploaded name survives)
    assert response.status_code == 302
    stored = _tenant(acme).logo.name
    assert re.fullmatch(r"tenants/[0-9a-f]{32}(\.[a-z]+)?", stored), stored
    assert "evil" not in stored and "php" not in stored and ".." not in stored
    assert default_storage.open(stored).read() == content
    # and it is served through /branding/logo only, as the image it is, never sniffed
    served = make_client(None, host=acme.host).get(reverse("tenant_logo"))
    assert served.status_code == 200
    assert served["Content-Type"] == content_type
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == content
    # and every page of the tenant shows it from there
    assert 'src="/branding/logo"' in make_client(acme.manager).get(reverse("office:dashboard")).content.decode()


def test_the_upload_folder_is_no_static_or_served_path(world):
    # given a stored logo
    acme = world.acme
    assert upload(make_client(acme.admin), image()).status_code == 302
    name = _tenant(acme).logo.name
    # then its storage lies outside every static folder
    from prm.settings import base

    media = Path(base.STORAGES["default"]["OPTIONS"]["location"]).resolve()
    static = [Path(settings.STATIC_ROOT), *(Path(d[1] if isinstance(d, tuple) else d) for d in base.STATICFILES_DIRS)]
    for folder in static:
        folder = folder.resolve()
        assert folder != media and folder not in media.parents and media not in folder.parents, folder
    # and no URL serves the file by its stored name, under any prefix
    client = make_client(acme.manager)
    for path in (f"/{name}", f"/media/{name}", f"/static/{name}", f"/static/media/{name}"):
        assert client.get(path).status_code == 404, path


def test_a_tenant_without_a_logo_has_none_and_never_shows_another_tenants(world):
    # given acme with a logo, globex without
    acme, globex = world.acme, world.globex
    assert upload(make_client(acme.admin), image(colour=(1, 2, 3))).status_code == 302
    # when anyone asks globex's host, or the platform host, for the logo
    # then there is none
    assert make_client(None, host=globex.host).get(reverse("tenant_logo")).status_code == 404
    assert make_client(globex.manager).get(reverse("tenant_logo")).status_code == 404
    assert make_client(None, host="localhost").get(reverse("tenant_logo")).status_code == 404
    # and globex's pages do not point at one
    assert "/branding/logo" not in make_client(globex.manager).get(reverse("office:dashboard")).content.decode()
    # when globex uploads its own, each host serves its own bytes
    globex_logo = image(colour=(9, 8, 7))
    assert upload(make_client(globex.admin), globex_logo).status_code == 302
    served = make_client(None, host=globex.host).get(reverse("tenant_logo"))
    assert b"".join(served.streaming_content) == globex_logo
    acme_served = make_client(None, host=acme.host).get(reverse("tenant_logo"))
    assert b"".join(acme_served.streaming_content) != globex_logo


def test_only_the_vendor_admin_may_upload(world):
    # given a channel manager and a partner admin
    acme = world.acme
    # when they post a logo
    manager = upload(make_client(acme.manager), image())
    partner = upload(make_client(acme.partner_admin), image())
    # then they are refused (403 in the office, 404 for a partner user) and nothing is stored
    assert (manager.status_code, partner.status_code) == (403, 404)
    assert not _tenant(acme).logo and _stored_files() == []


# --- fuzzing --------------------------------------------------------------------------------------

_SIGNATURES = [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"RIFF\x00\x00\x00\x00WEBPVP8 ", b"GIF89a", b"<svg", b""]
_VALID = [image(), image("JPEG"), image("WEBP")]


def _mutate(data: bytes, positions: list[int], values: bytes) -> bytes:
    out = bytearray(data)
    for position, value in zip(positions, values, strict=False):
        out[position % len(out)] = value
    return bytes(out)


hostile_files = st.one_of(
    st.tuples(st.sampled_from(_SIGNATURES), st.binary(max_size=512)).map(lambda pair: pair[0] + pair[1]),
    st.tuples(
        st.sampled_from(_VALID), st.lists(st.integers(0, 10_000), min_size=1, max_size=8), st.binary(min_size=8)
    ).map(lambda args: _mutate(*args)),
    st.tuples(st.sampled_from(_VALID), st.integers(1, 200)).map(lambda pair: pair[0][: pair[1]]),
)


BOUNDARY = "hostile-boundary-7MA4YWxkTrZu0gW"


def _multipart(fields: dict, *, filename: str, content: bytes, content_type: str) -> bytes:
    """A multipart body as any client could send it: the file name goes in as given."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    quoted = filename.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "")
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="logo"; filename="{quoted}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode(errors="surrogatepass")
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


@HOSTILE_QUICK
@given(
    content=hostile_files,
    name=st.one_of(
        st.sampled_from(
            ["logo.png", "a.jpg", "x.svg", "..", ".", "/", "", "../../x.png", "..\\..\\x.png", "C:\\x.png"]
        ),
        hostile_text,
    ),
    content_type=st.sampled_from(["image/png", "image/jpeg", "text/html", "application/octet-stream", ""]),
)
def test_random_and_mangled_files_never_break_the_settings_page(world, content, name, content_type):
    # given the vendor admin, and bytes that start like an image, or a real image mangled
    client = make_client(world.acme.admin)
    # when they upload them under any name and type (the body written by hand: the test client
    # would refuse names such as ".." itself)
    body = _multipart(SETTINGS, filename=name, content=content, content_type=content_type)
    response = client.post(reverse("office:settings"), body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    # then the page answers (saved, the form with its error, or Django's 400 for a file name
    # too long for its multipart parser), never a server error
    assert response.status_code in (200, 302, 400)
    if _tenant(world.acme).logo:
        # and whatever was kept is an image the logo view serves as one
        served = client.get(reverse("tenant_logo"))
        assert served["Content-Type"] in ("image/png", "image/jpeg", "image/webp")
        assert Image.open(io.BytesIO(b"".join(served.streaming_content))).format in ("PNG", "JPEG", "WEBP")
