"""Views of the programs app: ``tiers`` (standing, reviews, overrides, manual metrics) and
``policies`` (products a partner may sell, licences, policy checks)."""


def document_response(document, *, name: str):
    """A private document (licence, evidence) as a download: never rendered inline nor sniffed
    into something executable, never cached by a shared cache. 404 when the file is missing."""
    from django.http import FileResponse, Http404

    from ..models import DOCUMENT_TYPES

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
