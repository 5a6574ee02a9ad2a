"""Moving a tenant to another installation (prm/operations/tenant_move.py; README, "Moving a tenant
to another installation").

The source is the test database, with a tenant built across the apps (memberships and a person who
also belongs to the other tenant, an authenticator, deals, events, a balanced ledger posting, a lead
offer whose tally a trigger keeps, files of FileFields, the tenant's logo and an unpacked SCORM
folder). The target is a second database cloned from the same migrated template, whose content
types were made again under other ids (as in any other installation), with uploads in a folder of
its own. Everything commits: the move reads what other connections would see.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import hashlib
import io
import json
import tarfile
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from prm.events.services import event_record
from prm.operations.tenant_move import MoveError, import_tenant, read_manifest, tables
from prm.tenancy.models import Tenant
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.conftest import build_side
from tests.factories import (
    DealFactory,
    DealLineFactory,
    PartnerFactory,
    PartnerLicenceFactory,
    PartnerMembershipFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Content types made again in the target under other ids (reversed order, new identity values).
RENUMBER_CONTENT_TYPES = """
CREATE TEMP TABLE ct AS SELECT * FROM django_content_type;
CREATE TEMP TABLE p AS SELECT p.name, p.codename, c.app_label, c.model
  FROM auth_permission p JOIN django_content_type c ON c.id = p.content_type_id;
DELETE FROM auth_permission;
DELETE FROM django_content_type;
INSERT INTO django_content_type (app_label, model) SELECT app_label, model FROM ct ORDER BY id DESC;
INSERT INTO auth_permission (name, content_type_id, codename)
  SELECT p.name, c.id, p.codename FROM p JOIN django_content_type c USING (app_label, model);
"""


# --- Two installations ----------------------------------------------------------------------------


def owner_connection(database: str):
    db = connection.settings_dict
    conn = psycopg2.connect(
        dbname=database, user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"], port=db["PORT"] or None
    )
    conn.autocommit = True
    return conn


@contextlib.contextmanager
def uploads(root: Path):
    """An installation's media folder: FileFields and the SCORM folders under it, on disk."""
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, PRM_SCORM_ROOT=root / "private" / "scorm"):
        yield


@contextlib.contextmanager
def other_installation():
    """A second database, migrated like this one (a clone of the suite's template), that this
    process's connection serves while the block runs."""
    source = connection.settings_dict["NAME"]
    target = f"{source}_move_target"
    template = connection.settings_dict.get("TEST", {}).get("TEMPLATE")
    connection.close()  # a database cloned from must be idle (without a template: this one)
    with contextlib.closing(owner_connection("postgres")) as admin, admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{target}"')
        cursor.execute(f'CREATE DATABASE "{target}" TEMPLATE "{template or source}"')
    try:
        with contextlib.closing(owner_connection(target)) as conn, conn.cursor() as cursor:
            cursor.execute(RENUMBER_CONTENT_TYPES)
        connection.close()
        connection.settings_dict["NAME"] = target
        try:
            yield target
        finally:
            connection.close()
            connection.settings_dict["NAME"] = source
    finally:
        with contextlib.closing(owner_connection("postgres")) as admin, admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')


def tenant_rows(database: str, tenant_id: int) -> dict[str, list[str]]:
    """Every row the tenant owns, table by table, as JSON with its id, and its people's global rows;
    references to content types as natural keys (their ids differ between installations)."""
    result = {}
    with contextlib.closing(owner_connection(database)) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT id, app_label || '.' || model FROM django_content_type")
        content_types = dict(cursor.fetchall())
        people = "SELECT user_id FROM accounts_membership WHERE tenant_id = %(t)s"
        selections = {
            "tenancy_tenant": "id = %(t)s",
            "accounts_user": f"id IN ({people})",
            "account_emailaddress": f"user_id IN ({people})",
            "mfa_authenticator": f"user_id IN ({people})",
        }
        for table in tables().values():
            if table.kind == "tenant":
                selections[table.name] = "tenant_id = %(t)s"
        for name, where in selections.items():
            cursor.execute(f"SELECT to_jsonb(t) FROM {name} t WHERE {where} ORDER BY id", {"t": tenant_id})
            rows = []
            for (row,) in cursor.fetchall():
                if "content_type_id" in row:
                    row["content_type_id"] = content_types[row["content_type_id"]]
                rows.append(json.dumps(row, sort_keys=True))
            result[name] = rows
    return result


