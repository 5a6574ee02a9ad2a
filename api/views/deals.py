"""Deal registrations: list, read, register, edit (with ``If-Match``), submit, and the
transitions as actions; the vendor's customer accounts (bulk upsert, for conflict detection)."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from deals.models import CustomerAccount, Deal, DealStage, DealStatus, RejectionReason
from deals.selectors.deals import (
    attachment_get_for_actor,
    attachment_list_for_actor,
    deal_get_for_actor,
    deal_list_for_actor,
    product_options_for_actor,
)
from deals.services import (
    IMPORT_COLUMNS,
    PARTNER_EDITABLE_FIELDS,
    attachment_add,
    customer_accounts_import,
    deal_approve,
    deal_confirm_win,
    deal_mark_lost,
    deal_mark_won,
    deal_refuse_win,
    deal_register,
    deal_reject,
    deal_request_info,
    deal_submit,
    deal_update,
    deal_update_stage,
    deal_withdraw,
)
from partners.selectors import partner_get_for_actor
from prm.web.files import document_response

from ..framework import ResourceView, ResourceViewSet, check_if_match, etag_of, idempotent, problem
from ..pagination import NewestFirst

# --- representations ---------------------------------------------------------------------------


class DealLineSerializer(serializers.Serializer):
    product = serializers.IntegerField(source="product_id")
    product_line = serializers.IntegerField(source="product_line_id", read_only=True)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True)


class DealSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(read_only=True)
    partner = serializers.IntegerField(source="partner_id", read_only=True)
    status = serializers.ChoiceField(choices=DealStatus.choices, read_only=True)
    stage = serializers.ChoiceField(choices=DealStage.choices, read_only=True)
    title = serializers.CharField(read_only=True)
    customer_name = serializers.CharField(read_only=True)
    customer_website = serializers.CharField(read_only=True)
    customer_country = serializers.CharField(read_only=True)
    customer_address = serializers.CharField(read_only=True)
    contact_name = serializers.CharField(read_only=True)
    contact_email = serializers.CharField(read_only=True)
    contact_phone = serializers.CharField(read_only=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    currency = serializers.CharField(read_only=True)
    expected_close_on = serializers.DateField(read_only=True)
    notes = serializers.CharField(read_only=True)
    lines = DealLineSerializer(many=True, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    decision_due_at = serializers.DateTimeField(read_only=True, allow_null=True)
    protected_until = serializers.DateField(read_only=True, allow_null=True)
    rejection_reason = serializers.CharField(read_only=True)
    decision_message = serializers.CharField(read_only=True)
    info_fields = serializers.ListField(child=serializers.CharField(), read_only=True)
    won_amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, allow_null=True)
    won_on = serializers.DateField(read_only=True, allow_null=True)


_TEXT = {"max_length": 200, "required": False, "allow_blank": True}


class DealWriteSerializer(serializers.Serializer):
    """What a registration is made of; on update every field is optional (PATCH)."""

    partner = serializers.IntegerField(required=False, help_text=_("Staff keys: the partner registering."))
    customer_name = serializers.CharField(max_length=200)
    customer_country = serializers.CharField(min_length=2, max_length=2)
    currency = serializers.CharField(min_length=3, max_length=3)
    expected_close_on = serializers.DateField()
    lines = DealLineSerializer(many=True, allow_empty=False, max_length=200)
    customer_website = serializers.CharField(**{**_TEXT, "max_length": 253})
    customer_address = serializers.CharField(**{**_TEXT, "max_length": 300})
    contact_name = serializers.CharField(**{**_TEXT, "max_length": 120})
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(**{**_TEXT, "max_length": 40})
    stage = serializers.ChoiceField(choices=DealStage.choices, required=False)
    title = serializers.CharField(**_TEXT)
    notes = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    submit = serializers.BooleanField(
        default=False, help_text=_("Submit at once (a refused submission keeps nothing).")
    )


def _lines(actor, rows) -> list:
    """The lines' products, from the catalogue the actor may register from."""
    products = {product.pk: product for product in product_options_for_actor(actor=actor)}
    lines, errors = [], {}
    for number, row in enumerate(rows):
        product = products.get(row["product_id"])
        if product is None:
            errors[number] = {"product": [gettext("No such product in the catalogue.")]}
            continue
        lines.append((product, row["quantity"], row.get("unit_price")))
    if errors:
        raise serializers.ValidationError({"lines": errors})
    return lines


