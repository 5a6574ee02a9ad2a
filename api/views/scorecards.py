"""Scorecards, business plans and relationship reviews, read only. A staff key reads the tenant's:
every KPI with its weight, target, curve and whether partners see it, every partner's monthly
snapshots with the vendor's flags (high potential, at risk) and why. A partner key reads what the
portal shows its company: the scorecards of its programs with the KPIs partners see, its own
snapshots only (those KPIs only; no flags, signals or risks), its business plans, and the reviews
once they are scheduled (a review only due is the vendor's to-do)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from prm.tenancy.time import tenant_today
from scorecards.models import ActionStatus, Criterion, Curve, Missing, ObjectiveKind, PlanStatus, ReviewStatus
from scorecards.selectors.plans import (
    BEHIND,
    MET,
    NOT_MEASURED,
    NOT_RECORDED,
    NOT_STARTED,
    ON_TRACK,
    TO_SIGN,
    plan_get_for_actor,
    plan_list_for_actor,
    plan_progress,
)
from scorecards.selectors.reviews import (
    ALL,
    actions_for_review,
    ratings_for_review,
    review_get_for_actor,
    review_portal_rows_for_actor,
    review_rows_for_actor,
)
from scorecards.selectors.scoring import (
    scorecard_get_for_actor,
    scorecard_list_for_actor,
    snapshot_month_for_actor,
    snapshots_shown_to_actor,
)

from ..framework import ResourceViewSet

SCOPE = {"read": "scorecards:read"}


# --- scorecards and their KPIs -----------------------------------------------------------------


@extend_schema_field(
    {"type": "array", "items": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}}
)
class StepsField(serializers.JSONField):
    """A threshold curve's steps: pairs of value and share of the points, e.g. [[50, 0.5], [100, 1]]."""


class KpiSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    metric = serializers.CharField(help_text=_("The metric's key in the registry, e.g. deals.trailing_revenue."))
    param = serializers.CharField()
    label = serializers.CharField(help_text=_("The KPI's own name; blank: the metric's."))
    growth = serializers.BooleanField(help_text=_("Scores the change (%) against the same window a year earlier."))
    window_days = serializers.IntegerField()
    weight = serializers.DecimalField(max_digits=6, decimal_places=2)
    target = serializers.DecimalField(max_digits=16, decimal_places=2)
    lower_is_better = serializers.BooleanField()
    curve = serializers.ChoiceField(choices=Curve.choices)
    steps = StepsField()


class StaffKpiSerializer(KpiSerializer):
    """A KPI as a staff key reads it: also whether partners see it and how missing data counts
    (not required: a partner key's KPIs have neither)."""

    visible_to_partner = serializers.BooleanField(required=False)
    missing = serializers.ChoiceField(
        required=False, choices=Missing.choices, help_text=_("How a KPI without data is scored.")
    )


class ScorecardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    program = serializers.IntegerField(source="program_id")
    description = serializers.CharField()
    kpis = KpiSerializer(many=True, source="shown_kpis", help_text=_("Partner keys: only the KPIs partners see."))


class StaffScorecardSerializer(ScorecardSerializer):
    """What a staff key reads of a scorecard: every KPI and the vendor's rules for flagging
    partners (``ScorecardSerializer`` for a partner key: the schema's fields beyond it are not
    required)."""

    kpis = StaffKpiSerializer(many=True, source="shown_kpis")
    is_active = serializers.BooleanField(required=False)
    growth_percent = serializers.DecimalField(
        required=False,
        max_digits=6,
        decimal_places=2,
        help_text=_("Revenue growth that counts as strong (high potential)."),
    )
    score_drop = serializers.DecimalField(
        required=False, max_digits=5, decimal_places=2, help_text=_("A drop of the score (points) that flags a risk.")
    )
    inactive_days = serializers.IntegerField(
        required=False, help_text=_("Days without portal use or registrations that flag a risk.")
    )
    expiring_days = serializers.IntegerField(required=False)


# --- snapshots ---------------------------------------------------------------------------------


