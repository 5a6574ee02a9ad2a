"""Reads of co-branding, as the acting membership may see them.

* Partner users see the published templates meant for them (``audience_filter``); any other is a
  404, by list and by URL. Their documents are their company's (row-level security says so too).
* Staff see every template with how many partners and documents it has, and who co-branded what.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, IntegerField, Max, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from prm.accounts.selectors import person_name

from ..models import (
    AreaKind,
    CobrandArea,
    CobrandDocument,
    CobrandStatus,
    CobrandTemplate,
    PublicProfile,
    PublishStatus,
)
from .audience import audience_filter

# The partner's documents a page lists (the newest first).
DOCUMENTS_SHOWN = 10


@dataclass(frozen=True)
class Brand:
    """What a partner's documents show of it: its name, its contact block (lines), its logo (the
    stored file's name, "" without one)."""

    company: str
    contact: str
    logo: str


def _templates_for(actor) -> QuerySet[CobrandTemplate]:
    templates = CobrandTemplate.objects.all()
    if actor.is_partner_user:
        templates = templates.filter(status=PublishStatus.PUBLISHED).filter(audience_filter(actor))
    return templates


def cobrand_template_get_for_actor(*, actor, template_id: int) -> CobrandTemplate:
    """One template: staff see any of their tenant's; a partner user a published one meant for it.
    Else 404."""
    template = _templates_for(actor).filter(pk=template_id).first()
    if template is None:
        raise Http404
    return template


def cobrand_areas(*, template: CobrandTemplate) -> list[CobrandArea]:
    """A template's areas, by page and position."""
    return list(CobrandArea.objects.filter(template=template).order_by("page", "position", "id"))


def cobrand_area_get_for_actor(*, actor, template_id: int, area_id: int) -> CobrandArea:
    """One area of a template the actor may see (staff: the area editor). Else 404."""
    template = cobrand_template_get_for_actor(actor=actor, template_id=template_id)
    area = CobrandArea.objects.filter(template=template, pk=area_id).first()
    if area is None:
        raise Http404
    area.template = template
    return area


# --- the portal -----------------------------------------------------------------------------------


def portal_templates_for_actor(*, actor) -> tuple[QuerySet, QuerySet]:
    """The published templates meant for the actor, by name, as rows for a page (and what to count)."""
    templates = _templates_for(actor)
    rows = templates.values("id", "name", "description", "page_count").order_by("name", "id")
    return rows, templates


def _website(url: str) -> str:
    for prefix in ("https://", "http://"):
        if url.startswith(prefix):
            url = url[len(prefix) :]
    return url.rstrip("/")


def brand_for_actor(*, actor) -> Brand:
    """What the actor's company's documents show: its display name; its contact block (from its
    public profile, else from the company record and its primary contact); its profile's logo."""
    from partners.selectors import company_get_for_actor, primary_contact_for_actor

    partner = company_get_for_actor(actor=actor)
    profile = PublicProfile.objects.filter(partner_id=partner.pk).only("logo", "public_email", "public_phone").first()
    person, email, phone = "", "", partner.phone
    if profile is not None:
        email, phone = profile.public_email, profile.public_phone or partner.phone
    if profile is None or not email:
        contact = primary_contact_for_actor(actor=actor, partner_id=partner.pk)
        if contact is not None:
            email = email or contact.email
            if profile is None:
                person, phone = contact.name, contact.phone or partner.phone
    lines = [line for line in (person, email, phone, _website(partner.website)) if line]
    logo = profile.logo.name if profile is not None and profile.logo else ""
    return Brand(company=partner.display_name, contact="\n".join(lines), logo=logo)


def area_default(area: CobrandArea, brand: Brand) -> str:
    """What an area shows unless the partner types something else."""
    if area.kind == AreaKind.COMPANY_NAME:
        return brand.company
    if area.kind == AreaKind.CONTACT:
        return brand.contact
    if area.kind == AreaKind.TEXT:
        return area.default_text
    return ""