def _etag(deal: Deal) -> str:
    return etag_of("deal", deal.pk, deal.updated_at.isoformat())


def _with_etag(response: Response, deal: Deal) -> Response:
    response["ETag"] = _etag(deal)
    return response


# --- the actions' inputs -----------------------------------------------------------------------


class _Note(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class _Reason(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class _Reject(serializers.Serializer):
    reason_code = serializers.ChoiceField(choices=RejectionReason.choices)
    message = serializers.CharField(max_length=2000)


class _RequestInfo(serializers.Serializer):
    fields = serializers.ListField(child=serializers.ChoiceField(choices=sorted(PARTNER_EDITABLE_FIELDS | {"lines"})))
    message = serializers.CharField(max_length=2000)


class _Won(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    won_on = serializers.DateField()


class _Stage(serializers.Serializer):
    stage = serializers.ChoiceField(choices=DealStage.choices)


def _transition(name, service, serializer=None, **schema):
    """A ``POST /deals/{id}/<name>/``: the service with the body's fields."""

    def transition(self, request, pk=None):
        deal = self.get_object()
        data = {}
        if serializer is not None:
            form = serializer(data=request.data)
            form.is_valid(raise_exception=True)
            data = form.validated_data
        service(actor=self.actor, deal=deal, **data)
        deal = deal_get_for_actor(actor=self.actor, deal_id=deal.pk)
        return _with_etag(Response(DealSerializer(deal).data), deal)

    transition.__name__ = transition.__qualname__ = name
    transition = action(detail=True, methods=["post"], url_path=name.replace("_", "-"), url_name=name)(transition)
    return extend_schema(request=serializer, responses=DealSerializer, **schema)(transition)


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    uploaded_at = serializers.DateTimeField(read_only=True)
    uploaded_by = serializers.CharField(source="uploaded_by.user", read_only=True)


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("PDF, PNG or JPEG, up to 10 MB (judged by its content)."))
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DealFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=DealStatus.choices, required=False)
    stage = serializers.ChoiceField(choices=DealStage.choices, required=False)
    partner = serializers.IntegerField(required=False)
    search = serializers.CharField(required=False, max_length=200)


@extend_schema(tags=["Deals"])
class DealViewSet(ResourceViewSet):
    """Deal registrations the key's owner may see: a partner key its partner's (a sales rep's
    own), a staff key the tenant's submitted ones."""

    scopes = {"read": "deals:read", "write": "deals:write"}
    serializer_class = DealSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        filters = DealFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        deals = deal_list_for_actor(
            actor=self.actor,
            status=data.get("status", ""),
            stage=data.get("stage", ""),
            search=data.get("search", ""),
            partner_id=data.get("partner"),
            submitted_only=self.actor.is_staff_member,
        )
        # Only the deal and its lines are shown: none of the relations the pages' rows join.
        return deals.select_related(None).prefetch_related("lines").order_by()

    def get_object(self):
        return deal_get_for_actor(actor=self.actor, deal_id=self.kwargs["pk"])

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=DealStatus.values),
            OpenApiParameter("stage", str, enum=DealStage.values),
            OpenApiParameter("partner", int),
            OpenApiParameter("search", str),
        ]
    )
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(DealSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        deal = self.get_object()
        return _with_etag(Response(DealSerializer(deal).data), deal)

    @extend_schema(
        request=DealWriteSerializer,
        responses={201: DealSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
    )
    @idempotent
    def create(self, request):
        form = DealWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        partner_id = data.pop("partner", None)
        if self.actor.is_staff_member:
            if partner_id is None:
                raise serializers.ValidationError({"partner": [gettext("Name the partner registering.")]})
            partner = partner_get_for_actor(actor=self.actor, partner_id=partner_id)
        else:
            partner = self.actor.partner
        lines = _lines(self.actor, data.pop("lines"))
        deal = deal_register(actor=self.actor, partner=partner, lines=lines, **data)
        deal = deal_get_for_actor(actor=self.actor, deal_id=deal.pk)
        response = Response(DealSerializer(deal).data, status=201)
        response["Location"] = request.build_absolute_uri(f"{deal.pk}/")
        return _with_etag(response, deal)

    @extend_schema(
        request=DealWriteSerializer(partial=True),
        responses=DealSerializer,
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)],
    )
    def partial_update(self, request, pk=None):
        deal = self.get_object()
        check_if_match(request, _etag(deal))
        form = DealWriteSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        if "partner" in data:
            raise serializers.ValidationError({"partner": [gettext("A registration's partner cannot change.")]})
        rows = data.pop("lines", None)
        submit = data.pop("submit", False)
        lines = _lines(self.actor, rows) if rows is not None else None
        # Under the service's lock, the version is checked again: a change committed meanwhile is a 412.
        locked = Deal.objects.select_for_update().only("updated_at").get(pk=deal.pk)
        check_if_match(request, etag_of("deal", deal.pk, locked.updated_at.isoformat()))
        deal_update(actor=self.actor, deal=deal, changes=data, lines=lines, submit=submit)
        deal = deal_get_for_actor(actor=self.actor, deal_id=deal.pk)
        return _with_etag(Response(DealSerializer(deal).data), deal)

    @extend_schema(responses=AttachmentSerializer(many=True), methods=["GET"])
    @extend_schema(request=AttachmentUploadSerializer, responses={201: AttachmentSerializer}, methods=["POST"])
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        parser_classes=[MultiPartParser],
        url_path="attachments",
        url_name="attachments",
    )
    def attachments(self, request, pk=None):
        """The deal's documents (a quote, a customer's e-mail); POST (multipart) attaches one, as the
        pages do."""
        deal = self.get_object()
        if request.method == "GET":
            rows = attachment_list_for_actor(actor=self.actor, deal=deal)
            return Response(AttachmentSerializer(rows, many=True).data)
        form = AttachmentUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        attachment = attachment_add(actor=self.actor, deal=deal, **form.validated_data)
        return Response(AttachmentSerializer(attachment).data, status=201)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="attachments/<int:attachment_id>", url_name="attachment")
    def attachment(self, request, pk=None, attachment_id=None):
        """One document, as a download."""
        attachment = attachment_get_for_actor(actor=self.actor, deal_id=pk, attachment_id=attachment_id)
        return document_response(attachment.file, name=f"deal-{pk}-attachment-{attachment.pk}")

    submit = _transition("submit", deal_submit)
    approve = _transition("approve", deal_approve, _Note)
    reject = _transition("reject", deal_reject, _Reject)
    request_info = _transition("request_info", deal_request_info, _RequestInfo)
    withdraw = _transition("withdraw", deal_withdraw, _Reason)
    mark_won = _transition("mark_won", deal_mark_won, _Won)
    mark_lost = _transition("mark_lost", deal_mark_lost, _Reason)
    confirm_win = _transition("confirm_win", deal_confirm_win)
    refuse_win = _transition("refuse_win", deal_refuse_win, _Reason)
    stage = _transition("stage", deal_update_stage, _Stage)


