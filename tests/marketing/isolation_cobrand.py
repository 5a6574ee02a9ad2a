"""Isolation cases of co-branding (merged by tests/marketing/isolation.py), and the helpers its
tests share: a published template with its areas for acme, a partner's public profile, the text of
a made PDF."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from marketing.models import (
    AreaKind,
    CobrandArea,
    CobrandDocument,
    CobrandStatus,
    CobrandTemplate,
    PublicProfile,
    PublishStatus,
)
from marketing.services.audience import AudienceChoice
from marketing.services.cobrand import (
    AreaInput,
    cobrand_area_add,
    cobrand_request,
    cobrand_template_create,
    cobrand_template_publish,
)
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.web.files import minimal_pdf

from ..isolation import STAFF, Case, office_page, office_write, portal_page, portal_write
from .world import MANAGE, built_once, for_world, pdf_bytes, tier_held_by, upload


def make_template(
    side,
    *,
    name: str = "Datasheet",
    pages: int = 2,
    areas: list[AreaInput] | None = None,
    publish: bool = True,
    audience: AudienceChoice | None = None,
) -> CobrandTemplate:
    """A template of ``pages`` blank A4 pages for acme, with ``areas`` (default: the logo on page 1,
    the company name, the contact block and an editable text on page 2), published."""
    if areas is None:
        areas = [
            AreaInput(kind=AreaKind.LOGO, label="Logo", page=1, x=40, y=700, width=120, height=60, editable=False),
            AreaInput(
                kind=AreaKind.COMPANY_NAME, label="Name", page=2, x=40, y=760, width=400, height=30, font_size=16
            ),
            AreaInput(kind=AreaKind.CONTACT, label="Contact", page=2, x=40, y=660, width=300, height=80, font_size=9),
            AreaInput(
                kind=AreaKind.TEXT,
                label="Offer",
                page=2,
                x=40,
                y=400,
                width=500,
                height=200,
                max_chars=120,
                default_text="Call us today.",
            ),
        ]
    with tenant_scope(side.tenant):
        template = cobrand_template_create(
            actor=side.marketing, name=name, file=upload(pdf_bytes(pages)), audience=audience
        )
        for area in areas:
            cobrand_area_add(actor=side.marketing, template=template, area=area)
        if publish:
            template = cobrand_template_publish(actor=side.marketing, template=template)
    return template


def area_of(template, kind: str) -> CobrandArea:
    with platform_scope():
        return CobrandArea.objects.filter(template=template, kind=kind).order_by("pk").first()


def give_profile(side, partner, *, logo: bytes | None = None, **fields) -> PublicProfile:
    """A public profile for ``partner`` (the locator's row; written here as its setup)."""
    with tenant_scope(side.tenant):
        profile = PublicProfile(partner=partner, **fields)
        if logo is not None:
            profile.logo.save("logo.png", upload(logo, "logo.png", "image/png"), save=False)
        profile.save()
    return profile


def document(pk: int) -> CobrandDocument:
    with platform_scope():
        return CobrandDocument.objects.select_related("template").get(pk=pk)


def pdf_pages_text(data: bytes) -> list[str]:
    """The text of each page of a PDF."""
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def stored_text(doc: CobrandDocument) -> list[str]:
    with platform_scope(), doc.file.open("rb") as handle:
        return pdf_pages_text(handle.read())


# --- the isolation cases ----------------------------------------------------------------------------


@built_once
def cobrand(ctx) -> None:
    """Acme's published template for partner 1 only (a program only it is enrolled in:
    ``ctx.template``, its text area ``ctx.area``), a draft with an area (``ctx.draft``), and a
    ready document of partner 1 (``ctx.document``)."""
    side = ctx.side
    tier = tier_held_by(side.partner, program__name="Matrix co-brand program")
    ctx.template = make_template(side, name="Matrix brochure", audience=AudienceChoice(program_ids=(tier.program_id,)))
    ctx.draft = make_template(
        side,
        name="Matrix draft",
        pages=1,
        publish=False,
        areas=[AreaInput(kind=AreaKind.COMPANY_NAME, label="Name", page=1, x=10, y=10, width=200, height=20)],
    )
    ctx.area = area_of(ctx.template, AreaKind.TEXT)
    with tenant_scope(side.tenant, partner=side.partner):
        made = cobrand_request(actor=side.partner_admin, template=ctx.template, values={ctx.area.pk: "Matrix text"})
    # Made as the worker would (its rendering is tested in test_cobrand.py): a file, ready.
    with platform_scope():
        made.file.save("cobrand.pdf", ContentFile(minimal_pdf("Matrix co-branded")), save=False)
        CobrandDocument.objects.filter(pk=made.pk).update(
            file=made.file.name, status=CobrandStatus.READY, finished_at=timezone.now()
        )
    ctx.document = made


def _template(ctx, pk) -> CobrandTemplate:
    with platform_scope():
        return CobrandTemplate.objects.get(pk=pk)


def requested(ctx) -> bool:
    with platform_scope():
        return CobrandDocument.objects.filter(
            template=ctx.template, partner=ctx.side.partner, values__contains={str(ctx.area.pk): "Matrix request"}
        ).exists()


def created(ctx) -> bool:
    with platform_scope():
        return CobrandTemplate.objects.filter(tenant=ctx.side.tenant, name="Matrix upload").exists()


def renamed(ctx) -> bool:
    return _template(ctx, ctx.template.pk).name == "Matrix renamed"


def published(ctx) -> bool:
    return _template(ctx, ctx.draft.pk).status == PublishStatus.PUBLISHED


def archived(ctx) -> bool:
    return _template(ctx, ctx.template.pk).status == PublishStatus.ARCHIVED


def area_added(ctx) -> bool:
    with platform_scope():
        return CobrandArea.objects.filter(template=ctx.template, label="Matrix area").exists()


def area_moved(ctx) -> bool:
    with platform_scope():
        return CobrandArea.objects.get(pk=ctx.area.pk).label == "Matrix moved"


def area_deleted(ctx) -> bool:
    with platform_scope():
        return not CobrandArea.objects.filter(pk=ctx.area.pk).exists()


TEMPLATE = lambda ctx: [ctx.template.pk]  # noqa: E731
DRAFT = lambda ctx: [ctx.draft.pk]  # noqa: E731
AREA = lambda ctx: [ctx.template.pk, ctx.area.pk]  # noqa: E731
DOCUMENT = lambda ctx: [ctx.document.pk]  # noqa: E731


def request_data(ctx) -> dict:
    return {"make": "final", f"area_{ctx.area.pk}": "Matrix request"}


def upload_data(ctx=None) -> dict:
    return {"name": "Matrix upload", "description": "", "file": upload(pdf_bytes(1))}


EDIT_DATA = {"name": "Matrix renamed", "description": "For everyone"}
AREA_DATA = {
    "kind": AreaKind.TEXT,
    "label": "Matrix area",
    "page": "1",
    "x": "20",
    "y": "20",
    "width": "200",
    "height": "40",
    "font_size": "10",
    "color": "#112233",
    "editable": "on",
    "max_chars": "100",
    "default_text": "Hello",
}


CASES: dict[str, Case] = {
    "portal:cobrand_templates": portal_page(setup=cobrand, contains="Matrix brochure"),
    # Partner 2 is not in the template's audience: a 404, like another tenant's template.
    "portal:cobrand_template": portal_page(setup=cobrand, args=TEMPLATE, contains="Matrix brochure"),
    "portal:cobrand_request": portal_write(setup=cobrand, args=TEMPLATE, data=request_data, effect=requested),
    "portal:cobrand_document": portal_page(setup=cobrand, args=DOCUMENT, contains="Download the PDF"),
    "portal:cobrand_download": portal_page(setup=cobrand, args=DOCUMENT),
    "office:cobrand_templates": office_page(allowed=STAFF, setup=cobrand, contains="Matrix brochure"),
    "office:cobrand_template_create": office_write(allowed=MANAGE, data=upload_data, effect=created),
    "office:cobrand_usage": office_page(allowed=STAFF, setup=cobrand, contains="Acme Partner 1"),
    "office:cobrand_template": office_page(allowed=STAFF, setup=cobrand, args=TEMPLATE, contains="Matrix brochure"),
    "office:cobrand_template_edit": office_write(
        allowed=MANAGE, setup=cobrand, args=TEMPLATE, data=EDIT_DATA, effect=renamed
    ),
    "office:cobrand_template_publish": office_write(allowed=MANAGE, setup=cobrand, args=DRAFT, effect=published),
    "office:cobrand_template_archive": office_write(allowed=MANAGE, setup=cobrand, args=TEMPLATE, effect=archived),
    "office:cobrand_template_sample": office_page(allowed=STAFF, setup=cobrand, args=TEMPLATE),
    "office:cobrand_area_add": office_write(
        allowed=MANAGE, setup=cobrand, args=TEMPLATE, data=AREA_DATA, effect=area_added
    ),
    "office:cobrand_area_edit": office_write(
        allowed=MANAGE, setup=cobrand, args=AREA, data={**AREA_DATA, "label": "Matrix moved"}, effect=area_moved
    ),
    "office:cobrand_area_delete": office_write(allowed=MANAGE, setup=cobrand, args=AREA, effect=area_deleted),
}


# --- for tests/hostile/test_fuzz_forms.py (merged into its FORM_VIEWS): name -> (who, path, valid data)


FORM_VIEWS: dict = {
    "portal:cobrand_request": (
        lambda w: w.acme.partner_admin,
        lambda w: reverse("portal:cobrand_request", args=TEMPLATE(for_world(w, cobrand))),
        lambda w: request_data(for_world(w, cobrand)),
    ),
    "office:cobrand_template_create": (
        lambda w: w.acme.marketing,
        lambda w: reverse("office:cobrand_template_create"),
        lambda w: upload_data(),
    ),
    "office:cobrand_template_edit": (
        lambda w: w.acme.marketing,
        lambda w: reverse("office:cobrand_template_edit", args=TEMPLATE(for_world(w, cobrand))),
        lambda w: dict(EDIT_DATA),
    ),
    "office:cobrand_area_add": (
        lambda w: w.acme.marketing,
        lambda w: reverse("office:cobrand_area_add", args=TEMPLATE(for_world(w, cobrand))),
        lambda w: dict(AREA_DATA),
    ),
    "office:cobrand_area_edit": (
        lambda w: w.acme.marketing,
        lambda w: reverse("office:cobrand_area_edit", args=AREA(for_world(w, cobrand))),
        lambda w: dict(AREA_DATA),
    ),
}
# POSTs without input (a button).
NO_INPUT: set[str] = {
    "office:cobrand_template_publish",
    "office:cobrand_template_archive",
    "office:cobrand_area_delete",
}
