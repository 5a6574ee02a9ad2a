"""Read resources of the foundation's apps: partners and their contacts, programs and tiers, the
product catalogue."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from partners.models import PartnerStatus
from partners.selectors import partner_get_for_actor, partner_list_for_actor
from programs.selectors.policies import product_catalogue
from programs.selectors.tiers import enrollment_list_for_actor, program_list_for_actor

from ..framework import ResourceViewSet


class ContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    role = serializers.CharField()
    title = serializers.CharField()


class PartnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    legal_name = serializers.CharField()
    status = serializers.ChoiceField(choices=PartnerStatus.choices)
    website = serializers.CharField()
    country = serializers.CharField()
    city = serializers.CharField()
    postal_code = serializers.CharField()
    address_line = serializers.CharField()
    phone = serializers.CharField()
    partner_type = serializers.CharField(source="partner_type.slug", allow_null=True, default=None)
    account_manager = serializers.EmailField(source="account_manager.user.email", allow_null=True, default=None)
    external_crm_id = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class StaffPartnerSerializer(PartnerSerializer):
    """What a staff key reads of a partner: the record and the vendor's own labels of it, which a
    partner never sees (``PartnerSerializer`` for a partner key)."""

    tags = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=_("Staff keys only: the vendor's tags of the partner, e.g. invest (marked for investment)."),
    )


class EnrollmentSerializer(serializers.Serializer):
    program = serializers.IntegerField(source="program_id")
    program_name = serializers.CharField(source="program.name")
    tier = serializers.IntegerField(source="tier_id")
    tier_name = serializers.CharField(source="tier.name")
    enrolled_at = serializers.DateTimeField()


class PartnerFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=PartnerStatus.choices, required=False)
    country = serializers.CharField(required=False, max_length=2)
    search = serializers.CharField(required=False, max_length=200)
    tag = serializers.CharField(required=False, max_length=40)


@extend_schema(tags=["Partners"])
class PartnerViewSet(ResourceViewSet):
    """Partners: a staff key reads the tenant's, a partner key its own company only."""

    scopes = {"read": "partners:read"}
    serializer_class = StaffPartnerSerializer  # the schema's; a partner key reads PartnerSerializer

    def _partner(self):
        return partner_get_for_actor(actor=self.actor, partner_id=self.kwargs["pk"])

    def _serializer(self):
        return PartnerSerializer if self.actor.is_partner_user else StaffPartnerSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=PartnerStatus.values),
            OpenApiParameter("country", str),
            OpenApiParameter("search", str),
            OpenApiParameter("tag", str, description=_("Staff keys: partners with this tag, e.g. invest.")),
        ]
    )
    def list(self, request):
        if self.actor.is_partner_user:
            partners = [partner_get_for_actor(actor=self.actor, partner_id=self.actor.partner_id)]
            return Response({"next": None, "previous": None, "results": PartnerSerializer(partners, many=True).data})
        filters = PartnerFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        partners = partner_list_for_actor(
            actor=self.actor,
            status=data.get("status", ""),
            country=data.get("country", ""),
            search=data.get("search", ""),
            tag=data.get("tag", "").strip().lower(),
        ).select_related("partner_type", "account_manager__user")
        page = self.paginate_queryset(partners.order_by())
        return self.get_paginated_response(StaffPartnerSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self._serializer()(self._partner()).data)

    @extend_schema(responses=ContactSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def contacts(self, request, pk=None):
        partner = self._partner()
        return Response(ContactSerializer(partner.contacts.order_by("id"), many=True).data)

    @extend_schema(responses=EnrollmentSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def programs(self, request, pk=None):
        partner = self._partner()
        return Response(
            EnrollmentSerializer(enrollment_list_for_actor(actor=self.actor, partner_id=partner.pk), many=True).data
        )


class TierSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    rank = serializers.IntegerField()
    description = serializers.CharField()
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class ProgramSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField()
    is_active = serializers.BooleanField()
    tiers = TierSerializer(many=True)


@extend_schema(tags=["Programs"])
class ProgramViewSet(ResourceViewSet):
    """Programs and their tier ladders: staff every program, a partner its own."""

    scopes = {"read": "programs:read"}
    serializer_class = ProgramSerializer
    pagination_class = None

    def list(self, request):
        return Response(ProgramSerializer(program_list_for_actor(actor=self.actor), many=True).data)

    def retrieve(self, request, pk=None):
        for program in program_list_for_actor(actor=self.actor):
            if program.pk == pk:
                return Response(ProgramSerializer(program).data)
        raise Http404


class ProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    product_line = serializers.IntegerField(source="line_id")
    product_line_name = serializers.CharField(source="line.name")
    list_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()


@extend_schema(tags=["Programs"])
class ProductViewSet(ResourceViewSet):
    """The product catalogue: active products of active lines."""

    scopes = {"read": "programs:read"}
    serializer_class = ProductSerializer
    pagination_class = None

    def list(self, request):
        return Response(ProductSerializer(product_catalogue(), many=True).data)

    def retrieve(self, request, pk=None):
        for product in product_catalogue():
            if product.pk == pk:
                return Response(ProductSerializer(product).data)
        raise Http404
