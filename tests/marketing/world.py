"""What the tests of marketing's parts share (tests/factories.py holds the project's factories):

* ``MANAGE``: the roles of the isolation matrix that write what marketing publishes;
* ``built_once``: an isolation set-up that may run again on the same world and database (the
  template walk of tests/hostile/test_templates_no_inline_script.py runs every page's set-up on
  one world): the second run gets the first run's objects instead of making them again;
  ``for_world``: a set-up's objects for the fuzz's form views;
* ``tier_held_by``: a tier of a program of its own that only one partner holds, the audience of
  one partner;
* ``page_text``: a page as a reader sees it;
* uploads: ``pdf`` (a one-page document with a text), ``pdf_bytes`` (blank pages of a size, for
  co-brand templates), ``png`` / ``png_bytes`` (a logo), and ``upload`` around any bytes.
"""

from __future__ import annotations

import functools
import io
from html import unescape
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from prm.web.files import minimal_pdf

from ..conftest import body
from ..factories import EnrollmentFactory, TierFactory

A4 = (595.0, 842.0)
# Who may write what marketing publishes (``MARKETING_MANAGE``): every other staff member reads it.
MANAGE = ("admin", "marketing")


def built_once(setup):
    """``setup(ctx)`` run once per side: a later call on the same side sets the first call's
    objects on its ``ctx`` (a unique code, a folder's name or a second join would refuse them)."""
    key = f"_built_{setup.__module__.rpartition('.')[2]}_{setup.__name__}"

    @functools.wraps(setup)
    def run(ctx) -> None:
        built = getattr(ctx.side, key, None)
        if built is None:
            setup(ctx)
            setattr(ctx.side, key, {name: value for name, value in vars(ctx).items() if name != "side"})
        else:
            vars(ctx).update(built)

    return run


def tier_held_by(partner, *, name: str = "Gold", **program):
    """A tier (``name``) of a new program that only ``partner`` is enrolled in; ``program``: the
    program's fields (``program__name="..."``)."""
    tier = TierFactory(tenant=partner.tenant, name=name, **program)
    EnrollmentFactory(tenant=partner.tenant, partner=partner, tier=tier)
    return tier


def page_text(response) -> str:
    """A page's text as a reader sees it (entities unescaped)."""
    return unescape(body(response))


def upload(data: bytes, name: str = "brochure.pdf", content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def pdf(name: str = "brochure.pdf", text: str = "Matrix") -> SimpleUploadedFile:
    """A one-page PDF upload that says ``text``."""
    return upload(minimal_pdf(text), name)


def pdf_bytes(pages: int = 1, size: tuple[float, float] = A4) -> bytes:
    """A PDF of blank pages (pypdf)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=size[0], height=size[1])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes(size=(120, 60), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def png(name: str = "logo.png", size=(120, 60)) -> SimpleUploadedFile:
    """A PNG upload (a logo)."""
    return upload(png_bytes(size), name, "image/png")


def for_world(world, setup) -> SimpleNamespace:
    """What ``setup`` (a ``built_once`` set-up) makes for acme, once per world: the fuzz of
    tests/hostile/test_fuzz_forms.py posts to several of a part's forms on one world."""
    ctx = SimpleNamespace(side=world.acme)
    setup(ctx)
    return ctx
