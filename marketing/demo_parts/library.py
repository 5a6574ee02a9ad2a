"""Demo data: acme's content library, through the services: folders (brochures with a sub-folder
for this year, presentations, videos, price lists), eleven assets (PDFs made here, links, a
YouTube video), among them a price list for Gold partners only (the Resell program's Gold tier:
Silvergate sees it, Northwind, a Silver partner, gets a 404), a partner logo kit behind terms of
use, a product brochure in two versions, a launch kit valid from next month and a draft; then
views and downloads by Northwind's and Silvergate's people (the usage pages and the
content-engagement metric), and Northwind's admin's last visit three days ago, so that the
assets published since show as new.

Loading twice duplicates nothing: nothing is made when the library has its first folder.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from partners.models import Partner
from prm.accounts.models import Membership
from prm.accounts.roles import Role
from prm.tenancy.time import add_months, tenant_today
from prm.web.demo_kit import Demo
from prm.web.files import minimal_pdf
from programs.models import Tier

from ..models import Asset, AssetFolder, AssetKind, LibraryVisit
from ..services.audience import AudienceChoice
from ..services.library import (
    asset_create,
    asset_download_record,
    asset_publish,
    asset_terms_accept,
    asset_version_add,
    asset_view_record,
    folder_create,
)

# Demo content as a vendor's marketing team would type it (not product text).
FOLDERS = (("Brochures", None), ("2026", "Brochures"), ("Presentations", None), ("Videos", None), ("Price lists", None))
LOGO_TERMS = (
    "You may use these logos only to promote our products you resell, unchanged, on a white or light background. "
    "Do not combine them with your own marks. The licence ends with your partner agreement."
)
# (key, title, kind, folder, tags, description, days since published (None: a draft), extra)
ASSETS = (
    (
        "overview",
        "Product overview brochure",
        AssetKind.FILE,
        "2026",
        ["brochure", "storage", "2026"],
        "Our storage range on four pages: what each product does, for whom, and the questions customers ask.",
        40,
        {},
    ),
    (
        "battlecard",
        "Competitive battlecard",
        AssetKind.FILE,
        "Presentations",
        ["sales", "competition"],
        "How we win against the three usual competitors: their strengths, our answers, the traps to avoid.",
        25,
        {},
    ),
    (
        "deck",
        "First-meeting presentation",
        AssetKind.FILE,
        "Presentations",
        ["presentation", "sales"],
        "Twelve slides for a first meeting with an IT manager; notes for the presenter on every slide.",
        60,
        {},
    ),
    (
        "casestudy",
        "Case study: a regional bank",
        AssetKind.FILE,
        "Brochures",
        ["case study", "finance"],
        "How a regional bank cut its backup window by two thirds. Ask us before naming the customer.",
        2,
        {},
    ),
    (
        "logos",
        "Partner logo kit",
        AssetKind.FILE,
        "Brochures",
        ["logo", "brand"],
        "Our logos and the 'Authorised partner' badge for your website and proposals.",
        12,
        {"requires_terms": True, "terms": LOGO_TERMS},
    ),
    (
        "gold",
        "Gold partner price list",
        AssetKind.FILE,
        "Price lists",
        ["pricing", "gold"],
        "Net prices and project discounts for Gold partners. Confidential: do not share with customers.",
        1,
        {"gold": True},
    ),
    (
        "demo-video",
        "Product demo (video)",
        AssetKind.VIDEO,
        "Videos",
        ["video", "demo"],
        "A six-minute tour of the management console, to show customers before a live demo.",
        18,
        {"url": "https://www.youtube.com/watch?v=aqz-KE-bpKQ"},
    ),
    (
        "configurator",
        "Online configurator",
        AssetKind.LINK,
        None,
        ["tools", "pricing"],
        "Size a customer's system and print a bill of materials.",
        90,
        {"url": "https://www.acme.example/partners/configurator"},
    ),
    (
        "webinar",
        "Webinar recording: what is new this quarter",
        AssetKind.LINK,
        "Videos",
        ["webinar"],
        "The quarterly partner webinar: roadmap, promotions and questions from partners.",
        5,
        {"url": "https://www.acme.example/partners/webinars/latest"},
    ),
    (
        "launch",
        "Launch kit: next-generation array",
        AssetKind.FILE,
        "Brochures",
        ["launch", "storage"],
        "Everything for the launch: brochure, e-mail copy and a social media calendar.",
        0,
        {"valid_from_months": 1},
    ),
    (
        "draft",
        "Partner newsletter template",
        AssetKind.FILE,
        None,
        ["newsletter"],
        "A newsletter template partners can send to their customers. Being reviewed by legal.",
        None,
        {},
    ),
)


def _pdf(title: str, version: int = 1) -> ContentFile:
    return ContentFile(minimal_pdf(f"{title} (version {version})"), name=f"{title}.pdf")


def _members(partner) -> list[Membership]:
    if partner is None:
        return []
    return list(Membership.objects.filter(partner=partner, is_active=True).order_by("pk"))


def load(demo: Demo) -> None:
    if demo.tenant.slug != "acme" or AssetFolder.objects.exists():
        return
    marketing = demo.staff.get("marketing") or demo.staff["admin"]
    today = tenant_today()
    folders: dict[str, AssetFolder] = {}
    for name, parent in FOLDERS:
        folders[name] = folder_create(actor=marketing, name=name, parent=folders.get(parent))
    gold = Tier.objects.filter(program__slug="resell", name="Gold").first()

    assets: dict[str, Asset] = {}
    for key, title, kind, folder, tags, description, days, extra in ASSETS:
        audience = AudienceChoice(tier_ids=(gold.pk,)) if extra.get("gold") and gold else AudienceChoice()
        valid_from = add_months(today, extra["valid_from_months"]) if extra.get("valid_from_months") else None
        asset = asset_create(
            actor=marketing,
            title=title,
            kind=kind,
            description=description,
            tags=tags,
            folder=folders.get(folder) if folder else None,
            audience=audience,
            valid_from=valid_from,
            valid_until=add_months(today, 12) if key == "gold" else None,
            requires_terms=extra.get("requires_terms", False),
            terms=extra.get("terms", ""),
            language="en",
            file=_pdf(title) if kind == AssetKind.FILE else None,
            url=extra.get("url", ""),
            notes="First edition.",
        )
        if days is not None:
            asset_publish(actor=marketing, asset=asset)
            # History: when it was published (the demo's "new since your last visit").
            Asset.objects.filter(pk=asset.pk).update(published_at=timezone.now() - timedelta(days=days))
        assets[key] = Asset.objects.get(pk=asset.pk)

    northwind = Partner.objects.filter(display_name="Northwind").first()
    silvergate = Partner.objects.filter(display_name="Silvergate").first()
    for partner, reads in (
        (northwind, ("overview", "battlecard", "deck", "logos")),
        (silvergate, ("overview", "gold")),
    ):
        for person in _members(partner)[:3]:
            for key in reads:
                asset = assets[key]
                asset_view_record(actor=person, asset=asset, today=today)
                if asset.requires_terms:
                    asset_terms_accept(actor=person, asset=asset)
                if person.role in (Role.PARTNER_ADMIN, Role.SALES):
                    asset_download_record(actor=person, asset=asset, today=today)
    # The brochure's second edition after they downloaded the first: "updated since your download".
    asset_version_add(
        actor=marketing,
        asset=assets["overview"],
        file=_pdf(assets["overview"].title, 2),
        notes="New prices and the two new models on page 3.",
    )
    admin = next((m for m in _members(northwind) if m.role == Role.PARTNER_ADMIN), None)
    if admin is not None:
        LibraryVisit.objects.update_or_create(
            membership=admin,
            defaults={"partner_id": admin.partner_id, "visited_at": timezone.now() - timedelta(days=3)},
        )
    demo.notes.append(
        f"{demo.tenant.slug}: content library: {len(assets)} assets in {len(folders)} folders (one for Gold "
        "partners only, one behind terms of use, one in two versions), used by Northwind and Silvergate"
    )
