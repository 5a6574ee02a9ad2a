"""Deal registration: a partner registers an opportunity; the vendor approves it and protects it.

* ``Deal`` carries the end customer, the products, the amount and the status pipeline
  (``TRANSITIONS``). Every transition is one locked service in ``services.py``.
* ``CustomerAccount`` rows are the vendor's own accounts (customers, named or direct-only):
  registrations that match them are conflicts.
* ``DealConflict`` is the conflict report of a check (at submission, again at approval).
* ``DealProtection`` makes "one approved registration per customer and product line" a database
  rule (a partial unique index).
* ``AutoApprovalRule`` rows decide registrations without a reviewer; the rule that decided is kept.
* ``SpecialPricingRequest`` is a partner's discount request on an approved deal; it climbs the
  approval chain of its program's ``PricingBand`` rows (``DEFAULT_PRICING_BANDS`` without any),
  one ``SpecialPricingStep`` per decision.
* ``PipelineSnapshot`` holds the pipeline dashboard's aggregates, recomputed in the background.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from prm.accounts.roles import STAFF_ROLES, Role
from prm.tenancy.models import TenantOwned
from prm.web.files import private_upload_path


class DealStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Under review")
    INFO_REQUESTED = "info_requested", _("More information requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    DUPLICATE = "duplicate", _("Duplicate")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")
    WON_PENDING = "won_pending", _("Won, awaiting confirmation")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


S = DealStatus
# A status's badge colour (Bootstrap's text-bg-*): green protected or won, blue under review,
# amber waiting on the partner, grey closed. Lists and deal pages read it (deals/_status_badge.html).
STATUS_BADGES = {
    "approved": "success",
    "won": "success",
    "submitted": "primary",
    "won_pending": "primary",
    "info_requested": "warning",
    "draft": "light border",
    "rejected": "danger",
    "duplicate": "danger",
}  # anything else: "secondary"
# Who may move where. Closed states (rejected, duplicate, withdrawn, expired, won, lost) are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.APPROVED, S.REJECTED, S.INFO_REQUESTED, S.DUPLICATE, S.WITHDRAWN}),
    S.INFO_REQUESTED: frozenset({S.SUBMITTED, S.REJECTED, S.WITHDRAWN}),
    S.APPROVED: frozenset({S.WON_PENDING, S.WON, S.LOST, S.WITHDRAWN, S.EXPIRED}),
    S.WON_PENDING: frozenset({S.WON, S.APPROVED}),
    S.REJECTED: frozenset(),
    S.DUPLICATE: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.EXPIRED: frozenset(),
    S.WON: frozenset({S.LOST}),  # a win reversed (deal_reverse_win): the order did not stand
    S.LOST: frozenset(),
}
# Registrations that still claim their customer: other partners' ones are conflicts.
ACTIVE_STATUSES = frozenset({S.SUBMITTED, S.INFO_REQUESTED, S.APPROVED, S.WON_PENDING})
# Protected by the vendor: the customer and its product lines belong to this partner.
PROTECTED_STATUSES = frozenset({S.APPROVED, S.WON_PENDING})
OPEN_STATUSES = frozenset({S.DRAFT, *ACTIVE_STATUSES})


class DealStage(models.TextChoices):
    QUALIFY = "qualify", _("Qualify")
    DEVELOP = "develop", _("Develop")
    PROPOSE = "propose", _("Propose")
    NEGOTIATE = "negotiate", _("Negotiate")
    CLOSE = "close", _("Close")


class DealSource(models.TextChoices):
    """Where a registration's opportunity came from: the partner's own (sourced), a lead the vendor
    routed to it, or a referral. Set when the deal is created and never changed (a trigger refuses
    it), so that a win is attributed to the lead, its campaign and the partner that referred it."""

    PARTNER = "partner", _("Partner-sourced")
    LEAD = "lead", _("Vendor lead")
    REFERRAL = "referral", _("Referral")


class RejectionReason(models.TextChoices):
    CONFLICT = "conflict", _("Conflicts with an existing registration or account")
    DIRECT_ACCOUNT = "direct_account", _("The customer is a direct or named account")
    NOT_QUALIFIED = "not_qualified", _("The opportunity is not qualified")
    POLICY = "policy", _("Outside the program's policy")
    INCOMPLETE = "incomplete", _("Incomplete or incorrect information")
    OTHER = "other", _("Other")


class CustomerAccount(TenantOwned):
    """One of the vendor's own accounts. Registrations that match a named or direct-only account
    are conflicts (and routed to review); imported by CSV or kept in the admin."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("Existing customer")
        NAMED = "named", _("Named account (vendor-managed)")
        DIRECT_ONLY = "direct_only", _("Direct only (no partner registrations)")

    name = models.CharField(max_length=200)
    name_key = models.CharField(max_length=200, editable=False)  # deals.normalize.company_key(name)
    domain = models.CharField(max_length=253, blank=True, help_text=_("The web domain, e.g. example.com"))
    country = models.CharField(max_length=2, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CUSTOMER)
    owner = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    external_id = models.CharField(_("external CRM id"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # CSV imports upsert by external id; blank ids are not unique.
            models.UniqueConstraint(
                fields=["tenant", "external_id"], condition=~Q(external_id=""), name="account_external_unique"
            ),
        ]
        indexes = [
            # Conflict check: exact domain.
            models.Index(fields=["tenant", "domain"], condition=~Q(domain=""), name="account_domain_idx"),
            # Conflict check: trigram similarity of the normalised name (tenant filter from RLS/ORM).
            GinIndex(OpClass("name_key", name="gin_trgm_ops"), name="account_name_trgm"),
        ]

    def __str__(self):
        return self.name


class Deal(TenantOwned):
    """A registered opportunity of a partner with one end customer."""

    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="deals", db_index=False)
    program = models.ForeignKey(
        "programs.Program", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    registered_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    # A channel manager who registered it on the partner's behalf.
    entered_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    status = models.CharField(max_length=16, choices=DealStatus.choices, default=DealStatus.DRAFT)
    stage = models.CharField(max_length=10, choices=DealStage.choices, default=DealStage.QUALIFY)
    title = models.CharField(max_length=200, blank=True)

    # The end customer, as typed and as compared.
    customer_name = models.CharField(max_length=200)
    customer_key = models.CharField(max_length=200, editable=False)  # deals.normalize.company_key
    customer_website = models.CharField(max_length=253, blank=True)
    customer_domain = models.CharField(max_length=253, blank=True, editable=False)  # registrable domain
    customer_country = models.CharField(max_length=2)
    customer_address = models.CharField(max_length=300, blank=True)
    contact_name = models.CharField(max_length=120, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)

    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3)
    expected_close_on = models.DateField()
    notes = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decision_due_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    decided_by_rule = models.ForeignKey(
        "AutoApprovalRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    protected_until = models.DateField(null=True, blank=True)
    expiry_reminders_sent = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True)
    rejection_reason = models.CharField(max_length=16, choices=RejectionReason.choices, blank=True)
    decision_message = models.TextField(blank=True)
    info_fields = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    has_conflict = models.BooleanField(default=False)
    won_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    won_on = models.DateField(null=True, blank=True)
    closed_reason = models.TextField(blank=True)  # lost or withdrawn: why
    # Attribution (see DealSource): immutable once written.
    source = models.CharField(max_length=10, choices=DealSource.choices, default=DealSource.PARTNER)
    source_lead_id = models.BigIntegerField(null=True, blank=True)  # leads.Lead (an app above deals)
    source_reference = models.CharField(max_length=20, blank=True)  # the lead's reference, e.g. LD-000042
    source_campaign = models.CharField(max_length=120, blank=True)
    source_partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # My deals / company deals in the portal, newest first.
            models.Index(fields=["tenant", "partner", "-created_at"], name="deal_partner_idx"),
            # The review queue and SLA sweeps: deals awaiting a decision by deadline.
            models.Index(fields=["tenant", "decision_due_at"], condition=Q(status="submitted"), name="deal_review_idx"),
            # Expiry sweeps: protected deals by protection end.
            models.Index(
                fields=["tenant", "protected_until"],
                condition=Q(status__in=["approved", "won_pending"]),
                name="deal_protection_idx",
            ),
            # The pipeline by status; the back office's deal list filtered by a status.
            models.Index(fields=["tenant", "status", "-created_at"], name="deal_status_idx"),
            # The wins of a period (incentives' rebates: a quarter and the one a year before),
            # read from the index alone.
            models.Index(
                fields=["tenant", "won_on"],
                include=["partner", "program", "won_amount", "currency"],
                condition=Q(status="won"),
                name="deal_won_idx",
            ),
            # The back office's list of every submitted registration, newest first: its page
            # stops at the 26th entry and its capped count reads the index alone, instead of
            # sorting a million registrations (drafts are never on the vendor's side).
            models.Index(
                fields=["tenant", "-created_at", "-id"], condition=~Q(status="draft"), name="deal_office_list_idx"
            ),
            # Attribution: the deals a lead became.
            models.Index(
                fields=["tenant", "source_lead_id"],
                condition=Q(source_lead_id__isnull=False),
                name="deal_source_lead_idx",
            ),
            # Conflict check: exact registrable domain among active registrations.
            models.Index(
                fields=["tenant", "customer_domain"],
                condition=Q(status__in=["submitted", "info_requested", "approved", "won_pending"])
                & ~Q(customer_domain=""),
                name="deal_active_domain_idx",
            ),
            # Conflict check: trigram similarity of the normalised customer among active ones.
            GinIndex(
                OpClass("customer_key", name="gin_trgm_ops"),
                condition=Q(status__in=["submitted", "info_requested", "approved", "won_pending"]),
                name="deal_active_customer_trgm",
            ),
        ]

    def __str__(self):
        return f"DR-{self.pk:06d} {self.customer_name}" if self.pk else self.customer_name

    @property
    def status_badge(self) -> str:
        return STATUS_BADGES.get(self.status, "secondary")

    @property
    def reference(self) -> str:
        return f"DR-{self.pk:06d}" if self.pk else "new"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_editable_by_partner(self) -> bool:
        return self.status in (S.DRAFT, S.INFO_REQUESTED)


