"""The imports part of recruitment's demo: on acme, one finished import of a small CSV built here
(a few partners with their users, and three rows it rejects), so the imports page has history.
Through the part's own services; idempotent (a tenant with an import gets none)."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from .models import PartnerImport
from .services.imports import partner_import_confirm, partner_import_run, partner_import_upload

HEADER = [
    "Company",
    "Type",
    "Country",
    "CRM id",
    "Website",
    "Account manager",
    "E-mail",
    "First name",
    "Last name",
    "Role",
]
PARTNERS = [
    ("Northwind Systems GmbH", "reseller", "Germany", "IMP-001", "northwind-systems.example"),
    ("Blue Harbor IT Ltd", "msp", "GB", "IMP-002", "blueharbor-it.example"),
    ("Cascadia Integrators Inc", "systems-integrator", "United States", "IMP-003", "cascadia-int.example"),
    ("Lumen Distribution BV", "distributor", "NL", "IMP-004", "lumen-dist.example"),
]


def _csv(slug: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    cam = f"cam@{slug}.example"
    for name, kind, country, crm, site in PARTNERS:
        writer.writerow([name, kind, country, crm, site, cam, f"owner@{site}", "Olivia", "Owner", "Partner admin"])
        writer.writerow([name, kind, country, crm, site, cam, f"sales@{site}", "Sam", "Seller", "Sales rep"])
    # What a real export carries too: rows the check refuses, each for its reason.
    writer.writerow(["Atlantis Traders", "reseller", "Atlantis", "IMP-900", "", "", "", "", "", ""])
    writer.writerow(["Quick Fix AG", "wholesaler", "CH", "IMP-901", "", "", "info@quickfix.example", "", "", ""])
    twice = "sales@northwind-systems.example"  # the same user a second time
    writer.writerow(["Northwind Systems GmbH", "reseller", "Germany", "IMP-001", "", "", twice, "", "", ""])
    return out.getvalue().encode()


def load(demo) -> None:
    if demo.tenant.slug != "acme" or PartnerImport.objects.exists():
        return
    admin = demo.staff["admin"]
    upload = SimpleUploadedFile("partners-from-crm.csv", _csv(demo.tenant.slug), content_type="text/csv")
    partner_import = partner_import_upload(actor=admin, upload=upload)
    partner_import_confirm(actor=admin, partner_import=partner_import, invite_users=False)
    while not partner_import_run(partner_import_id=partner_import.pk)["done"]:
        pass
    demo.notes.append(f"{demo.tenant.slug}: 1 partner import ({len(PARTNERS)} partners, 3 rows rejected)")
