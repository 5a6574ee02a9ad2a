"""Co-branding's services: the vendor's templates and areas (a PDF checked with pypdf, areas inside
their page), a partner's request (its values checked, its audience enforced) and the worker's
rendering (the partner's name and text on the right page, inside their area; a preview's
watermark; the logo; a failure kept as a message; a second delivery doing nothing)."""

from __future__ import annotations

import io

import pytest
from django.http import Http404

from marketing import events
from marketing.models import AreaKind, CobrandDocument, CobrandStatus, CobrandTemplate, PublishStatus
from marketing.pdf_cobrand import MAX_PAGES
from marketing.services.audience import AudienceChoice
from marketing.services.cobrand import (
    COBRAND_MAKE_TASK,
    MAKE_FAILED,
    PENDING_MAX,
    AreaInput,
    cobrand_area_add,
    cobrand_area_update,
    cobrand_make,
    cobrand_request,
    cobrand_template_archive,
    cobrand_template_create,
    cobrand_template_publish,
    cobrand_template_update,
)
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.models import Event, OutboxMessage
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.web.files import minimal_pdf

from ..factories import ContactFactory, PartnerTypeFactory
from .isolation_cobrand import area_of, document, give_profile, make_template, stored_text
from .world import pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


def _ask(side, template, values=None, *, preview=False, member=None, run=None):
    """A partner user of acme partner 1 asks for a document; ``run``: the on-commit capture that
    runs the outbox's task here (as the worker would), else the document stays pending."""
    member = member or side.partner_admin
    with tenant_scope(side.tenant, partner=member.partner):
        if run is None:
            return cobrand_request(actor=member, template=template, values=values or {}, preview=preview)
        with run(execute=True):
            made = cobrand_request(actor=member, template=template, values=values or {}, preview=preview)
    return document(made.pk)


def _positions(data: bytes, page: int) -> dict[str, tuple[float, float]]:
    """Where each piece of text starts on a page of a PDF (points from the bottom-left corner)."""
    from pypdf import PdfReader

    found = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found[text.strip()] = (x, y)

    PdfReader(io.BytesIO(data)).pages[page - 1].extract_text(visitor_text=visit)
    return found


def _file_bytes(doc: CobrandDocument) -> bytes:
    with platform_scope(), doc.file.open("rb") as handle:
        return handle.read()


# --- the partner's document ---------------------------------------------------------------------------


def test_the_pdf_shows_the_partners_name_and_text_on_the_right_page(acme, django_capture_on_commit_callbacks):
    # given a published two-page template: the logo on page 1, name, contact and text on page 2
    template = make_template(acme)
    text = area_of(template, AreaKind.TEXT)
    # when partner 1's admin asks for its PDF with its own text, and the worker makes it
    made = _ask(acme, template, {text.pk: "Spring offer: 20% off"}, run=django_capture_on_commit_callbacks)
    # then it is ready: page 2 carries the company's name and the text, page 1 does not carry the text
    assert made.status == CobrandStatus.READY and made.finished_at is not None and made.error == ""
    assert made.file.name.startswith("private/cobranddocument/") and made.file.name.endswith(".pdf")
    first, second = stored_text(made)
    assert "Acme Partner 1" in second and "Spring offer: 20% off" in second
    assert "Spring offer" not in first
    # ... inside the text area (x 40..540, y 400..600 points from the bottom-left corner)
    x, y = _positions(_file_bytes(made), 2)["Spring offer: 20% off"]
    assert 39.9 <= x < 60 and 400 <= y <= 600
    # ... the template's page size is kept
    from pypdf import PdfReader

    page = PdfReader(io.BytesIO(_file_bytes(made))).pages[1]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (595.0, 842.0)
    # ... and the requester is told, with the events on the document's timeline
    with platform_scope():
        note = Notification.objects.get(recipient=acme.partner_admin, kind="cobrand.ready")
        verbs = list(
            Event.objects.filter(object_id=made.pk, verb__startswith="cobrand.").values_list("verb", flat=True)
        )
    assert note.url == f"/portal/cobranding/documents/{made.pk}/"
    assert sorted(verbs) == [events.COBRAND_MADE, events.COBRAND_REQUESTED]


