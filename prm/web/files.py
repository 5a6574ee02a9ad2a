"""Uploaded files: what a document or an image is (by its content), where it is stored, and how it
is served back. One place for every app that takes uploads (logos, licences, metric evidence, deal
attachments, and the certificates and statements to come).

* Content decides, never the name or the browser's content type: both are the uploader's to choose.
* Stored outside the static tree under a random name keeping only the proven extension
  (``private_upload_path``); served only by views that check who is asking, as an attachment, never
  sniffed into something executable (``document_response``).
* An image that also reads as markup or carries appended bytes (a polyglot) is refused.
"""

from __future__ import annotations

import re
import secrets

from django.http import FileResponse, Http404
from django.utils.translation import gettext
from PIL import Image, UnidentifiedImageError

from prm.errors import PolicyViolation

# What a private document may be, by the extension it is stored under.
DOCUMENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
NOT_A_DOCUMENT = "Upload a PDF, PNG or JPEG file."
# Pillow's name of an image format -> the extension it is stored under.
_DOCUMENT_IMAGES = {"PNG": "png", "JPEG": "jpg"}

# Markup or script inside an image (a comment chunk, appended bytes) makes a polyglot: a file that
# is also a page or a script. Refused, whatever a browser would make of it. Five bytes or more
# each, so that compressed pixel data matches by chance about never.
_MARKUP = re.compile(
    rb"<(?:script|html|body|iframe|object|embed|\?php|!doctype|svg[\s>/]|img[\s>/])|javascript:", re.IGNORECASE
)


def _end_of_image(data: bytes, image_format: str) -> int:
    """Where the image's own bytes end: anything after it was appended (an archive, a page)."""
    if image_format == "PNG":  # chunks of length, type, data, CRC, up to IEND
        offset = 8
        while offset + 8 <= len(data):
            length, kind = int.from_bytes(data[offset : offset + 4], "big"), data[offset + 4 : offset + 8]
            offset += 12 + length
            if kind == b"IEND":
                return offset
        return len(data)
    if image_format == "WEBP":  # one RIFF chunk, its size in the header
        return 8 + int.from_bytes(data[4:8], "little")
    return data.rfind(b"\xff\xd9") + 2  # JPEG: the end-of-image marker


def is_polyglot(data: bytes, image_format: str) -> bool:
    """Whether image bytes also carry markup, or anything after the image's own end."""
    return bool(_MARKUP.search(data)) or bool(data[_end_of_image(data, image_format) :].strip(b"\x00"))


def document_kind(document, *, refusal: str = NOT_A_DOCUMENT) -> str:
    """What an uploaded document is, judged by its content: ``pdf``, ``png`` or ``jpg``; else a
    ``PolicyViolation`` saying ``refusal`` (or why: empty, too large). Each upload passes its own
    ``refusal`` (a licence, an attachment, evidence) and takes the error as it is: a form turns it
    into its field's error, a service lets it through.

    A PDF must be whole (its end-of-file marker); an image must decode, be PNG or JPEG, and be no
    polyglot. The document is served back only as an attachment with the type found here.
    """
    size = getattr(document, "size", None) or 0
    if size == 0:
        raise PolicyViolation(gettext("The file is empty. %(refusal)s") % {"refusal": refusal})
    if size > DOCUMENT_MAX_BYTES:
        raise PolicyViolation(
            gettext("Keep documents under %(size)s MB.") % {"size": DOCUMENT_MAX_BYTES // (1024 * 1024)}
        )
    document.seek(0)
    data = document.read()
    document.seek(0)
    if data.startswith(b"%PDF-"):
        # A whole PDF ends with its end-of-file marker (possibly followed by a newline).
        if b"%%EOF" in data[-1024:]:
            return "pdf"
        raise PolicyViolation(refusal)
    if not data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        raise PolicyViolation(refusal)
    try:
        image = Image.open(document)
        image.verify()
    except Image.DecompressionBombError as error:
        raise PolicyViolation(gettext("This image is too large: scan it at a lower resolution.")) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise PolicyViolation(refusal) from error
    finally:
        document.seek(0)
    if image.format not in _DOCUMENT_IMAGES or is_polyglot(data, image.format):
        raise PolicyViolation(refusal)
    return _DOCUMENT_IMAGES[image.format]


def private_upload_path(instance, filename):
    """Documents live outside the static tree under a random name, in a folder per model; views
    that check who is asking serve them. Only a known extension of the upload survives (the
    services and forms set it from ``document_kind``)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    folder = instance._meta.model_name
    return f"private/{folder}/{secrets.token_hex(16)}" + (f".{extension}" if extension in DOCUMENT_TYPES else "")


def document_response(document, *, name: str) -> FileResponse:
    """A private document as a download: never rendered inline nor sniffed into something
    executable, never cached by a shared cache. 404 when the file is missing."""
    if not document:
        raise Http404
    extension = document.name.rsplit(".", 1)[-1].lower() if "." in document.name else ""
    try:
        handle = document.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{name}.{extension}" if extension in DOCUMENT_TYPES else name,
        content_type=DOCUMENT_TYPES.get(extension, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def minimal_pdf(text: str, *, width: int = 595, height: int = 842) -> bytes:
    """A valid one-page PDF showing one line of text (demo documents, test uploads). Real
    documents (certificates, statements) are rendered by weasyprint."""
    safe = text.encode("latin-1", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 12 Tf 72 " + str(max(height - 82, 20)).encode() + b" Td (" + safe + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 "
        + f"{width} {height}".encode()
        + b"] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
