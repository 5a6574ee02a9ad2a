"""Co-branding: the vendor's PDF templates with areas, and partners' co-branded documents.

The vendor (``MARKETING_MANAGE``):

* ``cobrand_template_create`` / ``cobrand_template_update``: a PDF template (checked with pypdf:
  readable, not encrypted; its page count and first page size kept), its name, description and
  audience. A new file must still hold every area.
* ``cobrand_area_add`` / ``cobrand_area_update`` / ``cobrand_area_delete``: the rectangles the
  partner's logo, company name, contact block and custom text fill, in PDF points from the page's
  bottom-left corner, each inside its page.
* ``cobrand_template_publish`` (it needs an area) and ``cobrand_template_archive``.

A partner user (``COBRAND_MAKE``):

* ``cobrand_request`` checks the values (editable text areas only, at most each area's
  characters, control characters dropped), keeps a snapshot of everything the document shows
  (the company name, the contact block, the logo's stored name), creates the document pending and
  sends the work through the outbox to the worker (``marketing.cobrand_make``). A preview replaces
  the partner's previous preview of that template (one kept per partner and template).
* ``cobrand_make`` (the worker) renders it (``pdf_cobrand.py``) and stores it: ready, or failed
  with a message and no file. A second delivery finds it no longer pending and does nothing.

**Locks.** Template and area writes lock the template's row, so an area edit and a new file (which
checks every area against the new pages) or a publication take turns. A request locks nothing:
the document is new, and a template archived a moment after a partner asked still makes that
partner's document. ``cobrand_make`` locks the document, so two deliveries take turns and the
second finds it made.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop, pgettext

from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.services import event_record, outbox_enqueue
from prm.notifications.services import notify
from prm.tenancy.models import Tenant
from prm.web.files import document_kind

from .. import events, notifications
from ..models import (
    AreaKind,
    CobrandArea,
    CobrandDocument,
    CobrandStatus,
    CobrandTemplate,
    PublishStatus,
)
from ..pdf_cobrand import Box, PageBox, read_template, render_cobranded, template_pages
from ..permissions import COBRAND_MAKE, marketing_manage_require
from ..selectors.audience import AUDIENCE_FIELDS, audience_filter
from .audience import AudienceChoice, audience_fields
from .text import typed_text

if TYPE_CHECKING:
    from ..selectors.cobrand import Brand

logger = logging.getLogger(__name__)

COBRAND_MAKE_TASK = "marketing.cobrand_make"
NAME_MAX, DESCRIPTION_MAX, LABEL_MAX = 160, 2000, 80
AREA_CHARS_MAX = 2000
# Documents a partner may have waiting at once: a partner clicking "Create PDF" twenty times
# queues at most this many renders.
PENDING_MAX = 5
COBRAND_LOCK = 19_001  # pg_advisory_xact_lock key space of co-brand requests (per partner)
MULTILINE_KINDS = (AreaKind.CONTACT, AreaKind.TEXT)
# The snapshot's key for the company's name (the fallback of a logo area without a logo).
COMPANY_KEY = "company"
MAKE_FAILED = gettext_noop(
    "The PDF could not be made from this template. Try again later; if it fails again, tell the vendor."
)
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Control characters (but the line feed), and the bidirectional overrides and isolates that make
# text read in another order than it is stored.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Slack for areas measured up to the page's edge in a fractional-point page.
_EDGE = 0.01


@dataclass(frozen=True)
class AreaInput:
    """An area as the vendor typed it."""

    kind: str
    page: int
    x: float
    y: float
    width: float
    height: float
    label: str = ""
    font_size: float = 11.0
    color: str = "#000000"
    editable: bool = True
    max_chars: int = 200
    default_text: str = ""


# --- guards and cleaning ----------------------------------------------------------------------------


def _require_make(actor) -> None:
    if actor is None or not actor.is_partner_user or not actor.can(COBRAND_MAKE):
        raise NotAllowed(gettext("Your role does not let you make co-branded documents."))


def clean_text(value: str, *, multiline: bool) -> str:
    """What a partner typed, as a document shows it: control characters dropped, line breaks kept
    only where lines are allowed, outer blanks trimmed."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    value = _CONTROL.sub("", value)
    if not multiline:
        return " ".join(value.split())
    lines = [line.rstrip() for line in value.split("\n")]
    return "\n".join(lines).strip("\n").strip()