def test_the_contact_block_comes_from_the_public_profile_else_from_the_record(acme, django_capture_on_commit_callbacks):
    # given partner 1 with a public profile (e-mail, phone) and partner 2 without one, but with a
    # primary contact and a website on its record
    template = make_template(acme, audience=None)
    give_profile(acme, acme.partner, public_email="hello@p1.example", public_phone="+49 30 111")
    with tenant_scope(acme.tenant):
        ContactFactory(tenant=acme.tenant, partner=acme.partners[1], name="Petra Primary", email="petra@p2.example")
    with platform_scope():
        type(acme.partners[1]).objects.filter(pk=acme.partners[1].pk).update(website="https://p2.example/")
    # when each asks for the PDF without typing anything
    one = _ask(acme, template, run=django_capture_on_commit_callbacks)
    two = _ask(acme, template, member=acme.partner_admins[1], run=django_capture_on_commit_callbacks)
    # then each shows its own contact block
    page = stored_text(one)[1]
    assert "hello@p1.example" in page and "+49 30 111" in page
    page = stored_text(two)[1]
    assert "Acme Partner 2" in page and "Petra Primary" in page and "petra@p2.example" in page
    assert "p2.example" in page and "https://" not in page
    assert "hello@p1.example" not in page


def test_the_logo_is_drawn_and_without_one_the_company_name_stands_in(acme, django_capture_on_commit_callbacks):
    # given a template with only a logo area, partner 1 with a logo in its profile, partner 2 without
    template = make_template(
        acme,
        pages=1,
        areas=[AreaInput(kind=AreaKind.LOGO, page=1, x=40, y=700, width=160, height=80, editable=False)],
    )
    give_profile(acme, acme.partner, logo=png_bytes())
    # when both make the PDF
    with_logo = _ask(acme, template, run=django_capture_on_commit_callbacks)
    without = _ask(acme, template, member=acme.partner_admins[1], run=django_capture_on_commit_callbacks)
    # then partner 1's page holds an image and no text; partner 2's shows its name in the logo's place
    from pypdf import PdfReader

    page = PdfReader(io.BytesIO(_file_bytes(with_logo))).pages[0]
    assert len(page.images) == 1 and (page.extract_text() or "").strip() == ""
    assert stored_text(without) == ["Acme Partner 2"]
    assert with_logo.values[str(area_of(template, AreaKind.LOGO).pk)].startswith("private/publicprofile/")


def test_a_preview_is_watermarked_and_only_the_latest_is_kept(acme, django_capture_on_commit_callbacks):
    # given a published template
    template = make_template(acme)
    # when partner 1 previews it twice, then makes the PDF
    first = _ask(acme, template, preview=True, run=django_capture_on_commit_callbacks)
    second = _ask(acme, template, preview=True, run=django_capture_on_commit_callbacks)
    final = _ask(acme, template, run=django_capture_on_commit_callbacks)
    # then the preview carries the watermark on every page, the PDF does not
    assert all("PREVIEW" in text for text in stored_text(second))
    assert not any("PREVIEW" in text for text in stored_text(final))
    # ... only the latest preview is kept (with the PDF), and nobody is told of a preview
    with platform_scope():
        kept = set(CobrandDocument.objects.filter(template=template).values_list("pk", flat=True))
        assert Notification.objects.filter(recipient=acme.partner_admin, kind="cobrand.ready").count() == 1
    assert kept == {second.pk, final.pk} and first.pk not in kept