class KpiResultSerializer(serializers.Serializer):
    """One KPI of a snapshot, as the month's run measured it."""

    kpi = serializers.IntegerField()
    metric = serializers.CharField()
    param = serializers.CharField(required=False, allow_blank=True, default="")
    label = serializers.CharField(required=False, allow_blank=True, default="")
    unit = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        default="",
        help_text=_("percent, a currency code, people, h, rating, or blank (a plain number)."),
    )
    growth = serializers.BooleanField(required=False, default=False)
    lower_is_better = serializers.BooleanField(required=False, default=False)
    visible = serializers.BooleanField(help_text=_("Whether partners see the KPI (always true for a partner key)."))
    value = serializers.FloatField(allow_null=True, help_text=_("Null: no data."))
    measured = serializers.BooleanField(help_text=_("False: no data, and the KPI is left out of the score."))
    target = serializers.FloatField(allow_null=True)
    points = serializers.FloatField(allow_null=True)
    max_points = serializers.FloatField(allow_null=True, help_text=_("Its share of 100 among the measured KPIs."))
    attainment = serializers.FloatField(allow_null=True, help_text=_("0 to 1."))
    previous = serializers.FloatField(allow_null=True, required=False, default=None)
    last_year = serializers.FloatField(allow_null=True, required=False, default=None)


class ReasonSerializer(serializers.Serializer):
    """A signal of potential or a risk: a stable code and its figure."""

    code = serializers.CharField(
        help_text=_(
            "Signals: below_median, revenue_growth, certified_up, engagement_up, score_up. Risks: score_drop, "
            "no_portal_use, no_registrations, expiring_certificates, plan_behind."
        )
    )
    value = serializers.FloatField(allow_null=True, required=False)
    median = serializers.FloatField(allow_null=True, required=False, help_text=_("below_median: the segment's."))
    days = serializers.IntegerField(allow_null=True, required=False)

    def to_representation(self, instance):
        # The figures a code has, and no others (no_portal_use has days, below_median a median).
        data = super().to_representation(instance)
        return {name: value for name, value in data.items() if name in instance}


class SnapshotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    partner = serializers.IntegerField(source="partner_id")
    period = serializers.DateField(help_text=_("The month (its first day)."))
    as_of = serializers.DateField(help_text=_("The day measured (the current month is measured again nightly)."))
    score = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text=_("0 to 100; null: nothing measurable.")
    )
    previous_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    last_year_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    percentile = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text=_("In the partner's segment; 100 is the best.")
    )
    segment = serializers.IntegerField(source="segment_id", allow_null=True, help_text=_("The partner type."))
    tier = serializers.IntegerField(source="tier_id", allow_null=True)
    is_new = serializers.BooleanField(help_text=_("Enrolled during the month."))
    results = KpiResultSerializer(many=True, help_text=_("Partner keys: only the KPIs partners see."))


class StaffSnapshotSerializer(SnapshotSerializer):
    """What a staff key reads of a snapshot: also the vendor's reading of the relationship
    (``SnapshotSerializer`` for a partner key: the schema's fields beyond it are not required)."""

    revenue = serializers.DecimalField(
        required=False,
        max_digits=16,
        decimal_places=2,
        help_text=_("Won revenue, trailing 365 days, in the vendor's currency."),
    )
    rank = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("1: the best score of the scorecard's month.")
    )
    high_potential = serializers.BooleanField(required=False)
    at_risk = serializers.BooleanField(required=False)
    signals = ReasonSerializer(
        required=False,
        many=True,
        help_text=_("The candidate signals of potential; they are reasons only when high_potential."),
    )
    risks = ReasonSerializer(required=False, many=True, help_text=_("Why it is at risk."))
    computed_at = serializers.DateTimeField(required=False)


class SnapshotFilters(serializers.Serializer):
    period = serializers.DateField(required=False)
    partner = serializers.IntegerField(required=False)


