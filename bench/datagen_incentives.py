"""Generator step for incentives (imported by bench/datagen.py after the deals and the leads).

A year of SPIFFs on the deal registrations' wins, written set-based (``INSERT ... SELECT`` over the
won deals; no row goes through Python):

* the tenant's payout rules (30 days' hold, a minimum payout of 50) and a monthly exchange rate of a
  second currency (EUR, or USD for a tenant reporting in EUR) for the last two years;
* three campaigns: a year-round growth SPIFF paid to the company (0.5 % of the revenue won on two of
  the product lines, generated from each win), a new-logo bonus paid to the rep in the second
  currency (250 per win of the last six months, capped at 2,400 per rep: the tenth is trimmed and
  says so), and one that reps claim with proof (20 per unit of two product lines, the last two
  months, open today: the earnings page shows its form with the company's won deals);
* their claims: the won deals of the last year (``won_on`` in it; the deals' generator spreads wins
  over two years, so none is marked won here) of the campaigns' product lines and windows, about
  83,000 for 3,600 of acme's partners (median 14 a partner, the busiest ~300). Claims of the last
  days, and a few stragglers, wait for finance; the others were decided within a week: approved
  (~90 %), rejected with a reason (~5 %), or approved and clawed back weeks later (~2.5 %);
* their ledger postings, as the services post them: an accrual (expense against the payee's
  pending account, earned on the win, at that day's rate) for every claim, an approval (pending to
  approved) or a reversal (the accrual negated) when decided, a clawback (approved back to expense,
  at the accrual's rate) when clawed back. All the lines of all the postings go in one statement,
  so the ledger's balance trigger (incentives migration 0002) checks them once;
* a paid payout run at the end of each quarter of the last year that has ended (and had something
  out of its hold to pay): per payee (the company, or a rep) and currency, the approved lines past
  their hold and the clawbacks that no earlier run paid, prepared three days after the period's
  end; a payout when the total reaches the minimum, with its items and its payment posting
  (approved to cash). The statements' PDFs are not rendered (the files named are not written: the
  pages show their links).

No event rows or notifications for the claims and runs: no page the bench loads reads them.
Deterministic: the "random" choices are hashes of the deal's and campaign's ids.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import NOT_PROVIDED

from bench.datagen import StepContext, step
from incentives.models import (
    ExchangeRate,
    IncentiveSettings,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    PayoutItem,
    PayoutRun,
    RunStatus,
    SpiffBasis,
    SpiffCampaign,
    SpiffClaim,
    SpiffClaimMode,
    SpiffPayee,
)
from prm.accounts.roles import Role

HOLD_DAYS = 30
MINIMUM_PAYOUT = Decimal("50.00")
GROWTH_PERCENT = Decimal("0.5")
LOGO_AMOUNT, LOGO_CAP = Decimal("250.00"), Decimal("2400.00")
UNIT_AMOUNT = Decimal("20.00")
# Finance's words, as typed in the admin and the claims list (data, not product text).
REJECTIONS = [
    "The deal was registered after the customer had signed.",
    "The customer is a named account: no SPIFF applies.",
    "Duplicate of a claim already paid for this customer.",
]
CLAWBACK = "The customer cancelled the order within 60 days."


def _insert(sql: str, params: dict) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _count(ctx: StepContext, model, rows: int) -> None:
    table = model._meta.db_table
    ctx.world.counts[table] = ctx.world.counts.get(table, 0) + rows


def _sequence(model) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column])
        return cursor.fetchone()[0]


def _columns(model, given: str) -> str:
    """The column list of an INSERT, checked against the model: a field another change adds
    without a null or a database default fails here by name, not as a NOT NULL error mid-step."""
    names = [name.strip() for name in given.split(",")]
    for field in model._meta.concrete_fields:
        if field.column in names or field.primary_key or field.null or field.db_default is not NOT_PROVIDED:
            continue
        raise ValueError(f"{model.__name__}.{field.name} is new: bench/datagen_incentives.py must give it.")
    return ", ".join(names)


def _quarter_ends(since: date, until: date) -> list[date]:
    """The last days of the quarters that end after ``since`` and on or before ``until``."""
    ends = []
    for year in range(since.year, until.year + 1):
        for month, day in ((3, 31), (6, 30), (9, 30), (12, 31)):
            end = date(year, month, day)
            if since < end <= until:
                ends.append(end)
    return ends


# The rate of each currency in force on each day (the latest entered on or before it; 1 for the
# reporting currency), as incentives.services.ledger.rate_on reads it.
RATES = """
CREATE TEMP TABLE bench_rate AS
SELECT c.currency, d.day::date AS day, CASE WHEN c.currency = %(reporting)s THEN 1::numeric ELSE (
    SELECT r.rate FROM incentives_exchangerate r
    WHERE r.tenant_id = %(tenant)s AND r.currency = c.currency AND r."on" <= d.day
    ORDER BY r."on" DESC LIMIT 1) END AS rate
