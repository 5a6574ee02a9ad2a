"""An accepted agreement as a PDF (weasyprint): the text as it was accepted, then the record of the
acceptance (who, for which company, when in the vendor's time zone, from which address, the version
and the SHA-256 of the text). Both sides download it.

Nothing is fetched over the network: weasyprint's URL fetcher accepts ``data:`` URIs only.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation

from prm.tenancy.models import Tenant
from prm.tenancy.time import tenant_zone

from .models import AgreementAcceptance


def render_acceptance_pdf(acceptance: AgreementAcceptance) -> bytes:
    """The accepted version's text and the acceptance record, in the reader's language."""
    from weasyprint import HTML, URLFetcher

    tenant = Tenant.objects.get(pk=acceptance.tenant_id)
    zone = tenant_zone()
    html = render_to_string(
        "recruitment/onboard/acceptance_pdf.html",
        {
            "acceptance": acceptance,
            "version": acceptance.version,
            "agreement": acceptance.version.agreement,
            "partner": acceptance.partner,
            "email": acceptance.accepted_by.user.email,
            "accepted_at": timezone.localtime(acceptance.accepted_at, zone),
            "zone": str(zone),
            "tenant": tenant,
            "language": translation.get_language() or "en",
        },
    )
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
