"""Evaluating the relationship: weighted scorecards and their monthly snapshots, joint business
plans signed by both sides, and relationship reviews (QBRs) with ratings and action items.

Scorecards are configuration (one per program, KPIs from the metric registry with a weight, a
target and a scoring curve); snapshots are what the nightly run measured for each partner in a
month (``services/scoring.py`` writes a whole tenant's in one statement). Plans and reviews are
the partner's and the vendor's shared records, partner-owned for row-level security.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from prm.tenancy.models import TenantOwned

# --- scorecards -----------------------------------------------------------------------------------


class Scorecard(TenantOwned):
    """A program's scorecard: the KPIs partners of the program are scored on, and the rules for
    spotting high-potential and at-risk relationships. One per program."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("program")
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True, help_text=_("Shown to partners above their score."))
    is_active = models.BooleanField(_("is active"), default=True)
    # High potential: growing fast while still small for its segment.
    growth_percent = models.DecimalField(
        _("strong growth (%)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("20"),
        help_text=_("Revenue growth over the same window a year earlier that counts as strong."),
    )
    # At risk.
    score_drop = models.DecimalField(
        _("score drop that flags a risk (points)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(0)],
    )
    inactive_days = models.PositiveSmallIntegerField(
        _("days without portal use or registrations that flag a risk"), default=45
    )
    expiring_days = models.PositiveSmallIntegerField(_("days ahead to warn of expiring certificates"), default=60)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "program"], name="scorecard_one_per_program")]

    def __str__(self) -> str:
        return self.name


class Curve(models.TextChoices):
    LINEAR = "linear", _("Linear up to the target")
    THRESHOLDS = "thresholds", _("Steps (thresholds)")


class Missing(models.TextChoices):
    ZERO = "zero", _("Counts as zero")
    SKIP = "skip", _("Left out (the other KPIs' weights count)")


class ScorecardKpi(TenantOwned):
    """One KPI of a scorecard: a metric of the registry, its weight, target and curve.

    Points: ``weight / sum of the measured KPIs' weights * 100 * attainment``, attainment in 0..1:
    linear is ``value / target`` capped at 1 (``target / value`` when lower is better); steps give
    the share of the highest step reached. A zero target is met by any value (lower is better: by
    zero only).
    """

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="kpis", db_index=False)
    metric = models.CharField(_("metric"), max_length=80)
    param = models.CharField(_("parameter"), max_length=80, blank=True)
    label = models.CharField(_("label"), max_length=120, blank=True, help_text=_("Blank: the metric's name."))
    growth = models.BooleanField(
        _("measure growth"),
        default=False,
        help_text=_("Score the change (%) against the same window a year earlier instead of the value."),
    )
    window_days = models.PositiveIntegerField(_("look-back days"), default=365)
    weight = models.DecimalField(
        _("weight"), max_digits=6, decimal_places=2, default=Decimal("10"), validators=[MinValueValidator(0)]
    )
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=2, validators=[MinValueValidator(0)])
    lower_is_better = models.BooleanField(_("lower is better"), default=False)
    curve = models.CharField(_("scoring curve"), max_length=12, choices=Curve.choices, default=Curve.LINEAR)
    steps = models.JSONField(
        _("steps"),
        default=list,
        blank=True,
        help_text=_("For steps: pairs of value and share of the points, e.g. [[50, 0.5], [100, 1]]."),
    )
    missing = models.CharField(_("without data"), max_length=4, choices=Missing.choices, default=Missing.ZERO)
    visible_to_partner = models.BooleanField(_("partners see it"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["tenant", "scorecard", "position"], name="scorecard_kpi_idx")]

    def __str__(self) -> str:
        return self.label or self.metric