FROM (VALUES (%(reporting)s), (%(other)s)) AS c (currency)
CROSS JOIN generate_series(%(first_rate)s::date, %(today)s::date, interval '1 day') AS d (day)
"""

CLAIMS = """
CREATE TEMP TABLE bench_claim_raw AS
WITH won AS (
    SELECT d.id AS deal_id, d.partner_id, d.registered_by_id AS rep_id, d.won_on, d.won_amount,
        d.currency AS deal_currency, d.customer_name
    FROM deals_deal d
    WHERE d.tenant_id = %(tenant)s AND d.status = 'won' AND d.won_on > %(since)s AND d.won_on <= %(today)s
        AND d.registered_by_id IS NOT NULL AND d.won_amount > 0
),
lines AS (
    SELECT l.deal_id,
        sum(l.quantity * l.unit_price) AS registered,
        sum(l.quantity * l.unit_price) FILTER (WHERE l.product_line_id = ANY(%(growth_lines)s)) AS eligible,
        sum(l.quantity) FILTER (WHERE l.product_line_id = ANY(%(claim_lines)s)) AS units
    FROM won w JOIN deals_dealline l ON l.tenant_id = %(tenant)s AND l.deal_id = w.deal_id
    GROUP BY l.deal_id
)
SELECT %(growth)s::bigint AS campaign_id, %(growth_name)s::text AS campaign_name, w.*, NULL::bigint AS member_id,
    round(w.won_amount * n.eligible / n.registered * %(growth_percent)s / 100, 2) AS quoted,
    w.deal_currency AS currency, NULL::numeric AS cap, NULL::bigint AS claimed_by_id
FROM won w JOIN lines n USING (deal_id)
WHERE n.eligible > 0 AND n.registered > 0
UNION ALL
SELECT %(logo)s, %(logo_name)s, w.*, w.rep_id, %(logo_amount)s, %(other)s, %(logo_cap)s, NULL
FROM won w
WHERE w.won_on >= %(logo_start)s
UNION ALL
SELECT %(claim)s, %(claim_name)s, w.*, w.rep_id, n.units * %(unit_amount)s, %(reporting)s, NULL, w.rep_id
FROM won w JOIN lines n USING (deal_id)
WHERE w.won_on >= %(claim_start)s AND n.units > 0
    AND mod(abs(hashtext(w.deal_id::text || ':claimed')::bigint), 100) < 25
"""

# When each claim was made and decided, and how: a hash of the deal and campaign picks.
TIMED = """
CREATE TEMP TABLE bench_claim_timed AS
SELECT r.*, t.created_at, d.decided_at, d.decided_at + make_interval(days => 20 + mod(r.h, 40)) AS clawed_at,
    CASE
        WHEN d.decided_at > %(now)s OR r.h < 25 THEN 'submitted'
        WHEN r.h < 75 THEN 'rejected'
        WHEN r.h < 100 AND d.decided_at + make_interval(days => 20 + mod(r.h, 40)) <= %(now)s THEN 'clawed_back'
        ELSE 'approved'
    END AS status
