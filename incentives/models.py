"""Incentives: the money a vendor owes its partners and their people (SPIFFs, rebates, market
development funds, payouts), kept on one append-only, double-entry ledger per tenant.

**The ledger.** A ``LedgerTransaction`` is one posting (an accrual, an approval, a hold, a
payment, a clawback, an MDF allocation, ...): a header with what it is and when the amount was
earned, and two or more ``LedgerEntry`` lines whose amounts add up to zero in each currency
(debits positive, credits negative). The database holds the rules, not only the code:

* the runtime roles have no UPDATE or DELETE on either table (``append_only``, applied by
  ``prm.tenancy.rls`` after every migration): history is never rewritten, a mistake is corrected
  by a *reversing* transaction (``reverses``, unique: a posting is reversed at most once);
* a trigger on the lines (migration 0002) refuses any statement that leaves a transaction
  unbalanced in a currency, so every posting writes its lines together, in one statement;
* balances are sums over the lines, never a stored number that could drift from them.

**Accounts** are codes (``Account``), per partner and, for a rep's own earnings, per member. The
payee's accounts are liabilities (a credit, i.e. a negative sum, is money owed to the payee):
``pending`` (earned, waiting for finance) and ``approved`` (to be paid; what was earned less than
the hold after its win, 30 days by default, is *held*: a rule the payout run and the earnings page
apply to the approved lines, not an account); the vendor's are ``expense`` (what incentives cost)
and ``cash`` (what was paid out). A payment moves ``approved`` to ``cash``; a clawback debits ``approved`` (below
zero if it was paid already), and the next payout nets it.

**Currencies.** Every line carries its amount and currency, plus the amount in the tenant's
reporting currency (``Tenant.default_currency``) at the rate of the day the amount was *earned*
(``earned_on``: a deal's close date), from the rates finance enters (``ExchangeRate``), never
today's. A reversal keeps the original's rates, so it cancels it exactly.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from prm.tenancy.models import TenantOwned
from prm.web.files import private_upload_path

CURRENCY_CODE = RegexValidator(r"^[A-Z]{3}$", _("An ISO 4217 code, e.g. EUR."))


class ExchangeRate(TenantOwned):
    """How many units of the tenant's reporting currency one unit of ``currency`` was worth from
    ``on`` until the next rate of that currency. Entered by finance; an amount earned on a day
    is converted at the rate in force that day."""

    currency = models.CharField(_("currency"), max_length=3, validators=[CURRENCY_CODE])
    on = models.DateField(_("valid from"))
    rate = models.DecimalField(
        _("rate"),
        max_digits=18,
        decimal_places=8,
        validators=[MinValueValidator(Decimal("0.00000001"))],
        help_text=_("Units of the reporting currency for one unit of this currency."),
    )
    entered_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-on"]
        constraints = [
            # One rate per currency and day; also the lookup "the rate in force on a day" (the
            # latest on or before it) walks this index backwards.
            models.UniqueConstraint(fields=["tenant", "currency", "on"], name="exchange_rate_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.on:%Y-%m-%d} {self.rate}"


class Account(models.TextChoices):
    """The chart of accounts. Payee accounts are liabilities (credit = owed to the payee)."""

    EXPENSE = "expense", _("Incentive expense")
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved, to be paid")
    CASH = "cash", _("Paid out")
    # Market development funds: the budget's own accounts (every line carries its budget), which
    # balance among themselves: the fund (credited when a budget is funded) against what is still
    # unallocated, allocated to a partner, committed to a pre-approved activity, spent on a
    # reimbursed one, or expired at the end of the period.
    MDF_FUND = "mdf_fund", _("MDF budget funding")
    MDF_UNALLOCATED = "mdf_unallocated", _("MDF not yet allocated")
    MDF_ALLOCATED = "mdf_allocated", _("MDF allocated, available")
    MDF_COMMITTED = "mdf_committed", _("MDF pre-approved")
    MDF_SPENT = "mdf_spent", _("MDF reimbursed")
    MDF_EXPIRED = "mdf_expired", _("MDF expired")


PAYEE_ACCOUNTS = frozenset({Account.PENDING, Account.APPROVED})
MDF_ACCOUNTS = frozenset(
    {
        Account.MDF_FUND,
        Account.MDF_UNALLOCATED,
        Account.MDF_ALLOCATED,
        Account.MDF_COMMITTED,
        Account.MDF_SPENT,
        Account.MDF_EXPIRED,
    }
)


class TransactionKind(models.TextChoices):
    ACCRUAL = "accrual", _("Accrual")
    APPROVAL = "approval", _("Approval")
    ADJUSTMENT = "adjustment", _("Adjustment")
    CLAWBACK = "clawback", _("Clawback")
    PAYMENT = "payment", _("Payment")
    REVERSAL = "reversal", _("Reversal")
    MDF_FUNDING = "mdf_funding", _("MDF budget funded")
    MDF_ALLOCATION = "mdf_allocation", _("MDF allocation")
    MDF_COMMITMENT = "mdf_commitment", _("MDF pre-approval")
    MDF_RELEASE = "mdf_release", _("MDF released")
    MDF_REIMBURSEMENT = "mdf_reimbursement", _("MDF reimbursement")
    MDF_EXPIRY = "mdf_expiry", _("MDF expired")


class LedgerTransaction(TenantOwned):
    """One posting: its kind, the day its amount was earned (which picks the exchange rate), what
    it came from (``source``: ``"<app>.<model>:<id>"``, e.g. a SPIFF claim) and the partner it
    concerns (every line of a posting is about one partner, or none: the vendor's own). Append-only."""

    append_only = True

    kind = models.CharField(max_length=20, choices=TransactionKind.choices)
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    earned_on = models.DateField()
    memo = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=80, blank=True)
    reverses = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversals", db_index=False
    )
    posted_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    posted_at = models.DateTimeField(auto_now_add=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["-posted_at", "-id"]
        constraints = [
            # A posting is reversed at most once (two finance users reversing the same one: one wins).
            models.UniqueConstraint(
                fields=["tenant", "reverses"], condition=Q(reverses__isnull=False), name="ledger_reversed_once"
            ),
        ]
        indexes = [
            # A partner's postings, newest first (its ledger page).
            models.Index(fields=["tenant", "partner", "-posted_at"], name="ledger_tx_partner_idx"),
            # What a source (a claim, a payout) has posted.
            models.Index(fields=["tenant", "source"], name="ledger_tx_source_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class LedgerEntry(TenantOwned):
    """One line of a posting: a signed amount (debit positive, credit negative) on an account, for
    the posting's partner and, for a rep's own earnings, the member; with the amount in the
    reporting currency at the rate of the day it was earned. Append-only; the lines of a posting
    balance per currency (a trigger checks every insert)."""

    append_only = True

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries", db_index=False)
    account = models.CharField(max_length=16, choices=Account.choices)
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    member = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3, validators=[CURRENCY_CODE])
    rate = models.DecimalField(max_digits=18, decimal_places=8)
    reporting_amount = models.DecimalField(max_digits=16, decimal_places=2)
    # The MDF budget of a line on an MDF account (the database's balance guards sum per budget).
    budget = models.ForeignKey(
        "MdfBudget", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["transaction_id", "id"]
        constraints = [
            # A line on an MDF account names its budget, and only such a line does (the guards of
            # migration 0008 sum per budget); an allocation is always a partner's.
            models.CheckConstraint(
                condition=(
                    Q(budget__isnull=False, account__startswith="mdf_")
                    | (Q(budget__isnull=True) & ~Q(account__startswith="mdf_"))
                ),
                name="ledger_mdf_line_budget",
            ),
            models.CheckConstraint(
                condition=~Q(account="mdf_allocated") | Q(partner__isnull=False), name="ledger_mdf_allocated_partner"
            ),
        ]
        indexes = [
            # A payee's balances: sum(amount) per account and currency, read from the index alone.
            models.Index(
                fields=["tenant", "partner", "member", "account", "currency"],
                include=["amount", "reporting_amount"],
                name="ledger_entry_balance_idx",
            ),
            models.Index(fields=["tenant", "transaction"], name="ledger_entry_tx_idx"),
            # A budget's balances per account and partner: the MDF guards and pages, index-only.
            models.Index(
                fields=["tenant", "budget", "account", "partner"],
                include=["amount"],
                condition=Q(budget__isnull=False),
                name="ledger_entry_budget_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount} {self.currency}"


# --- SPIFFs ---------------------------------------------------------------------------------------


class SpiffBasis(models.TextChoices):
    PER_UNIT = "per_unit", _("An amount per unit sold")
    PER_DEAL = "per_deal", _("An amount per deal")
    PERCENT = "percent", _("A percentage of the revenue")


class SpiffPayee(models.TextChoices):
    REP = "rep", _("The sales rep who registered the deal")
    COMPANY = "company", _("The partner company")


class SpiffClaimMode(models.TextChoices):
    AUTOMATIC = "automatic", _("Generated from each confirmed win")
    CLAIM = "claim", _("Claimed by the rep, with documents")


class SpiffCampaign(TenantOwned):
    """A sales incentive for a window: what a won deal of the eligible product lines earns (per unit,
    per deal, or a percentage of the revenue of those lines), to whom (the rep or the company), up
    to a cap per rep and per partner, and whether claims are generated from confirmed wins or made
    by reps. Configured by channel finance or marketing in the admin."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("program"),
        help_text=_("Empty: partners of every program."),
    )
    product_line_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"), help_text=_("Deals won (their close date) in the window count."))
    basis = models.CharField(_("basis"), max_length=10, choices=SpiffBasis.choices, default=SpiffBasis.PER_DEAL)
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Per unit or per deal in the campaign's currency; for a percentage, the percent (e.g. 2.5)."),
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[CURRENCY_CODE])
    cap_per_rep = models.DecimalField(
        _("cap per rep"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    cap_per_partner = models.DecimalField(
        _("cap per partner"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    from_leads_only = models.BooleanField(
        _("only deals from the vendor's leads"),
        default=False,
        help_text=_("Only wins of registrations converted from a lead the vendor passed on count."),
    )
    payee = models.CharField(_("paid to"), max_length=10, choices=SpiffPayee.choices, default=SpiffPayee.REP)
    claim_mode = models.CharField(
        _("claims"), max_length=10, choices=SpiffClaimMode.choices, default=SpiffClaimMode.AUTOMATIC
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("SPIFF campaign")
        verbose_name_plural = _("SPIFF campaigns")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="spiff_window_order"),
        ]
        indexes = [
            # The campaigns a win on a day falls in.
            models.Index(fields=["tenant", "starts_on", "ends_on"], name="spiff_window_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for finance")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CLAWED_BACK = "clawed_back", _("Clawed back")


class SpiffClaim(TenantOwned):
    """What a won deal earns under a campaign, for its payee: generated from the confirmed win or
    claimed by the rep; finance approves or rejects it with a reason. Its amount is posted to the
    ledger as pending when the claim is made, moved to approved when approved, and reversed when
    rejected (``accrual``: the first posting)."""

    campaign = models.ForeignKey(SpiffCampaign, on_delete=models.PROTECT, related_name="claims", db_index=False)
    deal = models.ForeignKey("deals.Deal", on_delete=models.PROTECT, related_name="+", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    rep = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    member = models.ForeignKey(  # the payee when the campaign pays the rep; None: the company
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    campaign_amount = models.DecimalField(max_digits=14, decimal_places=2)  # in the campaign's currency: the caps
    earned_on = models.DateField()
    capped = models.BooleanField(default=False)  # the cap trimmed it
    status = models.CharField(max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED)
    claimed_by = models.ForeignKey(  # None: generated from the win
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    note = models.TextField(blank=True)
    document = models.FileField(upload_to=private_upload_path, blank=True)
    document_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    accrual = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One live claim per deal and campaign (a rejected one may be claimed again).
            models.UniqueConstraint(
                fields=["tenant", "campaign", "deal"],
                condition=~Q(status="rejected"),
                name="spiff_claim_once",
            ),
        ]
        indexes = [
            # Finance's queue: claims waiting, oldest first.
            models.Index(fields=["tenant", "status", "created_at"], name="spiff_claim_status_idx"),
            # A partner's (and a rep's) claims, newest first; the caps' sums.
            models.Index(fields=["tenant", "partner", "campaign"], name="spiff_claim_partner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} / {self.deal_id}"


# --- payouts --------------------------------------------------------------------------------------


class PayoutSchedule(models.TextChoices):
    BY_HAND = "by_hand", _("By hand")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class IncentiveSettings(TenantOwned):
    """The tenant's payout rules: how long an amount is held after the win it was earned on (so a
    deal reversed soon after is clawed back before it is paid), the smallest payout (in the
    reporting currency; less is carried to the next run), and whether a worker prepares a draft run
    after each month or quarter ends. One row per tenant; its lock makes payout runs take turns."""

    hold_days = models.PositiveSmallIntegerField(
        _("hold after the win (days)"),
        default=30,
        help_text=_("Approved amounts are paid once this many days have passed since the day they were earned."),
    )
    minimum_payout = models.DecimalField(
        _("minimum payout"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("50.00"),
        validators=[MinValueValidator(0)],
        help_text=_("In the reporting currency; a smaller total waits for the next run."),
    )
    payout_schedule = models.CharField(
        _("payout schedule"),
        max_length=10,
        choices=PayoutSchedule.choices,
        default=PayoutSchedule.BY_HAND,
        db_default=PayoutSchedule.BY_HAND,
        help_text=_(
            "Monthly or quarterly: the night after a period ends, a draft run for it is prepared and finance "
            "is asked to approve it. By hand: finance prepares each run."
        ),
    )

    class Meta:
        verbose_name = _("incentive settings")
        verbose_name_plural = _("incentive settings")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="incentive_settings_one")]

    def __str__(self) -> str:
        return str(_("incentive settings"))


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")
    DISCARDED = "discarded", _("Discarded")


class PayoutRun(TenantOwned):
    """One payout run: what is approved and out of its hold on ``period_end`` (clawbacks whatever
    their date), per payee and currency. Draft -> approved by someone other than who prepared it ->
    paid, with the payment's reference; a draft may be discarded (its amounts wait for the next)."""

    period_end = models.DateField()
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.DRAFT)
    # None: prepared by the payout schedule's worker (then any finance user may approve it).
    prepared_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    prepared_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_reference = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-prepared_at", "-id"]
        indexes = [models.Index(fields=["tenant", "status", "prepared_at"], name="payout_run_status_idx")]

    def __str__(self) -> str:
        return f"{self.period_end:%Y-%m-%d} #{self.pk}"


class PayoutHold(TenantOwned):
    """Finance stops paying a partner and its people for a while (a dispute, an audit, missing
    payment details), with a reason the partner reads: payout runs leave the partner's amounts out
    until the hold is lifted. What is owed does not change: the amounts stay approved on the ledger
    (Earnings shows them held, with the reason). One hold in force per partner."""

    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    reason = models.TextField(_("reason"), max_length=2000)
    held_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    held_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    released_at = models.DateTimeField(null=True, blank=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        ordering = ["-held_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "partner"], condition=Q(released_at__isnull=True), name="payout_hold_one_in_force"
            )
        ]
        indexes = [models.Index(fields=["tenant", "partner", "held_at"], name="payout_hold_partner_idx")]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.reason[:60]}"


class Payout(TenantOwned):
    """What one payee (the company, or one of its people) is paid in one currency in a run: the net
    of its items. Its PDF statement is made in a worker once the run is approved."""

    run = models.ForeignKey(PayoutRun, on_delete=models.CASCADE, related_name="payouts", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    member = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    statement = models.FileField(upload_to=private_upload_path, blank=True)
    payment = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        ordering = ["run_id", "partner_id", "member_id", "currency"]
        indexes = [
            models.Index(fields=["tenant", "run"], name="payout_run_idx"),
            # A partner's (and a rep's) statements, newest first.
            models.Index(fields=["tenant", "partner", "member"], name="payout_payee_idx"),
        ]


class PayoutItem(TenantOwned):
    """An approved ledger line paid by a payout (once: a line is in one payout at most)."""

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="items", db_index=False)
    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="+", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    amount = models.DecimalField(max_digits=16, decimal_places=2)  # what it adds to the payout (the payee's side)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        ordering = ["payout_id", "id"]
        constraints = [
            # A ledger line is paid once: two runs prepared at once cannot both take it.
            models.UniqueConstraint(fields=["tenant", "entry"], name="payout_item_once"),
        ]
        indexes = [models.Index(fields=["tenant", "payout"], name="payout_item_payout_idx")]


# --- rebates --------------------------------------------------------------------------------------


class Baseline(models.TextChoices):
    LAST_YEAR = "last_year", _("The same period last year")
    TRAILING = "trailing", _("The average of the four periods before")


class RebatePlan(TenantOwned):
    """A rebate or volume bonus: a rate on the partner's revenue from won deals (close date in the
    period, converted to the reporting currency at the rate of the day each was won) for each
    quarter; the rate is the highest band the revenue reaches (a step, not marginal). With
    ``growth_only`` it pays only on the growth over a baseline (the same quarter last year, or the
    average of the four quarters before), so that sales that would have happened anyway earn
    nothing. Accrued as deals close (pending), trued up when the quarter is closed (approved)."""

    name = models.CharField(_("name"), max_length=120)
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("program"),
        help_text=_("Empty: partners of every program."),
    )
    min_tier = models.ForeignKey(
        "programs.Tier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("minimum tier"),
        help_text=_("Only partners of this tier or higher in the plan's program earn it."),
    )
    growth_only = models.BooleanField(_("only on growth"), default=True)
    add_tier_percent = models.BooleanField(
        _("add each tier's rebate percent"),
        default=False,
        db_default=False,
        help_text=_(
            "The rebate percent each tier of the plan's program promises (a tier benefit) is added to the band's "
            "rate: e.g. bands [[0, 0]] pay Gold its 3 % and Silver its 2 %; bands [[0, 1], [100000, 2]] pay Gold "
            "4 % or 5 %."
        ),
    )
    accelerator_percent = models.DecimalField(
        _("certified accelerator (percent)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0), MaxValueValidator(500)],
        help_text=_(
            "A partner holding a certification on the quarter's last day earns this much more (e.g. 25: a rebate "
            "of 1,000 becomes 1,250). 0: no accelerator."
        ),
    )
    accelerator_certifications = ArrayField(
        models.CharField(max_length=60),
        default=list,
        blank=True,
        verbose_name=_("certifications that accelerate"),
        help_text=_("Certification codes, separated by commas. Empty: any certification."),
    )
    baseline = models.CharField(_("baseline"), max_length=10, choices=Baseline.choices, default=Baseline.LAST_YEAR)
    bands = models.JSONField(
        _("rate bands"),
        default=list,
        help_text=_(
            "Revenue (or growth) reached -> percent, e.g. [[0, 1], [100000, 2], [250000, 3]]: the highest band "
            "reached applies to all of it."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("rebate plan")
        verbose_name_plural = _("rebate plans")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RebateAccrual(TenantOwned):
    """A plan's figures for one partner and quarter, as last computed: revenue, baseline, growth,
    the rate and what it earns; ``accrued`` is what the ledger holds for it (the sum of its
    postings), ``closed`` once the quarter was trued up and approved."""

    plan = models.ForeignKey(RebatePlan, on_delete=models.PROTECT, related_name="accruals", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    period_start = models.DateField()
    period_end = models.DateField()
    currency = models.CharField(max_length=3)
    actual = models.DecimalField(max_digits=16, decimal_places=2)
    baseline = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    incremental = models.DecimalField(max_digits=16, decimal_places=2)
    rate = models.DecimalField(max_digits=6, decimal_places=3)
    accelerator = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))  # percent applied
    # The plan's bands as the quarter closed (the tier's part of ``rate`` is what they leave): a win
    # reversed later takes back what it added by these, whatever the plan or the tier since.
    closed_bands = models.JSONField(null=True, blank=True)
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    accrued = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal(0))
    closed = models.BooleanField(default=False)
    computed_at = models.DateTimeField(auto_now=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        ordering = ["-period_start", "partner_id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "plan", "partner", "period_start"], name="rebate_accrual_once"),
        ]
        indexes = [models.Index(fields=["tenant", "partner", "period_start"], name="rebate_accrual_partner_idx")]


# --- market development funds --------------------------------------------------------------------


class ProofKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    ATTENDEES = "attendees", _("Attendee list")
    PHOTOS = "photos", _("Photos")
    LEADS = "leads", _("Lead list")
    OTHER = "other", _("Other proof")


class MdfActivityType(TenantOwned):
    """A kind of marketing activity partners may ask funds for (an event, a digital campaign, a
    webinar, ...): the share of its cost the vendor co-funds, the proof of performance a claim must
    carry, and how long after the activity ends the claim is due. Configured in the admin."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    vendor_share_percent = models.DecimalField(
        _("vendor's share (percent)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(50),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(100)],
        help_text=_("The part of the activity's cost the vendor reimburses; the partner funds the rest."),
    )
    proof_required = ArrayField(
        models.CharField(max_length=12, choices=ProofKind.choices),
        default=list,
        blank=True,
        verbose_name=_("proof of performance"),
        help_text=_("What a claim must carry, one document each."),
    )
    claim_days = models.PositiveSmallIntegerField(
        _("claim due (days after the activity)"), default=30, validators=[MinValueValidator(1)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("MDF activity type")
        verbose_name_plural = _("MDF activity types")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MdfBudget(TenantOwned):
    """Market development funds for a period (and a region, and a program's partners, when it
    names them): funded on the ledger when created, allocated to partners, and what is not
    committed to an activity by the end of the period expires (``expired_at``: the night run's)."""

    name = models.CharField(_("name"), max_length=120)
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("program"),
        help_text=_("Empty: partners of every program."),
    )
    region = models.ForeignKey(
        "programs.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("region"),
        help_text=_("Empty: partners of every region."),
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"), help_text=_("Allocations not committed by this day expire."))
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[CURRENCY_CODE])
    funding = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    expired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("MDF budget")
        verbose_name_plural = _("MDF budgets")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="mdf_budget_period_order"),
        ]
        indexes = [
            # The budgets whose period ended and were not expired yet (the night run).
            models.Index(
                fields=["tenant", "ends_on"], condition=Q(expired_at__isnull=True), name="mdf_budget_open_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AllocationBasis(models.TextChoices):
    TIER = "tier", _("The tier's allocation percent of last period's revenue")
    MANUAL = "manual", _("By hand")


class MdfAllocation(TenantOwned):
    """A partner's share of a budget. ``amount`` is what was allocated (the sum of its allocation
    postings, kept here to list it); what is left is derived from the ledger."""

    budget = models.ForeignKey(MdfBudget, on_delete=models.PROTECT, related_name="allocations", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    basis = models.CharField(max_length=8, choices=AllocationBasis.choices, default=AllocationBasis.MANUAL)
    allocated_at = models.DateTimeField(auto_now=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        ordering = ["budget_id", "partner_id"]
        constraints = [
            # One allocation per partner and budget (changed by posting the difference).
            models.UniqueConstraint(fields=["tenant", "budget", "partner"], name="mdf_allocation_once"),
        ]
        indexes = [
            # A partner's allocations (its funds page).
            models.Index(fields=["tenant", "partner"], name="mdf_allocation_partner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.budget} / {self.partner_id}"


class MdfStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for pre-approval")
    PRE_APPROVED = "pre_approved", _("Pre-approved")
    REJECTED = "rejected", _("Rejected")
    CLAIMED = "claimed", _("Claim waiting for approval")
    APPROVED = "approved", _("Claim approved")
    CLAIM_REJECTED = "claim_rejected", _("Claim rejected")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


# Who may move a request where (the services check the rest).
MDF_TRANSITIONS = {
    MdfStatus.SUBMITTED: {MdfStatus.PRE_APPROVED, MdfStatus.REJECTED, MdfStatus.CANCELLED, MdfStatus.EXPIRED},
    MdfStatus.PRE_APPROVED: {MdfStatus.CLAIMED, MdfStatus.CANCELLED, MdfStatus.EXPIRED},
    MdfStatus.CLAIMED: {MdfStatus.APPROVED, MdfStatus.CLAIM_REJECTED, MdfStatus.PRE_APPROVED},
}
MDF_COMMITTED_STATUSES = (MdfStatus.PRE_APPROVED, MdfStatus.CLAIMED)


class MdfRequest(TenantOwned):
    """A partner's plan for a marketing activity paid partly from its allocation: what, when, what
    it should bring (leads, pipeline), what it costs and the vendor's share of it; then the vendor's
    pre-approval (all or part, with a reason), the partner's claim with its proof of performance
    before ``claim_due``, and the vendor's approval (all or part) of the reimbursement, which the
    next payout run pays. Each money step is a posting on the budget's ledger accounts."""

    budget = models.ForeignKey(MdfBudget, on_delete=models.PROTECT, related_name="requests", db_index=False)
    allocation = models.ForeignKey(MdfAllocation, on_delete=models.PROTECT, related_name="requests", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    activity_type = models.ForeignKey(MdfActivityType, on_delete=models.PROTECT, related_name="+", db_index=False)
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("activity plan"))
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    expected_leads = models.PositiveIntegerField(_("expected leads"), default=0)
    expected_pipeline = models.DecimalField(
        _("expected pipeline"), max_digits=14, decimal_places=2, default=Decimal(0), validators=[MinValueValidator(0)]
    )
    cost = models.DecimalField(_("total cost"), max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    vendor_share_percent = models.DecimalField(max_digits=5, decimal_places=2)  # the type's, when submitted
    requested_amount = models.DecimalField(max_digits=14, decimal_places=2)  # cost x share
    status = models.CharField(max_length=16, choices=MdfStatus.choices, default=MdfStatus.SUBMITTED)
    submitted_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    submitted_at = models.DateTimeField(auto_now_add=True)
    # Pre-approval
    approved_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    commitment = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    claim_due = models.DateField(null=True, blank=True)
    # The claim
    actual_cost = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    claimed_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    claim_note = models.TextField(blank=True)
    claimed_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_decided_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    claim_decided_at = models.DateTimeField(null=True, blank=True)
    claim_reason = models.TextField(blank=True)
    reimbursed_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    reimbursement = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="mdf_request_dates_order"),
            models.CheckConstraint(condition=Q(cost__gt=0), name="mdf_request_cost_positive"),
            # Never more pre-approved than asked, never more reimbursed than pre-approved.
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__lte=models.F("requested_amount")),
                name="mdf_request_approved_le_requested",
            ),
            models.CheckConstraint(
                condition=Q(reimbursed_amount__isnull=True) | Q(reimbursed_amount__lte=models.F("approved_amount")),
                name="mdf_request_reimbursed_le_approved",
            ),
        ]
        indexes = [
            # The vendor's queues (waiting for pre-approval, claims waiting), oldest first.
            models.Index(fields=["tenant", "status", "submitted_at"], name="mdf_request_status_idx"),
            # A partner's requests, newest first.
            models.Index(fields=["tenant", "partner", "-submitted_at"], name="mdf_request_partner_idx"),
            # A budget's requests (its page: committed, spent, return).
            models.Index(fields=["tenant", "budget"], name="mdf_request_budget_idx"),
            # Pre-approved requests whose claim is overdue (the night run).
            models.Index(
                fields=["tenant", "claim_due"], condition=Q(status="pre_approved"), name="mdf_request_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class MdfProof(TenantOwned):
    """One document of a claim's proof of performance (an invoice, an attendee list, ...)."""

    request = models.ForeignKey(MdfRequest, on_delete=models.CASCADE, related_name="proofs", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    kind = models.CharField(max_length=12, choices=ProofKind.choices)
    document = models.FileField(upload_to=private_upload_path)
    document_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        ordering = ["request_id", "kind", "id"]
        indexes = [models.Index(fields=["tenant", "request"], name="mdf_proof_request_idx")]


class MdfExtension(TenantOwned):
    """A partner's request for more time to claim a pre-approved activity, and the answer."""

    request = models.ForeignKey(MdfRequest, on_delete=models.CASCADE, related_name="extensions", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(180)])
    reason = models.TextField()
    status = models.CharField(max_length=10, default="pending")  # deals.models.ExtensionStatus values
    requested_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request per activity: the partner waits for the answer before asking again.
            models.UniqueConstraint(
                fields=["tenant", "request"], condition=Q(status="pending"), name="mdf_extension_one_pending"
            ),
        ]


class MdfLink(TenantOwned):
    """A deal or a lead that came from an MDF activity (the partner or the vendor says so): the
    fund's return, pipeline and revenue per unit of money, is read from these. A deal or a lead
    is credited to one activity at most."""

    request = models.ForeignKey(MdfRequest, on_delete=models.CASCADE, related_name="links", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    deal = models.ForeignKey(
        "deals.Deal", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    linked_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    linked_at = models.DateTimeField(auto_now_add=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        ordering = ["request_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(deal__isnull=True) & Q(lead__isnull=False))
                | (Q(deal__isnull=False) & Q(lead__isnull=True)),
                name="mdf_link_deal_xor_lead",
            ),
            models.UniqueConstraint(
                fields=["tenant", "deal"], condition=Q(deal__isnull=False), name="mdf_link_deal_once"
            ),
            models.UniqueConstraint(
                fields=["tenant", "lead"], condition=Q(lead__isnull=False), name="mdf_link_lead_once"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "request"], name="mdf_link_request_idx")]