class DealLine(TenantOwned):
    """A product on a registration: quantity and price (the catalogue's list price by default)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    product = models.ForeignKey("programs.Product", on_delete=models.PROTECT, related_name="+", db_index=False)
    product_line = models.ForeignKey("programs.ProductLine", on_delete=models.PROTECT, related_name="+", db_index=False)
    quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        ordering = ["id"]
        indexes = [
            # A deal's lines.
            models.Index(fields=["tenant", "deal"], name="dealline_deal_idx"),
            # Pipeline by product line.
            models.Index(fields=["tenant", "product_line"], name="dealline_line_idx"),
        ]

    @property
    def total(self):
        return self.unit_price * self.quantity


class DealProtection(TenantOwned):
    """The database's guarantee: at most one approved registration per customer and product
    line at a time. Written when a deal is approved, released when it stops being protected."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="protections", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    # The customer's identity: its registrable domain when known, else its normalised name.
    customer = models.CharField(max_length=260)
    product_line = models.ForeignKey("programs.ProductLine", on_delete=models.PROTECT, related_name="+", db_index=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    # Vendor-internal: partners never read other partners' claims (they read their deal).
    rls_partner_predicate = "false"

    class Meta:
        constraints = [
            # One protected registration per (customer, product line); ties go to whoever's
            # approval commits first (the service approves in submission order).
            models.UniqueConstraint(
                fields=["tenant", "customer", "product_line"],
                condition=Q(active=True),
                name="protection_one_active",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "deal"], name="protection_deal_idx")]


