"""The partner import: upload, mapping, the check of every row, the import in batches, the report
of rejected rows, and who may do it."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from partners.models import Partner, PartnerStatus
from prm.accounts.models import Invitation
from prm.events.models import Event, OutboxMessage
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope
from recruitment.models import ImportStatus, PartnerImport
from recruitment.services.imports import mapping_guess, partner_import_run

from ..conftest import body, make_client
from ..query_budget import assert_list_page, cost
from .isolation_imports import matrix_file, uploaded

pytestmark = pytest.mark.django_db

HEADER = [
    "Legal name",
    "Partner type",
    "Country",
    "CRM id",
    "Website",
    "Account manager",
    "User e-mail",
    "First name",
    "Last name",
    "Role",
]


def good_rows(partners: int) -> list[list[str]]:
    """Two users per partner: a partner admin and a sales rep; countries by code and by name."""
    rows = []
    for n in range(partners):
        country = "DE" if n % 2 else "Germany"
        base = [f"Bulk Partner {n} GmbH", "reseller", country, f"CRM-{n:05d}", f"bulk{n}.example", "cam@acme.example"]
        rows.append([*base, f"admin@bulk{n}.example", "Ada", f"Admin{n}", "Partner admin"])
        rows.append([*base, f"sales@bulk{n}.example", "Bob", f"Sales{n}", ""])
    return rows


def as_csv(rows: list[list[str]], header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(member, data: bytes, name: str = "partners.csv"):
    return make_client(member).post(
        reverse("office:recruitment_import_upload"), {"document": SimpleUploadedFile(name, data)}
    )


def latest_import(side) -> PartnerImport:
    with platform_scope():
        return PartnerImport.objects.filter(tenant=side.tenant).latest("pk")


def run_all(side, partner_import) -> int:
    """Run the import's batches here, as the worker would one after the other; the number of runs."""
    runs = 0
    while True:
        with tenant_scope(side.tenant):
            outcome = partner_import_run(partner_import_id=partner_import.pk)
        runs += 1
        if outcome["done"]:
            return runs


def confirm(member, partner_import, *, invite: bool = False):
    data = {"invite_users": "on"} if invite else {}
    return make_client(member).post(reverse("office:recruitment_import_confirm", args=[partner_import.pk]), data)


def counts(side) -> tuple[int, int]:
    with platform_scope():
        return (
            Partner.objects.filter(tenant=side.tenant).count(),
            Invitation.objects.filter(tenant=side.tenant).count(),
        )


