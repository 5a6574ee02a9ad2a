"""Partner programs, tiers, requirements and benefits, tier evaluation, and channel policies.

* **Segments and programs.** A program targets segments (partner types, industries, size bands,
  regions, countries); a partner is enrolled in one or more programs, each with a tier.
* **Tiers** are ordered by ``rank`` and carry **requirements** (a metric from the registry in
  ``metrics.py``, an operator, a threshold, a look-back window, mandatory or not) and
  **benefits** (discount, deal protection, MDF, lead weight, rebate, content access).
* **Evaluation** (``services/evaluation.py``, measuring in ``services/standing.py``) writes one
  ``TierStanding`` per enrollment, set-based, and turns what it finds into ``TierChangeProposal``
  rows or automatic promotions.
* **Policies** (``services/policy.py``): the product catalogue, authorization rules per product
  line, partner licences and territory grants decide what a partner may sell, register or be
  offered.
"""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from partners.models import SizeBand
from prm.tenancy.models import TenantOwned
from prm.web.files import private_upload_path

from .metrics import MANUAL_PREFIX, metric_label

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]
COUNTRY = RegexValidator(r"^[A-Z]{2}$", _("An ISO 3166 country code in capitals, e.g. DE."))


class Region(TenantOwned):
    """A named group of countries (e.g. "DACH", "Nordics"): for targeting and territory grants."""

    name = models.CharField(_("name"), max_length=80)
    code = models.SlugField(_("code"), max_length=40, db_index=False)  # the (tenant, code) constraint indexes it
    countries = ArrayField(
        models.CharField(max_length=2, validators=[COUNTRY]), default=list, verbose_name=_("countries")
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="region_code_unique")]

    def __str__(self):
        return self.name


class Targeting(models.Model):
    """The segments something is for. An empty list means "any"; all non-empty lists must match.

    Partner types are kept as ids in an array (not a many-to-many table) so that every row stays
    tenant-owned and a segment check is one SQL predicate. Programs use it today; content,
    announcements and lead routing will too.
    """

    target_partner_type_ids = ArrayField(
        models.BigIntegerField(), default=list, blank=True, verbose_name=_("target partner type ids")
    )
    target_industries = ArrayField(
        models.CharField(max_length=60), default=list, blank=True, verbose_name=_("target industries")
    )
    target_size_bands = ArrayField(
        models.CharField(max_length=10, choices=SizeBand.choices),
        default=list,
        blank=True,
        verbose_name=_("target size bands"),
    )
    target_regions = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, verbose_name=_("target regions")
    )
    target_countries = ArrayField(
        models.CharField(max_length=2), default=list, blank=True, verbose_name=_("target countries")
    )
    target_tags = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        verbose_name=_("target partner tags"),
        help_text=_("Partners with any of these tags (e.g. marked for investment by the scorecards)."),
    )

    class Meta:
        abstract = True

    def targets(self, partner) -> bool:
        """Whether a partner falls in this segment (the Python twin of ``targeting_sql``)."""
        if self.target_partner_type_ids and partner.partner_type_id not in self.target_partner_type_ids:
            return False
        if self.target_industries and not set(self.target_industries) & set(partner.industries or []):
            return False
        if self.target_size_bands and partner.size_band not in self.target_size_bands:
            return False
        if self.target_regions and not set(self.target_regions) & set(partner.regions_served or []):
            return False
        if self.target_tags and not set(self.target_tags) & set(partner.tags or []):
            return False
        return not (self.target_countries and partner.country not in self.target_countries)

    @property
    def targets_everyone(self) -> bool:
        return not any(
            (
                self.target_partner_type_ids,
                self.target_industries,
                self.target_size_bands,
                self.target_regions,
                self.target_countries,
                self.target_tags,
            )
        )


# The same rule over partners_partner (alias p) and a targeting row (alias t), for set-based work.
TARGETING_SQL = """
    (cardinality(t.target_partner_type_ids) = 0 OR p.partner_type_id = ANY(t.target_partner_type_ids))
    AND (cardinality(t.target_industries) = 0 OR p.industries && t.target_industries)
    AND (cardinality(t.target_size_bands) = 0 OR p.size_band = ANY(t.target_size_bands))
    AND (cardinality(t.target_regions) = 0 OR p.regions_served && t.target_regions)
    AND (cardinality(t.target_countries) = 0 OR p.country = ANY(t.target_countries))
    AND (cardinality(t.target_tags) = 0 OR p.tags && t.target_tags)
"""