class DealConflict(TenantOwned):
    """One match found by a conflict check: another partner's active registration or a vendor
    account, with its score (0..1) and the reasons. Staff only: it names the other party."""

    class Kind(models.TextChoices):
        REGISTRATION = "registration", _("Another partner's registration")
        ACCOUNT = "account", _("A vendor account")

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="conflicts", db_index=False)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    other_deal = models.ForeignKey(
        Deal, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    account = models.ForeignKey(
        CustomerAccount, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    score = models.DecimalField(max_digits=4, decimal_places=3, validators=[MinValueValidator(0), MaxValueValidator(1)])
    reasons = models.JSONField(default=list)
    checked_at = models.DateTimeField()
    phase = models.CharField(max_length=10, default="submit")  # the check ran at "submit" or "approval"

    rls_partner_predicate = "false"

    class Meta:
        ordering = ["-score", "id"]
        indexes = [models.Index(fields=["tenant", "deal", "-score"], name="conflict_deal_idx")]


class AutoApprovalRule(TenantOwned):
    """A rule that approves a submitted registration without a reviewer. Rules of the deal's
    program are tried by ``priority``; the first whose every condition holds decides, and the
    deal records it. Conditions left empty do not restrict."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="deal_rules", db_index=False)
    name = models.CharField(max_length=120)
    priority = models.PositiveSmallIntegerField(default=10, help_text=_("Lower numbers are tried first."))
    is_active = models.BooleanField(default=True)
    require_no_conflict = models.BooleanField(default=True, help_text=_("Only registrations without any conflict."))
    max_amount = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text=_("Only up to this amount (empty: any).")
    )
    min_tier = models.ForeignKey(
        "programs.Tier", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    product_line_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)

    class Meta:
        ordering = ["priority", "id"]
        indexes = [models.Index(fields=["tenant", "program", "priority"], name="autorule_program_idx")]

    def __str__(self):
        return self.name


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class DealExtension(TenantOwned):
    """A partner's request to extend an approved registration's protection, and the answer."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="extensions", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(365)])
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING)
    requested_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request per deal: the partner waits for the answer before asking again.
            models.UniqueConstraint(
                fields=["tenant", "deal"], condition=Q(status="pending"), name="extension_one_pending"
            ),
        ]
        indexes = [
            # Pending extensions to answer, oldest first.
            models.Index(
                fields=["tenant", "requested_at"], condition=Q(status="pending"), name="extension_pending_idx"
            ),
        ]