def test_2000_rows_with_20_bad_ones_reject_exactly_those_and_a_second_import_creates_nothing(acme):
    # given a 2,000-row file (1,000 partners, two users each) with 20 bad rows of many kinds
    rows = good_rows(1000)
    bad = {
        # row number in the file (header = 1) -> the bad row; each at a different partner
        3: ["", "reseller", "DE", "", "", "", "nobody@bad.example", "", "", ""],  # no legal name
        41: ["Bad Type GmbH", "wholesaler", "DE", "CRM-BAD-1", "", "", "x@badtype.example", "", "", ""],
        81: ["Bad Country GmbH", "reseller", "Atlantis", "CRM-BAD-2", "", "", "x@badcountry.example", "", "", ""],
        121: ["Bad Mail GmbH", "reseller", "DE", "CRM-BAD-3", "", "", "not-an-address", "", "", ""],
        161: ["Bad Role GmbH", "reseller", "DE", "CRM-BAD-4", "", "", "x@badrole.example", "", "", "Emperor"],
        201: ["Bad Web GmbH", "reseller", "DE", "CRM-BAD-5", "not a site", "", "x@badweb.example", "", "", ""],
        241: [
            "Bad Manager GmbH",
            "reseller",
            "DE",
            "CRM-BAD-6",
            "",
            "ghost@acme.example",
            "x@badam.example",
            "",
            "",
            "",
        ],
        281: ["No Mail GmbH", "reseller", "DE", "CRM-BAD-7", "", "", "", "Nameless", "", ""],  # a name, no e-mail
        # another company's user (acme partner 1's sales rep)
        321: ["Poacher GmbH", "reseller", "DE", "CRM-BAD-8", "", "", "sales@p1.acme.example", "", "", ""],
        # staff
        361: ["Staff GmbH", "reseller", "DE", "CRM-BAD-9", "", "", "marketing@acme.example", "", "", ""],
    }
    for n, partner in enumerate(range(200, 920, 80)):
        # the second row of a partner disagrees with its first on the country (9 rows)
        first = rows[2 * partner]
        rows[2 * partner + 1] = [first[0], "reseller", "FR", *first[3:6], f"other{n}@bulk.example", "", "", ""]
    for number, row in bad.items():
        rows[number - 2] = row  # a partner's second row: its first still brings the partner in
    # the same user twice: the second time on another partner's row (row 1000)
    rows[998][6] = "admin@bulk3.example"
    rejected_numbers = sorted([*bad, *(2 * p + 3 for p in range(200, 920, 80)), 1000])
    assert len(rejected_numbers) == 20
    data = as_csv(rows)

    # when the vendor admin uploads it (the columns are guessed and every row is checked)
    response = upload(acme.admin, data)
    partner_import = latest_import(acme)
    assert response.status_code == 302
    assert response["Location"] == reverse("office:recruitment_import", args=[partner_import.pk])
    # then exactly those 20 rows are rejected, each with its reason, and nothing is written yet
    assert partner_import.status == ImportStatus.VALIDATED
    assert (partner_import.total_rows, partner_import.valid_rows) == (2000, 1980)
    assert [entry["row"] for entry in partner_import.rejected] == rejected_numbers
    before = counts(acme)
    assert before == (2, 0)
    page = body(make_client(acme.admin).get(response["Location"]))
    assert "1,980 of 2,000 rows can be imported; 20 rejected." in page
    assert "Unknown country Atlantis" in page and "already belongs to another company" in page
    assert "is already on row 8" in page  # admin@bulk3 is row 8

    # when they confirm, and the worker runs the batches
    assert confirm(acme.admin, partner_import, invite=True).status_code == 302
    runs = run_all(acme, partner_import)
    # then the other 1,980 rows are imported: every partner, active, and an invitation per user
    partner_import = latest_import(acme)
    assert runs >= 4
    assert partner_import.status == ImportStatus.DONE
    assert partner_import.processed_rows == 1980
    assert (partner_import.partners_created, partner_import.partners_existing) == (1000, 0)
    assert (partner_import.users_created, partner_import.users_existing) == (1980, 0)
    created, invited = counts(acme)
    assert (created, invited) == (2 + 1000, 1980)
    with platform_scope():
        imported = Partner.objects.filter(tenant=acme.tenant).exclude(pk__in=[p.pk for p in acme.partners])
        assert set(imported.values_list("status", flat=True)) == {PartnerStatus.ACTIVE}
        assert imported.filter(account_manager=acme.manager, country="DE").count() == 1000
        assert Invitation.objects.filter(tenant=acme.tenant, role="partner_admin").count() == 1000 - 1
        # the invitations are e-mailed (the admin asked), the partners' creation is on their timelines
        emails = OutboxMessage.objects.filter(tenant=acme.tenant, task_name="prm.accounts.invitation_email")
        assert emails.count() == 1980
        assert Event.objects.filter(tenant=acme.tenant, verb="partner.created").count() == 1000
        assert Notification.objects.filter(recipient=acme.admin, kind="partner_import.finished").count() == 1

    # when the same file is imported again
    upload(acme.admin, data)
    again = latest_import(acme)
    assert [entry["row"] for entry in again.rejected] == rejected_numbers
    confirm(acme.admin, again)
    run_all(acme, again)
    # then nothing is created twice: every partner and user is already there
    again = latest_import(acme)
    assert counts(acme) == (created, invited)
    assert (again.partners_created, again.users_created) == (0, 0)
    assert (again.partners_existing, again.users_existing) == (1000, 1980)


def test_an_xlsx_workbook_imports_like_a_csv_file(acme):
    # given a small workbook whose postal codes and phone numbers Excel stored as numbers
    book = Workbook()
    sheet = book.active
    sheet.append(["Firmenname", "Partnertyp", "Land", "PLZ", "Telefon", "E-Mail", "Vorname", "Nachname"])
    sheet.append(["Excel Partner AG", "Reseller", "Deutschland", 10115, 4930123, "eva@excel.example", "Eva", "Ex"])
    sheet.append(["Excel Partner AG", "Reseller", "Deutschland", 10115, 4930123, "max@excel.example", "Max", "Ex"])
    sheet.append(["Solo AG", "reseller", "AT", None, None, None, None, None])
    out = io.BytesIO()
    book.save(out)
    # when it is uploaded (the German headers are understood), confirmed and run
    upload(acme.admin, out.getvalue(), name="partner.xlsx")
    partner_import = latest_import(acme)
    assert partner_import.file_format == "xlsx"
    assert partner_import.status == ImportStatus.VALIDATED, partner_import.mapping
    assert (partner_import.valid_rows, partner_import.rejected) == (3, [])
    confirm(acme.admin, partner_import)
    run_all(acme, partner_import)
    # then both partners exist with the codes as written, and two users are invited (no e-mail)
    with platform_scope():
        partner = Partner.objects.get(tenant=acme.tenant, legal_name="Excel Partner AG")
        assert (partner.postal_code, partner.phone, partner.country) == ("10115", "4930123", "DE")
        assert Partner.objects.filter(tenant=acme.tenant, legal_name="Solo AG", country="AT").exists()
        assert sorted(Invitation.objects.filter(partner=partner).values_list("email", flat=True)) == [
            "eva@excel.example",
            "max@excel.example",
        ]
        assert not OutboxMessage.objects.filter(task_name="prm.accounts.invitation_email").exists()


