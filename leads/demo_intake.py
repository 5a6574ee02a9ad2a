"""The intake part of lead distribution's demo (acme): a finished import of 20 leads (a CSV built
here, with two rows it rejects and one repeat it merges), routed by the rules the routing part's
demo set up; three leads from the public web form (one a repeat merged into an imported lead, one
flagged as a duplicate for the queue); two partner referrals (one waiting for review with the
contact withheld, one accepted and routed). Through the part's own services, routed synchronously
(``lead_route``); idempotent (a tenant with a lead import gets none)."""

from __future__ import annotations

import csv
import io
import unicodedata

from django.core.files.uploadedfile import SimpleUploadedFile

from partners.models import Partner
from prm.accounts.models import Membership
from prm.accounts.roles import Role

from .models import Lead, LeadImport, LeadSettings, LeadSource, LeadStatus
from .services.imports import lead_import_confirm, lead_import_run, lead_import_upload
from .services.intake import lead_receive
from .services.referrals import lead_referral_accept
from .services.routing import lead_route

HEADER = [
    "Company",
    "Website",
    "Contact name",
    "E-mail",
    "Phone",
    "Job title",
    "Country",
    "City",
    "Postal code",
    "Industry",
    "Product line",
    "Need",
    "Estimated value",
    "Currency",
]
# company | domain | contact | country | city | postal code | industry | product line (net, sec) | need | value
LEADS = [
    row.split("|")
    for row in """
Hanse Logistik GmbH|hanse-logistik.de|Jana Weber|DE|Hamburg|20095|Logistics|net|Wi-Fi for two warehouses|48000
Bayern Klinikum Verbund|bayern-klinikum.de|Dr. Max Huber|DE|Munich|80331|Healthcare|sec|Zero-trust for 900 staff|120000
Rheinstahl Werke AG|rheinstahl-werke.de|Petra Schmitz|DE|Düsseldorf|40213|Manufacturing|net|Plant network refresh|86000
Thames Retail Group|thames-retail.co.uk|Oliver Hughes|GB|London|EC1A 1BB|Retail|net|Store Wi-Fi, 40 shops|64000
Caledonia Energy plc|caledonia-energy.co.uk|Fiona Grant|GB|Edinburgh|EH1 1YZ|Energy|sec|Substation gateways|150000
Lumière Assurances|lumiere-assurances.fr|Claire Martin|FR|Paris|75001|Insurance|sec|Threat defense subscription|38000
Provence Agro SAS|provence-agro.fr|Luc Bernard|FR|Marseille|13001|Agriculture|net|Branch routers for 12 sites|27000
Delta Havens BV|delta-havens.nl|Sanne de Vries|NL|Rotterdam|3011|Logistics|net|Port terminal network|210000
Noorder Zorg|noorder-zorg.nl|Pieter Bakker|NL|Groningen|9711|Healthcare|sec|Secure remote access|22000
Nordljus Energi AB|nordljus-energi.se|Erik Lind|SE|Stockholm|111 20|Energy|net|Campus switches|54000
Iberia Finanzas SA|iberia-finanzas.es|Lucía García|ES|Madrid|28001|Finance|sec|Zero-trust for branches|97000
Levante Hoteles|levante-hoteles.es|Pablo Ruiz|ES|Valencia|46001|Hospitality|net|Guest Wi-Fi in 8 hotels|45000
Lakeshore Schools District|lakeshore-schools.org|Karen Miller|US|Chicago|60601|Education|net|Classroom Wi-Fi|73000
Pacific Crest Bank|pacificcrest-bank.com|Daniel Kim|US|Seattle|98101|Finance|sec|Secure gateway appliances|180000
Lone Star Manufacturing|lonestar-mfg.com|Amy Johnson|US|Austin|73301|Manufacturing|net|Factory floor network|91000
Maple Health Network|maplehealth.ca|Sophie Tremblay|CA|Toronto|M5H 2N2|Healthcare|sec|Threat defense, 3 hospitals|66000
Alpen Bau GmbH|alpen-bau.at|Stefan Gruber|AT|Vienna|1010|Construction|net|Site office connectivity|18000
Helvetia Pharma AG|helvetia-pharma.ch|Laura Meier|CH|Basel|4001|Life sciences|sec|Lab network segmentation|125000
Spree Media GmbH|spree-media.de|Tom Becker|DE|Berlin|10115|Media|net|Studio network upgrade|33000
Öresund Telekom|oresund-telekom.se|Anna Berg|SE|Malmö|211 20|Telecommunications|sec|Secure access for NOC|58000
""".strip().splitlines()
]
LINES = {"net": "Core Networking", "sec": "Cloud Security"}


