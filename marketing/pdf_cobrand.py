"""Co-branded PDFs: the vendor's template pages with the partner's content on top.

* ``read_template`` checks an upload is a PDF pypdf can read (not encrypted, not empty, pages of
  a sensible size) and returns each page's box as the vendor sees it (the crop box, rotation
  applied): what the area editor measures in.
* ``render_cobranded`` renders ONE overlay PDF with weasyprint (a page per template page that gets
  content, each of that page's size; every area an absolutely positioned box in points, text
  wrapping inside it and clipped at its edge, the logo scaled to fit), then pypdf merges each
  overlay page onto its template page. Previews carry a diagonal watermark; the vendor's sample
  outlines every box.

Nothing is fetched: the URL fetcher serves the one logo it was handed (bytes already read from
storage) and refuses every other address, so a slip in the markup cannot make a worker read a
file or open a connection.

Speed (the bench counts documents per second in a worker): the template's bytes and page boxes
are kept per process, by stored file name (a new upload gets a new random name, so an entry
never goes stale); one font face is used throughout, because weasyprint subsets every face it
embeds and that is most of a render's time.
"""

from __future__ import annotations

import functools
import io
import logging
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils.translation import get_language, gettext

from prm.errors import PolicyViolation

logger = logging.getLogger(__name__)

LOGO_URL = "cobrand:logo"
# Pages a template may have (a brochure, a datasheet, a short guide), and the sizes a page may be
# in points (1 inch to 5 metres): past these a template is not something partners co-brand.
MAX_PAGES = 50
MIN_SIDE, MAX_SIDE = 72.0, 14400.0
_LOGO_TYPES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


@dataclass(frozen=True)
class PageBox:
    """A template page as the reader sees it, in points: its size, and where its visible box starts
    (the overlay is moved there)."""

    width: float
    height: float
    left: float = 0.0
    bottom: float = 0.0


@dataclass(frozen=True)
class Box:
    """One area to draw: where (points from the page's bottom-left corner), how, and what."""

    page: int
    x: float
    y: float
    width: float
    height: float
    font_size: float = 11.0
    color: str = "#000000"
    text: str = ""
    logo: bool = False  # draw the logo here (the text, when there is no logo)


@dataclass
class _Page:
    number: int
    style: str
    boxes: list = field(default_factory=list)
    watermark_style: str = ""


# --- reading a template ---------------------------------------------------------------------------


def _page_box(page) -> PageBox:
    if page.rotation % 360:
        page.transfer_rotation_to_content()  # the boxes turn with the content
    box = page.cropbox
    return PageBox(float(box.width), float(box.height), float(box.left), float(box.bottom))


def read_template(data: bytes) -> tuple[PageBox, ...]:
    """The pages of an uploaded template, or a ``PolicyViolation`` saying why it cannot be used."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise PolicyViolation(
                gettext("This PDF is protected by a password or encrypted: upload a copy without protection."),
                code="cobrand_encrypted",
            )
        count = len(reader.pages)
        if count > MAX_PAGES:
            raise PolicyViolation(
                gettext("A template has at most %(max)s pages; this PDF has %(count)s.")
                % {"max": MAX_PAGES, "count": count},
                code="cobrand_pages",
            )
        pages = tuple(_page_box(page) for page in reader.pages)
    except PolicyViolation:
        raise
    except Exception as error:  # an uploaded file: any parser error means "unreadable"
        raise PolicyViolation(
            gettext("This file cannot be read as a PDF. Export the template again as a PDF and upload that."),
            code="cobrand_unreadable",
        ) from error
    if not pages:
        raise PolicyViolation(gettext("This PDF has no pages."), code="cobrand_pages")
    for page in pages:
        if not (MIN_SIDE <= page.width <= MAX_SIDE and MIN_SIDE <= page.height <= MAX_SIDE):
            raise PolicyViolation(
                gettext("A page of this PDF has an unusable size (%(width)s × %(height)s points).")  # noqa: RUF001
                % {"width": round(page.width), "height": round(page.height)},
                code="cobrand_page_size",
            )
    return pages


@functools.lru_cache(maxsize=8)
def template_bytes(name: str) -> bytes:
    """A stored template's bytes, read once per process (the name is random per upload)."""
    with default_storage.open(name, "rb") as handle:
        return handle.read()


@functools.lru_cache(maxsize=64)
def template_pages(name: str) -> tuple[PageBox, ...]:
    """A stored template's page boxes, read once per process."""
    return read_template(template_bytes(name))