def test_the_task_is_idempotent(acme, deliver):
    # given a document asked for, its outbox message not yet delivered
    template = make_template(acme)
    made = _ask(acme, template, {area_of(template, AreaKind.TEXT).pk: "Once"})
    with platform_scope():
        message = OutboxMessage.objects.get(task_name=COBRAND_MAKE_TASK, kwargs={"document_id": made.pk})
    # when the worker gets the message twice
    assert deliver(message) is True
    file_name = document(made.pk).file.name
    assert deliver(message) is None
    # then the document was made once: one file, one event, one notification
    made = document(made.pk)
    assert made.status == CobrandStatus.READY and made.file.name == file_name
    with platform_scope():
        assert Event.objects.filter(verb=events.COBRAND_MADE, object_id=made.pk).count() == 1
        assert Notification.objects.filter(recipient=acme.partner_admin, kind="cobrand.ready").count() == 1
    # ... and calling the service again (a retry after the claim) does nothing either
    with tenant_scope(acme.tenant):
        assert cobrand_make(document_id=made.pk) is False
        assert cobrand_make(document_id=987654321) is False


def test_a_template_that_cannot_be_read_fails_the_document_with_a_message(acme, django_capture_on_commit_callbacks):
    # given a document whose template's file is gone from storage
    template = make_template(acme)
    made = _ask(acme, template)
    with platform_scope():
        CobrandTemplate.objects.filter(pk=template.pk).update(file="private/cobrandtemplate/gone.pdf")
    # when the worker makes it
    with tenant_scope(acme.tenant):
        assert cobrand_make(document_id=made.pk) is True
    # then it failed, with the message and no file; nobody is told it is ready
    made = document(made.pk)
    assert made.status == CobrandStatus.FAILED and made.error == MAKE_FAILED and not made.file
    with platform_scope():
        assert Event.objects.filter(verb=events.COBRAND_FAILED, object_id=made.pk).exists()
        assert not Notification.objects.filter(kind="cobrand.ready").exists()


# --- what a partner may ask for ----------------------------------------------------------------------


def test_text_over_the_areas_limit_is_refused_and_control_characters_dropped(acme):
    # given a template whose text area takes 120 characters
    template = make_template(acme)
    text = area_of(template, AreaKind.TEXT)
    # when partner 1 types 121, then text with control characters and a bidi override
    with pytest.raises(PolicyViolation, match="takes at most 120 characters"):
        _ask(acme, template, {text.pk: "x" * 121})
    made = _ask(acme, template, {text.pk: "Call\x00 us\x1b\u202e now\r\nor later\x07"})
    # then nothing was asked for the first; the second keeps the text without them (lines kept)
    assert made.values[str(text.pk)] == "Call us now\nor later"
    with platform_scope():
        assert CobrandDocument.objects.filter(template=template).count() == 1


def test_only_editable_areas_take_text(acme):
    # given a template whose company name is not editable
    template = make_template(
        acme,
        pages=1,
        areas=[
            AreaInput(kind=AreaKind.COMPANY_NAME, page=1, x=10, y=10, width=200, height=20, editable=False),
            AreaInput(kind=AreaKind.LOGO, page=1, x=10, y=100, width=100, height=50),
        ],
    )
    name, logo = area_of(template, AreaKind.COMPANY_NAME), area_of(template, AreaKind.LOGO)
    # when partner 1 sends a name, a logo's file, or an area of no template: each is refused
    for values in ({name.pk: "Somebody else"}, {logo.pk: "private/other/logo.png"}, {123456: "x"}):
        with pytest.raises(PolicyViolation, match="Only the areas marked editable"):
            _ask(acme, template, values)
    # ... and without values the company's own name is used
    assert _ask(acme, template).values[str(name.pk)] == "Acme Partner 1"


def test_a_partner_outside_the_audience_cannot_ask_for_the_template(acme):
    # given a template for another partner type, a draft, and an archived one
    other_type = PartnerTypeFactory(tenant=acme.tenant, name="Distributor", slug="distributor")
    elsewhere = make_template(acme, name="For distributors", audience=AudienceChoice(partner_type_ids=(other_type.pk,)))
    draft = make_template(acme, name="Draft", publish=False)
    archived = make_template(acme, name="Old")
    with tenant_scope(acme.tenant):
        cobrand_template_archive(actor=acme.marketing, template=archived)
    # when partner 1's admin asks for each, then: as if they did not exist
    for template in (elsewhere, draft, archived):
        with pytest.raises(Http404):
            _ask(acme, template)
    # ... a template for its sales people only is refused to its admin, and made for its rep
    for_sales = make_template(acme, name="For reps", audience=AudienceChoice(roles=("sales",)))
    with pytest.raises(Http404):
        _ask(acme, for_sales)
    assert _ask(acme, for_sales, member=acme.sales_rep).status == CobrandStatus.PENDING