# --- The tenant -----------------------------------------------------------------------------------


def build_acme():
    """Acme with rows across the apps and files; globex beside it, sharing one person."""
    acme, globex = build_side("acme", "Acme"), build_side("globex", "Globex")
    PartnerMembershipFactory(partner=globex.partner, user=acme.sales_rep.user)  # one person, two vendors
    acme.manager.user.is_staff = True  # an operator of this installation, not of the next one
    acme.manager.user.save()
    with platform_scope():
        tenant = Tenant.objects.get(pk=acme.tenant.pk)
        tenant.logo.save("logo.png", ContentFile(b"\x89PNG acme logo"), save=False)
        tenant.is_active = False  # writes frozen for the move (README)
        tenant.save()
    with tenant_scope(acme.tenant):
        from incentives.services.ledger import Line, ledger_post
        from leads.models import Lead, LeadOffer
        from learning.models import ScormPackage

        deal = DealFactory(partner=acme.partner, registered_by=acme.sales_rep)
        DealLineFactory(deal=deal)
        for verb in ("deal.submitted", "deal.approved"):
            event_record(actor=acme.manager, target=deal, verb=verb, data={"deal": deal.pk, "amount": "1200.00"})
        PartnerLicenceFactory(partner=acme.partner)
        ledger_post(
            kind="accrual",
            partner=acme.partner,
            earned_on=datetime.date(2026, 11, 30),
            lines=[
                Line(account="expense", amount=Decimal("150.00"), currency="USD"),
                Line(account="pending", amount=Decimal("-150.00"), currency="USD", member=acme.sales_rep),
            ],
        )
        lead = Lead.objects.create(reference="L-1", source="vendor", company="Initech", company_key="initech")
        now = datetime.datetime(2026, 12, 1, 9, tzinfo=datetime.UTC)
        LeadOffer.objects.create(lead=lead, partner=acme.partner, offered_at=now, due_at=now)  # the tally trigger
        folder = f"{acme.tenant.pk}/0123abcd"
        from django.conf import settings

        unpacked = Path(settings.PRM_SCORM_ROOT) / folder
        unpacked.mkdir(parents=True)
        (unpacked / "index.html").write_bytes(b"<html>lesson</html>")
        ScormPackage.objects.create(
            title="Lab", launch_path="index.html", storage_path=folder, sha256="0" * 64, size_bytes=19, file_count=1
        )
    return acme, globex


