"""Leads: the vendor's leads (a staff key), the leads offered to or held by a partner (a partner
key), each with where its offers stand; a staff key creates leads (the API is their source: the
intake's duplicate check, then routing, as for the web-to-lead form)."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from leads.models import DeclineReason, LeadSource, LeadStage, LeadStatus, OfferStatus, QueueReason
from leads.selectors.offers import lead_list_for_actor, lead_with_offers_get_for_actor
from leads.services.intake import LIMITS, LeadInput, lead_receive, lead_receive_many
from prm.errors import PolicyViolation

from ..framework import ResourceViewSet, idempotent, problem

# What a partner reads of a lead offered to it but not yet accepted: everything but the contact
# (as the portal's offer page).
CONTACT_FIELDS = ("contact_name", "email", "phone", "job_title")


# --- representations ---------------------------------------------------------------------------


class LeadOfferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    partner = serializers.IntegerField(source="partner_id", help_text=_("The partner offered the lead."))
    status = serializers.ChoiceField(choices=OfferStatus.choices)
    rule_name = serializers.CharField(help_text=_("The routing rule that chose the partner."))
    offered_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(help_text=_("The deadline to answer the offer."))
    opened_at = serializers.DateTimeField(allow_null=True)
    responded_at = serializers.DateTimeField(allow_null=True)
    decline_reason = serializers.ChoiceField(choices=[("", ""), *DeclineReason.choices])


@extend_schema_field({"allOf": [{"type": "string", "enum": LeadStage.values}]})
class LeadStageField(serializers.ChoiceField):
    """A lead's stage. Its schema is written out in place: a ``stage`` enum of its own would
    collide with deal registrations' ``stage`` in the schema's enum names."""


class LeadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=LeadStatus.choices)
    stage = LeadStageField(choices=LeadStage.choices, help_text=_("How far the holding partner has worked it."))
    queue_reason = serializers.ChoiceField(
        choices=[("", ""), *QueueReason.choices], help_text=_("Why it waits in the vendor's queue (staff keys).")
    )
    source = serializers.ChoiceField(choices=LeadSource.choices)
    campaign = serializers.CharField()
    company = serializers.CharField()
    website = serializers.CharField()
    contact_name = serializers.CharField(help_text=_("Blank for a partner until its company accepts the lead."))
    email = serializers.CharField(help_text=_("Blank for a partner until its company accepts the lead."))
    phone = serializers.CharField(help_text=_("Blank for a partner until its company accepts the lead."))
    job_title = serializers.CharField()
    country = serializers.CharField()
    region_code = serializers.CharField()
    postal_code = serializers.CharField()
    city = serializers.CharField()
    industry = serializers.CharField()
    product_line = serializers.IntegerField(source="product_line_id", allow_null=True)
    description = serializers.CharField()
    estimated_value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    currency = serializers.CharField(help_text=_("The currency of the estimated and expected values."))
    partner = serializers.IntegerField(
        source="partner_id", allow_null=True, help_text=_("The partner holding the lead (it accepted it).")
    )
    offered_to = serializers.IntegerField(
        source="offered_to_id", allow_null=True, help_text=_("The partner the lead is offered to now.")
    )
    accepted_at = serializers.DateTimeField(allow_null=True)
    next_step = serializers.CharField()
    expected_value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    deal = serializers.IntegerField(source="deal_id", allow_null=True, help_text=_("The deal it was converted into."))
    duplicate_of = serializers.IntegerField(
        source="duplicate_of_id",
        allow_null=True,
        help_text=_("The earlier lead a flagged duplicate repeats (staff keys)."),
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    offer = serializers.SerializerMethodField(help_text=_("The latest offer the caller may see, or null."))
    offers = serializers.SerializerMethodField(help_text=_("Every offer the caller may see, oldest first."))

    @extend_schema_field(LeadOfferSerializer(allow_null=True))
    def get_offer(self, lead):
        offers = getattr(lead, "visible_offers", [])
        return LeadOfferSerializer(offers[-1]).data if offers else None

    @extend_schema_field(LeadOfferSerializer(many=True))
    def get_offers(self, lead):
        return LeadOfferSerializer(getattr(lead, "visible_offers", []), many=True).data

    def to_representation(self, lead):
        data = super().to_representation(lead)
        partner_id = self.context.get("partner_id")
        if partner_id is not None:
            data["queue_reason"], data["duplicate_of"] = "", None
            if lead.partner_id != partner_id:
                for name in CONTACT_FIELDS:
                    data[name] = ""
        return data


_TEXT = {"required": False, "allow_blank": True, "default": ""}


class LeadWriteSerializer(serializers.Serializer):
    """A lead as it arrives: only the company is required."""

    company = serializers.CharField(max_length=LIMITS["company"])
    website = serializers.CharField(max_length=LIMITS["website"], **_TEXT)
    contact_name = serializers.CharField(max_length=LIMITS["contact_name"], **_TEXT)
    email = serializers.EmailField(max_length=LIMITS["email"], **_TEXT)
    phone = serializers.CharField(max_length=LIMITS["phone"], **_TEXT)
    job_title = serializers.CharField(max_length=LIMITS["job_title"], **_TEXT)
    country = serializers.CharField(
        min_length=2, max_length=2, **_TEXT, help_text=_("ISO 3166 code, e.g. DE: routing by territory reads it.")
    )
    region_code = serializers.CharField(max_length=LIMITS["region_code"], **_TEXT)
    postal_code = serializers.CharField(max_length=LIMITS["postal_code"], **_TEXT)
    city = serializers.CharField(max_length=LIMITS["city"], **_TEXT)
    industry = serializers.CharField(max_length=LIMITS["industry"], **_TEXT)
    product_line = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_("A product line of the catalogue (its id).")
    )
    description = serializers.CharField(max_length=LIMITS["description"], **_TEXT)
    estimated_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    currency = serializers.CharField(
        min_length=3, max_length=3, **_TEXT, help_text=_("Of the estimated value; the vendor's currency if blank.")
    )
    campaign = serializers.CharField(max_length=LIMITS["campaign"], **_TEXT)
    route = serializers.BooleanField(
        default=True, help_text=_("Route the new lead to a partner at once (false: it waits in the vendor's queue).")
    )


class LeadFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=LeadStatus.choices, required=False)
    created_since = serializers.DateTimeField(required=False)
    updated_since = serializers.DateTimeField(required=False)


# --- the resource ------------------------------------------------------------------------------


class LeadImportSerializer(serializers.Serializer):
    leads = LeadWriteSerializer(many=True, allow_empty=False, max_length=1000)


class LeadImportRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("The row's place in the request, from 1."))
    lead = serializers.IntegerField(help_text=_("The new lead, or the earlier one it was merged into."))
    created = serializers.BooleanField()
    merged = serializers.BooleanField()
    duplicate_of = serializers.IntegerField(allow_null=True)


class LeadImportResultSerializer(serializers.Serializer):
    results = LeadImportRowSerializer(many=True)


@extend_schema(tags=["Leads"])
class LeadViewSet(ResourceViewSet):
    """Leads with where their offers stand. A staff key reads every lead of the tenant and every
    offer; a partner key the leads offered to its company now (without the contact until it
    accepts) and those it holds, with its own offers only. A staff key that manages leads creates
    them (``leads:write``)."""

    scopes = {"read": "leads:read", "write": "leads:write"}
    serializer_class = LeadSerializer

    def _context(self) -> dict:
        return {"partner_id": None if self.actor.is_staff_member else self.actor.partner_id}

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=LeadStatus.values),
            OpenApiParameter("created_since", OpenApiTypes.DATETIME),
            OpenApiParameter("updated_since", OpenApiTypes.DATETIME),
        ]
    )
    def list(self, request):
        filters = LeadFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        leads = lead_list_for_actor(
            actor=self.actor,
            status=data.get("status", ""),
            created_since=data.get("created_since"),
            updated_since=data.get("updated_since"),
        )
        page = self.paginate_queryset(leads)
        return self.get_paginated_response(LeadSerializer(page, many=True, context=self._context()).data)

    def retrieve(self, request, pk=None):
        lead = lead_with_offers_get_for_actor(actor=self.actor, lead_id=pk)
        return Response(LeadSerializer(lead, context=self._context()).data)

    @extend_schema(
        request=LeadWriteSerializer,
        responses={
            201: OpenApiResponse(LeadSerializer, description=_("A new lead (status new, or duplicate when flagged).")),
            200: OpenApiResponse(LeadSerializer, description=_("A repeat merged into the earlier lead, returned.")),
        },
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
        description=_(
            "A lead from your systems (source: API), checked for an earlier lead it repeats (same e-mail "
            "address or company domain within the vendor's window) and routed to a partner, as a lead of "
            "the web-to-lead form. 201 with the new lead (status new, or duplicate when it is flagged for the "
            "vendor's review); 200 with the earlier lead when it was merged into it (nothing new)."
        ),
    )
    @idempotent
    def create(self, request):
        form = LeadWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        data["product_line_id"] = data.pop("product_line")
        result = lead_receive(actor=self.actor, source=LeadSource.API, **data)
        lead = lead_with_offers_get_for_actor(actor=self.actor, lead_id=result.lead.pk)
        response = Response(LeadSerializer(lead, context=self._context()).data, status=201 if result.created else 200)
        response["Location"] = request.build_absolute_uri(f"{lead.pk}/")
        return response

    @extend_schema(
        request=LeadImportSerializer,
        responses={201: LeadImportResultSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
        description=_(
            "Up to 1,000 leads at once, all or nothing: a refused row is named with why (422) and nothing "
            "is written; otherwise they come in as an import's rows do, in order, and are routed."
        ),
    )
    @action(detail=False, methods=["post"], url_path="import", url_name="import")
    @idempotent
    def bulk_import(self, request):
        return _import(self, request)


def _import(viewset, request):
    """Many leads at once, all or nothing: every row is checked first (a refused row is named,
    with why, and nothing is written); then they come in as an import's rows do, in order (a
    repeat of an earlier row is merged into its lead or flagged), and are routed after commit."""
    form = LeadImportSerializer(data=request.data)
    form.is_valid(raise_exception=True)
    items, errors = [], []
    routes = set()
    for number, row in enumerate(form.validated_data["leads"], start=1):
        row = dict(row)
        routes.add(row.pop("route"))
        row["product_line_id"] = row.pop("product_line")
        try:
            items.append(LeadInput(**row).clean())
        except PolicyViolation as refused:
            errors.append({"row": number, "detail": refused.message})
    if errors:
        return problem(
            422,
            "invalid_rows",
            gettext("Refused"),
            gettext("Nothing was written: see errors, row by row."),
            errors=errors,
        )
    results = lead_receive_many(items=items, source=LeadSource.API, created_by=viewset.actor, route=routes != {False})
    rows = [
        {
            "row": number,
            "lead": result.lead.pk,
            "created": result.created,
            "merged": result.merged,
            "duplicate_of": result.duplicate_of_id,
        }
        for number, result in enumerate(results, start=1)
    ]
    return Response({"results": rows}, status=201)