class PromotionMode(models.TextChoices):
    AUTOMATIC = "automatic", _("Automatic: promote as soon as the partner qualifies")
    PROPOSED = "proposed", _("Proposed: a channel manager approves each promotion")


class Program(TenantOwned, Targeting):
    """A partner program (e.g. "Resell", "Managed services") that targets segments of partners.

    It also holds the requalification policy of its tiers and the deal-registration policy
    parameters that apply to its partners.
    """

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80, db_index=False)  # the (tenant, slug) constraint indexes it
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("is active"), default=True)
    auto_enroll = models.BooleanField(
        _("auto enroll"),
        default=False,
        help_text=_("Enrol every active partner of the targeted segments in the entry tier at each evaluation."),
    )

    # Requalification
    review_cadence_months = models.PositiveSmallIntegerField(
        _("review cadence months"),
        default=3,
        choices=[(1, _("Monthly")), (3, _("Quarterly")), (6, _("Every six months")), (12, _("Yearly"))],
        help_text=_("How often partners are requalified: demotions are only proposed at a review."),
    )
    next_review_on = models.DateField(
        _("next review on"),
        null=True,
        blank=True,
        help_text=_("The next requalification date; each review moves it on by the cadence."),
    )
    grace_periods = models.PositiveSmallIntegerField(
        _("grace periods"),
        default=1,
        validators=[MaxValueValidator(12)],
        help_text=_(
            "Reviews a partner may stay below its tier's requirements (at risk) before a demotion is proposed."
        ),
    )
    promotion_mode = models.CharField(
        _("promotion mode"), max_length=10, choices=PromotionMode.choices, default=PromotionMode.PROPOSED
    )

    # Deal-registration policy parameters (the deals app asks policy.deal_parameters()).
    deal_min_amount = models.DecimalField(
        _("minimum deal amount"), max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    deal_registration_roles = ArrayField(
        models.CharField(max_length=20),
        default=list,
        blank=True,
        help_text=_("Partner roles that may register deals; empty means every partner role."),
        verbose_name=_("deal registration roles"),
    )
    deal_review_hours = models.PositiveSmallIntegerField(
        _("deal review deadline (business hours)"),
        default=48,
        validators=[MinValueValidator(1)],
        help_text=_("Hours on weekdays (Monday to Friday, in the vendor's time zone) a reviewer has to decide."),
    )
    deal_win_needs_confirmation = models.BooleanField(
        _("deal win needs confirmation"),
        default=True,
        help_text=_("A deal marked won waits for the vendor's confirmation before it counts."),
    )

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "slug"], name="program_slug_unique")]

    def __str__(self):
        return self.name