def test_who_may_ask_and_how_many_wait(acme):
    template = make_template(acme)
    # staff make no co-branded documents
    with tenant_scope(acme.tenant), pytest.raises(NotAllowed):
        cobrand_request(actor=acme.marketing, template=template, values={})
    # ... and at most PENDING_MAX documents wait at once per partner
    for _ in range(PENDING_MAX):
        _ask(acme, template)
    with pytest.raises(PolicyViolation, match="still being made"):
        _ask(acme, template)
    with platform_scope():
        assert OutboxMessage.objects.filter(task_name=COBRAND_MAKE_TASK).count() == PENDING_MAX


# --- the vendor's templates --------------------------------------------------------------------------


def test_a_pdf_template_is_read_with_its_pages(acme):
    # when acme's marketing uploads a three-page letter-size PDF
    with tenant_scope(acme.tenant):
        template = cobrand_template_create(
            actor=acme.marketing, name="  Letter  ", file=upload(pdf_bytes(3, (612, 792))), description="Ours"
        )
    # then its pages and first page's size are kept, the file privately, as a draft
    assert (template.name, template.page_count, template.page_width, template.page_height) == ("Letter", 3, 612, 792)
    assert template.status == PublishStatus.DRAFT and template.file.name.startswith("private/cobrandtemplate/")
    with platform_scope():
        assert Event.objects.filter(verb=events.COBRAND_TEMPLATE_DRAFTED, object_id=template.pk).exists()


def _encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(1))))
    writer.encrypt(user_password="secret", owner_password="secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "refusal"),
    [
        (png_bytes(), "picture.png", "Upload the template as a PDF file."),
        (b"just some text, no PDF", "notes.pdf", "Upload the template as a PDF file."),
        (minimal_pdf("half")[:-40], "cut.pdf", "Upload the template as a PDF file."),
        (b"%PDF-1.4\nnot really a PDF at all\n%%EOF\n", "broken.pdf", "cannot be read as a PDF"),
        (b"", "empty.pdf", "The file is empty."),
        (None, "locked.pdf", "protected by a password or encrypted"),
        (pdf_bytes(MAX_PAGES + 1), "long.pdf", "at most 50 pages"),
        (pdf_bytes(1, (20, 20)), "stamp.pdf", "unusable size"),
    ],
    ids=["png", "text", "truncated", "garbage", "empty", "encrypted", "too-many-pages", "tiny-page"],
)
def test_a_file_that_is_not_a_usable_pdf_is_refused(acme, data, name, refusal):
    data = _encrypted_pdf() if data is None else data
    with tenant_scope(acme.tenant), pytest.raises(PolicyViolation, match=refusal):
        cobrand_template_create(actor=acme.marketing, name="Broken", file=upload(data, name))
    with platform_scope():
        assert not CobrandTemplate.objects.filter(tenant=acme.tenant).exists()