def test_the_mapping_is_guessed_from_header_names_and_synonyms():
    headers = ["  COMPANY name ", "Type", "Land", "e-mail", "Vorname", "Surname", "PLZ", "Account-ID", "Notes"]
    assert mapping_guess(headers) == {
        "legal_name": 0,
        "partner_type": 1,
        "country": 2,
        "user_email": 3,
        "user_first_name": 4,
        "user_last_name": 5,
        "postal_code": 6,
        "crm_id": 7,
    }


def test_a_changed_mapping_checks_every_row_again(acme):
    # given a file whose headers are not guessed: nothing is checked yet
    data = as_csv([["Mapped GmbH", "reseller", "DE", "m@mapped.example"]], header=["A", "B", "C", "D"])
    upload(acme.admin, data)
    partner_import = latest_import(acme)
    assert partner_import.status == ImportStatus.UPLOADED
    url = reverse("office:recruitment_import_validate", args=[partner_import.pk])
    client = make_client(acme.admin)
    # when the admin maps a required field to nothing, the page says so and keeps the choices
    response = client.post(url, {"legal_name": "0", "partner_type": "", "country": "2"})
    assert response.status_code == 200
    assert "Choose the column that holds this field." in body(response)
    # when the type is mapped to the country's column, the row is rejected
    client.post(url, {"legal_name": "0", "partner_type": "2", "country": "1"})
    partner_import = latest_import(acme)
    assert partner_import.status == ImportStatus.VALIDATED
    assert partner_import.valid_rows == 0 and partner_import.rejected[0]["row"] == 2
    # when it is corrected, the row is valid, and the preview shows it as mapped
    client.post(url, {"legal_name": "0", "partner_type": "1", "country": "2", "user_email": "3"})
    partner_import = latest_import(acme)
    assert (partner_import.valid_rows, partner_import.rejected) == (1, [])
    page = body(client.get(reverse("office:recruitment_import", args=[partner_import.pk])))
    assert "m@mapped.example" in page and "1 of 1 rows can be imported" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\n\n", "The file is empty."),
        (b"%PDF-1.4\n%%EOF\n", "Upload a CSV file or an Excel workbook"),
        (b"PK\x03\x04not really a zip", "Upload a CSV file or an Excel workbook"),
        (b"ada@example.com,Ada,DE\nbob@example.com,Bob,FR\n", "The first row must name the columns"),
        (b"Legal name,Country\nCaf\x81 \x8d GmbH,DE\n", "could not be read"),
        (b"Legal name,Country\n", "no rows to import"),
    ],
)
def test_an_invalid_upload_shows_the_list_again_with_a_message(acme, data, message):
    # when the admin uploads something that is not a usable table
    response = upload(acme.admin, data)
    # then the page says what is wrong, and no import is kept
    assert response.status_code == 200
    assert message in body(response)
    with platform_scope():
        assert not PartnerImport.objects.exists()


def test_windows_1252_and_semicolons_are_read(acme):
    # given a CSV that German Excel saved: Windows-1252 and semicolons
    data = "Firma;Typ;Land;E-Mail\nMüller Systemhaus GmbH;reseller;Österreich;juergen@mueller.example\n"
    upload(acme.admin, data.encode("cp1252"))
    partner_import = latest_import(acme)
    # then the umlauts are right and the row is valid
    assert partner_import.headers[0] == "Firma"
    assert (partner_import.valid_rows, partner_import.rejected) == (1, [])
    page = body(make_client(acme.admin).get(reverse("office:recruitment_import", args=[partner_import.pk])))
    assert "Müller Systemhaus GmbH" in page


def test_the_rejected_rows_download_has_every_row_with_its_reason(acme):
    # given an import with a rejected row (an unknown type)
    data = as_csv([["Good GmbH", "reseller", "DE"], ["=HYPERLINK(1)", "wholesaler", "DE"]], header=HEADER[:3])
    upload(acme.admin, data)
    partner_import = latest_import(acme)
    # when the admin downloads the rejected rows
    response = make_client(acme.admin).get(reverse("office:recruitment_import_rejected", args=[partner_import.pk]))
    # then it is a CSV: the row number, the file's columns, the reason; a formula is quoted
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Row", "Legal name", "Partner type", "Country", "Reason"]
    assert rows[1][:4] == ["3", "'=HYPERLINK(1)", "wholesaler", "DE"]
    assert rows[1][4].startswith("Unknown partner type wholesaler")