@dataclass(frozen=True)
class FillPage:
    """The portal's page of one template: its areas, what the company's documents show by default,
    and the company's documents of it."""

    template: CobrandTemplate
    areas: list[CobrandArea]
    brand: Brand
    defaults: dict[int, str]
    documents: list[dict]

    @property
    def editable(self) -> list[CobrandArea]:
        return [area for area in self.areas if area.editable and area.kind != AreaKind.LOGO]

    @property
    def fixed(self) -> list[dict]:
        """The areas the partner does not type: what each will show."""
        return [
            {"area": area, "text": self.defaults.get(area.pk, "")}
            for area in self.areas
            if not (area.editable and area.kind != AreaKind.LOGO)
        ]


def fill_page_for_actor(*, actor, template_id: int) -> FillPage:
    """A template meant for the actor, with its areas pre-filled from the company's profile."""
    template = cobrand_template_get_for_actor(actor=actor, template_id=template_id)
    areas = cobrand_areas(template=template)
    brand = brand_for_actor(actor=actor)
    defaults = {area.pk: area_default(area, brand) for area in areas}
    documents = cobrand_documents_for_actor(actor=actor, template_id=template.pk)
    return FillPage(template=template, areas=areas, brand=brand, defaults=defaults, documents=documents)


def cobrand_documents_for_actor(*, actor, template_id: int | None = None, limit: int = DOCUMENTS_SHOWN) -> list[dict]:
    """The company's newest documents (of one template), as rows."""
    documents = CobrandDocument.objects.filter(partner_id=actor.partner_id)
    if template_id is not None:
        documents = documents.filter(template_id=template_id)
    rows = documents.values(
        "id", "template_id", "template__name", "preview", "status", "created_at", "finished_at", "error", "values"
    ).order_by("-created_at", "-id")
    return list(rows[:limit])


def cobrand_document_get_for_actor(*, actor, document_id: int) -> CobrandDocument:
    """One of the company's documents, with its template. Another partner's, or staff asking: 404."""
    if not actor.is_partner_user:
        raise Http404
    document = (
        CobrandDocument.objects.select_related("template").filter(pk=document_id, partner_id=actor.partner_id).first()
    )
    if document is None:
        raise Http404
    return document


# --- the back office --------------------------------------------------------------------------------


def _count(queryset, expression) -> Coalesce:
    """A per-template count as a correlated subquery (one statement for the whole page)."""
    counted = queryset.order_by().values("template_id").annotate(n=expression).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def office_templates_for_actor(*, actor, status: str = "") -> tuple[QuerySet, QuerySet]:
    """Every template (of a status), by name, with its areas, and the partners and documents made
    from it (final documents, ready), as rows (and what to count)."""
    templates = CobrandTemplate.objects.all()
    if status:
        templates = templates.filter(status=status)
    made = CobrandDocument.objects.filter(template_id=OuterRef("pk"), preview=False, status=CobrandStatus.READY)
    rows = (
        templates.annotate(
            area_count=_count(CobrandArea.objects.filter(template_id=OuterRef("pk")), Count("id")),
            document_count=_count(made, Count("id")),
            partner_count=_count(made, Count("partner_id", distinct=True)),
        )
        .values(
            "id",
            "name",
            "status",
            "page_count",
            "updated_at",
            "area_count",
            "document_count",
            "partner_count",
        )
        .order_by("name", "id")
    )
    return rows, templates


def template_choices() -> list[tuple[int, str]]:
    """Every template as (id, name), by name (the usage report's filter)."""
    return list(CobrandTemplate.objects.order_by("name", "id").values_list("id", "name"))


def cobrand_usage_for_actor(*, actor, template_id: int | None = None) -> tuple[QuerySet, QuerySet]:
    """Who co-branded what: a row per partner and template (final documents made), with how many,
    the latest, and who asked for them; the latest first. One grouped statement; what to count
    (the partner and template pairs) apart."""
    made = CobrandDocument.objects.filter(preview=False, status=CobrandStatus.READY)
    if template_id:
        made = made.filter(template_id=template_id)
    person = person_name("requested_by")
    rows = (
        made.values("partner_id", "partner__display_name", "template_id", "template__name")
        .annotate(documents=Count("id"), last_at=Max("finished_at"), people=ArrayAgg(person, distinct=True))
        .order_by("-last_at", "partner__display_name", "template_id")
    )
    # DISTINCT ON the pair: the paginator counts pairs, not documents.
    pairs = made.order_by("partner_id", "template_id").distinct("partner_id", "template_id")
    return rows, pairs