def test_areas_outside_their_page_are_refused(acme):
    # given a draft of two A4 pages (595 x 842 points)
    template = make_template(acme, publish=False, areas=[])
    with tenant_scope(acme.tenant):
        base = {"kind": AreaKind.TEXT, "x": 100, "y": 100, "width": 200, "height": 50}
        refused = [
            AreaInput(**{**base, "page": 3}),
            AreaInput(**{**base, "page": 1, "x": 500}),  # 500 + 200 > 595
            AreaInput(**{**base, "page": 2, "y": 800}),  # 800 + 50 > 842
            AreaInput(**{**base, "page": 1, "x": -1}),
        ]
        for area in refused:
            with pytest.raises(PolicyViolation):
                cobrand_area_add(actor=acme.marketing, template=template, area=area)
        # ... one exactly at the page's edge fits, and moving it off the page is refused
        fits = cobrand_area_add(
            actor=acme.marketing, template=template, area=AreaInput(**{**base, "page": 2, "x": 395, "y": 792})
        )
        with pytest.raises(PolicyViolation, match="does not fit on page 2"):
            cobrand_area_update(actor=acme.marketing, area=fits, values=AreaInput(**{**base, "page": 2, "x": 396}))
        # ... and a new PDF of one page cannot replace a template with an area on page 2
        with pytest.raises(PolicyViolation, match="does not hold the area"):
            cobrand_template_update(actor=acme.marketing, template=template, name="Smaller", file=upload(pdf_bytes(1)))
    with platform_scope():
        assert [(a.page, a.x, a.y) for a in template.areas.all()] == [(2, 395, 792)]
        assert CobrandTemplate.objects.get(pk=template.pk).page_count == 2


def test_publishing_needs_an_area_and_only_managers_change_templates(acme):
    template = make_template(acme, publish=False, areas=[])
    with tenant_scope(acme.tenant):
        with pytest.raises(PolicyViolation, match="at least one area"):
            cobrand_template_publish(actor=acme.marketing, template=template)
        with pytest.raises(NotAllowed):
            cobrand_template_publish(actor=acme.manager, template=template)
        cobrand_area_add(
            actor=acme.admin,
            template=template,
            area=AreaInput(kind=AreaKind.LOGO, page=1, x=1, y=1, width=50, height=50, default_text="ignored"),
        )
        published = cobrand_template_publish(actor=acme.admin, template=template)
        with pytest.raises(InvalidTransition):
            cobrand_template_publish(actor=acme.admin, template=template)
        archived = cobrand_template_archive(actor=acme.admin, template=template)
        with pytest.raises(InvalidTransition, match="archived: publish it again"):
            cobrand_area_add(
                actor=acme.admin,
                template=template,
                area=AreaInput(kind=AreaKind.TEXT, page=1, x=1, y=100, width=50, height=50),
            )
    assert published.status == PublishStatus.PUBLISHED and archived.status == PublishStatus.ARCHIVED
    logo = area_of(template, AreaKind.LOGO)
    assert (logo.editable, logo.default_text) == (False, "")
    with platform_scope():
        verbs = list(
            Event.objects.filter(object_id=template.pk, verb__startswith="cobrand_template.").values_list(
                "verb", flat=True
            )
        )
    assert events.COBRAND_TEMPLATE_PUBLISHED in verbs and events.COBRAND_TEMPLATE_ARCHIVED in verbs


def test_the_demo_publishes_a_brochure_and_makes_northwinds_copy(acme):
    # given acme with its demo partner Northwind and its admin
    from marketing.demo_parts.cobrand import NAME, load
    from prm.accounts.roles import Role
    from prm.web.demo_kit import Demo

    from ..factories import PartnerFactory, PartnerMembershipFactory

    northwind = PartnerFactory(tenant=acme.tenant, partner_type=acme.partner_type, display_name="Northwind")
    PartnerMembershipFactory(tenant=acme.tenant, partner=northwind, role=Role.PARTNER_ADMIN)
    demo = Demo(tenant=acme.tenant, seed=1, staff={"admin": acme.admin, "marketing": acme.marketing})
    # when the demo loads, twice
    with tenant_scope(acme.tenant):
        load(demo)
        load(demo)
    # then one published brochure with four areas, and Northwind's ready copy naming it
    with platform_scope():
        template = CobrandTemplate.objects.get(tenant=acme.tenant, name=NAME)
        (made,) = CobrandDocument.objects.filter(template=template)
        areas = template.areas.count()
    assert template.status == PublishStatus.PUBLISHED and areas == 4
    assert (template.page_count, round(template.page_width), round(template.page_height)) == (1, 595, 842)
    assert made.status == CobrandStatus.READY and made.partner_id == northwind.pk
    (page,) = stored_text(made)
    assert "Acme Storage" in page and "Northwind" in page and "Storage health check" in page
