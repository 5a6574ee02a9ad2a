"""The lead import: upload (CSV or XLSX), the guessed mapping with a preview, the check of every
row with the rejected rows' report and download, the confirmation, the batches with their
progress, and the summary (created, merged, flagged, rejected)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from leads.models import ImportStatus, Lead, LeadImport, LeadSettings, LeadSource, LeadStatus
from leads.services import imports
from leads.services.imports import lead_import_run, mapping_guess
from prm.events.models import OutboxMessage
from prm.tenancy.scope import platform_scope, tenant_scope

from ..conftest import body, make_client
from ..query_budget import assert_list_page, cost

pytestmark = pytest.mark.django_db

HEADER = ["Company", "Contact name", "E-mail", "Phone", "Country", "City", "Product line", "Value", "Campaign"]


def rows(count: int) -> list[list[str]]:
    return [
        [
            f"Import Prospect {n} GmbH",
            f"Ada {n}",
            f"ada@prospect{n}.de",
            "",
            "DE" if n % 2 else "Germany",
            "Berlin",
            "",
            "1.500,50",
            "",
        ]
        for n in range(count)
    ]


def as_csv(data: list[list[str]], header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(data)
    return out.getvalue().encode()


def upload(member, data: bytes, name: str = "leads.csv"):
    return make_client(member).post(reverse("office:lead_import_upload"), {"document": SimpleUploadedFile(name, data)})


def latest(side) -> LeadImport:
    with platform_scope():
        return LeadImport.objects.filter(tenant=side.tenant).latest("pk")


def run_all(side, lead_import) -> int:
    runs = 0
    while True:
        with tenant_scope(side.tenant):
            outcome = lead_import_run(lead_import_id=lead_import.pk)
        runs += 1
        if outcome["done"]:
            return runs


def test_the_mapping_is_guessed_from_the_headers_in_english_and_german():
    assert mapping_guess(["Firma", "E-Mail-Adresse", "Land", "PLZ", "Branche"]) == {
        "company": 0,
        "email": 1,
        "country": 2,
        "postal_code": 3,
        "industry": 4,
    }


def test_a_file_is_checked_row_by_row_and_the_rejected_rows_come_back_with_reasons(acme):
    data = rows(5)
    data[1] = ["", "No Company", "x@nocompany.de", "", "DE", "", "", "", ""]
    data[2] = ["Bad Country AG", "B", "b@badcountry.de", "", "Atlantis", "", "", "", ""]
    data[3] = ["Bad Mail AG", "C", "not-an-address", "", "DE", "", "", "", ""]
    data[4] = ["Bad Line AG", "D", "d@badline.de", "", "DE", "", "Toasters", "", ""]
    response = upload(acme.admin, as_csv(data))
    lead_import = latest(acme)
    assert response.status_code == 302 and lead_import.status == ImportStatus.VALIDATED
    assert (lead_import.valid_rows, [entry["row"] for entry in lead_import.rejected]) == (1, [3, 4, 5, 6])
    client = make_client(acme.admin)
    page = body(client.get(reverse("office:lead_import", args=[lead_import.pk])))
    # the preview shows the first rows as mapped, and the reasons are in words
    assert "Import Prospect 0 GmbH" in page and "Company is missing." in page
    assert "Unknown country Atlantis" in page and "Unknown product line Toasters" in page
    download = client.get(reverse("office:lead_import_rejected", args=[lead_import.pk]))
    report = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert report[0][0] == "Row" and report[0][-1] == "Reason"
    assert [line[0] for line in report[1:]] == ["3", "4", "5", "6"]
    # nothing is written before the confirmation
    with platform_scope():
        assert not Lead.objects.exists()


def test_a_confirmed_import_runs_in_batches_and_sums_up_created_merged_flagged_and_rejected(
    acme, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(imports, "BATCH_SIZE", 4)
    with tenant_scope(acme.tenant):
        LeadSettings.objects.create(merge_duplicates=True)
        # an earlier lead the file repeats
        from leads.services.intake import lead_receive

        lead_receive(actor=acme.manager, source=LeadSource.MANUAL, company="Known", email="ada@prospect2.de")
    data = rows(10)
    data.append(["Prospect 0 again", "Eve", "eve@prospect0.de", "", "DE", "", "", "", ""])  # same domain as row 2
    data.append(["", "", "", "", "", "", "", "", ""])  # blank: skipped
    data.append(["No Reach GmbH", "Nobody", "", "", "DE", "", "", "", ""])  # neither e-mail nor phone
    upload(acme.admin, as_csv(data))
    lead_import = latest(acme)
    client = make_client(acme.admin)
    # when the admin confirms with a campaign, not routing them yet
    response = client.post(
        reverse("office:lead_import_confirm", args=[lead_import.pk]), {"campaign": "Trade fair 2026", "route": ""}
    )
    assert response.status_code == 302
    lead_import = latest(acme)
    assert lead_import.status == ImportStatus.IMPORTING
    progress = body(client.get(reverse("office:lead_import_progress", args=[lead_import.pk])))
    assert "0 of 11 rows" in progress and "hx-get" in progress
    # then the batches run one after the other (the worker's outbox chain)
    assert run_all(acme, lead_import) == 3
    lead_import = latest(acme)
    assert lead_import.status == ImportStatus.DONE
    # 10 rows: 9 new, 1 merged into the earlier lead; row 11 merged into row 2's lead; 1 rejected
    assert (lead_import.leads_created, lead_import.leads_merged, lead_import.leads_flagged) == (9, 2, 0)
    assert len(lead_import.rejected) == 1
    summary = body(client.get(reverse("office:lead_import_progress", args=[lead_import.pk])))
    assert "hx-get" not in summary and "Leads created" in summary
    with tenant_scope(acme.tenant):
        imported = Lead.objects.filter(source=LeadSource.IMPORT)
        assert imported.count() == 9
        assert set(imported.values_list("campaign", flat=True)) == {"Trade fair 2026"}
        assert str(imported.get(email="ada@prospect1.de").estimated_value) == "1500.50"
        assert set(imported.values_list("status", flat=True)) == {LeadStatus.NEW}
        assert not OutboxMessage.objects.filter(
            task_name="leads.route", kwargs__lead_id__in=list(imported.values_list("pk", flat=True))
        ).exists()
    # a second run does nothing
    with tenant_scope(acme.tenant):
        assert lead_import_run(lead_import_id=lead_import.pk) == {"done": True, "rows": 0}


def test_flagging_instead_of_merging_and_routing_once_imported(acme):
    with tenant_scope(acme.tenant):
        LeadSettings.objects.create(merge_duplicates=False)
    data = [*rows(2), ["Prospect 1 again", "Eve", "eve@prospect1.de", "", "DE", "", "", "", ""]]
    upload(acme.admin, as_csv(data))
    lead_import = latest(acme)
    make_client(acme.admin).post(reverse("office:lead_import_confirm", args=[lead_import.pk]), {"route": "on"})
    run_all(acme, lead_import)
    lead_import = latest(acme)
    assert (lead_import.leads_created, lead_import.leads_flagged, lead_import.leads_merged) == (2, 1, 0)
    with tenant_scope(acme.tenant):
        flagged = Lead.objects.get(email="eve@prospect1.de")
        assert flagged.status == LeadStatus.DUPLICATE and flagged.duplicate_of.email == "ada@prospect1.de"
        routed = set(OutboxMessage.objects.filter(task_name="leads.route").values_list("kwargs__lead_id", flat=True))
        assert flagged.pk not in routed and len(routed) == 2


def test_an_xlsx_workbook_is_read_like_a_csv(acme):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Company", "E-mail", "Country", "Postal code"])
    sheet.append(["Workbook AG", "wb@workbook.de", "Austria", 1010])
    out = io.BytesIO()
    workbook.save(out)
    upload(acme.admin, out.getvalue(), name="leads.xlsx")
    lead_import = latest(acme)
    assert (lead_import.file_format, lead_import.valid_rows, lead_import.rejected) == ("xlsx", 1, [])


def test_a_mapping_chosen_by_hand_checks_again(acme):
    data = as_csv([["Odd Header GmbH", "odd@oddheader.de"]], header=["Kundenname", "Kontakt"])
    upload(acme.admin, data)
    lead_import = latest(acme)
    assert lead_import.status == ImportStatus.UPLOADED  # no column guessed for the company
    client = make_client(acme.admin)
    # with the company alone, the row cannot be reached: rejected, with the reason
    client.post(reverse("office:lead_import_validate", args=[lead_import.pk]), {"company": "0"})
    lead_import = latest(acme)
    assert lead_import.valid_rows == 0 and "e-mail address or a phone number" in lead_import.rejected[0]["reason"]
    client.post(reverse("office:lead_import_validate", args=[lead_import.pk]), {"company": "0", "email": "1"})
    lead_import = latest(acme)
    assert (lead_import.status, lead_import.valid_rows) == (ImportStatus.VALIDATED, 1)


def test_the_imports_list_costs_the_same_with_many_imports(acme, no_queries_from_templates):
    path = reverse("office:lead_imports")
    upload(acme.admin, as_csv(rows(2)))
    few = cost(acme.admin, path)
    for _ in range(26):
        upload(acme.admin, as_csv(rows(2)))
    many = cost(acme.admin, path)
    assert_list_page(few, many, pinned=few.queries, row=r'<tr id="import-', rows=(1, 25), what="imports")
