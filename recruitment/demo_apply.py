"""The apply part of recruitment's demo (``load_demo``), through its own services.

At acme, seven companies applied on the public form: two have not confirmed their e-mail address
yet (one of them will expire soon), four confirmed and wait in the vetting queue (one sent a
company profile), and one carries the name of an existing demo partner, which the duplicate guard
flags. Other tenants get one application in the queue.

Idempotent: a tenant that already has applications is left as it is.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from partners.models import Partner
from partners.selectors import partner_type_options
from prm.web.demo_kit import Demo
from prm.web.files import minimal_pdf

from .models import Application, Capability
from .services.apply import application_submit, application_verify

C = Capability
# (company, website, country, regions, industries, capabilities, contact, e-mail, verified, document)
APPLICANTS = [
    ("Helios Data GmbH", "https://www.helios-data.de", "DE", ["DACH"], ["Manufacturing", "Automotive"],
     [C.SALES, C.SERVICES], ("Jonas", "Becker", "Head of Sales"), "j.becker@helios-data.de", False, False),
    ("Kestrel IT Ltd", "https://kestrel-it.co.uk", "GB", ["UK", "Ireland"], ["Financial services"],
     [C.SALES, C.TECHNICAL], ("Olivia", "Hughes", "Managing Director"), "olivia@kestrel-it.co.uk", False, False),
    ("Nordlicht Systems AB", "https://nordlicht.se", "SE", ["Nordics"], ["Public sector", "Healthcare"],
     [C.SERVICES, C.TECHNICAL], ("Erik", "Lindqvist", "CTO"), "erik.lindqvist@nordlicht.se", True, False),
    ("Cobalt Cloud Services SAS", "https://www.cobalt-cloud.fr", "FR", ["France", "Benelux"], ["Retail"],
     [C.SALES, C.MARKETING, C.SERVICES], ("Camille", "Moreau", "CEO"), "c.moreau@cobalt-cloud.fr", True, True),
    ("Maple Integration Inc.", "https://mapleintegration.ca", "CA", ["North America"], ["Energy", "Utilities"],
     [C.TECHNICAL, C.SERVICES], ("Liam", "Tremblay", "Partner Manager"), "liam@mapleintegration.ca", True, False),
    ("Tidewater Networks LLC", "https://tidewaternetworks.com", "US", ["US East"], ["Logistics"],
     [C.SALES, C.LOGISTICS], ("Ava", "Johnson", "VP Alliances"), "ava.johnson@tidewaternetworks.com", True, False),
]  # fmt: skip


def _submit(type_id: int, spec) -> Application:
    company, website, country, regions, industries, capabilities, contact, email, _verified, document = spec
    first, last, title = contact
    documents = []
    if document:
        pdf = minimal_pdf(f"{company}: company profile")
        documents = [SimpleUploadedFile("company-profile.pdf", pdf, "application/pdf")]
    return application_submit(
        company_name=company,
        website=website,
        country=country,
        partner_type_id=type_id,
        regions_served=regions,
        industries=industries,
        capabilities=capabilities,
        capability_notes=f"{company} has a team of certified engineers and a 24/7 service desk.",
        references="Two enterprise customers on request.",
        contact_first_name=first,
        contact_last_name=last,
        contact_title=title,
        contact_email=email,
        documents=documents,
        language="en",
    )


def load(demo: Demo) -> None:
    if Application.objects.exists():
        return
    types = partner_type_options()
    if not types:
        return
    reseller = next((option.id for option in types if option.slug == "reseller"), types[0].id)
    specs = APPLICANTS if demo.tenant.slug == "acme" else APPLICANTS[2:3]
    for spec in specs:
        application = _submit(reseller, spec)
        if spec[8]:
            application_verify(application=application)
    partner = Partner.objects.order_by("external_crm_id", "pk").first()
    if demo.tenant.slug == "acme" and partner is not None:
        # A company that is already a partner applies again: the guard flags it by name.
        twin = _submit(
            reseller,
            (partner.display_name, "", partner.country, ["EMEA"], ["Retail"], [C.SALES],
             ("Noah", "Fischer", "Sales Director"), "noah.fischer@applicant-mail.com", True, False),
        )  # fmt: skip
        application_verify(application=twin)
    demo.notes.append(f"{demo.tenant.slug}: {Application.objects.count()} partner applications")
