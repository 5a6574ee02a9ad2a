"""Incentives, read only: ledger lines and payouts with their statements (PDF). A staff key reads
the tenant's; a partner key its company's (a partner admin's or finance's key) or its owner's own (a
sales rep's). Amounts are decimal strings, each with its currency."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from incentives.models import Account, RunStatus, TransactionKind
from incentives.selectors.ledger import ledger_entries_for_actor
from incentives.selectors.payouts import payout_get_for_actor, payout_list_for_actor
from prm.web.files import document_response

from ..framework import ResourceViewSet

# --- ledger lines ------------------------------------------------------------------------------


class LedgerEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    transaction = serializers.IntegerField(source="transaction_id", help_text=_("The posting the line belongs to."))
    kind = serializers.ChoiceField(choices=TransactionKind.choices, source="transaction.kind")
    earned_on = serializers.DateField(source="transaction.earned_on")
    posted_at = serializers.DateTimeField(source="transaction.posted_at")
    memo = serializers.CharField(source="transaction.memo")
    source = serializers.CharField(
        source="transaction.source", help_text=_("What the posting came from, e.g. incentives.spiffclaim:42.")
    )
    account = serializers.ChoiceField(choices=Account.choices)
    partner = serializers.IntegerField(source="partner_id", allow_null=True)
    member = serializers.IntegerField(
        source="member_id", allow_null=True, help_text=_("The partner's person the line is for (null: the company).")
    )
    amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text=_("Signed: a debit is positive, a credit negative.")
    )
    currency = serializers.CharField()
    reporting_amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    reporting_currency = serializers.SerializerMethodField(help_text=_("The vendor's reporting currency."))

    def get_reporting_currency(self, entry) -> str:
        return self.context["reporting_currency"]


class LedgerFilters(serializers.Serializer):
    account = serializers.ChoiceField(choices=Account.choices, required=False)
    kind = serializers.ChoiceField(choices=TransactionKind.choices, required=False)
    partner = serializers.IntegerField(required=False)


@extend_schema(tags=["Incentives"])
class LedgerEntryViewSet(ResourceViewSet):
    """Lines of the ledger, newest first: a staff key every line of the tenant; a partner key the
    lines of what is owed to its company and its people (a sales rep's key: its own)."""

    scopes = {"read": "incentives:read"}
    serializer_class = LedgerEntrySerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("account", str, enum=Account.values),
            OpenApiParameter("kind", str, enum=TransactionKind.values),
            OpenApiParameter("partner", int, description=_("Staff keys: one partner's lines.")),
        ]
    )
    def list(self, request):
        filters = LedgerFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        lines = ledger_entries_for_actor(
            actor=self.actor, account=data.get("account", ""), kind=data.get("kind", ""), partner_id=data.get("partner")
        )
        page = self.paginate_queryset(lines)
        context = {"reporting_currency": request._request.tenant.default_currency}
        return self.get_paginated_response(LedgerEntrySerializer(page, many=True, context=context).data)


# --- payouts -----------------------------------------------------------------------------------


class PayoutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    run = serializers.IntegerField(source="run_id")
    run_status = serializers.ChoiceField(choices=RunStatus.choices, source="run.status")
    period_end = serializers.DateField(source="run.period_end")
    partner = serializers.IntegerField(source="partner_id")
    member = serializers.IntegerField(
        source="member_id", allow_null=True, help_text=_("The person paid (null: the company).")
    )
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    currency = serializers.CharField()
    paid_at = serializers.DateTimeField(source="run.paid_at", allow_null=True)
    payment_reference = serializers.CharField(source="run.payment_reference")
    has_statement = serializers.SerializerMethodField(
        help_text=_("Whether its PDF statement is made (GET .../statement/).")
    )

    def get_has_statement(self, payout) -> bool:
        return bool(payout.statement)


class PayoutFilters(serializers.Serializer):
    run = serializers.IntegerField(required=False)
    partner = serializers.IntegerField(required=False)


class PdfRenderer(BaseRenderer):
    """``application/pdf`` for a client that asks for it: the statement is sent as it is; an
    error is still a problem (JSON)."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return JSONRenderer().render(data, renderer_context=renderer_context)


@extend_schema(tags=["Incentives"])
class PayoutViewSet(ResourceViewSet):
    """Payouts of approved and paid runs: a staff key every one; a partner key its company's and
    its people's (a sales rep's key: its own)."""

    scopes = {"read": "incentives:read"}
    serializer_class = PayoutSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("run", int),
            OpenApiParameter("partner", int, description=_("Staff keys: one partner's payouts.")),
        ]
    )
    def list(self, request):
        filters = PayoutFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        payouts = payout_list_for_actor(actor=self.actor, run_id=data.get("run"), partner_id=data.get("partner"))
        page = self.paginate_queryset(payouts)
        return self.get_paginated_response(PayoutSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(PayoutSerializer(payout_get_for_actor(actor=self.actor, payout_id=pk)).data)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description=_("The PDF statement.")),
            404: OpenApiResponse(description=_("No such payout here, or its statement is not made yet.")),
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PdfRenderer])
    def statement(self, request, pk=None):
        """The payout's statement, as the portal's Earnings page offers it for download."""
        payout = payout_get_for_actor(actor=self.actor, payout_id=pk)
        return document_response(payout.statement, name=f"statement-{payout.run.period_end:%Y-%m-%d}-{payout.pk}")