def test_only_vendor_admins_import_and_another_tenants_import_is_not_found(world):
    acme, globex = world.acme, world.globex
    ctx = type("Ctx", (), {"side": acme})()
    uploaded(ctx)
    url = reverse("office:recruitment_import", args=[ctx.partner_import.pk])
    # the channel manager and marketing: 403; partner users: 404; globex's admin: 404
    assert make_client(acme.manager).get(reverse("office:recruitment_imports")).status_code == 403
    assert make_client(acme.marketing).get(url).status_code == 403
    assert make_client(acme.partner_admin).get(url).status_code == 404
    assert make_client(globex.admin).get(url).status_code == 404
    assert make_client(acme.admin).get(url).status_code == 200


def test_confirming_twice_starts_one_import_and_tells_the_second(acme):
    ctx = type("Ctx", (), {"side": acme})()
    uploaded(ctx)
    # when the admin confirms twice (two tabs)
    first = confirm(acme.admin, ctx.partner_import)
    second = confirm(acme.admin, ctx.partner_import)
    # then one task is queued, and the second is told the import has started
    assert first.status_code == 302
    assert second.status_code == 200 and "This import was confirmed already." in body(second)
    with platform_scope():
        assert OutboxMessage.objects.filter(task_name="recruitment.import_run").count() == 1


def test_the_progress_partial_counts_the_rows_while_importing_then_shows_the_summary(acme):
    # given a confirmed import of 1,200 rows (600 partners) before and after the first batch
    upload(acme.admin, as_csv(good_rows(600)))
    partner_import = latest_import(acme)
    confirm(acme.admin, partner_import)
    url = reverse("office:recruitment_import_progress", args=[partner_import.pk])
    client = make_client(acme.admin)
    assert "0 of 1,200 rows" in body(client.get(url))
    with tenant_scope(acme.tenant):
        partner_import_run(partner_import_id=partner_import.pk)
    # then the partial says how far it is and keeps polling
    html = body(client.get(url))
    assert "500 of 1,200 rows" in html and 'hx-trigger="every 2s"' in html
    run_all(acme, partner_import)
    # when it is done, the summary replaces the bar and polling stops
    html = body(client.get(url))
    assert "rows</p>" not in html and "hx-trigger" not in html
    assert "600" in html  # partners created


def test_the_imports_list_costs_the_same_with_many_imports(acme, no_queries_from_templates):
    path = reverse("office:recruitment_imports")
    ctx = type("Ctx", (), {"side": acme})()
    uploaded(ctx)
    few = cost(acme.admin, path)
    for _ in range(30):
        uploaded(ctx)
    many = cost(acme.admin, path)
    assert_list_page(few, many, pinned=few.queries, row=r'<tr id="import-', rows=(1, 25), what="imports")
    assert many.queries <= 8


def test_an_import_of_a_file_gone_missing_fails_with_a_reason(acme):
    ctx = type("Ctx", (), {"side": acme})()
    uploaded(ctx)
    confirm(acme.admin, ctx.partner_import)
    with tenant_scope(acme.tenant):
        partner_import = PartnerImport.objects.get(pk=ctx.partner_import.pk)
        partner_import.document.storage.delete(partner_import.document.name)
        partner_import_run(partner_import_id=partner_import.pk)
        partner_import.refresh_from_db()
    assert partner_import.status == ImportStatus.FAILED


def test_the_matrix_file_checks_two_valid_rows_and_one_rejected(acme):
    ctx = type("Ctx", (), {"side": acme})()
    uploaded(ctx)
    assert (ctx.partner_import.valid_rows, [e["row"] for e in ctx.partner_import.rejected]) == (2, [4])
    assert matrix_file().name == "matrix.csv"


def test_the_demo_leaves_one_finished_import_with_rejected_rows_and_loads_once(acme):
    from prm.web.demo_kit import Demo
    from recruitment import demo_imports

    from ..factories import PartnerTypeFactory

    # given acme with the demo's partner types
    for slug in ("msp", "systems-integrator", "distributor"):
        PartnerTypeFactory(tenant=acme.tenant, slug=slug, name=slug.title())
    demo = Demo(tenant=acme.tenant, seed=0, staff={"admin": acme.admin})
    # when the demo loads twice
    for _ in range(2):
        with tenant_scope(acme.tenant):
            demo_imports.load(demo)
    # then there is one finished import: four partners, eight users, three rows rejected
    with platform_scope():
        (partner_import,) = PartnerImport.objects.filter(tenant=acme.tenant)
    assert partner_import.status == ImportStatus.DONE
    assert (partner_import.partners_created, partner_import.users_created, len(partner_import.rejected)) == (4, 8, 3)