def _clean_name(name: str, description: str) -> tuple[str, str]:
    name = typed_text(name, NAME_MAX, empty=gettext("Give the template a name."), one_line=True)
    return name, typed_text(description, DESCRIPTION_MAX)


def _read_upload(file) -> tuple[PageBox, ...]:
    refusal = gettext("Upload the template as a PDF file.")
    if document_kind(file, refusal=refusal) != "pdf":
        raise PolicyViolation(refusal, code="cobrand_not_pdf")
    file.seek(0)
    data = file.read()
    file.seek(0)
    return read_template(data)


def page_boxes(template: CobrandTemplate) -> tuple[PageBox, ...]:
    """The template's pages (read from its file once per process); what the row says when the file
    cannot be read (every page the first one's size)."""
    if template.file:
        try:
            return template_pages(template.file.name)
        except (OSError, PolicyViolation):
            logger.warning("co-brand template %s: its file cannot be read", template.pk)
    return tuple(PageBox(template.page_width, template.page_height) for _ in range(template.page_count))


def _area_refusal(area: AreaInput, pages: tuple[PageBox, ...]) -> str | None:
    """Why an area cannot be on these pages (None: it fits)."""
    if not 1 <= area.page <= len(pages):
        return gettext("The template has %(count)s pages: choose a page from 1 to %(count)s.") % {"count": len(pages)}
    page = pages[area.page - 1]
    if area.x < 0 or area.y < 0 or area.width < 1 or area.height < 1:
        return gettext("An area starts at 0 or more and is at least 1 point wide and high.")
    if area.x + area.width > page.width + _EDGE or area.y + area.height > page.height + _EDGE:
        return gettext(
            "The area does not fit on page %(page)s, which is %(width)s × %(height)s points: "  # noqa: RUF001
            "x + width and y + height must stay within it."
        ) % {"page": area.page, "width": f"{page.width:g}", "height": f"{page.height:g}"}
    return None


def _clean_area(area: AreaInput, pages: tuple[PageBox, ...]) -> AreaInput:
    if area.kind not in AreaKind.values:
        raise PolicyViolation(gettext("Choose what the area holds."))
    refusal = _area_refusal(area, pages)
    if refusal:
        raise PolicyViolation(refusal, code="cobrand_area_outside")
    if not 4 <= area.font_size <= 72:
        raise PolicyViolation(gettext("A font size is between 4 and 72 points."))
    if not _COLOR.match(area.color or ""):
        raise PolicyViolation(gettext("A colour is written #rrggbb, e.g. #1a2b3c."))
    if not 1 <= area.max_chars <= AREA_CHARS_MAX:
        raise PolicyViolation(gettext("An area takes from 1 to %(limit)s characters.") % {"limit": AREA_CHARS_MAX})
    label = " ".join((area.label or "").split())
    if len(label) > LABEL_MAX:
        raise PolicyViolation(gettext("A label has at most %(limit)s characters.") % {"limit": LABEL_MAX})
    default = clean_text(area.default_text, multiline=area.kind in MULTILINE_KINDS)
    if len(default) > area.max_chars:
        raise PolicyViolation(
            gettext("The default text is longer than the area takes (%(limit)s characters).")
            % {"limit": area.max_chars}
        )
    # A logo is the partner's, never typed: it is not editable. Only custom text starts from the
    # vendor's text; the other kinds start from the partner's own data.
    editable = area.editable and area.kind != AreaKind.LOGO
    default = default if area.kind == AreaKind.TEXT else ""
    return AreaInput(
        kind=area.kind,
        page=area.page,
        x=float(area.x),
        y=float(area.y),
        width=float(area.width),
        height=float(area.height),
        label=label,
        font_size=float(area.font_size),
        color=area.color.lower(),
        editable=editable,
        max_chars=area.max_chars,
        default_text=default,
    )


def _lock(template: CobrandTemplate) -> CobrandTemplate:
    return CobrandTemplate.objects.select_for_update().get(pk=template.pk)