FROM (
    SELECT raw.*, mod(abs(hashtext(raw.deal_id::text || ':' || raw.campaign_id::text)::bigint), 1000)::int AS h
    FROM bench_claim_raw raw
) r
CROSS JOIN LATERAL (
    -- generated when the win is confirmed; claimed by the rep within ten days
    SELECT least(
        (r.won_on + time '08:00') AT TIME ZONE %(tz)s + make_interval(hours => mod(r.h, 10))
            + CASE WHEN r.claimed_by_id IS NULL THEN interval '0' ELSE make_interval(days => 1 + mod(r.h, 10)) END,
        %(now)s - interval '1 hour'
    ) AS created_at
) t
CROSS JOIN LATERAL (SELECT t.created_at + make_interval(days => 1 + mod(r.h, 7), hours => mod(r.h, 9)) AS decided_at) d
"""

# The caps (per rep, in the campaign's currency, counting the claims not rejected before it), the
# ids of the claim and its postings, the rate of its win's day.
FINAL = """
CREATE TEMP TABLE bench_claim AS
SELECT nextval(%(claim_seq)s) AS id, nextval(%(tx_seq)s) AS accrual_tx,
    CASE WHEN c.status <> 'submitted' THEN nextval(%(tx_seq)s) END AS decision_tx,
    CASE WHEN c.status = 'clawed_back' THEN nextval(%(tx_seq)s) END AS clawback_tx,
    c.*, x.rate