class Tier(TenantOwned):
    """One level of a program; ``rank`` orders them (higher is better). Carries its benefits."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="tiers", db_index=False, verbose_name=_("program")
    )
    name = models.CharField(_("name"), max_length=60)
    rank = models.PositiveSmallIntegerField(_("rank"))
    color = models.CharField(
        _("color"),
        max_length=7,
        default="#6c757d",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour like #c0a040."))],
    )
    description = models.TextField(_("description"), blank=True)
    optional_required = models.PositiveSmallIntegerField(
        _("optional requirements to meet"),
        default=0,
        help_text=_("How many of this tier's optional requirements a partner must meet (all mandatory ones always)."),
    )

    # Benefits
    discount_percent = models.DecimalField(
        _("discount percent"), max_digits=5, decimal_places=2, default=0, validators=PERCENT
    )
    protection_days = models.PositiveSmallIntegerField(
        _("deal-protection days"), default=90, help_text=_("How long an approved deal registration is protected.")
    )
    mdf_eligible = models.BooleanField(_("MDF eligible"), default=False)
    mdf_allocation_percent = models.DecimalField(
        _("MDF allocation percent"), max_digits=5, decimal_places=2, default=0, validators=PERCENT
    )
    lead_routing_weight = models.PositiveSmallIntegerField(
        _("lead routing weight"),
        default=1,
        help_text=_("Relative share of routed leads (a weight of 3 gets three times a weight of 1)."),
    )
    rebate_percent = models.DecimalField(
        _("rebate percent"), max_digits=5, decimal_places=2, default=0, validators=PERCENT
    )
    review_every_months = models.PositiveSmallIntegerField(
        _("relationship review every (months)"),
        default=0,
        help_text=_("How often partners of this tier have a relationship review (QBR); 0: none scheduled."),
    )
    content_access = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        help_text=_("Content-library tags this tier unlocks, comma-separated."),
        verbose_name=_("content access"),
    )

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["program__name", "rank"]
        constraints = [
            # One rank per program: the tier ladder is a strict order.
            models.UniqueConstraint(fields=["tenant", "program", "rank"], name="tier_rank_unique"),
        ]

    def __str__(self):
        return f"{self.program.name} {self.name}" if self.program_id else self.name

    BENEFIT_FIELDS = (
        "discount_percent",
        "protection_days",
        "mdf_eligible",
        "mdf_allocation_percent",
        "lead_routing_weight",
        "rebate_percent",
        "content_access",
    )


class Operator(models.TextChoices):
    GTE = "gte", _("at least")
    GT = "gt", _("more than")
    LTE = "lte", _("at most")
    LT = "lt", _("less than")
    EQ = "eq", _("exactly")


# The same comparisons in SQL (evaluation) and Python (forms, previews).
OPERATOR_SQL = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<", "eq": "="}


class TierRequirement(TenantOwned):
    """What a partner must achieve to hold a tier: ``metric`` ``operator`` ``threshold`` over the
    last ``window_days`` (0: the value as it stands, no window)."""

    tier = models.ForeignKey(
        Tier, on_delete=models.CASCADE, related_name="requirements", db_index=False, verbose_name=_("tier")
    )
    metric = models.CharField(
        _("metric"), max_length=80, help_text=_("A metric from the registry (or a manual metric).")
    )
    param = models.CharField(
        _("param"),
        max_length=80,
        blank=True,
        help_text=_("For metrics that need one: the certification or competency code."),
    )
    operator = models.CharField(_("operator"), max_length=3, choices=Operator.choices, default=Operator.GTE)
    threshold = models.DecimalField(_("threshold"), max_digits=16, decimal_places=2)
    window_days = models.PositiveIntegerField(_("look-back days"), default=365)
    mandatory = models.BooleanField(_("mandatory"), default=True)

    class Meta:
        verbose_name = _("tier requirement")
        verbose_name_plural = _("tier requirements")
        ordering = ["tier__rank", "id"]
        indexes = [
            # A tier's requirements (evaluation reads all of a program's tiers at once).
            models.Index(fields=["tenant", "tier"], name="requirement_tier_idx"),
        ]

    def __str__(self):
        if self.metric.startswith(MANUAL_PREFIX):
            code = self.metric[len(MANUAL_PREFIX) :]
            label = ManualMetric.objects.filter(code=code).values_list("name", flat=True).first() or code
        else:
            label = metric_label(self.metric)
        return f"{label} {self.get_operator_display()} {self.threshold.normalize():f}"


class ManualMetric(TenantOwned):
    """A measure the vendor records by hand, with evidence (e.g. "Business plan score")."""

    code = models.SlugField(_("code"), max_length=40, db_index=False)  # the (tenant, code) constraint indexes it
    name = models.CharField(_("name"), max_length=120)
    unit = models.CharField(
        _("unit"), max_length=20, blank=True, help_text=_("Shown after values, e.g. 'points' or 'EUR'.")
    )
    description = models.TextField(_("description"), blank=True)
    evidence_required = models.BooleanField(_("evidence required"), default=True)

    class Meta:
        verbose_name = _("manual metric")
        verbose_name_plural = _("manual metrics")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="manualmetric_code_unique")]

    def __str__(self):
        return self.name

    @property
    def registry_key(self) -> str:
        return f"{MANUAL_PREFIX}{self.code}"


class ManualMetricValue(TenantOwned):
    """A recorded value of a manual metric for a partner, effective from a date.

    Append-only: a correction is a newer value. Evaluation takes the latest value effective in
    the requirement's window.
    """

    append_only = True

    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.CASCADE,
        related_name="manual_metric_values",
        db_index=False,
        verbose_name=_("partner"),
    )
    metric = models.ForeignKey(
        ManualMetric, on_delete=models.PROTECT, related_name="values", db_index=False, verbose_name=_("metric")
    )
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)
    effective_on = models.DateField(_("effective on"))
    evidence = models.FileField(_("evidence"), upload_to=private_upload_path, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.Membership",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("manual metric value")
        verbose_name_plural = _("manual metric values")
        ordering = ["-effective_on", "-id"]
        indexes = [
            # Evaluation: the latest value per partner of one metric, as of a date.
            models.Index(fields=["tenant", "metric", "partner", "-effective_on"], name="manualvalue_latest_idx"),
        ]

    def __str__(self):
        return gettext("%(metric)s: %(value)s for %(partner)s") % {
            "metric": self.metric,
            "value": self.value,
            "partner": self.partner,
        }


class Enrollment(TenantOwned):
    """A partner's place in one program: its current tier there, and its requalification state."""

    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.CASCADE,
        related_name="enrollments",
        db_index=False,
        verbose_name=_("partner"),
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="enrollments", db_index=False, verbose_name=_("program")
    )
    tier = models.ForeignKey(
        Tier, on_delete=models.PROTECT, related_name="enrollments", db_index=False, verbose_name=_("tier")
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    tier_changed_at = models.DateTimeField(_("tier changed at"), null=True, blank=True)
    grace_used = models.PositiveSmallIntegerField(
        _("grace used"), default=0, help_text=_("Reviews in a row the partner has been below its tier's requirements.")
    )
    override_reason = models.TextField(_("override reason"), blank=True)
    override_until = models.DateField(
        _("override until"),
        null=True,
        blank=True,
        help_text=_("A manual tier holds until this date: evaluation proposes no change before."),
    )

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            # A partner is in a program once.
            models.UniqueConstraint(fields=["tenant", "partner", "program"], name="enrollment_unique"),
        ]
        indexes = [
            # The directory's tier filter: partners in a tier.
            models.Index(fields=["tenant", "tier", "partner"], name="enrollment_tier_idx"),
            # Evaluation walks a program's enrollments.
            models.Index(fields=["tenant", "program"], name="enrollment_program_idx"),
        ]

    def __str__(self):
        return gettext("%(partner)s in %(tier)s") % {"partner": self.partner, "tier": self.tier}


