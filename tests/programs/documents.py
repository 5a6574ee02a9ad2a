"""Small real documents for uploads: a valid one-page PDF and images."""

from __future__ import annotations

import io

from PIL import Image

from prm.web.files import minimal_pdf


def small_pdf(text: str = "Licence") -> bytes:
    """A valid one-page PDF (catalogue, page tree, page, cross-reference table)."""
    return minimal_pdf(text, width=200, height=200)


def image(fmt: str = "PNG", size=(40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(buffer, fmt)
    return buffer.getvalue()