@extend_schema(tags=["Scorecards"])
class ScorecardViewSet(ResourceViewSet):
    """Active scorecards: a staff key every one of the tenant with all its KPIs; a partner key
    those of the programs its company is enrolled in, with the KPIs partners see. Their monthly
    snapshots at ``.../snapshots/``."""

    scopes = SCOPE
    serializer_class = StaffScorecardSerializer  # the schema's; a partner key reads ScorecardSerializer

    def _serializer(self):
        return StaffScorecardSerializer if self.actor.is_staff_member else ScorecardSerializer

    def list(self, request):
        scorecards = scorecard_list_for_actor(actor=self.actor)
        page = self.paginate_queryset(scorecards)
        return self.get_paginated_response(self._serializer()(page, many=True).data)

    def retrieve(self, request, pk=None):
        """A scorecard (a staff key: an inactive one too)."""
        return Response(self._serializer()(scorecard_get_for_actor(actor=self.actor, scorecard_id=pk)).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "period",
                OpenApiTypes.DATE,
                description=_("A day of the month (e.g. 2025-03-01); default: the latest month measured."),
            ),
            OpenApiParameter("partner", int, description=_("One partner's (a partner key: only its own).")),
        ],
        responses=StaffSnapshotSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def snapshots(self, request, pk=None):
        """The scorecard's snapshots of one month: a staff key every partner's, with the flags and
        why; a partner key its own company's only, with the KPIs partners see."""
        scorecard = scorecard_get_for_actor(actor=self.actor, scorecard_id=pk)
        filters = SnapshotFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        period = data.get("period")
        _month, rows = snapshot_month_for_actor(
            actor=self.actor,
            scorecard=scorecard,
            period=period.replace(day=1) if period else None,
            partner_id=data.get("partner"),
        )
        page = snapshots_shown_to_actor(actor=self.actor, scorecard=scorecard, rows=self.paginate_queryset(rows))
        serializer = StaffSnapshotSerializer if self.actor.is_staff_member else SnapshotSerializer
        return self.get_paginated_response(serializer(page, many=True).data)


# --- business plans ----------------------------------------------------------------------------


@extend_schema_field({"allOf": [{"type": "string", "enum": PlanStatus.values}]})
class PlanStatusField(serializers.ChoiceField):
    """A plan's status. Its schema is written out in place: the list's and the detail's
    components share it, which an enum component named "status" cannot (deals and leads have theirs)."""


PACES = (MET, ON_TRACK, BEHIND, NOT_STARTED, NOT_MEASURED, NOT_RECORDED)


class PlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    partner = serializers.IntegerField(source="partner_id")
    title = serializers.CharField()
    version = serializers.IntegerField()
    status = PlanStatusField(
        choices=PlanStatus.choices, help_text=_("agreed: signed by both sides and locked; a change is a new version.")
    )
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    partner_signed_at = serializers.DateTimeField(allow_null=True)
    vendor_signed_at = serializers.DateTimeField(allow_null=True)
    locked_at = serializers.DateTimeField(allow_null=True, help_text=_("When both sides had signed (agreed)."))


class ObjectiveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ObjectiveKind.choices)
    description = serializers.CharField()
    target = serializers.DecimalField(max_digits=16, decimal_places=2)
    value = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        allow_null=True,
        help_text=_("Progress so far: measured over the plan's period (custom: as recorded); null: none yet."),
    )
    expected = serializers.DecimalField(
        max_digits=16, decimal_places=2, allow_null=True, help_text=_("What the linear pace expects by now.")
    )
    percent = serializers.IntegerField(allow_null=True, help_text=_("Of the target, capped at 100."))
    status = serializers.ChoiceField(choices=[(pace, pace) for pace in PACES])


class ProgressSerializer(serializers.Serializer):
    as_of = serializers.DateField(allow_null=True, help_text=_("The day measured; null: the period has not started."))
    elapsed_percent = serializers.IntegerField()
    behind = serializers.IntegerField(help_text=_("How many objectives are behind the expected pace."))


class PlanDetailSerializer(PlanSerializer):
    summary = serializers.CharField()
    supersedes = serializers.IntegerField(source="supersedes_id", allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    progress = ProgressSerializer()
    objectives = ObjectiveSerializer(many=True, source="objectives_progress")


class PlanFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=[*PlanStatus.choices, (TO_SIGN, TO_SIGN)], required=False)
    partner = serializers.IntegerField(required=False)


