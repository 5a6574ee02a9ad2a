"""E-learning, read only: the published courses the key's owner may see, certificates (a staff key
the tenant's, a partner key its people's) and the competencies partners hold."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from learning.models import CourseLevel
from learning.selectors.catalogue import course_list_for_actor, course_published_get_for_actor
from learning.selectors.certificates import (
    ACTIVE,
    EXPIRED,
    EXPIRING,
    RENEWED,
    REVOKED,
    certificate_get_for_actor,
    certificate_office_rows_for_actor,
    certificate_rows,
    competency_holdings_for_actor,
)
from prm.tenancy.time import tenant_today

from ..framework import ResourceViewSet

STATES = (ACTIVE, EXPIRING, EXPIRED, RENEWED, REVOKED)


# --- courses -----------------------------------------------------------------------------------


class CourseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    category = serializers.CharField()
    level = serializers.ChoiceField(choices=CourseLevel.choices)
    duration_minutes = serializers.IntegerField()
    version = serializers.IntegerField(source="version_number", help_text=_("The published version's number."))
    updated_at = serializers.DateTimeField()


class CourseFilters(serializers.Serializer):
    category = serializers.CharField(required=False, max_length=80)
    level = serializers.ChoiceField(choices=CourseLevel.choices, required=False)


@extend_schema(tags=["Learning"])
class CourseViewSet(ResourceViewSet):
    """Published courses: a staff key every one of the tenant, a partner key those meant for its
    owner (partner type, role, tier), as the portal's catalogue."""

    scopes = {"read": "learning:read"}
    serializer_class = CourseSerializer

    @extend_schema(
        parameters=[OpenApiParameter("category", str), OpenApiParameter("level", str, enum=CourseLevel.values)]
    )
    def list(self, request):
        filters = CourseFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        courses = course_list_for_actor(
            actor=self.actor, category=data.get("category", ""), level=data.get("level", "")
        )
        page = self.paginate_queryset(courses)
        return self.get_paginated_response(CourseSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(CourseSerializer(course_published_get_for_actor(actor=self.actor, course_id=pk)).data)


# --- certificates ------------------------------------------------------------------------------


class CertificateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(help_text=_("The verification code printed on the certificate."))
    holder = serializers.IntegerField(source="holder_id", help_text=_("The holder's membership."))
    holder_name = serializers.CharField()
    certification = serializers.IntegerField(source="certification_id")
    certification_name = serializers.CharField(source="certification__name")
    partner = serializers.IntegerField(source="partner_id", help_text=_("The holder's company when it was awarded."))
    status = serializers.ChoiceField(
        choices=[(state, state) for state in STATES],
        source="state",
        help_text=_("expiring: active, inside its renewal window; expired includes an active one past its date."),
    )
    issued_on = serializers.DateField()
    expires_on = serializers.DateField(allow_null=True)
    days_left = serializers.IntegerField(allow_null=True, help_text=_("Until it expires (active ones)."))


class CertificateFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=[(state, state) for state in STATES], required=False)
    certification = serializers.IntegerField(required=False)
    partner = serializers.IntegerField(required=False)


def _certificate_row(certificate) -> dict:
    """One certificate as a row of the list (``certificate_rows`` adds its state)."""
    return {
        "id": certificate.pk,
        "code": certificate.code,
        "holder_id": certificate.holder_id,
        "holder_name": certificate.holder_name,
        "certification_id": certificate.certification_id,
        "certification__name": certificate.certification.name,
        "certification__renewal_window_days": certificate.certification.renewal_window_days,
        "partner_id": certificate.partner_id,
        "status": certificate.status,
        "issued_on": certificate.issued_on,
        "expires_on": certificate.expires_on,
    }


@extend_schema(tags=["Learning"])
class CertificateViewSet(ResourceViewSet):
    """Certificates: a staff key the tenant's; a partner key its people's (a partner admin's key),
    or its owner's own (a learner's key)."""

    scopes = {"read": "learning:read"}
    serializer_class = CertificateSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=list(STATES)),
            OpenApiParameter("certification", int),
            OpenApiParameter("partner", int),
        ]
    )
    def list(self, request):
        filters = CertificateFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        today = tenant_today()
        rows, _counted = certificate_office_rows_for_actor(
            actor=self.actor,
            today=today,
            status=data.get("status", ""),
            certification_id=data.get("certification"),
            partner_id=data.get("partner"),
        )
        page = certificate_rows(list(self.paginate_queryset(rows.order_by())), today=today)
        return self.get_paginated_response(CertificateSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        certificate = certificate_get_for_actor(actor=self.actor, certificate_id=pk)
        [row] = certificate_rows([_certificate_row(certificate)], today=tenant_today())
        return Response(CertificateSerializer(row).data)


# --- competencies ------------------------------------------------------------------------------


class CompetencyHoldingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    competency = serializers.IntegerField(source="competency_id")
    code = serializers.CharField(source="competency.code")
    name = serializers.CharField(source="competency.name")
    partner = serializers.IntegerField(source="partner_id")
    held = serializers.SerializerMethodField(help_text=_("Held now (false: a past period)."))
    gained_at = serializers.DateTimeField()
    gained_reason = serializers.CharField()
    lost_at = serializers.DateTimeField(allow_null=True)
    lost_reason = serializers.CharField()

    def get_held(self, holding) -> bool:
        return holding.lost_at is None


class CompetencyFilters(serializers.Serializer):
    partner = serializers.IntegerField(required=False)
    current = serializers.BooleanField(required=False, default=False)


@extend_schema(tags=["Learning"])
class CompetencyViewSet(ResourceViewSet):
    """Competencies partners hold, one period each (open while held): a staff key every
    partner's, a partner admin's key its company's."""

    scopes = {"read": "learning:read"}
    serializer_class = CompetencyHoldingSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("partner", int, description=_("Staff keys: one partner's.")),
            OpenApiParameter("current", bool, description=_("Only the competencies held now.")),
        ]
    )
    def list(self, request):
        filters = CompetencyFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        holdings = competency_holdings_for_actor(
            actor=self.actor, partner_id=data.get("partner"), current=data["current"]
        )
        page = self.paginate_queryset(holdings)
        return self.get_paginated_response(CompetencyHoldingSerializer(page, many=True).data)