def test_a_tenant_moves_with_its_ids_files_and_events_and_a_colliding_import_is_refused(tmp_path):
    archive = tmp_path / "acme.tar.gz"
    with uploads(tmp_path / "source"):
        acme, _globex = build_acme()
        out = io.StringIO()
        call_command("tenant_export", "acme", str(archive), stdout=out)
    assert f"Exported acme to {archive}" in out.getvalue()
    source = tenant_rows(connection.settings_dict["NAME"], acme.tenant.pk)
    manifest = read_manifest(archive)
    assert manifest["tenant"]["slug"] == "acme"
    assert not manifest["missing_files"]
    assert any(f["root"] == "scorm" for f in manifest["files"])
    filled = [name for name, rows in source.items() if rows]
    assert len(filled) >= 15, filled

    with other_installation() as target, uploads(tmp_path / "target"):
        # A vendor already here under the slug: refused, nothing written.
        with platform_scope():
            squatter = Tenant.objects.create(id=acme.tenant.pk + 1000, slug="acme", name="Another Acme")
        with pytest.raises(MoveError) as refused, platform_scope():
            import_tenant(archive)
        assert "tenancy_tenant: 1 value(s) of (slug) already used here" in str(refused.value)
        with platform_scope():
            squatter.delete()
        assert tenant_rows(target, acme.tenant.pk)["events_event"] == []
        assert not (tmp_path / "target").exists()

        # A check first (nothing written), then the move.
        out = io.StringIO()
        call_command("tenant_import", str(archive), "--dry-run", stdout=out)
        assert f"  events_event: {len(source['events_event'])}\n" in out.getvalue()
        assert "Dry run: nothing was written." in out.getvalue()
        assert tenant_rows(target, acme.tenant.pk)["accounts_membership"] == []
        with platform_scope():
            report = import_tenant(archive)
        assert report.rewritten == {"leads_leadoffertally": 1}  # the trigger's own count, put back
        assert report.demoted == ["cam@acme.example"]
        source["accounts_user"] = [
            row.replace('"is_staff": true', '"is_staff": false') for row in source["accounts_user"]
        ]

        # Every row, with its id and its references, as at the source; events untouched.
        moved = tenant_rows(target, acme.tenant.pk)
        assert {name: len(rows) for name, rows in moved.items()} == {name: len(rows) for name, rows in source.items()}
        for name in source:
            assert moved[name] == source[name], name
        assert [json.loads(e)["data"] for e in moved["events_event"]] == [
            {"deal": json.loads(e)["data"]["deal"], "amount": "1200.00"} for e in source["events_event"]
        ]
        # The files, byte for byte.
        for entry in manifest["files"]:
            relative = ("private/scorm/" if entry["root"] == "scorm" else "") + entry["path"]
            assert (tmp_path / "target" / relative).read_bytes() == (tmp_path / "source" / relative).read_bytes()

        # The product serves the tenant here once it is switched on.
        with platform_scope():
            tenant = Tenant.objects.get(slug="acme")
            tenant.is_active = True
            tenant.save()
        client = Client(HTTP_HOST="acme.localhost")
        client.force_login(acme.manager.user)
        page = client.get(reverse("office:partner_detail", args=[acme.partner.pk]))
        assert page.status_code == 200
        assert acme.partner.display_name in page.content.decode()

        # New rows take ids past the moved ones.
        with tenant_scope(acme.tenant):
            newcomer = PartnerFactory(partner_type=acme.partner_type)
        assert newcomer.pk > max(p.pk for p in acme.partners)

        # The same archive again: refused, every colliding table named, nothing written.
        before = tenant_rows(target, acme.tenant.pk)
        with pytest.raises(CommandError) as again:
            call_command("tenant_import", str(archive))
        message = str(again.value)
        assert "nothing was written" in message
        for name in ("tenancy_tenant", "events_event", "accounts_membership", "incentives_ledgerentry"):
            assert f"{name}: {len(source[name])} id(s) already used here" in message
        assert "accounts_user" not in message  # the same people: shared, not a collision
        assert tenant_rows(target, acme.tenant.pk) == before


# --- An altered archive ---------------------------------------------------------------------------


def _csv_line(values: list[str | None]) -> str:
    """One row as COPY reads it: None is NULL, every other value quoted (an empty string stays one)."""
    return ",".join("" if v is None else '"' + v.replace('"', '""') + '"' for v in values) + "\n"


def altered(archive: Path, out: Path, change) -> Path:
    """``archive`` rewritten as someone who can write it would: ``change(work, manifest)`` edits
    the unpacked files and the manifest, then every count, largest id and checksum is made to
    match again (they catch damage, not tampering)."""
    work = out.parent / (out.name + ".d")
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    manifest = json.loads((work / "manifest.json").read_text())
    change(work, manifest)
    for entry in manifest["tables"]:
        data = work / "data" / f"{entry['name']}.csv"
        rows = list(csv.reader(io.StringIO(data.read_text())))
        entry["rows"] = len(rows)
        entry["max_id"] = max((int(r[entry["columns"].index(entry["pk"])]) for r in rows), default=None)
        entry["sha256"] = hashlib.sha256(data.read_bytes()).hexdigest()
    for entry in manifest["files"]:
        entry["sha256"] = hashlib.sha256((work / "files" / entry["root"] / entry["path"]).read_bytes()).hexdigest()
    (work / "manifest.json").write_text(json.dumps(manifest))
    with tarfile.open(out, "w:gz") as tar:
        for item in sorted(work.iterdir()):
            tar.add(item, arcname=item.name)
    return out