class ScorecardSnapshot(TenantOwned):
    """What one month's run measured for one partner on one scorecard (the current month is
    re-measured nightly until it ends). ``results``: one object per KPI (value, target, points,
    max points, previous and last year's value); ``signals``: why it is high potential;
    ``risks``: why it is at risk."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="+", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False)
    period = models.DateField(_("month"))  # the first day of the month
    as_of = models.DateField(_("measured as of"))
    segment = models.ForeignKey(
        "partners.PartnerType", on_delete=models.SET_NULL, null=True, related_name="+", db_index=False
    )
    tier = models.ForeignKey("programs.Tier", on_delete=models.SET_NULL, null=True, related_name="+", db_index=False)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True)
    previous_score = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    last_year_score = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    percentile = models.DecimalField(_("percentile in segment"), max_digits=5, decimal_places=2, null=True)
    rank = models.PositiveIntegerField(_("rank"), null=True)
    revenue = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    is_new = models.BooleanField(default=False)  # enrolled during this month
    high_potential = models.BooleanField(default=False)
    at_risk = models.BooleanField(default=False)
    results = models.JSONField(default=list)
    signals = models.JSONField(default=list)
    risks = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "scorecard", "period", "partner"], name="scorecard_snapshot_once")
        ]
        indexes = [
            # The ranked list of a month: best first.
            models.Index(fields=["tenant", "scorecard", "period", "rank"], name="scorecard_rank_idx"),
            # A partner's history (the portal's chart).
            models.Index(fields=["tenant", "partner", "scorecard", "period"], name="scorecard_partner_idx"),
            # The movers up and down of a month: the five largest changes on last month, read off
            # the end of the index instead of sorting the month.
            models.Index(
                F("tenant"), F("scorecard"), F("period"), F("score") - F("previous_score"), name="scorecard_change_idx"
            ),
        ]


class ScorecardRun(TenantOwned):
    """One run over a scorecard's partners for a month: when, how many, how long (the operators'
    and the page's 'last measured')."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="+", db_index=False)
    period = models.DateField()
    as_of = models.DateField()
    partners = models.PositiveIntegerField(default=0)
    milliseconds = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["tenant", "scorecard", "finished_at"], name="scorecard_run_idx")]


# --- joint business plans -------------------------------------------------------------------------


class PlanStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("business plan", "Draft")
    AGREED = "agreed", _("Agreed and locked")
    SUPERSEDED = "superseded", _("Replaced by a newer version")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class BusinessPlan(TenantOwned):
    """A joint business plan of one partner for a period, in versions. A draft is edited by either
    side; it locks when both sides have signed this very version (an edit clears the signatures).
    A change to an agreed plan is a new version (``supersedes``) both sign again; until then the
    agreed one stays in force."""

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False)
    title = models.CharField(_("title"), max_length=160)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    version = models.PositiveSmallIntegerField(default=1)
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    status = models.CharField(_("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    partner_signed_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    partner_signed_at = models.DateTimeField(null=True, blank=True)
    vendor_signed_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    vendor_signed_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("business plan")
        verbose_name_plural = _("business plans")
        ordering = ["-starts_on", "-version"]
        constraints = [
            # One version is worked on at a time: a second draft of the same plan is refused.
            models.UniqueConstraint(
                fields=["tenant", "supersedes"], condition=Q(status="draft"), name="plan_one_open_revision"
            ),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="plan_dates_ordered"),
        ]
        indexes = [models.Index(fields=["tenant", "partner", "starts_on"], name="plan_partner_idx")]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class ObjectiveKind(models.TextChoices):
    REVENUE = "revenue", _("Revenue from won deals")
    REGISTRATIONS = "registrations", _("Approved deal registrations")
    CERTIFICATIONS = "certifications", _("Certified people")
    MDF = "mdf", _("MDF activities run")
    CUSTOM = "custom", _("Custom (progress recorded by hand)")


class PlanObjective(TenantOwned):
    """One objective of a plan with its target; progress is measured from the same metrics as the
    scorecards over the plan's period (a custom objective's by hand)."""

    plan = models.ForeignKey(BusinessPlan, on_delete=models.CASCADE, related_name="objectives", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(_("kind"), max_length=16, choices=ObjectiveKind.choices)
    description = models.CharField(_("objective"), max_length=200)
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=2, validators=[MinValueValidator(0)])
    manual_progress = models.DecimalField(_("progress so far"), max_digits=16, decimal_places=2, null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["tenant", "plan", "position"], name="plan_objective_idx")]

    def __str__(self) -> str:
        return self.description