class DealMessage(TenantOwned):
    """The two-way conversation on a deal between the partner and the vendor. Append-only; a
    vendor-internal note (``internal``) never reaches partner users."""

    append_only = True

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="messages", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    author = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    body = models.TextField()
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    rls_partner_predicate = "partner_id = %(partner)s AND NOT internal"

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["tenant", "deal", "created_at"], name="dealmessage_deal_idx")]


class DealAttachment(TenantOwned):
    """A document on a deal (a quote, a customer e-mail): stored privately, served by a view
    that checks who is asking."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="attachments", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    file = models.FileField(upload_to=private_upload_path)
    name = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["tenant", "deal"], name="dealattachment_deal_idx")]


# --- special pricing ------------------------------------------------------------------------------

# Who approves a discount when the deal's program configures no bands: up to 10 % the channel
# manager, up to 25 % the channel director, anything above it finance. (up to percent, role)
DEFAULT_PRICING_BANDS: tuple[tuple[Decimal, str], ...] = (
    (Decimal("10"), Role.CHANNEL_MANAGER),
    (Decimal("25"), Role.CHANNEL_DIRECTOR),
    (Decimal("100"), Role.FINANCE),
)
PRICING_APPROVER_CHOICES = [(role.value, role.label) for role in Role if role in STAFF_ROLES]


class PricingBand(TenantOwned):
    """One band of a program's special-pricing chain: discounts up to ``up_to_percent`` are
    decided by ``approver_role``, after every lower band's role approved them. The highest band
    decides anything above it too. A program without bands uses ``DEFAULT_PRICING_BANDS``."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="pricing_bands", db_index=False
    )
    up_to_percent = models.DecimalField(
        _("up to (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(100)],
    )
    approver_role = models.CharField(max_length=20, choices=PRICING_APPROVER_CHOICES)

    class Meta:
        ordering = ["program", "up_to_percent"]
        constraints = [
            # One role per band limit of a program; the chain is read by (tenant, program) in order.
            models.UniqueConstraint(fields=["tenant", "program", "up_to_percent"], name="pricingband_unique"),
        ]

    def __str__(self):
        return f"up to {self.up_to_percent} %: {self.get_approver_role_display()}"


class PricingStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


def percent_text(value: Decimal) -> str:
    """18.00 -> "18", 12.50 -> "12.50": a discount as the pages show it (floatformat:"-2")."""
    return f"{value:.0f}" if value == value.to_integral_value() else f"{value:.2f}"


class SpecialPricingRequest(TenantOwned):
    """A partner's request for a special discount on an approved registration. It waits for
    ``current_role``; ``approval_chain`` (fixed when asked, from the program's bands) lists the
    roles that approve it in turn, the last one's approval approves it."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="pricing_requests", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    requested_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(100)],
    )
    justification = models.TextField()
    competitor = models.CharField(max_length=200, blank=True)
    competitor_price = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    status = models.CharField(max_length=10, choices=PricingStatus.choices, default=PricingStatus.PENDING)
    approval_chain = ArrayField(models.CharField(max_length=20, choices=PRICING_APPROVER_CHOICES), default=list)
    current_role = models.CharField(max_length=20, choices=PRICING_APPROVER_CHOICES, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)  # the final answer's note (approval or rejection)

    @property
    def discount_text(self) -> str:
        return percent_text(self.discount_percent)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request per deal: the partner waits for the answer before asking again.
            models.UniqueConstraint(
                fields=["tenant", "deal"], condition=Q(status="pending"), name="pricing_one_pending"
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gt=0, discount_percent__lte=100), name="pricing_discount_range"
            ),
        ]
        indexes = [
            # A deal's requests (its pages), newest first.
            models.Index(fields=["tenant", "deal", "-requested_at"], name="pricing_deal_idx"),
            # The approvals queue: pending requests awaiting a role, oldest first.
            models.Index(
                fields=["tenant", "current_role", "requested_at"],
                condition=Q(status="pending"),
                name="pricing_pending_idx",
            ),
        ]

    def __str__(self):
        return f"{self.discount_percent} % on {self.deal_id}"

    @property
    def step_number(self) -> int:
        """The awaited step, counted from 1 (0 once decided)."""
        return self.approval_chain.index(self.current_role) + 1 if self.current_role in self.approval_chain else 0

    def awaits(self, role: str) -> bool:
        """Whether the request waits for ``role``'s decision: the awaited step's role, or a vendor
        admin, who may decide any step. ``awaiting(role)`` is the same rule for a queue."""
        return self.status == PricingStatus.PENDING and (role == Role.ADMIN or role == self.current_role)

    @staticmethod
    def awaiting(role: str) -> Q:
        """The requests that wait for ``role``'s decision (``awaits``), as a filter."""
        pending = Q(status=PricingStatus.PENDING)
        return pending if role == Role.ADMIN else pending & Q(current_role=role)


class PricingDecision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class SpecialPricingStep(TenantOwned):
    """One decision on a special-pricing request: the role whose step it was, who decided (that
    role's member, or a vendor admin) and the note. Append-only: the record of the chain."""

    append_only = True

    request = models.ForeignKey(SpecialPricingRequest, on_delete=models.CASCADE, related_name="steps", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    role = models.CharField(max_length=20, choices=PRICING_APPROVER_CHOICES)
    decided_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    decision = models.CharField(max_length=10, choices=PricingDecision.choices)
    note = models.TextField(blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        ordering = ["decided_at", "id"]
        indexes = [
            # A request's steps, in order.
            models.Index(fields=["tenant", "request", "decided_at"], name="pricingstep_request_idx"),
        ]


class PipelineSnapshot(TenantOwned):
    """The pipeline dashboard's aggregates for one tenant, computed by a worker.

    Grouping a million registrations by status, stage, partner, tier and product line takes
    seconds, too long for a page. ``deals.sweep_all`` recomputes every tenant's figures in the
    background (``services.pipeline``); the page reads this one row and adds the live review
    counts, which an index answers. Staff only: partner users' transactions see no row.
    """

    figures = models.JSONField(default=dict, encoder=DjangoJSONEncoder)  # amounts as exact decimal strings
    computed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)

    rls_partner_predicate = "false"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="pipeline_snapshot_tenant_uniq")]