class TierStanding(TenantOwned):
    """Where an enrollment stands after the latest evaluation (overwritten each time).

    ``results`` holds one entry per requirement of the current and the next tier: value,
    previous value (one review period ago), projection, threshold, met and gap. The portal's
    progress bars and the review queue read it; nothing is recomputed per page view.
    """

    # A foreign key (not one-to-one) so that the only unique index is the tenant-led one below.
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="standings", db_index=False, verbose_name=_("enrollment")
    )
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("partner")
    )
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("program")
    )
    qualifying_tier = models.ForeignKey(
        Tier, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False, verbose_name=_("qualifying tier")
    )
    next_tier = models.ForeignKey(
        Tier, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False, verbose_name=_("next tier")
    )
    meets_current = models.BooleanField(_("meets current"), default=True)
    at_risk = models.BooleanField(_("at risk"), default=False)
    results = models.JSONField(_("results"), default=list)
    evaluated_at = models.DateTimeField(_("evaluated at"))

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("tier standing")
        verbose_name_plural = _("tier standings")
        constraints = [
            # The evaluation's upsert target: one standing per enrollment.
            models.UniqueConstraint(fields=["tenant", "enrollment"], name="standing_enrollment_unique"),
        ]
        indexes = [
            # The portal's "your tier" card: a partner's standings.
            models.Index(fields=["tenant", "partner"], name="standing_partner_idx"),
            # The review queue's at-risk count per program.
            models.Index(fields=["tenant", "program"], condition=Q(at_risk=True), name="standing_at_risk_idx"),
        ]

    def __str__(self):
        return gettext("standing of %(enrollment)s") % {"enrollment": self.enrollment_id}


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUPERSEDED = "superseded", _("Superseded")


PROPOSAL_TRANSITIONS: dict[str, frozenset[str]] = {
    ProposalStatus.PENDING: frozenset({ProposalStatus.APPROVED, ProposalStatus.REJECTED, ProposalStatus.SUPERSEDED}),
    ProposalStatus.APPROVED: frozenset(),
    ProposalStatus.REJECTED: frozenset(),
    ProposalStatus.SUPERSEDED: frozenset(),
}


