"""Demo data of co-branding (idempotent), for acme, through the services: a published one-page A4
brochure (rendered here with weasyprint: the vendor's heading and pitch, a blank band at the
bottom for the partner) with a logo, company name, contact block and custom text area; and a
ready co-branded copy for Northwind, made at once rather than by the worker."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from partners.models import Partner
from prm.accounts.models import Membership
from prm.accounts.roles import Role
from prm.web.demo_kit import Demo

from ..models import AreaKind, CobrandTemplate
from ..services.cobrand import (
    AreaInput,
    cobrand_area_add,
    cobrand_make,
    cobrand_request,
    cobrand_template_create,
    cobrand_template_publish,
)

# Demo data as the people would type it (not product text).
NAME = "Storage brochure (A4)"
DESCRIPTION = "Our one-page storage brochure with your logo, name and contact details at the bottom."
BROCHURE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><style>
  @page {{ size: A4; margin: 0; }}
  body {{ margin: 0; font-family: "DejaVu Sans", sans-serif; color: #1d2733; }}
  .band {{ background: #0b5cab; color: #fff; padding: 56pt 48pt 40pt; }}
  .band h1 {{ font-size: 30pt; margin: 0 0 8pt; }}
  .band p {{ font-size: 13pt; margin: 0; }}
  .body {{ padding: 30pt 48pt; font-size: 11pt; line-height: 1.45; }}
  .body h2 {{ font-size: 15pt; color: #0b5cab; margin: 18pt 0 6pt; }}
  .partner {{ position: absolute; left: 0; right: 0; bottom: 0; height: 200pt; border-top: 1.5pt solid #0b5cab;
              background: #f3f6fa; }}
  .partner p {{ margin: 8pt 48pt; font-size: 8pt; color: #5a6775; text-transform: uppercase; letter-spacing: .08em; }}
</style></head><body>
<div class="band"><h1>{vendor} Storage</h1><p>Fast, simple storage that grows with your business.</p></div>
<div class="body">
  <h2>Why {vendor}</h2>
  <p>All-flash performance for databases and virtual machines, snapshots every fifteen minutes and
  replication to a second site, managed from one console.</p>
  <h2>What you get</h2>
  <p>Capacity from 10 TB to 2 PB in one system, non-disruptive upgrades, and support around the clock
  from engineers who know your setup.</p>
</div>
<div class="partner"><p>Your local partner</p></div>
</body></html>"""


def _brochure_pdf(vendor: str) -> bytes:
    from weasyprint import HTML, URLFetcher

    html = BROCHURE.format(vendor=vendor)
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()


# (label, kind, x, y, width, height, font size, colour, editable, at most characters, default text):
# page 1's bottom band, in points from its bottom-left corner.
AREAS = [
    ("Partner logo", AreaKind.LOGO, 48, 60, 150, 90, 11, "#000000", False, 200, ""),
    ("Company name", AreaKind.COMPANY_NAME, 220, 120, 327, 26, 17, "#0b5cab", False, 80, ""),
    ("Contact", AreaKind.CONTACT, 220, 50, 200, 64, 9, "#1d2733", True, 160, ""),
    ("Your offer", AreaKind.TEXT, 430, 50, 117, 64, 9, "#1d2733", True, 120, "Ask us for a free storage assessment."),
]


def load(demo: Demo) -> None:
    if demo.tenant.slug != "acme" or CobrandTemplate.objects.filter(name=NAME).exists():
        return
    marketing = demo.staff.get("marketing") or demo.staff["admin"]
    upload = SimpleUploadedFile("brochure.pdf", _brochure_pdf(demo.tenant.name), content_type="application/pdf")
    template = cobrand_template_create(actor=marketing, name=NAME, description=DESCRIPTION, file=upload)
    for name, kind, x, y, width, height, size, color, editable, limit, text in AREAS:
        area = AreaInput(
            kind=kind,
            page=1,
            x=x,
            y=y,
            width=width,
            height=height,
            label=name,
            font_size=size,
            color=color,
            editable=editable,
            max_chars=limit,
            default_text=text,
        )
        cobrand_area_add(actor=marketing, template=template, area=area)
    template = cobrand_template_publish(actor=marketing, template=template)
    note = f"{demo.tenant.slug}: a published co-brand template ({NAME})"

    northwind = Partner.objects.filter(display_name="Northwind").first()
    maker = (
        Membership.objects.filter(partner=northwind, role=Role.PARTNER_MARKETING, is_active=True).order_by("pk").first()
        or Membership.objects.filter(partner=northwind, role=Role.PARTNER_ADMIN, is_active=True).order_by("pk").first()
        if northwind is not None
        else None
    )
    if maker is not None:
        offer = next(area for area in template.areas.all() if area.kind == AreaKind.TEXT)
        document = cobrand_request(
            actor=maker, template=template, values={offer.pk: "Storage health check: free in May."}, preview=False
        )
        # At once, not in the worker: the demo shows a ready document (the worker finds it made).
        cobrand_make(document_id=document.pk)
        note += " and Northwind's co-branded copy of it"
    demo.notes.append(note)
