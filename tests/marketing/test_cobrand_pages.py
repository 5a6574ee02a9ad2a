"""Co-branding's pages as people use them: the vendor uploads a template, marks its areas, looks at
the sample and publishes it; a partner fills it from its profile, previews it, creates the PDF,
watches its status and downloads it; the vendor sees who co-branded what."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse

from marketing.models import AreaKind, CobrandTemplate, PublishStatus
from marketing.services.audience import AudienceChoice
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.conftest import body, make_client

from .isolation_cobrand import AREA_DATA, area_of, give_profile, make_template
from .world import page_text, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


def _pdf_text(response) -> list[str]:
    from pypdf import PdfReader

    data = b"".join(response.streaming_content) if response.streaming else response.content
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def test_the_vendor_uploads_a_template_marks_its_areas_and_publishes_it(acme):
    vendor = make_client(acme.marketing)
    create = reverse("office:cobrand_template_create")
    assert "New co-brand template" in page_text(vendor.get(create))
    # when a picture is uploaded as the template: refused on the field, nothing added
    response = vendor.post(create, {"name": "Flyer", "file": upload(png_bytes(), "flyer.png", "image/png")})
    assert response.status_code == 200 and "Upload the template as a PDF file." in page_text(response)
    assert 'value="Flyer"' in body(response)
    # ... a PDF is taken, and its page says how big page 1 is
    response = vendor.post(create, {"name": "Flyer", "file": upload(pdf_bytes(1))})
    with tenant_scope(acme.tenant):
        template = CobrandTemplate.objects.get(name="Flyer")
    detail = reverse("office:cobrand_template", args=[template.pk])
    assert response.status_code == 302 and response["Location"] == detail
    page = page_text(vendor.get(detail))
    assert "1 page; page 1 is 595 \u00d7 842 points." in page and "No area yet" in page
    # when an area is placed past the page's right edge: refused, what was typed stays
    add = reverse("office:cobrand_area_add", args=[template.pk])
    response = vendor.post(add, {**AREA_DATA, "label": "Offer", "x": "500", "width": "200"})
    assert response.status_code == 200 and "does not fit on page 1" in page_text(response)
    assert 'value="500"' in body(response)
    # ... inside it, it is added; publishing then offers the template
    response = vendor.post(add, {**AREA_DATA, "label": "Offer", "default_text": "Ask us"})
    assert response.status_code == 302
    vendor.post(add, {**AREA_DATA, "kind": AreaKind.COMPANY_NAME, "label": "Name", "y": "700"})
    page = page_text(vendor.get(detail))
    assert "Offer" in page and "x 20, y 20; 200 \u00d7 40" in page
    response = vendor.post(reverse("office:cobrand_template_publish", args=[template.pk]))
    assert response.status_code == 302
    page = page_text(vendor.get(detail))
    assert "Published" in page
    # then the sample shows every area filled with example content, watermarked
    sample = vendor.get(reverse("office:cobrand_template_sample", args=[template.pk]))
    assert sample["Content-Type"] == "application/pdf" and "attachment" in sample["Content-Disposition"]
    (text,) = _pdf_text(sample)
    assert "Ask us" in text and "Example Partner Ltd" in text and "SAMPLE" in text
    # ... and the list counts its areas
    listing = page_text(vendor.get(reverse("office:cobrand_templates")))
    assert re.search(
        r"Flyer</a></td>\s*<td><span[^>]*>Published</span></td>\s*<td[^>]*>1</td>\s*<td[^>]*>2</td>", listing
    )


def test_the_vendor_edits_an_area_and_the_template(acme):
    template = make_template(acme, publish=False)
    vendor = make_client(acme.marketing)
    area = area_of(template, AreaKind.TEXT)
    edit = reverse("office:cobrand_area_edit", args=[template.pk, area.pk])
    page = page_text(vendor.get(edit))
    assert 'value="Offer"' in page and "Call us today." in page
    response = vendor.post(edit, {**AREA_DATA, "label": "Moved", "page": "2", "y": "100"})
    assert response.status_code == 302
    response = vendor.post(edit, {**AREA_DATA, "page": "3"})
    assert response.status_code == 200 and "choose a page from 1 to 2" in page_text(response)
    page = page_text(vendor.get(reverse("office:cobrand_template_edit", args=[template.pk])))
    assert 'value="Datasheet"' in page and "Replace the PDF" in page
    response = vendor.post(
        reverse("office:cobrand_template_edit", args=[template.pk]),
        {"name": "Datasheet 2", "audience_roles": ["sales"]},
    )
    assert response.status_code == 302
    with platform_scope():
        template = CobrandTemplate.objects.get(pk=template.pk)
    assert (template.name, template.audience_roles) == ("Datasheet 2", ["sales"])
    delete = reverse("office:cobrand_area_delete", args=[template.pk, area.pk])
    assert vendor.post(delete).status_code == 302
    assert "Moved" not in page_text(vendor.get(reverse("office:cobrand_template", args=[template.pk])))
    # a channel manager reads but changes nothing
    manager = make_client(acme.manager)
    assert manager.get(reverse("office:cobrand_template", args=[template.pk])).status_code == 200
    assert manager.post(reverse("office:cobrand_template_publish", args=[template.pk])).status_code == 403
    with platform_scope():
        assert CobrandTemplate.objects.get(pk=template.pk).status == PublishStatus.DRAFT


def test_a_partner_fills_previews_and_downloads_its_pdf(acme, django_capture_on_commit_callbacks):
    # given a published template and partner 1's public profile
    template = make_template(acme)
    give_profile(acme, acme.partner, public_email="hello@p1.example", public_phone="+49 30 111")
    partner = make_client(acme.partner_admin)
    listing = page_text(partner.get(reverse("portal:cobrand_templates")))
    assert "Datasheet" in listing and "2 pages" in listing
    # when its admin opens it: the editable areas are pre-filled from the profile
    page_url = reverse("portal:cobrand_template", args=[template.pk])
    page = page_text(partner.get(page_url))
    assert "hello@p1.example\n+49 30 111</textarea>" in page and 'value="Acme Partner 1"' in page
    assert "Call us today." in page and "No logo in your public profile" in page
    name, contact, text = (area_of(template, kind) for kind in (AreaKind.COMPANY_NAME, AreaKind.CONTACT, AreaKind.TEXT))
    typed = {
        f"area_{name.pk}": "Acme Partner 1",
        f"area_{contact.pk}": "sales@p1.example",
        f"area_{text.pk}": "Spring deal",
    }
    # ... and asks for a preview: it is made (the worker runs here after commit)
    with django_capture_on_commit_callbacks(execute=True):
        response = partner.post(reverse("portal:cobrand_request", args=[template.pk]), {**typed, "make": "preview"})
    assert response.status_code == 302 and "?document=" in response["Location"]
    page = page_text(partner.get(response["Location"]))
    assert "Your preview is ready." in page and "Download the preview" in page and 'hx-trigger="every 2s"' not in page
    download = re.search(r'href="(/portal/cobranding/documents/\d+/download/)"', page).group(1)
    pdf = partner.get(download)
    assert pdf["Content-Type"] == "application/pdf" and "datasheet-preview.pdf" in pdf["Content-Disposition"]
    assert all("PREVIEW" in text for text in _pdf_text(pdf))
    # ... and the form keeps what was typed for the next document
    assert "Spring deal</textarea>" in page or 'value="Spring deal"' in page
    assert "Call us today." not in page
    # when it creates the PDF, before the worker has made it: the status polls every 2 s
    response = partner.post(reverse("portal:cobrand_request", args=[template.pk]), {**typed, "make": "final"})
    page = page_text(partner.get(response["Location"]))
    assert "Being made" in page and 'hx-trigger="every 2s"' in page
    status_url = re.search(r'hx-get="(/portal/cobranding/documents/\d+/)"', page).group(1)
    fragment = page_text(partner.get(status_url, headers={"HX-Request": "true"}))
    assert fragment.lstrip().startswith('<section id="cobrand-status"') and "<html" not in fragment
    # ... a status page of its own without htmx
    assert "<html" in page_text(partner.get(status_url))
    assert partner.get(f"{status_url}download/").status_code == 404  # not made yet


def test_text_over_the_limit_is_refused_with_what_was_typed(acme):
    template = make_template(acme)
    text = area_of(template, AreaKind.TEXT)
    partner = make_client(acme.sales_rep)
    response = partner.post(
        reverse("portal:cobrand_request", args=[template.pk]), {f"area_{text.pk}": "y" * 121, "make": "final"}
    )
    assert response.status_code == 200
    page = page_text(response)
    assert "At most 120 characters (it has 121)." in page and "y" * 121 in page


def test_a_partner_outside_the_audience_gets_404_by_url(acme):
    # given a template for partner 1's sales people only, and partner 1's document of another one
    for_sales = make_template(acme, name="Reps only", audience=AudienceChoice(roles=("sales",)))
    admin = make_client(acme.partner_admin)
    for url in (
        reverse("portal:cobrand_template", args=[for_sales.pk]),
        reverse("portal:cobrand_request", args=[for_sales.pk]),
    ):
        response = admin.get(url) if "make" not in url else admin.post(url, {"make": "final"})
        assert response.status_code == 404, url
    assert "Reps only" not in page_text(admin.get(reverse("portal:cobrand_templates")))
    assert make_client(acme.sales_rep).get(reverse("portal:cobrand_template", args=[for_sales.pk])).status_code == 200


def test_the_usage_report_says_who_cobranded_what(acme, django_capture_on_commit_callbacks):
    # given two templates: partner 1 made two PDFs of the first, partner 2 one of the second, and a preview
    first, second = make_template(acme, name="First"), make_template(acme, name="Second")
    for member, template, preview in (
        (acme.partner_admin, first, False),
        (acme.sales_rep, first, False),
        (acme.partner_admins[1], second, False),
        (acme.partner_admins[1], first, True),
    ):
        client = make_client(member)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("portal:cobrand_request", args=[template.pk]), {"make": "preview" if preview else "final"}
            )
    vendor = make_client(acme.manager)
    report = page_text(vendor.get(reverse("office:cobrand_usage")))
    # then a row per partner and template, with the documents and who made them (previews left out)
    assert report.count('class="cobrand-usage-row"') == 2 and "2 partners and templates" in report
    row = re.search(r"Acme Partner 1</a></td>\s*<td><a[^>]*>First</a></td>\s*<td[^>]*>2</td>", report)
    assert row is not None
    assert str(acme.partner_admin.user) in report and str(acme.sales_rep.user) in report
    filtered = page_text(vendor.get(reverse("office:cobrand_usage"), {"template": second.pk}))
    assert filtered.count('class="cobrand-usage-row"') == 1 and "Acme Partner 2" in filtered
    listing = page_text(vendor.get(reverse("office:cobrand_templates")))
    assert re.search(r"First</a>.*?<td[^>]*>4</td>\s*<td[^>]*>1</td>\s*<td[^>]*>2</td>", listing, re.S)
