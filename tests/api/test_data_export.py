"""Data exports: a vendor admin takes the tenant's data, a partner admin the partner's, as CSV
files and a manifest in a zip made by the worker in steps (api/exports.py, api/views/exports.py)."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import zipfile

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse

from api import exports
from api.exports import SECRET_COLUMNS, data_export_request, data_export_step, export_tables
from api.models import DataExport, ExportStatus
from deals import events as deal_events
from prm.accounts.credentials import api_key_create
from prm.accounts.models import Membership
from prm.errors import NotAllowed, PolicyViolation
from prm.events.services import event_record
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope

from ..conftest import body, make_client
from ..factories import DealFactory, InvitationFactory

pytestmark = pytest.mark.django_db

# Names that say a column holds a secret: each such column must be left out of the export.
SECRET_NAME = re.compile(r"secret|password|hash|nonce|token|private_key")
# Tables the export itself writes to while it runs (its events, outbox messages, notification):
# their manifest counts what was there when the table was read.
WRITTEN_BY_THE_EXPORT = {"events_event", "events_outboxmessage", "notifications_notification"}


def _scope(member):
    return tenant_scope(member.tenant_id, partner=member.partner_id)


def _page(member) -> str:
    return reverse("portal:data_export" if member.partner_id else "office:data_export")


def _start(member, capture):
    """The member starts an export on the page; the worker runs every step (eagerly, after the
    request's commit)."""
    start = reverse("portal:data_export_start" if member.partner_id else "office:data_export_start")
    with capture(execute=True):
        response = make_client(member).post(start)
    assert response.status_code == 302 and response["Location"] == _page(member)
    return response


def _latest(member) -> DataExport:
    with platform_scope():
        return DataExport.objects.filter(tenant_id=member.tenant_id, partner_id=member.partner_id).latest("pk")


def _download(member, export):
    name = "portal:data_export_download" if member.partner_id else "office:data_export_download"
    return make_client(member).get(reverse(name, args=[export.pk]))


def _unzip(response) -> tuple[dict, dict[str, list[dict]], dict[str, list[str]]]:
    """The manifest, each CSV's rows (as dicts) and each CSV's header."""
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = b"".join(response.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    rows, headers = {}, {}
    for entry in manifest["tables"]:
        reader = csv.reader(io.StringIO(archive.read(entry["file"]).decode()))
        header = next(reader)
        headers[entry["name"]] = header
        rows[entry["name"]] = [dict(zip(header, line, strict=True)) for line in reader]
    return manifest, rows, headers


def _ids(rows: list[dict], column: str = "id") -> set[int]:
    return {int(row[column]) for row in rows}


def _deals(side, partner, n: int, **fields):
    return [
        DealFactory(
            tenant=side.tenant, partner=partner, registered_by=side.sales[side.partners.index(partner)], **fields
        )
        for _ in range(n)
    ]


# --- the tenant's export -----------------------------------------------------------------------------


def test_a_vendor_admin_exports_every_table_of_the_tenant_and_nothing_of_another(
    acme, globex, django_capture_on_commit_callbacks
):
    # given deals of both acme partners and of a globex partner
    ours = _deals(acme, acme.partners[0], 2) + _deals(acme, acme.partners[1], 1)
    theirs = _deals(globex, globex.partners[0], 2, customer_name="Globex Only Customer")

    # when acme's vendor admin starts an export and the worker runs it
    _start(acme.admin, django_capture_on_commit_callbacks)

    # then it is ready, every table written, and the admin is told
    export = _latest(acme.admin)
    assert export.status == ExportStatus.DONE
    assert export.tables_done == export.tables_total == len(export_tables(for_partner=False))
    assert export.tables_total > 100
    with platform_scope():
        told = Notification.objects.get(recipient=acme.admin, kind="data_export.finished")
    assert told.url == reverse("office:data_export")

    # and the zip holds the manifest and every table, with the row counts of the database
    manifest, rows, headers = _unzip(_download(acme.admin, export))
    assert manifest["format_version"] == 1
    assert manifest["tenant"] == {"id": acme.tenant.pk, "slug": "acme", "name": acme.tenant.name}
    assert manifest["partner"] is None
    names = [entry["name"] for entry in manifest["tables"]]
    assert names == [table.name for table in export_tables(for_partner=False)]
    assert "api_idempotencyrecord" not in names
    assert export.rows_written == sum(entry["rows"] for entry in manifest["tables"])
    with tenant_scope(acme.tenant):
        for entry in manifest["tables"]:
            assert len(rows[entry["name"]]) == entry["rows"], entry["name"]
            assert headers[entry["name"]] == entry["columns"]
            if entry["name"] in WRITTEN_BY_THE_EXPORT or entry["name"] == "users":
                continue
            counted = apps.get_model(entry["model"]).objects.count()
            assert entry["rows"] == counted, entry["name"]
        members = set(Membership.objects.values_list("user_id", flat=True))
    # and acme's deals are there, globex's are not, nor a row of another tenant anywhere
    assert _ids(rows["deals_deal"]) == {deal.pk for deal in ours}
    assert not _ids(rows["deals_deal"]) & {deal.pk for deal in theirs}
    for name, table in rows.items():
        if "tenant_id" in headers[name]:
            assert {row["tenant_id"] for row in table} <= {str(acme.tenant.pk)}, name
    # and the working files are gone: the zip is what is kept
    assert not default_storage.exists(exports._work_name(export, "deals_deal.csv"))
    # and the people are acme's members, with no password
    assert _ids(rows["users"]) == members
    assert "password" not in headers["users"]
    assert acme.admin.user.email in {row["email"] for row in rows["users"]}
    assert globex.admin.user.email not in {row["email"] for row in rows["users"]}


def test_no_column_holding_a_secret_is_exported():
    # given every table the tenant's export writes
    for table in export_tables(for_partner=False):
        # then no column whose name says it is a secret is among its columns
        assert not [column for column in table.columns if SECRET_NAME.search(column)], table.model
    # and the secrets known are left out where they live
    columns = {table.model: table.columns for table in export_tables(for_partner=False)}
    for model, secrets in SECRET_COLUMNS.items():
        assert model in columns and not set(secrets) & set(columns[model])
    assert "client_id" in columns["accounts.IdentityProvider"]  # the rest of the row is there


# --- a partner's export --------------------------------------------------------------------------------


def test_a_partner_admin_exports_its_own_rows_only(acme, globex, django_capture_on_commit_callbacks):
    # given deals of both acme partners, an internal note of the vendor's and a shared event on
    # partner 1's deal, and partner 1's API key and a pending invitation
    mine = _deals(acme, acme.partners[0], 2)
    others = _deals(acme, acme.partners[1], 2)
    with tenant_scope(acme.tenant):
        event_record(
            actor=acme.admin, target=mine[0], verb=deal_events.ASSIGNED, note="vendor-only remark", internal=True
        )
        shared = event_record(actor=acme.admin, target=mine[0], verb=deal_events.REMINDED, note="shared remark")
    with _scope(acme.partner_admin):
        api_key_create(actor=acme.partner_admin, name="Partner CRM", scopes=["deals:read"])
    InvitationFactory(
        tenant=acme.tenant, partner=acme.partners[0], email="new@p1.example", role="sales", kind="partner"
    )

    # when partner 1's admin starts an export
    _start(acme.partner_admin, django_capture_on_commit_callbacks)

    # then it holds partner 1's rows only
    export = _latest(acme.partner_admin)
    assert export.status == ExportStatus.DONE and export.partner_id == acme.partners[0].pk
    manifest, rows, headers = _unzip(_download(acme.partner_admin, export))
    assert manifest["partner"] == {"id": acme.partners[0].pk, "name": acme.partners[0].display_name}
    assert _ids(rows["deals_deal"]) == {deal.pk for deal in mine}
    assert not _ids(rows["deals_deal"]) & {deal.pk for deal in others}
    assert _ids(rows["partners_partner"]) == {acme.partners[0].pk}
    for name, table in rows.items():
        if "partner_id" in headers[name]:
            assert {row["partner_id"] for row in table} <= {str(acme.partners[0].pk)}, name
    # and its people: its members and their users, not the vendor's staff nor partner 2's
    assert _ids(rows["accounts_membership"]) == {acme.partner_admins[0].pk, acme.sales[0].pk}
    assert {row["email"] for row in rows["users"]} == {acme.partner_admins[0].user.email, acme.sales[0].user.email}
    # and none of the vendor's internal rows or tables
    notes = {row["note"] for row in rows["events_event"]}
    assert "shared remark" in notes and "vendor-only remark" not in notes
    assert shared.pk in _ids(rows["events_event"])
    assert all(row["internal"] == "f" for row in rows["events_event"])
    names = {entry["name"] for entry in manifest["tables"]}
    assert {"deals_dealprotection", "deals_dealconflict", "programs_program", "api_idempotencyrecord"}.isdisjoint(names)
    # and no secret: the key is there without its hashes, the invitation without its nonce
    assert [row["name"] for row in rows["accounts_apikey"]] == ["Partner CRM"]
    assert {"secret_hash", "previous_hash"}.isdisjoint(headers["accounts_apikey"])
    assert "nonce" not in headers["accounts_invitation"]
    assert [row["email"] for row in rows["accounts_invitation"]] == ["new@p1.example"]
    assert not [column for header in headers.values() for column in header if SECRET_NAME.search(column)]
    # and the manifest's counts are the CSVs'
    for entry in manifest["tables"]:
        assert len(rows[entry["name"]]) == entry["rows"]


# --- one at a time, who may ------------------------------------------------------------------------------


def test_a_second_export_while_one_runs_is_refused_with_the_reason(acme):
    # given an export of the tenant queued (the worker has not run it)
    client = make_client(acme.admin)
    assert client.post(reverse("office:data_export_start")).status_code == 302
    # when the admin asks for another
    again = client.post(reverse("office:data_export_start"), follow=True)
    # then it is refused, saying why, and there is still one
    assert "An export is already under way. Wait until it is ready to start another." in body(again)
    with tenant_scope(acme.tenant):
        assert DataExport.objects.filter(partner__isnull=True).count() == 1
        # and the service says the same to any caller
        with pytest.raises(PolicyViolation):
            data_export_request(actor=acme.admin)
    # and a partner's export is another side's: it may start meanwhile
    with _scope(acme.partner_admin):
        assert data_export_request(actor=acme.partner_admin).partner_id == acme.partners[0].pk


def test_only_admins_may_export(acme):
    for member in (acme.manager, acme.marketing, acme.sales_rep):
        with _scope(member), pytest.raises(NotAllowed):
            data_export_request(actor=member)


def test_the_download_is_a_404_for_another_partner_another_tenant_and_the_other_side(
    acme, globex, django_capture_on_commit_callbacks
):
    # given a ready export of acme partner 1
    _start(acme.partner_admin, django_capture_on_commit_callbacks)
    export = _latest(acme.partner_admin)
    url = reverse("portal:data_export_download", args=[export.pk])
    assert make_client(acme.partner_admin).get(url).status_code == 200
    # then partner 2's admin, globex's partner admin (on either host) and acme's own staff get none
    assert make_client(acme.partner_admins[1]).get(url).status_code == 404
    assert make_client(globex.partner_admin).get(url).status_code == 404
    assert make_client(globex.partner_admin, host=acme.host).get(url).status_code == 404
    office = reverse("office:data_export_download", args=[export.pk])
    assert make_client(acme.admin).get(office).status_code == 404
    assert make_client(globex.admin).get(office).status_code == 404


def test_an_export_not_ready_is_not_downloaded(acme):
    with tenant_scope(acme.tenant):
        export = data_export_request(actor=acme.admin)
    assert _download(acme.admin, export).status_code == 404


# --- the steps -------------------------------------------------------------------------------------------


def test_the_page_shows_the_progress_while_the_worker_runs_and_polls_until_ready(acme):
    # given an export whose first step has run (the worker is between steps)
    with tenant_scope(acme.tenant):
        export = data_export_request(actor=acme.admin)
    with tenant_scope(acme.tenant):
        assert data_export_step(export_id=export.pk)["done"] is False
        export.refresh_from_db()
    assert export.status == ExportStatus.RUNNING
    assert export.tables_done == exports.TABLES_PER_STEP < export.tables_total
    client = make_client(acme.admin)

    # when the admin opens the page
    page = body(client.get(reverse("office:data_export")))

    # then it shows how far the export is, polls for more, and offers no second export yet
    total = export.tables_total
    assert f"{exports.TABLES_PER_STEP} of {total} tables" in page
    assert f'aria-valuenow="{exports.TABLES_PER_STEP}"' in page and f'aria-valuemax="{total}"' in page
    assert 'hx-trigger="every 2s"' in page
    assert "Download" not in page.split('id="data-exports"')[1].split("</thead>")[1]
    # and htmx's poll gets the list alone
    polled = body(client.get(reverse("office:data_export"), headers={"HX-Request": "true"}))
    assert polled.lstrip().startswith('<section id="data-exports"') and "<html" not in polled

    # when the worker runs the remaining steps
    while True:
        with tenant_scope(acme.tenant):
            if data_export_step(export_id=export.pk)["done"]:
                break
    # then the page stops polling and offers the zip
    page = body(client.get(reverse("office:data_export")))
    assert 'hx-trigger="every 2s"' not in page
    assert reverse("office:data_export_download", args=[export.pk]) in page


def test_a_failing_step_fails_the_export_which_says_so_and_frees_the_side(acme, monkeypatch):
    # given an export whose tables cannot be read (the database refuses the statement)
    with tenant_scope(acme.tenant):
        export = data_export_request(actor=acme.admin)

    def broken(statement, out):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "_copy", broken)
    # when the worker runs its step
    with tenant_scope(acme.tenant):
        outcome = data_export_step(export_id=export.pk)
        export.refresh_from_db()
    # then the export failed, keeping the error, and its requester is told
    assert outcome == {"done": True, "failed": True}
    assert export.status == ExportStatus.FAILED and "disk full" in export.error
    assert export.finished_at is not None and not export.file
    with tenant_scope(acme.tenant):
        assert Notification.objects.filter(recipient=acme.admin, kind="data_export.finished").count() == 1
        # and a step sent again does nothing
        assert data_export_step(export_id=export.pk) == {"done": True}
        # and a new export may start
        assert data_export_request(actor=acme.admin).status == ExportStatus.QUEUED
    page = body(make_client(acme.admin).get(reverse("office:data_export")))
    assert "The export failed and nothing was kept." in page and "disk full" not in page


def test_a_step_run_again_after_its_transaction_was_lost_writes_the_same_tables(acme):
    # given an export whose first step wrote its files, then lost its transaction (a worker died)
    with tenant_scope(acme.tenant):
        export = data_export_request(actor=acme.admin)
    with pytest.raises(RuntimeError), transaction.atomic():
        with tenant_scope(acme.tenant):
            data_export_step(export_id=export.pk)
        raise RuntimeError("worker lost")
    with tenant_scope(acme.tenant):
        export.refresh_from_db()
    assert (export.status, export.tables_done) == (ExportStatus.QUEUED, 0)
    # when the step is sent again
    with tenant_scope(acme.tenant):
        data_export_step(export_id=export.pk)
        export.refresh_from_db()
    # then it writes the same tables again, under the same names
    assert export.tables_done == exports.TABLES_PER_STEP
    first = export_tables(for_partner=False)[0]
    assert export.tables[0]["name"] == first.name
    assert default_storage.exists(exports._work_name(export, first.file))


def test_a_step_of_a_ready_export_does_nothing(acme, django_capture_on_commit_callbacks):
    _start(acme.admin, django_capture_on_commit_callbacks)
    export = _latest(acme.admin)
    with tenant_scope(acme.tenant):
        assert data_export_step(export_id=export.pk) == {"done": True}
        export.refresh_from_db()
    assert export.status == ExportStatus.DONE


# --- the list page's cost -------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 6])
def test_the_export_page_costs_the_same_for_few_and_many_exports(
    acme, count, django_assert_num_queries, no_queries_from_templates
):
    with tenant_scope(acme.tenant):
        for _n in range(count):
            export = data_export_request(actor=acme.admin)
            DataExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED)
    client = make_client(acme.admin)
    url = reverse("office:data_export")
    client.get(url)  # warms the per-process caches
    # the user, the scope's savepoint and its release, the second factor (a vendor admin's), the
    # count, the page of exports with who started them
    with django_assert_num_queries(6):
        response = client.get(url)
    assert body(response).count('<tr id="export-') == count


def test_the_copy_runs_under_row_level_security(acme, globex):
    # given deals of both acme partners and of globex
    mine = _deals(acme, acme.partners[0], 2)
    _deals(acme, acme.partners[1], 1)
    _deals(globex, globex.partners[0], 1)
    deals = next(table for table in export_tables(for_partner=False) if table.name == "deals_deal")
    # when a statement that names another tenant, and no partner, is run in partner 1's scope
    statement = exports.copy_statement(deals, tenant_id=globex.tenant.pk, partner_id=None)
    with _scope(acme.partner_admin), tempfile.TemporaryFile() as out:
        assert exports._copy(statement, out) == 0
    # then the policies let nothing of globex through; and acme's statement gets partner 1's rows only
    statement = exports.copy_statement(deals, tenant_id=acme.tenant.pk, partner_id=None)
    with _scope(acme.partner_admin), tempfile.TemporaryFile() as out:
        assert exports._copy(statement, out) == len(mine)
        out.seek(0)
        assert _ids(list(csv.DictReader(io.TextIOWrapper(out, encoding="utf-8")))) == {deal.pk for deal in mine}