def logo_type(data: bytes | None) -> str | None:
    """The content type of a logo we draw (PNG or JPEG, by its first bytes); None for anything else."""
    if not data:
        return None
    for magic, content_type in _LOGO_TYPES:
        if data.startswith(magic):
            return content_type
    return None


# --- rendering ------------------------------------------------------------------------------------


def _logo_fetcher(logo: bytes | None):
    """A weasyprint URL fetcher that answers ``LOGO_URL`` with ``logo`` and refuses anything else."""
    from weasyprint import URLFetcher
    from weasyprint.urls import URLFetcherResponse

    content_type = logo_type(logo)

    class LogoOnly(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=frozenset(), allow_redirects=False)

        def fetch(self, url, headers=None):
            if url == LOGO_URL and content_type is not None:
                return URLFetcherResponse(url, body=logo, headers={"Content-Type": content_type})
            raise ValueError(f"not served to a co-branded PDF: {url[:60]}")

    return LogoOnly()


def _pt(value: float) -> str:
    # CSS wants a dot whatever the language (the template would localise a float).
    return f"{value:.2f}pt"


def _overlay_html(
    pages: tuple[PageBox, ...], boxes: list[Box], *, numbers: list[int], watermark: str, outline: bool, has_logo: bool
) -> str:
    by_page: dict[int, list[Box]] = {}
    for box in boxes:
        by_page.setdefault(box.page, []).append(box)
    shown = []
    for number in numbers:
        page = pages[number - 1]
        drawn = []
        for box in by_page.get(number, []):
            top = page.height - box.y - box.height  # CSS measures from the top, PDF from the bottom
            style = (
                f"left: {_pt(box.x)}; top: {_pt(top)}; width: {_pt(box.width)}; height: {_pt(box.height)}; "
                f"font-size: {_pt(box.font_size)}; color: {box.color}"
            )
            drawn.append({"box": box, "style": style})
        watermark_style = ""
        if watermark:
            size = min(page.width, page.height) / 5
            watermark_style = (
                f"top: {_pt(page.height / 2 - size * 0.6)}; width: {_pt(page.width)}; font-size: {_pt(size)}"
            )
        shown.append(
            _Page(
                number=number,
                style=f"width: {_pt(page.width)}; height: {_pt(page.height)}",
                boxes=drawn,
                watermark_style=watermark_style,
            )
        )
    sizes = {number: f"{_pt(pages[number - 1].width)} {_pt(pages[number - 1].height)}" for number in numbers}
    return render_to_string(
        "marketing/cobrand/pdf_overlay.html",
        {
            "pages": shown,
            "sizes": sorted(sizes.items()),
            "watermark": watermark,
            "outline": outline,
            "has_logo": has_logo,
            "logo_url": LOGO_URL,
            "language": get_language() or "en",
        },
    )


def _merge(template: bytes, overlay: bytes, numbers: list[int]) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(template)))
    stamps = PdfReader(io.BytesIO(overlay)).pages
    for index, number in enumerate(numbers):
        page = writer.pages[number - 1]
        if page.rotation % 360:
            page.transfer_rotation_to_content()
        box = page.cropbox
        left, bottom = float(box.left), float(box.bottom)
        if left or bottom:
            page.merge_translated_page(stamps[index], left, bottom)
        else:
            page.merge_page(stamps[index])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_cobranded(
    *, template_name: str, boxes: list[Box], logo: bytes | None = None, watermark: str = "", outline: bool = False
) -> bytes:
    """The co-branded PDF: the stored template ``template_name`` with ``boxes`` drawn on its pages
    (``logo``: PNG or JPEG bytes for the logo boxes), a ``watermark`` across every page when given,
    each box outlined when ``outline`` (the vendor's sample)."""
    from weasyprint import HTML

    pages = template_pages(template_name)
    boxes = [box for box in boxes if 1 <= box.page <= len(pages)]
    # Every page gets a watermark; otherwise only the pages with something to draw get an overlay.
    numbers = list(range(1, len(pages) + 1)) if watermark else sorted({box.page for box in boxes})
    if not numbers:
        return template_bytes(template_name)
    has_logo = logo_type(logo) is not None
    html = _overlay_html(pages, boxes, numbers=numbers, watermark=watermark, outline=outline, has_logo=has_logo)
    overlay = HTML(string=html, url_fetcher=_logo_fetcher(logo)).write_pdf()
    return _merge(template_bytes(template_name), overlay, numbers)