def _csv(currency: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for company, domain, contact, country, city, postal, industry, line, need, value in LEADS:
        line = LINES[line]
        first = contact.split()[-2 if contact.startswith("Dr.") else 0].lower()
        first = unicodedata.normalize("NFKD", first).encode("ascii", "ignore").decode()
        writer.writerow(
            [
                company,
                domain,
                contact,
                f"{first}@{domain}",
                "",
                "",
                country,
                city,
                postal,
                industry,
                line,
                need,
                value,
                currency,
            ]
        )
    # What a real list carries too: a repeat (merged), and rows the check refuses.
    writer.writerow(
        [
            "Hanse Logistik",
            "",
            "Jonas Weber",
            "jonas@hanse-logistik.de",
            "",
            "",
            "DE",
            "Hamburg",
            "",
            "",
            "",
            "Asked again at the fair",
            "",
            "",
        ]
    )
    writer.writerow(
        ["Atlantis Traders", "", "Nemo", "nemo@atlantis-traders.com", "", "", "Atlantis", "", "", "", "", "", "", ""]
    )
    writer.writerow(["Nowhere Ltd", "", "No Body", "", "", "", "GB", "", "", "", "", "", "", ""])
    return out.getvalue().encode()  # fmt: skip


def _route(leads) -> None:
    for lead in leads:
        if lead.status == LeadStatus.NEW:
            lead_route(lead=lead, trigger="new")


def load(demo) -> None:
    if demo.tenant.slug != "acme" or LeadImport.objects.exists():
        return
    admin, cam = demo.staff["admin"], demo.staff["cam"]
    settings, _created = LeadSettings.objects.get_or_create(defaults={"merge_duplicates": True})
    currency = demo.tenant.default_currency
    upload = SimpleUploadedFile("trade-fair-leads.csv", _csv(currency), content_type="text/csv")
    lead_import = lead_import_upload(actor=admin, upload=upload)
    lead_import_confirm(actor=admin, lead_import=lead_import, campaign="Trade fair 2026", route=False)
    while not lead_import_run(lead_import_id=lead_import.pk)["done"]:
        pass
    _route(Lead.objects.filter(lead_import=lead_import).order_by("pk"))

    # The public web form: a new lead, a repeat merged into an imported one, a flagged duplicate.
    web = [
        {
            "company": "Fjord Shipping AS",
            "email": "ingrid@fjord-shipping.no",
            "contact_name": "Ingrid Haugen",
            "country": "NO",
            "city": "Bergen",
            "industry": "Logistics",
            "description": "Vessel-to-shore connectivity",
        },
        {
            "company": "Bayern Klinikum",
            "email": "huber@bayern-klinikum.de",
            "contact_name": "Max Huber",
            "country": "DE",
            "city": "Munich",
            "description": "Please call me about the quote",
        },
    ]
    received = [lead_receive(source=LeadSource.WEB_FORM, route=False, campaign="website", **values) for values in web]
    _route([result.lead for result in received if result.created])
    settings.merge_duplicates = False
    settings.save(update_fields=["merge_duplicates"])
    lead_receive(
        source=LeadSource.WEB_FORM,
        route=False,
        company="Delta Havens",
        email="inkoop@delta-havens.nl",
        contact_name="Joost Visser",
        country="NL",
        description="Second request from the purchasing team",
    )
    settings.merge_duplicates = True
    settings.save(update_fields=["merge_duplicates"])

    # Two referrals of the first two partners.
    referrers = list(
        Membership.objects.filter(role=Role.PARTNER_ADMIN, is_active=True, partner__isnull=False)
        .select_related("partner")
        .order_by("partner__legal_name")[:2]
    )
    if len(referrers) == 2:
        first, second = referrers
        lead_receive(
            actor=first,
            source=LeadSource.REFERRAL,
            source_partner=first.partner,
            route=False,
            company="Granite Peak Mining",
            website="granitepeak-mining.com",
            country="US",
            city="Denver",
            description="Their CIO asked us for a site-wide network; they want to talk to the vendor first.",
            contact_withheld=True,
        )
        accepted = lead_receive(
            actor=second,
            source=LeadSource.REFERRAL,
            source_partner=second.partner,
            route=False,
            company="Sunbelt Logistics",
            website="sunbelt-logistics.com",
            contact_name="Maria Lopez",
            email="maria@sunbelt-logistics.com",
            country="US",
            city="Phoenix",
            description="Warehouse Wi-Fi across five sites.",
        ).lead
        lead_referral_accept(actor=cam, lead=accepted)
        _route([Lead.objects.get(pk=accepted.pk)])
    partners = Partner.objects.count()
    demo.notes.append(
        f"{demo.tenant.slug}: 1 lead import (20 leads, 1 merged, 2 rejected), 3 web-form leads, 2 referrals "
        f"({partners} partners)"
    )
