"""A payout statement as a PDF (weasyprint): the vendor, the payee, the run, every line paid with
its source (the posting's kind, what it was for, the day it was earned) and the total, in the
payee's language. Nothing is fetched: weasyprint's URL fetcher accepts ``data:`` URIs only."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from prm.tenancy.models import Tenant

from .models import Payout, PayoutItem, RebateAccrual, TransactionKind

REBATE = "incentives.rebateaccrual:"


def _kind(posting) -> str:
    """What a line is, in the reader's words: a SPIFF (its approval or clawback), else the kind."""
    if posting.source.startswith("incentives.spiffclaim:"):
        return gettext("SPIFF clawed back") if posting.kind == TransactionKind.CLAWBACK else gettext("SPIFF")
    if posting.source.startswith(REBATE):
        return gettext("Rebate clawed back") if posting.kind == TransactionKind.CLAWBACK else gettext("Rebate")
    if posting.source.startswith("incentives.mdfrequest:") and posting.kind == TransactionKind.CLAWBACK:
        return gettext("MDF reimbursement clawed back")
    return posting.get_kind_display()


def statement_lines(payout: Payout) -> list[dict]:
    """The statement's lines: each item with its posting (one query)."""
    items = (
        PayoutItem.objects.filter(payout=payout)
        .select_related("entry__transaction")
        .order_by("entry__transaction__earned_on", "id")
    )
    lines = [
        {
            "earned_on": item.entry.transaction.earned_on,
            "kind": _kind(item.entry.transaction),
            "memo": item.entry.transaction.memo,
            "amount": item.amount,
            "source": item.entry.transaction.source,
        }
        for item in items
    ]
    # A rebate's line shows how it was measured: revenue, baseline, growth, rate (one query).
    rebate_ids = {int(line["source"].split(":")[1]) for line in lines if line["source"].startswith(REBATE)}
    rebates = RebateAccrual.objects.in_bulk(rebate_ids) if rebate_ids else {}
    for line in lines:
        if line["source"].startswith(REBATE):
            line["rebate"] = rebates.get(int(line["source"].split(":")[1]))
    return lines


def render_statement_pdf(payout: Payout) -> bytes:
    from weasyprint import HTML, URLFetcher

    tenant = Tenant.objects.get(pk=payout.tenant_id)
    user = payout.member.user if payout.member_id else None
    language = (getattr(user, "language", "") if user else "") or tenant.default_language or "en"
    with translation.override(language):
        html = render_to_string(
            "incentives/statement.html",
            {
                "tenant": tenant,
                "payout": payout,
                "run": payout.run,
                "payee": str(user) if user else payout.partner.display_name,
                "lines": statement_lines(payout),
                "language": language,
            },
        )
        return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