class TierChangeProposal(TenantOwned):
    """A promotion or demotion that evaluation proposes and a channel manager decides.

    Vendor-internal: partner users never see proposals (they see their standing, and the change
    once it is decided).
    """

    class Direction(models.TextChoices):
        PROMOTION = "promotion", _("Promotion")
        DEMOTION = "demotion", _("Demotion")

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="proposals", db_index=False, verbose_name=_("enrollment")
    )
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("partner")
    )
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("program")
    )
    from_tier = models.ForeignKey(
        Tier, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("from tier")
    )
    to_tier = models.ForeignKey(
        Tier, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("to tier")
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    reason = models.TextField(_("reason"), blank=True)
    results = models.JSONField(_("results"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        "accounts.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    # Staff only: a partner user's transaction sees no proposal at all.
    rls_partner_predicate = "false"

    class Meta:
        verbose_name = _("tier change proposal")
        verbose_name_plural = _("tier change proposals")
        ordering = ["created_at", "id"]
        constraints = [
            # At most one open proposal per enrollment: evaluation inserts ON CONFLICT DO NOTHING.
            models.UniqueConstraint(
                fields=["tenant", "enrollment"],
                condition=Q(status="pending"),
                name="proposal_one_pending",
            ),
        ]
        indexes = [
            # The review queue: pending proposals, oldest first.
            models.Index(fields=["tenant", "created_at"], condition=Q(status="pending"), name="proposal_pending_idx"),
            # A partner's proposals on its record.
            models.Index(fields=["tenant", "partner", "-created_at"], name="proposal_partner_idx"),
        ]

    def __str__(self):
        return gettext("%(direction)s of %(partner)s to %(tier)s") % {
            "direction": self.get_direction_display(),
            "partner": self.partner_id,
            "tier": self.to_tier_id,
        }


# --- Policies: catalogue, authorization, licences, territories ------------------------------------


class ProductLine(TenantOwned):
    """A family of products that shares its authorization rules and territories."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80, db_index=False)  # the (tenant, slug) constraint indexes it
    description = models.TextField(_("description"), blank=True)
    requires_territory = models.BooleanField(
        _("requires territory"),
        default=False,
        help_text=_("Partners need a territory grant for the customer's country to sell this line."),
    )
    is_active = models.BooleanField(_("is active"), default=True)

    class Meta:
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "slug"], name="productline_slug_unique")]

    def __str__(self):
        return self.name


class Product(TenantOwned):
    """A product of the catalogue, priced in the tenant's currency."""

    line = models.ForeignKey(
        ProductLine, on_delete=models.PROTECT, related_name="products", db_index=False, verbose_name=_("line")
    )
    sku = models.CharField(_("SKU"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    list_price = models.DecimalField(
        _("list price"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("An ISO 4217 code."))],
        help_text=_("ISO 4217"),
    )
    is_active = models.BooleanField(_("is active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["line__name", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "sku"], name="product_sku_unique")]
        indexes = [
            # A line's products (catalogue pages, deal line pickers).
            models.Index(fields=["tenant", "line", "name"], name="product_line_idx"),
        ]

    def __str__(self):
        return f"{self.name} ({self.sku})"

    def save(self, *args, **kwargs):
        if not self.currency:
            from prm.tenancy.models import Tenant
            from prm.tenancy.scope import current_tenant_id

            self.currency = Tenant.objects.get(pk=self.tenant_id or current_tenant_id()).default_currency
        super().save(*args, **kwargs)


class LicenceType(TenantOwned):
    """A licence some products need (e.g. "Government security clearance", "Export licence")."""

    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=40, db_index=False)  # the (tenant, code) constraint indexes it
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("licence type")
        verbose_name_plural = _("licence types")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="licencetype_code_unique")]

    def __str__(self):
        return self.name


class AuthorizationRule(TenantOwned):
    """What a partner needs to sell a product line. Every rule of a line must hold; within a
    rule, every condition that is set."""

    product_line = models.ForeignKey(
        ProductLine, on_delete=models.CASCADE, related_name="rules", db_index=False, verbose_name=_("product line")
    )
    min_tier = models.ForeignKey(
        Tier,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text=_("The partner must hold this tier (or a higher one) in the tier's program."),
        verbose_name=_("min tier"),
    )
    allowed_partner_type_ids = ArrayField(
        models.BigIntegerField(), default=list, blank=True, verbose_name=_("allowed partner type ids")
    )
    required_licence_type = models.ForeignKey(
        LicenceType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("required licence type"),
    )
    required_competency = models.CharField(
        _("required competency"),
        max_length=80,
        blank=True,
        help_text=_("A competency code the partner company must hold (from certifications, in the learning app)."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True, help_text=_("Shown to partners beside the rule."))

    class Meta:
        verbose_name = _("authorization rule")
        verbose_name_plural = _("authorization rules")
        ordering = ["id"]
        indexes = [
            # The rules of a line (policy decisions read all lines' rules at once).
            models.Index(fields=["tenant", "product_line"], name="authrule_line_idx"),
        ]

    def __str__(self):
        if self.product_line_id:
            return gettext("Rule for %(line)s") % {"line": self.product_line}
        return gettext("Authorization rule")


class LicenceStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class PartnerLicence(TenantOwned):
    """A licence document a partner uploads and the vendor verifies; it lapses at ``expires_on``."""

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="licences", db_index=False, verbose_name=_("partner")
    )
    licence_type = models.ForeignKey(
        LicenceType, on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("licence type")
    )
    number = models.CharField(_("licence number"), max_length=80, blank=True)
    document = models.FileField(_("document"), upload_to=private_upload_path)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"))
    status = models.CharField(_("status"), max_length=10, choices=LicenceStatus.choices, default=LicenceStatus.PENDING)
    uploaded_by = models.ForeignKey(
        "accounts.Membership",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    verified_by = models.ForeignKey(
        "accounts.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("partner licence")
        verbose_name_plural = _("partner licences")
        ordering = ["-uploaded_at", "-id"]
        indexes = [
            # A partner's licences (policy decisions, the licences page).
            models.Index(fields=["tenant", "partner", "licence_type"], name="licence_partner_idx"),
            # The vendor's verification queue.
            models.Index(fields=["tenant", "uploaded_at"], condition=Q(status="pending"), name="licence_pending_idx"),
        ]

    def __str__(self):
        return gettext("%(licence)s of %(partner)s") % {"licence": self.licence_type, "partner": self.partner}


class TerritoryGrant(TenantOwned):
    """A country or region granted to a partner for one product line (or every line), exclusive
    or shared, for a period."""

    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.CASCADE,
        related_name="territories",
        db_index=False,
        verbose_name=_("partner"),
    )
    product_line = models.ForeignKey(
        ProductLine,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="territories",
        db_index=False,
        help_text=_("Empty: every product line."),
        verbose_name=_("product line"),
    )
    country = models.CharField(_("country"), max_length=2, blank=True, validators=[COUNTRY])
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("region"),
    )
    exclusive = models.BooleanField(_("exclusive"), default=False)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    granted_by = models.ForeignKey(
        "accounts.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("granted by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # A partner user's transaction sees its own grants; the policy service reads the tenant's
    # exclusive grants in a tenant scope and never names their holder.
    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("territory grant")
        verbose_name_plural = _("territory grants")
        ordering = ["country", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(country="") & Q(region__isnull=False)) | (~Q(country="") & Q(region__isnull=True)),
                name="territory_country_xor_region",
            ),
            # One exclusive holder of a country per line at any time: exclusive grants of the same
            # country and line may not overlap in their validity (valid_until is the first day a
            # grant no longer applies). The service also checks regions and "every line" grants
            # against specific lines, which a constraint cannot express. Needs btree_gist.
            ExclusionConstraint(
                name="territory_exclusive_country",
                expressions=[
                    ("tenant", RangeOperators.EQUAL),
                    (Coalesce("product_line", Value(0)), RangeOperators.EQUAL),
                    ("country", RangeOperators.EQUAL),
                    (
                        Func(
                            F("valid_from"),
                            F("valid_until"),
                            Value("[)"),
                            function="daterange",
                            output_field=DateRangeField(),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=Q(exclusive=True) & ~Q(country=""),
            ),
        ]
        indexes = [
            # Policy decisions: a partner's grants; territory lookups by country.
            models.Index(fields=["tenant", "partner"], name="territory_partner_idx"),
            models.Index(fields=["tenant", "country"], name="territory_country_idx"),
        ]

    def __str__(self):
        where = self.country or (self.region.name if self.region_id else "?")
        return gettext("%(where)s for %(partner)s") % {"where": where, "partner": self.partner}