# --- relationship reviews -------------------------------------------------------------------------


class ReviewStatus(models.TextChoices):
    DUE = "due", _("Due (not scheduled yet)")
    SCHEDULED = "scheduled", pgettext_lazy("relationship review", "Scheduled")
    HELD = "held", pgettext_lazy("relationship review", "Held")
    CANCELLED = "cancelled", pgettext_lazy("relationship review", "Cancelled")


class Criterion(models.TextChoices):
    """The qualitative criteria the partner agreement names; ratings on them feed the scorecards."""

    QUALITY = "quality", _("Quality of work")
    DELIVERY = "delivery", _("Delivery")
    SATISFACTION = "satisfaction", _("Customer satisfaction")
    COLLABORATION = "collaboration", _("Collaboration")


class RelationshipReview(TenantOwned):
    """A relationship review (QBR) with one partner: due by the tier's cadence, scheduled with a
    calendar invitation, held with notes, ratings and action items, summarised as a PDF."""

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False)
    title = models.CharField(_("title"), max_length=160)
    status = models.CharField(_("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DUE)
    due_on = models.DateField(_("due on"))
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), default=60, validators=[MinValueValidator(15), MaxValueValidator(480)]
    )
    location = models.CharField(_("place or meeting link"), max_length=300, blank=True)
    organizer = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    agenda = models.JSONField(default=dict, blank=True)  # pre-filled when scheduled (see services/reviews.py)
    notes = models.TextField(_("notes"), blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    held_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    sequence = models.PositiveIntegerField(default=0)  # the calendar invitation's SEQUENCE (updates)
    summary_pdf = models.FileField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("relationship review")
        verbose_name_plural = _("relationship reviews")
        ordering = ["-due_on", "-id"]
        constraints = [
            # One open review per partner: the cadence sweep never adds a second.
            models.UniqueConstraint(
                fields=["tenant", "partner"], condition=Q(status__in=["due", "scheduled"]), name="review_one_open"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "due_on"], name="review_status_idx"),
            models.Index(fields=["tenant", "partner", "due_on"], name="review_partner_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class ReviewRating(TenantOwned):
    """A rating (1-5) of one criterion given in a review."""

    review = models.ForeignKey(RelationshipReview, on_delete=models.CASCADE, related_name="ratings", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False)
    criterion = models.CharField(_("criterion"), max_length=16, choices=Criterion.choices)
    rating = models.PositiveSmallIntegerField(_("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    rated_on = models.DateField()  # the review's day: the metric's window counts it
    rated_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "review", "criterion"], name="review_rating_once"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_range"),
        ]
        indexes = [models.Index(fields=["tenant", "partner", "rated_on"], name="review_rating_partner_idx")]


class ActionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("action item", "Open")
    DONE = "done", pgettext_lazy("action item", "Done")


class ActionItem(TenantOwned):
    """An action agreed in a review, owned by someone of either side, with a due date."""

    review = models.ForeignKey(RelationshipReview, on_delete=models.CASCADE, related_name="actions", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False)
    title = models.CharField(_("action"), max_length=200)
    owner = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("owner")
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=8, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        ordering = ["status", "due_on", "id"]
        indexes = [
            models.Index(fields=["tenant", "partner", "status", "due_on"], name="action_partner_idx"),
            models.Index(fields=["tenant", "owner", "status"], name="action_owner_idx"),
            models.Index(fields=["tenant", "review"], name="action_review_idx"),
        ]

    def __str__(self) -> str:
        return self.title