def add_row(work: Path, manifest: dict, table: str, values: dict[str, str | None]) -> None:
    entry = next((e for e in manifest["tables"] if e["name"] == table), None)
    if entry is None:
        entry = {"name": table, "pk": "id", "columns": tables()[table].columns}
        manifest["tables"].append(entry)
    with open(work / "data" / f"{table}.csv", "a") as data:
        data.write(_csv_line([values.get(c) for c in entry["columns"]]))


def first_row(work: Path, manifest: dict, table: str) -> dict[str, str | None]:
    entry = next(e for e in manifest["tables"] if e["name"] == table)
    row = next(csv.reader(io.StringIO((work / "data" / f"{table}.csv").read_text())))
    return {c: (v or None) for c, v in zip(entry["columns"], row, strict=True)}


def add_file(work: Path, manifest: dict | None, root: str, path: str) -> None:
    (work / "files" / root / path).parent.mkdir(parents=True, exist_ok=True)
    (work / "files" / root / path).write_bytes(b"not the tenant's")
    if manifest is not None:
        manifest["files"].append({"root": root, "path": path, "size": 16})


def test_an_altered_archive_is_refused_naming_what_the_export_does_not_write_and_nothing_is_written(tmp_path):
    acme, globex = build_side("acme", "Acme"), build_side("globex", "Globex")
    with platform_scope():
        Tenant.objects.filter(pk=acme.tenant.pk).update(is_active=False)
    archive = tmp_path / "acme.tar.gz"
    with uploads(tmp_path / "source"):
        call_command("tenant_export", "acme", str(archive), stdout=io.StringIO())
    database = connection.settings_dict["NAME"]
    before = {t: tenant_rows(database, t) for t in (acme.tenant.pk, globex.tenant.pk)}
    manager = acme.manager.user.pk
    now = "2026-12-01 09:00:00+00"

    def platform_tables(work, manifest):
        add_row(work, manifest, "operations_failedtask", {"id": "990003"})
        add_row(work, manifest, "socialaccount_socialapp", {"id": "990004"})

    def another_tenants_member(work, manifest):
        row = first_row(work, manifest, "accounts_membership")
        row.update(id="990001", tenant_id=str(globex.tenant.pk), title=row["title"] or "", phone=row["phone"] or "")
        add_row(work, manifest, "accounts_membership", row)

    def an_authenticator_for_someone_here(work, manifest):
        values = {"id": "990002", "user_id": str(manager), "type": "totp", "data": '{"secret": "EVIL"}'}
        add_row(work, manifest, "mfa_authenticator", {**values, "created_at": now})

    def files_elsewhere(work, manifest):
        add_file(work, manifest, "scorm", f"{globex.tenant.pk}/pkg/index.html")
        add_file(work, None, "media", "unlisted.txt")

    def a_file_no_row_names(work, manifest):
        add_file(work, manifest, "media", "logos/evil.png")

    cases = [
        (
            platform_tables,
            [
                "operations_failedtask is a table tenant_export does not write (platform)",
                "socialaccount_socialapp is a table tenant_export does not write (global)",
            ],
        ),
        (another_tenants_member, [f"accounts_membership: rows of another tenant ({globex.tenant.pk}), not of"]),
        (
            an_authenticator_for_someone_here,
            [
                f"mfa_authenticator: new rows for 1 accounts_user row(s) already here or not in the archive (user_id {manager})"
            ],
        ),
        (
            files_elsewhere,
            [
                f"files/scorm/{globex.tenant.pk}/pkg/index.html: outside the tenant's folder scorm/{acme.tenant.pk}/.",
                "files/media/unlisted.txt: not something tenant_export writes.",
            ],
        ),
        (a_file_no_row_names, ["files/media/logos/evil.png: no incoming row names it."]),
    ]
    with uploads(tmp_path / "target"):
        for change, expected in cases:
            tampered = altered(archive, tmp_path / f"{change.__name__}.tar.gz", change)
            with pytest.raises(CommandError) as refused:
                call_command("tenant_import", str(tampered), stdout=io.StringIO())
            message = str(refused.value)
            assert "refused, nothing was written" in message, message
            for line in expected:
                assert line in message, message
    assert {t: tenant_rows(database, t) for t in before} == before
    assert not (tmp_path / "target").exists()
