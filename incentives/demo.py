"""Incentives' part of `make run`'s demo (acme only; idempotent), through the services: the
exchange rates finance entered this year, and the ledger's first postings, which the admin shows
(Incentives: ledger transactions): a launch bonus for the first partner's sales rep, and a bonus
entered twice and reversed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from partners.models import Partner, PartnerStatus
from prm.accounts.models import Membership
from prm.accounts.roles import Role
from prm.tenancy.time import tenant_today
from prm.web.demo_kit import Demo

from .models import Account, ExchangeRate
from .services import exchange_rate_set, ledger_adjust, ledger_reverse

RATES = {  # units of the demo's reporting currency (USD) per unit, from the first of each quarter
    "EUR": ("1.0850", "1.0790", "1.0920", "1.1010"),
    "GBP": ("1.2650", "1.2580", "1.2710", "1.2830"),
}
# Demo data as finance would type it (not product text).
LAUNCH_BONUS = "Launch bonus: first deal registered in the new portal"
TWICE = "Launch bonus"
TWICE_REASON = "Entered twice"


def load(demo: Demo) -> None:
    if demo.tenant.slug != "acme" or ExchangeRate.objects.exists():
        return
    finance = demo.staff.get("finance") or demo.staff["admin"]
    year = tenant_today().year
    for currency, rates in RATES.items():
        if currency == demo.tenant.default_currency:
            continue  # the reporting currency needs no rate
        for quarter, rate in enumerate(rates):
            exchange_rate_set(actor=finance, currency=currency, on=date(year, 1 + 3 * quarter, 1), rate=Decimal(rate))
    partner = Partner.objects.filter(status=PartnerStatus.ACTIVE).order_by("id").first()
    if partner is None:
        return
    rep = Membership.objects.filter(partner=partner, role=Role.SALES, is_active=True).order_by("id").first()
    ledger_adjust(
        actor=finance,
        partner=partner,
        member=rep,
        amount=Decimal("250.00"),
        currency="EUR",
        earned_on=date(year, 2, 14),
        reason=LAUNCH_BONUS,
    )
    twice = ledger_adjust(
        actor=finance,
        partner=partner,
        amount=Decimal("500.00"),
        currency=demo.tenant.default_currency,
        earned_on=date(year, 2, 14),
        reason=TWICE,
        account=Account.APPROVED,
    )
    ledger_reverse(actor=finance, posting=twice, reason=TWICE_REASON)
    demo.notes.append(
        f"{demo.tenant.slug}: exchange rates for EUR and GBP this year, and the incentive ledger's first "
        f"postings for {partner.display_name} (a rep's bonus in EUR, a bonus reversed)"
    )
