"""Incentives through the API: a partner key reads what is owed and paid to its company and
downloads its own payout statements (another partner's are a 404), a staff key reads the whole
ledger; amounts are decimal strings with their currency; list pages cost a fixed number of
queries."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from incentives.models import Account, Payout, RunStatus, TransactionKind
from incentives.services import payout_run_approve
from incentives.services.ledger import Line, ledger_post
from prm.accounts.roles import Role
from prm.tenancy.scope import platform_scope, tenant_scope

from ..factories import MembershipFactory
from ..incentives.isolation import approved_run, claim_approved, draft_run
from .support import api_client, call, issue_key

pytestmark = pytest.mark.django_db

ENTRIES, PAYOUTS = "/api/v1/ledger-entries/", "/api/v1/payouts/"


def _client(member):
    return api_client(issue_key(member, scopes=["incentives:read"]), member.tenant)


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _pdf_text(response) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages)


def test_a_partner_key_downloads_its_own_statement_and_not_another_partners(acme):
    ctx = SimpleNamespace(side=acme)
    approved_run(ctx)
    statement = f"{PAYOUTS}{ctx.payout.pk}/statement/"

    # the company's admin downloads the statement of its sales rep's payout, as a PDF
    mine = call(_client(acme.partner_admin), "GET", statement)
    assert mine.status_code == 200
    assert mine["Content-Type"] == "application/pdf" and "attachment" in mine["Content-Disposition"]
    assert "Payout statement" in _pdf_text(mine)
    asked_for_pdf = call(_client(acme.partner_admin), "GET", statement, Accept="application/pdf")
    assert asked_for_pdf.status_code == 200 and asked_for_pdf["Content-Type"] == "application/pdf"

    # the other partner's key: no such payout, its statement neither
    other = _client(acme.partner_admins[1])
    for missing in (
        call(other, "GET", statement, Accept="application/pdf"),
        call(other, "GET", f"{PAYOUTS}{ctx.payout.pk}/"),
    ):
        assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"
    assert _ids(call(_client(acme.partner_admins[1]), "GET", PAYOUTS)) == set()

    # staff read it too
    assert call(_client(acme.admin), "GET", statement).status_code == 200


def test_a_statement_not_made_yet_is_a_404_and_a_draft_runs_payout_is_not_there(acme):
    ctx = SimpleNamespace(side=acme)
    draft_run(ctx)
    partner = _client(acme.partner_admin)
    assert call(partner, "GET", f"{PAYOUTS}{ctx.payout.pk}/").status_code == 404
    assert _ids(call(_client(acme.admin), "GET", PAYOUTS)) == set()

    with tenant_scope(acme.tenant):
        payout_run_approve(actor=MembershipFactory(tenant=acme.tenant, role=Role.FINANCE), run=ctx.run)
    payout = call(partner, "GET", f"{PAYOUTS}{ctx.payout.pk}/").json()
    assert payout["has_statement"] is False and payout["run_status"] == RunStatus.APPROVED
    assert call(partner, "GET", f"{PAYOUTS}{ctx.payout.pk}/statement/").status_code == 404


def test_payouts_carry_their_amount_as_a_decimal_string_with_its_currency(acme):
    ctx = SimpleNamespace(side=acme)
    approved_run(ctx)
    [payout] = call(_client(acme.partner_admin), "GET", PAYOUTS).json()["results"]
    assert (payout["id"], payout["amount"], payout["currency"]) == (ctx.payout.pk, "300.00", "USD")
    assert (payout["partner"], payout["member"], payout["has_statement"]) == (acme.partner.pk, acme.sales_rep.pk, True)
    assert _ids(call(_client(acme.admin), "GET", PAYOUTS, {"partner": acme.partners[1].pk})) == set()


def test_ledger_lines_a_partner_key_reads_are_what_is_owed_to_its_company(acme):
    ctx = SimpleNamespace(side=acme)
    claim_approved(ctx)  # partner 1's rep: 300 USD accrued (pending), then approved

    partner_lines = call(_client(acme.partner_admin), "GET", ENTRIES).json()["results"]
    assert partner_lines and {line["account"] for line in partner_lines} <= {Account.PENDING, Account.APPROVED}
    assert {line["partner"] for line in partner_lines} == {acme.partner.pk}
    approved = [line for line in partner_lines if line["account"] == Account.APPROVED]
    assert [(line["amount"], line["currency"], line["member"]) for line in approved] == [
        ("-300.00", "USD", acme.sales_rep.pk)
    ]
    assert approved[0]["reporting_currency"] == acme.tenant.default_currency
    assert _ids(call(_client(acme.partner_admins[1]), "GET", ENTRIES)) == set()

    # staff read every line, the vendor's side too, and filter them
    staff = _client(acme.admin)
    every = call(staff, "GET", ENTRIES).json()["results"]
    assert Account.EXPENSE in {line["account"] for line in every}
    assert len(every) > len(partner_lines)
    pending = call(staff, "GET", ENTRIES, {"account": Account.PENDING}).json()["results"]
    assert pending and {line["account"] for line in pending} == {Account.PENDING}
    accruals = call(staff, "GET", ENTRIES, {"kind": TransactionKind.ACCRUAL}).json()["results"]
    assert accruals and {line["kind"] for line in accruals} == {TransactionKind.ACCRUAL}
    assert call(staff, "GET", ENTRIES, {"account": "nonsense"}).status_code == 400


# A list page: the request's transaction (a savepoint in a test) and its end, the tenant's settings
# with the key, the page's rows with their posting or run (one query, whatever their number).
PINNED = 4


@pytest.mark.parametrize("who", ["admin", "partner_admin"])
def test_list_pages_cost_the_same_queries_for_one_row_as_for_many(acme, who, django_assert_num_queries):
    ctx = SimpleNamespace(side=acme)
    approved_run(ctx)
    client = _client(getattr(acme, who))

    def rows(path) -> int:
        with django_assert_num_queries(PINNED):
            return len(call(client, "GET", path).json()["results"])

    call(client, "GET", ENTRIES)  # warm: content types, the key's last use
    few = (rows(ENTRIES), rows(PAYOUTS))
    with tenant_scope(acme.tenant):
        for n in range(5):
            amount = Decimal(10 + n)
            ledger_post(
                kind=TransactionKind.ADJUSTMENT,
                partner=acme.partner,
                earned_on=date(2026, 3, 1),
                lines=[
                    Line(Account.EXPENSE, amount, "USD"),
                    Line(Account.APPROVED, -amount, "USD", acme.sales_rep),
                ],
                memo=f"Adjustment {n}",
            )
    with platform_scope():
        for n in range(5):
            Payout.objects.create(
                tenant=acme.tenant, run=ctx.run, partner=acme.partner, currency="EUR", amount=Decimal(20 + n)
            )
    many = (rows(ENTRIES), rows(PAYOUTS))
    assert many[0] > few[0] and many[1] == few[1] + 5