def _changed(actor, template: CobrandTemplate, message: str, *, verb=events.COBRAND_TEMPLATE_CHANGED, **data) -> None:
    """The template's change event: ``message`` a ``gettext_noop``'d id taking ``%(template)s``."""
    event_record(
        actor=actor,
        target=template,
        verb=verb,
        message=message,
        params={"template": template.name},
        data=data,
    )


def _delete_file_after_commit(storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- the vendor's templates ---------------------------------------------------------------------------


@transaction.atomic
def cobrand_template_create(
    *, actor, name: str, file, description: str = "", audience: AudienceChoice | None = None
) -> CobrandTemplate:
    """A draft template from an uploaded PDF; its areas come next, then publication."""
    marketing_manage_require(actor)
    name, description = _clean_name(name, description)
    pages = _read_upload(file)
    template = CobrandTemplate(
        name=name,
        description=description,
        page_count=len(pages),
        page_width=pages[0].width,
        page_height=pages[0].height,
        **audience_fields(audience),
    )
    template.file.save("template.pdf", file, save=False)
    template.save()
    drafted = gettext_noop("%(template)s added as a draft.")
    _changed(actor, template, drafted, verb=events.COBRAND_TEMPLATE_DRAFTED, pages=len(pages))
    return template


@transaction.atomic
def cobrand_template_update(
    *,
    actor,
    template: CobrandTemplate,
    name: str,
    description: str = "",
    audience: AudienceChoice | None = None,
    file=None,
) -> CobrandTemplate:
    """A template's name, description and audience, and optionally a new PDF: refused when an area
    would fall off the new pages (move or delete it first)."""
    marketing_manage_require(actor)
    template = _lock(template)
    name, description = _clean_name(name, description)
    template.name, template.description = name, description
    for field, values in audience_fields(audience).items():
        setattr(template, field, values)
    fields = ["name", "description", *AUDIENCE_FIELDS, "updated_at"]
    data = {}
    if file is not None:
        pages = _read_upload(file)
        for area in CobrandArea.objects.filter(template=template):
            refusal = _area_refusal(_as_input(area), pages)
            if refusal:
                raise PolicyViolation(
                    gettext("The new PDF does not hold the area “%(area)s”: %(why)s") % {"area": area, "why": refusal}
                )
        old = template.file.name
        template.file.save("template.pdf", file, save=False)
        template.page_count, template.page_width, template.page_height = len(pages), pages[0].width, pages[0].height
        fields += ["file", "page_count", "page_width", "page_height"]
        data["pages"] = len(pages)
        # Documents already made keep their own file; the old template file is no longer read.
        _delete_file_after_commit(template.file.storage, old)
    template.save(update_fields=fields)
    _changed(actor, template, gettext_noop("%(template)s changed."), **data)
    return template


@transaction.atomic
def cobrand_template_publish(*, actor, template: CobrandTemplate) -> CobrandTemplate:
    """Offer the template to its audience (a draft's first time, or an archived one again)."""
    marketing_manage_require(actor)
    template = _lock(template)
    if template.status == PublishStatus.PUBLISHED:
        raise InvalidTransition(gettext("This template is already published."))
    if not CobrandArea.objects.filter(template=template).exists():
        raise PolicyViolation(gettext("Mark at least one area for partners to fill before publishing."))
    before = template.status
    template.status = PublishStatus.PUBLISHED
    template.save(update_fields=["status", "updated_at"])
    event_record(
        actor=actor,
        target=template,
        verb=events.COBRAND_TEMPLATE_PUBLISHED,
        from_state=before,
        to_state=template.status,
        message=gettext_noop("%(template)s is offered to partners for co-branding."),
        params={"template": template.name},
    )
    return template


@transaction.atomic
def cobrand_template_archive(*, actor, template: CobrandTemplate) -> CobrandTemplate:
    """Stop offering the template; documents already made stay with their partners."""
    marketing_manage_require(actor)
    template = _lock(template)
    if template.status == PublishStatus.ARCHIVED:
        raise InvalidTransition(gettext("This template is already archived."))
    before = template.status
    template.status = PublishStatus.ARCHIVED
    template.save(update_fields=["status", "updated_at"])
    event_record(
        actor=actor,
        target=template,
        verb=events.COBRAND_TEMPLATE_ARCHIVED,
        from_state=before,
        to_state=template.status,
        message=gettext_noop("%(template)s is no longer offered to partners."),
        params={"template": template.name},
    )
    return template


# --- areas --------------------------------------------------------------------------------------------


def _as_input(area: CobrandArea) -> AreaInput:
    return AreaInput(
        kind=area.kind,
        page=area.page,
        x=area.x,
        y=area.y,
        width=area.width,
        height=area.height,
        label=area.label,
        font_size=area.font_size,
        color=area.color,
        editable=area.editable,
        max_chars=area.max_chars,
        default_text=area.default_text,
    )


def _apply(area: CobrandArea, values: AreaInput) -> None:
    for name in (
        "kind",
        "page",
        "x",
        "y",
        "width",
        "height",
        "label",
        "font_size",
        "color",
        "editable",
        "max_chars",
        "default_text",
    ):
        setattr(area, name, getattr(values, name))


@transaction.atomic
def cobrand_area_add(*, actor, template: CobrandTemplate, area: AreaInput) -> CobrandArea:
    """A new area on a page of the template, inside the page."""
    marketing_manage_require(actor)
    template = _lock(template)
    if template.status == PublishStatus.ARCHIVED:
        raise InvalidTransition(gettext("This template is archived: publish it again to change its areas."))
    cleaned = _clean_area(area, page_boxes(template))
    last = CobrandArea.objects.filter(template=template).order_by("-position").values_list("position", flat=True)
    row = CobrandArea(template=template, position=(last.first() or 0) + 1)
    _apply(row, cleaned)
    row.save()
    _changed(actor, template, gettext_noop("%(template)s: an area added."), area=row.pk, kind=row.kind, page=row.page)
    return row


@transaction.atomic
def cobrand_area_update(*, actor, area: CobrandArea, values: AreaInput) -> CobrandArea:
    """An area moved, resized or restyled (still inside its page)."""
    marketing_manage_require(actor)
    template = _lock(area.template)
    if template.status == PublishStatus.ARCHIVED:
        raise InvalidTransition(gettext("This template is archived: publish it again to change its areas."))
    row = CobrandArea.objects.filter(template=template, pk=area.pk).first()
    if row is None:
        raise InvalidTransition(gettext("This area was deleted meanwhile."))
    _apply(row, _clean_area(values, page_boxes(template)))
    row.save()
    _changed(actor, template, gettext_noop("%(template)s: an area changed."), area=row.pk, kind=row.kind, page=row.page)
    return row


@transaction.atomic
def cobrand_area_delete(*, actor, area: CobrandArea) -> CobrandTemplate:
    """Take an area off the template (documents already made keep what they show)."""
    marketing_manage_require(actor)
    template = _lock(area.template)
    if template.status == PublishStatus.ARCHIVED:
        raise InvalidTransition(gettext("This template is archived: publish it again to change its areas."))
    deleted, _ = CobrandArea.objects.filter(template=template, pk=area.pk).delete()
    if deleted:
        _changed(actor, template, gettext_noop("%(template)s: an area removed."), area=area.pk, kind=area.kind)
    return template


# --- a partner's documents ------------------------------------------------------------------------


def _clean_values(areas: list[CobrandArea], values: dict, brand: Brand) -> dict[str, str]:
    """The snapshot a document is made from: every area's content (typed where the area is
    editable, else the partner's own or the vendor's default), and the company's name."""
    typed = {str(key): value for key, value in (values or {}).items()}
    by_id = {str(area.pk): area for area in areas}
    for key in typed:
        area = by_id.get(key)
        if area is None or area.kind == AreaKind.LOGO or not area.editable:
            raise PolicyViolation(gettext("Only the areas marked editable take your text."))
    stored = {COMPANY_KEY: brand.company}
    for key, area in by_id.items():
        default = {
            AreaKind.LOGO: brand.logo,
            AreaKind.COMPANY_NAME: brand.company,
            AreaKind.CONTACT: brand.contact,
            AreaKind.TEXT: area.default_text,
        }[area.kind]
        if key not in typed:
            stored[key] = default
            continue
        text = clean_text(str(typed[key] or ""), multiline=area.kind in MULTILINE_KINDS)
        if len(text) > area.max_chars:
            raise PolicyViolation(
                gettext("“%(area)s” takes at most %(limit)s characters (it has %(count)s).")
                % {"area": area, "limit": area.max_chars, "count": len(text)},
                code="cobrand_too_long",
            )
        stored[key] = text
    return stored


def _drop_previews(*, partner_id: int, template_id: int) -> None:
    """A partner keeps one preview per template: the one it is about to ask for. Locked first: a
    worker making one of them finishes (and names its file) before it goes."""
    previews = CobrandDocument.objects.filter(partner_id=partner_id, template_id=template_id, preview=True)
    old = list(previews.select_for_update().values_list("pk", "file"))
    if not old:
        return
    CobrandDocument.objects.filter(pk__in=[pk for pk, _name in old]).delete()
    storage = CobrandDocument._meta.get_field("file").storage
    for _pk, name in old:
        _delete_file_after_commit(storage, name)


@transaction.atomic
def cobrand_request(*, actor, template: CobrandTemplate, values: dict, preview: bool = False) -> CobrandDocument:
    """Ask for a co-branded document of a published template meant for the actor (else a 404):
    pending until the worker makes it (``cobrand_make``). ``values``: area id -> text, for the
    editable areas (the others show the partner's own data or the vendor's text)."""
    from ..selectors.cobrand import brand_for_actor

    _require_make(actor)
    visible = CobrandTemplate.objects.filter(pk=template.pk, status=PublishStatus.PUBLISHED)
    template = visible.filter(audience_filter(actor)).first()
    if template is None:
        raise Http404
    areas = list(CobrandArea.objects.filter(template=template))
    stored = _clean_values(areas, values, brand_for_actor(actor=actor))
    # One request of a company at a time past this point, so that parallel posts cannot queue
    # more than PENDING_MAX renders between them.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [COBRAND_LOCK, actor.partner_id])
    waiting = CobrandDocument.objects.filter(partner_id=actor.partner_id, status=CobrandStatus.PENDING)
    if waiting.count() >= PENDING_MAX:
        raise PolicyViolation(
            gettext("%(count)s of your documents are still being made: wait until they are ready.")
            % {"count": PENDING_MAX}
        )
    if preview:
        _drop_previews(partner_id=actor.partner_id, template_id=template.pk)
    document = CobrandDocument.objects.create(
        template=template, partner_id=actor.partner_id, requested_by=actor, values=stored, preview=preview
    )
    event_record(
        actor=actor,
        target=document,
        verb=events.COBRAND_REQUESTED,
        to_state=document.status,
        message=gettext_noop("%(template)s (preview)") if preview else gettext_noop("%(template)s"),
        params={"template": template.name},
        data={"template": template.pk, "preview": preview},
    )
    outbox_enqueue(task_name=COBRAND_MAKE_TASK, document_id=document.pk)
    return document


def document_boxes(areas: list[CobrandArea], values: dict) -> tuple[list[Box], str]:
    """What a document draws (its snapshot over the template's areas now; an area added since
    shows its default) and the logo's stored name ("" without one)."""
    company = values.get(COMPANY_KEY, "")
    boxes, logo = [], ""
    for area in areas:
        value = values.get(str(area.pk))
        if area.kind == AreaKind.LOGO:
            logo = logo or (value or "")
            text = company
        elif value is None:
            text = company if area.kind == AreaKind.COMPANY_NAME else area.default_text
        else:
            text = value
        boxes.append(
            Box(
                page=area.page,
                x=area.x,
                y=area.y,
                width=area.width,
                height=area.height,
                font_size=area.font_size,
                color=area.color,
                text=text,
                logo=area.kind == AreaKind.LOGO,
            )
        )
    return boxes, logo


def read_logo(name: str) -> bytes | None:
    """A logo's bytes from storage (its name comes from the partner's profile, never from a form);
    None when it is gone."""
    if not name:
        return None
    storage = CobrandDocument._meta.get_field("file").storage
    try:
        with storage.open(name, "rb") as handle:
            return handle.read()
    except (OSError, ValueError):
        return None


def _language(document: CobrandDocument) -> str:
    person = document.requested_by.user if document.requested_by_id else None
    chosen = getattr(person, "language", "") if person is not None else ""
    if chosen:
        return chosen
    return Tenant.objects.filter(pk=document.tenant_id).values_list("default_language", flat=True).first() or "en"


def render_document(document: CobrandDocument, areas: list[CobrandArea]) -> bytes:
    """The document's PDF (previews with the watermark), in the requester's language."""
    boxes, logo_name = document_boxes(areas, document.values or {})
    with translation.override(_language(document)):
        watermark = pgettext("watermark across a preview", "PREVIEW") if document.preview else ""
        return render_cobranded(
            template_name=document.template.file.name,
            boxes=boxes,
            logo=read_logo(logo_name),
            watermark=watermark,
        )


@transaction.atomic
def cobrand_make(*, document_id: int) -> bool:
    """Make a pending document (the worker's task): ready with its file, or failed with a message
    and no file. False when there is nothing to do (made already, or gone: a later preview replaced
    it)."""
    document = (
        CobrandDocument.objects.select_for_update(of=("self",))
        .select_related("template", "requested_by__user")
        .filter(pk=document_id)
        .first()
    )
    if document is None or document.status != CobrandStatus.PENDING:
        return False
    areas = list(CobrandArea.objects.filter(template_id=document.template_id))
    try:
        data = render_document(document, areas)
    except Exception:  # a template that cannot be rendered fails the document, not the worker
        logger.exception("co-branded document %s: rendering failed", document.pk)
        document.status, document.error, document.finished_at = CobrandStatus.FAILED, MAKE_FAILED, timezone.now()
        document.save(update_fields=["status", "error", "finished_at"])
        event_record(
            actor=None,
            target=document,
            verb=events.COBRAND_FAILED,
            from_state=CobrandStatus.PENDING,
            to_state=CobrandStatus.FAILED,
            message=MAKE_FAILED,
            data={"template": document.template_id},
        )
        return True
    document.file.save("cobrand.pdf", ContentFile(data), save=False)
    document.status, document.error, document.finished_at = CobrandStatus.READY, "", timezone.now()
    document.save(update_fields=["file", "status", "error", "finished_at"])
    event = event_record(
        actor=None,
        target=document,
        verb=events.COBRAND_MADE,
        from_state=CobrandStatus.PENDING,
        to_state=CobrandStatus.READY,
        message=gettext_noop("%(template)s (preview)") if document.preview else gettext_noop("%(template)s"),
        params={"template": document.template.name},
        data={"template": document.template_id, "preview": document.preview, "size": len(data)},
    )
    if not document.preview and document.requested_by is not None:
        notify(
            recipients=[document.requested_by],
            kind=notifications.COBRAND_READY,
            title=gettext_noop("Your co-branded %(template)s is ready to download"),
            params={"template": document.template.name},
            url=reverse("portal:cobrand_document", args=[document.pk]),
            event=event,
        )
    return True


def cobrand_sample(*, template: CobrandTemplate, areas: list[CobrandArea]) -> bytes:
    """The vendor's sample of a template: every area outlined and filled with example content (a
    made-up company and contact, the area's default text), watermarked. Nothing is stored."""
    company = gettext("Example Partner Ltd")
    contact = gettext("Jane Doe\njane.doe@example.com\n+1 555 0100\nwww.example.com")
    samples = {
        AreaKind.LOGO: pgettext("a co-brand area's sample content", "Logo"),
        AreaKind.COMPANY_NAME: company,
        AreaKind.CONTACT: contact,
    }
    boxes = []
    for area in areas:
        text = samples.get(area.kind) or area.default_text or area.label or gettext("Your text here")
        boxes.append(
            Box(
                page=area.page,
                x=area.x,
                y=area.y,
                width=area.width,
                height=area.height,
                font_size=area.font_size,
                color=area.color,
                text=text,
            )
        )
    return render_cobranded(
        template_name=template.file.name,
        boxes=boxes,
        watermark=pgettext("watermark across a vendor's sample", "SAMPLE"),
        outline=True,
    )
