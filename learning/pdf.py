"""A certificate as a PDF (weasyprint): the vendor's branding, the holder, the certification, the
dates in the holder's language, the verification code and a QR code of the public verification
address.

Nothing is fetched over the network: the logo is read from storage and inlined, the QR code is an
inline SVG, and weasyprint's URL fetcher accepts ``data:`` URIs only (a template slip could
otherwise make a worker fetch an address).
"""

from __future__ import annotations

import base64

import segno
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe

from prm.tenancy.models import LOGO_CONTENT_TYPES, Tenant

from .models import Certificate


def verify_url(tenant: Tenant, code: str) -> str:
    """The absolute address of a certificate's public verification page on the tenant's host."""
    return tenant.absolute_url(reverse("learning_verify", kwargs={"code": code}))


def _logo_data_uri(tenant: Tenant) -> str:
    if not tenant.logo:
        return ""
    extension = tenant.logo.name.rsplit(".", 1)[-1].lower()
    content_type = LOGO_CONTENT_TYPES.get(extension)
    if content_type is None:
        return ""
    try:
        with tenant.logo.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError, ValueError):
        return ""  # a logo missing from storage: the certificate without it rather than none
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def _qr_svg(url: str) -> str:
    # segno writes the SVG itself (no user input but the URL, which it encodes as QR modules).
    return segno.make(url, error="m").svg_inline(scale=3, border=2, dark="#111")


def render_certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate's PDF, in its holder's language (else the vendor's)."""
    from weasyprint import HTML, URLFetcher

    tenant = Tenant.objects.get(pk=certificate.tenant_id)
    user = certificate.holder.user
    language = getattr(user, "language", "") or tenant.default_language or "en"
    url = verify_url(tenant, certificate.code)
    with translation.override(language):
        html = render_to_string(
            "learning/certificates/pdf.html",
            {
                "certificate": certificate,
                "certification": certificate.certification,
                "tenant": tenant,
                "logo": _logo_data_uri(tenant),
                "verify_url": url,
                "qr": mark_safe(_qr_svg(url)),  # noqa: S308 (segno's own SVG of our URL)
                "language": language,
            },
        )
        return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