FROM (
    SELECT w.*,
        CASE WHEN w.room < w.quoted THEN w.room ELSE w.quoted END AS amount,
        coalesce(w.room < w.quoted, false) AS capped,
        (%(finance)s::bigint[])[1 + mod(w.h, cardinality(%(finance)s::bigint[]))] AS decided_by_id
    FROM (
        SELECT timed.*, timed.cap - coalesce(sum(timed.quoted) FILTER (WHERE timed.status <> 'rejected') OVER (
            PARTITION BY timed.campaign_id, timed.rep_id ORDER BY timed.created_at, timed.deal_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS room
        FROM bench_claim_timed timed
    ) w
    WHERE w.quoted > 0 AND (w.room IS NULL OR w.room > 0)
) c
JOIN bench_rate x ON x.currency = c.currency AND x.day = c.won_on
ORDER BY c.created_at, c.deal_id
"""

TRANSACTIONS = """
INSERT INTO incentives_ledgertransaction ({columns})
SELECT accrual_tx, %(tenant)s, 'accrual', partner_id, won_on, left(campaign_name || ': ' || customer_name, 300),
    'incentives.spiffclaim:' || id, NULL::bigint, claimed_by_id, created_at
FROM bench_claim
UNION ALL
SELECT decision_tx, %(tenant)s, CASE WHEN status = 'rejected' THEN 'reversal' ELSE 'approval' END, partner_id, won_on,
    CASE WHEN status = 'rejected' THEN reason ELSE left(campaign_name || ': ' || customer_name, 300) END,
    'incentives.spiffclaim:' || id, CASE WHEN status = 'rejected' THEN accrual_tx END, decided_by_id, decided_at
FROM bench_claim WHERE decision_tx IS NOT NULL
UNION ALL
SELECT clawback_tx, %(tenant)s, 'clawback', partner_id, (clawed_at AT TIME ZONE %(tz)s)::date, reason,
    'incentives.spiffclaim:' || id, NULL, decided_by_id, clawed_at
FROM bench_claim WHERE clawback_tx IS NOT NULL
"""

# Every line of every posting above, in one statement: the balance trigger checks them once.
ENTRIES = """
INSERT INTO incentives_ledgerentry ({columns})
SELECT %(tenant)s, line.tx, line.account, c.partner_id, line.member_id, line.amount, c.currency, c.rate,
    round(line.amount * c.rate, 2)
FROM bench_claim c
CROSS JOIN LATERAL (VALUES
    (c.accrual_tx, 'expense', NULL::bigint, c.amount),
    (c.accrual_tx, 'pending', c.member_id, -c.amount),
    -- approved (or approved, then clawed back): pending -> approved; rejected: the accrual reversed
    (c.decision_tx, CASE WHEN c.status = 'rejected' THEN 'expense' ELSE 'pending' END,
        CASE WHEN c.status = 'rejected' THEN NULL ELSE c.member_id END,
        CASE WHEN c.status = 'rejected' THEN -c.amount ELSE c.amount END),
    (c.decision_tx, CASE WHEN c.status = 'rejected' THEN 'pending' ELSE 'approved' END, c.member_id,
        CASE WHEN c.status = 'rejected' THEN c.amount ELSE -c.amount END),
    (c.clawback_tx, 'approved', c.member_id, c.amount),
    (c.clawback_tx, 'expense', NULL::bigint, -c.amount)
) AS line (tx, account, member_id, amount)
WHERE line.tx IS NOT NULL
"""

CLAIM_ROWS = """
INSERT INTO incentives_spiffclaim ({columns})
SELECT id, %(tenant)s, campaign_id, deal_id, partner_id, rep_id, member_id, amount, currency, amount, won_on, capped,
    status, claimed_by_id,
    CASE WHEN claimed_by_id IS NULL THEN '' ELSE 'The customer''s order is attached.' END,
    CASE WHEN claimed_by_id IS NULL THEN '' ELSE 'private/spiffclaim/bench-' || id || '.pdf' END,
    CASE WHEN claimed_by_id IS NULL THEN '' ELSE 'order-' || deal_id || '.pdf' END,
    created_at,
    CASE WHEN status = 'submitted' THEN NULL ELSE decided_by_id END,
    CASE WHEN status = 'clawed_back' THEN clawed_at WHEN status <> 'submitted' THEN decided_at END,
    reason, accrual_tx
FROM bench_claim
"""

PAYABLE = """
CREATE TEMP TABLE bench_payable AS
SELECT e.id AS entry_id, e.partner_id, e.member_id, e.currency, -e.amount AS amount
FROM incentives_ledgerentry e
JOIN incentives_ledgertransaction t ON t.tenant_id = e.tenant_id AND t.id = e.transaction_id
WHERE e.tenant_id = %(tenant)s AND e.account = 'approved' AND t.kind <> 'payment'
    AND (t.earned_on <= %(cutoff)s OR e.amount > 0) AND t.posted_at <= %(prepared_at)s
    AND NOT EXISTS (SELECT 1 FROM incentives_payoutitem i WHERE i.tenant_id = e.tenant_id AND i.entry_id = e.id)
"""

PAYOUTS = """
CREATE TEMP TABLE bench_payout AS
SELECT nextval(%(payout_seq)s) AS id, nextval(%(tx_seq)s) AS payment_tx, g.*, paid.rate
FROM (
    SELECT b.partner_id, b.member_id, b.currency, sum(b.amount) AS amount
    FROM bench_payable b
    JOIN bench_rate x ON x.currency = b.currency AND x.day = %(period_end)s
    GROUP BY b.partner_id, b.member_id, b.currency, x.rate
    HAVING sum(b.amount) > 0 AND sum(b.amount) * x.rate >= %(minimum)s
) g
JOIN bench_rate paid ON paid.currency = g.currency AND paid.day = %(paid_on)s
ORDER BY g.partner_id, g.member_id NULLS FIRST, g.currency
"""

PAYMENT_TRANSACTIONS = """
INSERT INTO incentives_ledgertransaction ({columns})
SELECT payment_tx, %(tenant)s, 'payment', partner_id, %(paid_on)s, %(reference)s, 'incentives.payout:' || id,
    NULL::bigint, %(paid_by)s, %(paid_at)s
FROM bench_payout
"""

PAYMENT_ENTRIES = """
INSERT INTO incentives_ledgerentry ({columns})
SELECT %(tenant)s, p.payment_tx, line.account, p.partner_id, line.member_id, line.amount, p.currency, p.rate,
    round(line.amount * p.rate, 2)
FROM bench_payout p
CROSS JOIN LATERAL (VALUES ('approved', p.member_id, p.amount), ('cash', NULL::bigint, -p.amount))
    AS line (account, member_id, amount)
"""

PAYOUT_ROWS = """
INSERT INTO incentives_payout ({columns})
SELECT id, %(tenant)s, %(run)s, partner_id, member_id, currency, amount,
    'private/payout/bench-statement-' || id || '.pdf', payment_tx
FROM bench_payout
"""

PAYOUT_ITEMS = """
INSERT INTO incentives_payoutitem ({columns})
SELECT %(tenant)s, p.id, e.entry_id, e.partner_id, e.amount
FROM bench_payable e
JOIN bench_payout p ON p.partner_id = e.partner_id AND p.member_id IS NOT DISTINCT FROM e.member_id
    AND p.currency = e.currency
"""


def _drop(*tables: str) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


@step("incentives: SPIFF campaigns, claims, ledger, payout runs")
def incentives(ctx: StepContext) -> None:
    plan, tenant = ctx.plan, ctx.tenant_id
    zone = ZoneInfo(plan.time_zone)
    now = ctx.now
    today = now.astimezone(zone).date()
    since = today - timedelta(days=365)
    reporting = plan.currency
    other = "USD" if reporting == "EUR" else "EUR"
    finance = [s["membership_id"] for s in ctx.made["staff"] if s["role"] == Role.FINANCE]
    finance = finance or [ctx.made["admin"]["membership_id"]]
    program_id = ctx.made["programs"][0]["id"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM programs_productline WHERE tenant_id = %s ORDER BY id", [tenant])
        product_lines = [row[0] for row in cursor.fetchall()]

    ctx.copy_one(IncentiveSettings, {"hold_days": HOLD_DAYS, "minimum_payout": MINIMUM_PAYOUT})
    # A rate from the first of each month of the last two years, drifting a little.
    first = (today - timedelta(days=730)).replace(day=1)
    months = [date(first.year + (first.month - 1 + n) // 12, (first.month - 1 + n) % 12 + 1, 1) for n in range(25)]
    base = Decimal("1.0850") if other == "EUR" else Decimal("0.9200")
    ctx.copy(
        ExchangeRate,
        (
            {
                "tenant_id": tenant,
                "currency": other,
                "on": month,
                "rate": (base + Decimal(ctx.rng.randint(-300, 300)) / 10_000).quantize(Decimal("0.00000001")),
                "entered_by_id": finance[0],
                "entered_at": datetime.combine(month, time(9), zone),
            }
            for month in months
            if month <= today
        ),
    )
    growth_lines, claim_lines = product_lines[:2], product_lines[2:4] or product_lines[:2]
    campaigns = {
        "growth": (
            f"{plan.name} growth SPIFF",
            {
                "description": "0.5 % of the revenue won on the two lines, paid to the company.",
                "program_id": program_id,
                "product_line_ids": growth_lines,
                "starts_on": since + timedelta(days=1),
                "ends_on": today + timedelta(days=90),
                "basis": SpiffBasis.PERCENT,
                "amount": GROWTH_PERCENT,
                "currency": reporting,
                "payee": SpiffPayee.COMPANY,
                "claim_mode": SpiffClaimMode.AUTOMATIC,
            },
        ),
        "logo": (
            f"New-logo bonus ({other})",
            {
                "description": "250 per win, paid to the rep who registered it.",
                "starts_on": today - timedelta(days=182),
                "ends_on": today + timedelta(days=30),
                "basis": SpiffBasis.PER_DEAL,
                "amount": LOGO_AMOUNT,
                "currency": other,
                "cap_per_rep": LOGO_CAP,
                "payee": SpiffPayee.REP,
                "claim_mode": SpiffClaimMode.AUTOMATIC,
            },
        ),
        "claim": (
            "Competitive displacement",
            {
                "description": "Won a customer from a competitor? Claim 20 per unit, with the customer's order.",
                "product_line_ids": claim_lines,
                "starts_on": today - timedelta(days=60),
                "ends_on": today + timedelta(days=30),
                "basis": SpiffBasis.PER_UNIT,
                "amount": UNIT_AMOUNT,
                "currency": reporting,
                "payee": SpiffPayee.REP,
                "claim_mode": SpiffClaimMode.CLAIM,
            },
        ),
    }
    ids = {key: ctx.copy_one(SpiffCampaign, {"name": name, **row}) for key, (name, row) in campaigns.items()}

    params = {
        "tenant": tenant,
        "since": since,
        "today": today,
        "now": now,
        "tz": plan.time_zone,
        "reporting": reporting,
        "other": other,
        "growth": ids["growth"],
        "growth_name": campaigns["growth"][0],
        "growth_lines": growth_lines,
        "growth_percent": GROWTH_PERCENT,
        "logo": ids["logo"],
        "logo_name": campaigns["logo"][0],
        "logo_amount": LOGO_AMOUNT,
        "logo_cap": LOGO_CAP,
        "logo_start": campaigns["logo"][1]["starts_on"],
        "claim": ids["claim"],
        "claim_name": campaigns["claim"][0],
        "claim_lines": claim_lines,
        "unit_amount": UNIT_AMOUNT,
        "claim_start": campaigns["claim"][1]["starts_on"],
        "finance": finance,
        "first_rate": first,
        "claim_seq": _sequence(SpiffClaim),
        "tx_seq": _sequence(LedgerTransaction),
        "payout_seq": _sequence(Payout),
    }
    _insert(RATES, params)
    _insert(CLAIMS, params)
    _insert(TIMED, params)
    _insert(FINAL, params)
    with connection.cursor() as cursor:  # the reasons finance gave
        cursor.execute("ALTER TABLE bench_claim ADD COLUMN reason text NOT NULL DEFAULT ''")
        cursor.execute(
            "UPDATE bench_claim SET reason = CASE WHEN status = 'rejected' THEN (%s::text[])[1 + mod(h, %s)] "
            "ELSE %s END WHERE status IN ('rejected', 'clawed_back')",
            [REJECTIONS, len(REJECTIONS), CLAWBACK],
        )
    tx_columns = _columns(
        LedgerTransaction,
        "id, tenant_id, kind, partner_id, earned_on, memo, source, reverses_id, posted_by_id, posted_at",
    )
    entry_columns = _columns(
        LedgerEntry,
        "tenant_id, transaction_id, account, partner_id, member_id, amount, currency, rate, reporting_amount",
    )
    _count(ctx, LedgerTransaction, _insert(TRANSACTIONS.format(columns=tx_columns), params))
    _count(ctx, LedgerEntry, _insert(ENTRIES.format(columns=entry_columns), params))
    claim_columns = _columns(
        SpiffClaim,
        "id, tenant_id, campaign_id, deal_id, partner_id, rep_id, member_id, amount, currency, campaign_amount, "
        "earned_on, capped, status, claimed_by_id, note, document, document_name, created_at, decided_by_id, "
        "decided_at, reason, accrual_id",
    )
    _count(ctx, SpiffClaim, _insert(CLAIM_ROWS.format(columns=claim_columns), params))
    _drop("bench_claim_raw", "bench_claim_timed", "bench_claim")

    # Quarterly payout runs, oldest first: each pays what the ones before it left.
    preparer, approver = finance[0], finance[-1] if len(finance) > 1 else ctx.made["admin"]["membership_id"]
    payout_columns = _columns(
        Payout, "id, tenant_id, run_id, partner_id, member_id, currency, amount, statement, payment_id"
    )
    item_columns = _columns(PayoutItem, "tenant_id, payout_id, entry_id, partner_id, amount")
    for period_end in _quarter_ends(since, today - timedelta(days=8)):
        prepared_at = datetime.combine(period_end + timedelta(days=3), time(9), zone)
        paid_at = prepared_at + timedelta(days=4)
        reference = f"{plan.slug.upper()}-PAY-{period_end:%Y%m}"
        run_params = {
            **params,
            "cutoff": period_end - timedelta(days=HOLD_DAYS),
            "prepared_at": prepared_at,
            "period_end": period_end,
            "paid_on": paid_at.date(),
            "paid_at": paid_at,
            "paid_by": preparer,
            "reference": reference,
            "minimum": MINIMUM_PAYOUT,
        }
        _insert(PAYABLE, run_params)
        if _insert(PAYOUTS, run_params):  # nothing out of its hold yet (the first weeks): no run
            run_params["run"] = ctx.copy_one(
                PayoutRun,
                {
                    "period_end": period_end,
                    "status": RunStatus.PAID,
                    "prepared_by_id": preparer,
                    "prepared_at": prepared_at,
                    "approved_by_id": approver,
                    "approved_at": prepared_at + timedelta(days=1),
                    "paid_by_id": preparer,
                    "paid_at": paid_at,
                    "payment_reference": reference,
                },
            )
            _count(ctx, LedgerTransaction, _insert(PAYMENT_TRANSACTIONS.format(columns=tx_columns), run_params))
            _count(ctx, LedgerEntry, _insert(PAYMENT_ENTRIES.format(columns=entry_columns), run_params))
            _count(ctx, Payout, _insert(PAYOUT_ROWS.format(columns=payout_columns), run_params))
            _count(ctx, PayoutItem, _insert(PAYOUT_ITEMS.format(columns=item_columns), run_params))
        _drop("bench_payable", "bench_payout")
    _drop("bench_rate")


MDF_ACTIVITIES = (  # title, vendor's share, status, cost as a share of the allocation (%)
    ("Customer day", 50, "approved", 20),
    ("Digital campaign", 50, "pre_approved", 15),
    ("Webinar", 75, "claimed", 10),
    ("Trade show booth", 50, "submitted", 25),
)


@step("incentives: market development funds")
def mdf(ctx: StepContext) -> None:
    """A budget for this quarter and the next (1,000 per partner), allocated by tier through the
    service (one statement and two posting statements); then four activities per allocated partner
    (reimbursed, pre-approved, claimed, waiting) written in bulk, with their commitment and
    reimbursement postings through ``ledger_post_many`` (two statements each), so the balances the
    pages sum are the ledger's. The activities' ``commitment``/``reimbursement`` links, proofs and
    events are not written: no page the bench loads reads them."""
    from incentives.models import MdfActivityType, MdfAllocation, MdfRequest
    from incentives.models import TransactionKind as Kind
    from incentives.services.ledger import Line, Posting, ledger_post_many
    from incentives.services.mdf import mdf_allocate_by_tier, mdf_budget_create
    from prm.accounts.models import Membership
    from prm.tenancy.scope import tenant_scope

    plan = ctx.plan
    zone = ZoneInfo(plan.time_zone)
    today = ctx.now.astimezone(zone).date()
    quarter = date(today.year, 1 + 3 * ((today.month - 1) // 3), 1)
    ends = date(quarter.year + (quarter.month >= 7), (quarter.month + 5) % 12 + 1, 1) - timedelta(days=1)
    currency = plan.currency
    with tenant_scope(ctx.tenant_id):
        admin = Membership.objects.get(pk=ctx.made["admin"]["membership_id"])
        types = {
            title: MdfActivityType.objects.create(
                name=title, vendor_share_percent=Decimal(share), proof_required=["invoice", "attendees"]
            )
            for title, share, _status, _cost in MDF_ACTIVITIES
        }
        budget = mdf_budget_create(
            actor=admin,
            name="Market development funds, this half",
            starts_on=quarter,
            ends_on=ends,
            amount=Decimal(1000) * plan.partners,
            currency=currency,
        )
        mdf_allocate_by_tier(actor=admin, budget=budget)
        allocations = list(MdfAllocation.objects.filter(budget=budget).values_list("id", "partner_id", "amount"))
        submitters = dict(
            Membership.objects.filter(partner_id__in=[p for _a, p, _m in allocations], role="partner_admin")
            .order_by("partner_id", "-id")
            .values_list("partner_id", "id")
        )
        requests, postings = [], []
        submitted_at = ctx.now - timedelta(days=20)
        for allocation_id, partner_id, allocated in allocations:
            if partner_id not in submitters:
                continue
            for n, (title, share, status, percent) in enumerate(MDF_ACTIVITIES):
                requested = (allocated * percent / 100).quantize(Decimal("0.01"))
                if requested <= 0:
                    continue
                cost = (requested * 100 / share).quantize(Decimal("0.01"))
                starts_on = min(ends, today + timedelta(days=n * 7 - 14))
                committed = status in ("approved", "pre_approved", "claimed")
                reimbursed = (requested * Decimal("0.9")).quantize(Decimal("0.01")) if status == "approved" else None
                requests.append(
                    MdfRequest(
                        tenant_id=ctx.tenant_id,
                        budget=budget,
                        allocation_id=allocation_id,
                        partner_id=partner_id,
                        activity_type=types[title],
                        title=title,
                        description="Generated by the bench.",
                        starts_on=max(quarter, starts_on),
                        ends_on=max(quarter, starts_on),
                        expected_leads=20,
                        expected_pipeline=cost * 10,
                        cost=cost,
                        currency=currency,
                        vendor_share_percent=Decimal(share),
                        requested_amount=requested,
                        status=status,
                        submitted_by_id=submitters[partner_id],
                        submitted_at=submitted_at + timedelta(minutes=len(requests)),
                        approved_amount=requested if committed else None,
                        claim_due=(max(quarter, starts_on) + timedelta(days=30)) if committed else None,
                        actual_cost=cost if status in ("approved", "claimed") else None,
                        claimed_amount=requested if status in ("approved", "claimed") else None,
                        reimbursed_amount=reimbursed,
                    )
                )
                if committed:
                    postings.append(
                        Posting(
                            kind=Kind.MDF_COMMITMENT,
                            partner_id=partner_id,
                            earned_on=max(quarter, starts_on),
                            lines=[
                                Line("mdf_allocated", -requested, currency, budget_id=budget.pk),
                                Line("mdf_committed", requested, currency, budget_id=budget.pk),
                            ],
                            memo=title,
                        )
                    )
                if reimbursed is not None:
                    postings.append(
                        Posting(
                            kind=Kind.MDF_REIMBURSEMENT,
                            partner_id=partner_id,
                            earned_on=today,
                            lines=[
                                Line("mdf_committed", -requested, currency, budget_id=budget.pk),
                                Line("mdf_allocated", requested - reimbursed, currency, budget_id=budget.pk),
                                Line("mdf_spent", reimbursed, currency, budget_id=budget.pk),
                                Line("expense", reimbursed, currency),
                                Line("approved", -reimbursed, currency),
                            ],
                            memo=f"MDF: {title}",
                        )
                    )
        MdfRequest.objects.bulk_create(requests, batch_size=5000)
        # The commitments first (they draw on the allocations), then the reimbursements.
        ledger_post_many(postings=[p for p in postings if p.kind == Kind.MDF_COMMITMENT], actor=admin)
        ledger_post_many(postings=[p for p in postings if p.kind == Kind.MDF_REIMBURSEMENT], actor=admin)
    _count(ctx, MdfAllocation, len(allocations))
    _count(ctx, MdfRequest, len(requests))
