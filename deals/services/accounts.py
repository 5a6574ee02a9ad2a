"""The vendor's own accounts, imported from a CRM export (CSV)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from prm.accounts.models import Membership
from prm.accounts.roles import ADMIN_ACCESS
from prm.errors import NotAllowed
from prm.events.services import event_record
from prm.tenancy.models import Tenant
from prm.tenancy.scope import current_tenant_id

from .. import events
from ..models import CustomerAccount
from ..normalize import company_key, registrable_domain

IMPORT_COLUMNS = ("name", "domain", "country", "kind", "external_id")
MAX_IMPORT_ROWS = 50_000


@dataclass
class ImportResult:
    """What an import did, or (``errors``) why it wrote nothing: "row 3: ..." sentences."""

    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _clean_row(number: int, row: dict, seen: set[str]) -> tuple[dict | None, list[str]]:
    errors = []
    name = (row.get("name") or "").strip()
    if not name:
        errors.append(gettext("row %(number)s: the name is empty") % {"number": number})
    typed_domain = (row.get("domain") or "").strip()
    domain = registrable_domain(typed_domain) if typed_domain else ""
    if typed_domain and not domain:
        errors.append(
            gettext("row %(number)s: %(domain)r is not a company web domain")
            % {"number": number, "domain": typed_domain}
        )
    country = (row.get("country") or "").strip().upper()
    if country and (len(country) != 2 or not country.isalpha()):
        errors.append(
            gettext("row %(number)s: the country must be a two-letter code, not %(country)r")
            % {"number": number, "country": country}
        )
    kind = (row.get("kind") or CustomerAccount.Kind.CUSTOMER).strip().lower()
    if kind not in CustomerAccount.Kind.values:
        errors.append(
            gettext("row %(number)s: the kind must be one of %(kinds)s, not %(kind)r")
            % {"number": number, "kinds": ", ".join(CustomerAccount.Kind.values), "kind": kind}
        )
    external_id = (row.get("external_id") or "").strip()
    if len(external_id) > 64:
        errors.append(gettext("row %(number)s: the external id is longer than 64 characters") % {"number": number})
    elif external_id and external_id in seen:
        errors.append(
            gettext("row %(number)s: the external id %(id)r appears twice in the file")
            % {"number": number, "id": external_id}
        )
    seen.add(external_id)
    if errors:
        return None, errors
    values = {
        "name": name[:200],
        "name_key": company_key(name)[:200],
        "domain": domain,
        "country": country,
        "kind": kind,
        "external_id": external_id,
    }
    return values, []


@transaction.atomic
def customer_accounts_import(*, actor: Membership | None, content: bytes | str) -> ImportResult:
    """Upsert accounts from a CSV file (columns name, domain, country, kind, external_id; a
    header row). All or nothing: one bad row and nothing is written, every bad row is reported.
    Rows with an external id update the account that has it; rows without one are added."""
    if actor is not None and not (actor.is_staff_member and actor.can(ADMIN_ACCESS)):
        raise NotAllowed(gettext("You may not import accounts."))
    text = content.decode("utf-8-sig", errors="replace") if isinstance(content, bytes) else content
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in ("name",) if column not in header]
    if missing:
        return ImportResult(
            errors=[
                gettext("the header row must name the columns %(columns)s") % {"columns": ", ".join(IMPORT_COLUMNS)}
            ]
        )
    reader.fieldnames = header
    result = ImportResult()
    cleaned: list[dict] = []
    seen: set[str] = set()
    for number, row in enumerate(reader, start=2):  # row 1 is the header
        if number - 1 > MAX_IMPORT_ROWS:
            result.errors.append(gettext("the file has more than %(max)s rows: split it") % {"max": MAX_IMPORT_ROWS})
            break
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue
        values, errors = _clean_row(number, row, seen)
        result.errors += errors
        if values is not None:
            cleaned.append(values)
    if result.errors:
        return result
    existing = {
        account.external_id: account
        for account in CustomerAccount.objects.filter(
            external_id__in=[v["external_id"] for v in cleaned if v["external_id"]]
        )
    }
    new, changed = [], []
    for values in cleaned:
        account = existing.get(values["external_id"]) if values["external_id"] else None
        if account is None:
            new.append(CustomerAccount(**values))
        else:
            for name, value in values.items():
                setattr(account, name, value)
            changed.append(account)
    CustomerAccount.objects.bulk_create(new, batch_size=1000)
    CustomerAccount.objects.bulk_update(changed, ["name", "name_key", "domain", "country", "kind"], batch_size=1000)
    result.created, result.updated = len(new), len(changed)
    event_record(
        actor=actor,
        target=Tenant.objects.get(pk=current_tenant_id()),
        verb=events.ACCOUNTS_IMPORTED,
        message=gettext_noop("Imported vendor accounts: %(created)s added, %(updated)s updated."),
        params={"created": result.created, "updated": result.updated},
        data={"created": result.created, "updated": result.updated},
        internal=True,
    )
    return result