@extend_schema(tags=["Scorecards"])
class BusinessPlanViewSet(ResourceViewSet):
    """Joint business plans in their versions: a staff key every partner's, a partner key its
    company's. One plan reads with its objectives and their progress (measured from the same
    metrics as the scorecards)."""

    scopes = SCOPE
    serializer_class = PlanDetailSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=[*PlanStatus.values, TO_SIGN],
                description=_("to_sign: drafts the other side signed and yours has not."),
            ),
            OpenApiParameter("partner", int, description=_("Staff keys: one partner's.")),
        ],
        responses=PlanSerializer(many=True),
    )
    def list(self, request):
        filters = PlanFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        rows, _counted = plan_list_for_actor(
            actor=self.actor, status=data.get("status", ""), partner_id=data.get("partner")
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(PlanSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        plan = plan_get_for_actor(actor=self.actor, plan_id=pk)
        progress = plan_progress(plan, today=tenant_today(), currency=request._request.tenant.default_currency)
        plan.progress, plan.objectives_progress = progress, progress.objectives
        return Response(PlanDetailSerializer(plan).data)


# --- relationship reviews ----------------------------------------------------------------------


@extend_schema_field({"allOf": [{"type": "string", "enum": ReviewStatus.values}]})
class ReviewStatusField(serializers.ChoiceField):
    """A review's status, written out in place (as ``PlanStatusField``)."""


class RatingSerializer(serializers.Serializer):
    criterion = serializers.ChoiceField(choices=Criterion.choices)
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField()


class ActionItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=ActionStatus.choices)
    due_on = serializers.DateField()
    owner_name = serializers.CharField(source="owner")
    owner_side = serializers.ChoiceField(choices=["vendor", "partner"])
    completed_at = serializers.DateTimeField(allow_null=True)
    completed_by_name = serializers.CharField(source="completed_by")
    note = serializers.CharField()


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    partner = serializers.IntegerField(source="partner_id")
    title = serializers.CharField()
    status = ReviewStatusField(choices=ReviewStatus.choices, help_text=_("due: not scheduled yet (staff keys only)."))
    due_on = serializers.DateField(help_text=_("When the tier's cadence has it due."))
    starts_at = serializers.DateTimeField(allow_null=True)
    duration_minutes = serializers.IntegerField()
    location = serializers.CharField(help_text=_("A place or a meeting link."))
    organizer = serializers.IntegerField(source="organizer_id", allow_null=True, help_text=_("A staff membership."))
    organizer_name = serializers.SerializerMethodField()
    held_at = serializers.DateTimeField(allow_null=True)
    has_summary = serializers.SerializerMethodField(help_text=_("Whether its PDF summary is written (held reviews)."))

    def get_organizer_name(self, review) -> str:
        return str(review.organizer.user) if review.organizer_id else ""

    def get_has_summary(self, review) -> bool:
        return bool(review.summary_pdf)


class ReviewDetailSerializer(ReviewSerializer):
    notes = serializers.CharField(help_text=_("Partner keys: once the review is held."))
    ratings = RatingSerializer(
        many=True, source="ratings_given", help_text=_("Held reviews: the ratings on the agreement's criteria.")
    )
    actions = ActionItemSerializer(many=True, source="action_items")


class ReviewFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReviewStatus.choices, required=False)
    partner = serializers.IntegerField(required=False)


@extend_schema(tags=["Scorecards"])
class ReviewViewSet(ResourceViewSet):
    """Relationship reviews (QBRs): a staff key every partner's, whatever their status; a partner
    key its company's once scheduled (scheduled, held, or cancelled after it was scheduled), as
    the portal shows them. One review reads with its ratings (held) and action items."""

    scopes = SCOPE
    serializer_class = ReviewDetailSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=ReviewStatus.values),
            OpenApiParameter("partner", int, description=_("Staff keys: one partner's.")),
        ],
        responses=ReviewSerializer(many=True),
    )
    def list(self, request):
        filters = ReviewFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        status, partner_id = data.get("status", ""), data.get("partner")
        if self.actor.is_staff_member:
            _rows, reviews = review_rows_for_actor(actor=self.actor, status=status or ALL)
        else:
            _rows, reviews = review_portal_rows_for_actor(actor=self.actor)
            if status:
                reviews = reviews.filter(status=status)
        if partner_id is not None:
            reviews = reviews.filter(partner_id=partner_id)
        page = self.paginate_queryset(reviews.select_related("organizer__user"))
        return self.get_paginated_response(ReviewSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        review = review_get_for_actor(actor=self.actor, review_id=pk)
        held = review.status == ReviewStatus.HELD
        review.ratings_given = ratings_for_review(review) if held else []
        review.action_items = actions_for_review(actor=self.actor, review=review)
        data = ReviewDetailSerializer(review).data
        if not (held or self.actor.is_staff_member):
            data["notes"] = ""  # as the portal: the notes show once the review is held
        return Response(data)