class CustomerAccountSerializer(serializers.Serializer):
    """One of the vendor's customer accounts, as the CRM holds it."""

    name = serializers.CharField(max_length=200)
    domain = serializers.CharField(max_length=253, required=False, allow_blank=True)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=CustomerAccount.Kind.choices, required=False)
    external_id = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text=_("The CRM's id: a second upsert updates it.")
    )


class CustomerAccountsUpsert(serializers.Serializer):
    accounts = CustomerAccountSerializer(many=True, allow_empty=False, max_length=5000)


class CustomerAccountsResult(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.CharField(), help_text=_("Row by row; nothing was written."))


@extend_schema(tags=["Customer accounts"])
class CustomerAccountsView(ResourceView):
    """Bulk upsert of the vendor's customer accounts (the CRM's), matched by external id (rows
    without one are added): what deal conflict detection compares registrations with. All or
    nothing: one bad row and nothing is written (422, every bad row named)."""

    scopes = {"write": "accounts:write"}
    side = "staff"

    @extend_schema(request=CustomerAccountsUpsert, responses={200: CustomerAccountsResult})
    def post(self, request):
        form = CustomerAccountsUpsert(data=request.data)
        form.is_valid(raise_exception=True)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(IMPORT_COLUMNS))
        writer.writeheader()
        for row in form.validated_data["accounts"]:
            writer.writerow({name: str(row.get(name) or "") for name in IMPORT_COLUMNS})
        result = customer_accounts_import(actor=self.actor, content=out.getvalue())
        if not result.ok:
            return problem(
                422,
                "invalid_rows",
                gettext("Refused"),
                gettext("Nothing was written: see errors, row by row."),
                errors=[str(e) for e in result.errors],
            )
        return Response({"created": result.created, "updated": result.updated, "errors": []})
