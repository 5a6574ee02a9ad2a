"""Webhook endpoints through the API: register, change, enable or disable, rotate the secret,
read the delivery log, send a message again. A partner key manages its partner's endpoints."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import webhooks
from ..framework import ResourceViewSet, idempotent


class EndpointSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.URLField(max_length=500)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, help_text=_("Empty: every type")
    )
    is_active = serializers.BooleanField(read_only=True)
    disabled_reason = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class EndpointCreatedSerializer(EndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text=_("whsec_...: verify signatures with it"))


class AttemptSerializer(serializers.Serializer):
    attempted_at = serializers.DateTimeField()
    status_code = serializers.IntegerField(allow_null=True)
    response_body = serializers.CharField(allow_blank=True)
    error = serializers.CharField(allow_blank=True)
    duration_ms = serializers.IntegerField()


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    msg_id = serializers.CharField()
    event_type = serializers.CharField()
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    tries = AttemptSerializer(many=True)


@extend_schema(tags=["Webhooks"])
class EndpointViewSet(ResourceViewSet):
    scopes = {"read": "webhooks:manage", "write": "webhooks:manage"}
    serializer_class = EndpointSerializer

    def get_object(self):
        return webhooks.endpoint_get_for_actor(actor=self.actor, endpoint_id=self.kwargs["pk"])

    def list(self, request):
        page = self.paginate_queryset(webhooks.endpoint_list_for_actor(actor=self.actor))
        return self.get_paginated_response(EndpointSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(EndpointSerializer(self.get_object()).data)

    @extend_schema(request=EndpointSerializer, responses={201: EndpointCreatedSerializer})
    @idempotent
    def create(self, request):
        form = EndpointSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        endpoint, secret = webhooks.endpoint_create(actor=self.actor, **form.validated_data)
        return Response({**EndpointSerializer(endpoint).data, "secret": secret}, status=201)

    @extend_schema(request=EndpointSerializer(partial=True), responses=EndpointSerializer)
    def partial_update(self, request, pk=None):
        form = EndpointSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        endpoint = webhooks.endpoint_update(actor=self.actor, endpoint=self.get_object(), **form.validated_data)
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(request=None, responses=EndpointSerializer)
    @action(detail=True, methods=["post"])
    def enable(self, request, pk=None):
        endpoint = webhooks.endpoint_set_active(actor=self.actor, endpoint=self.get_object(), active=True)
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(request=None, responses=EndpointSerializer)
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        endpoint = webhooks.endpoint_set_active(actor=self.actor, endpoint=self.get_object(), active=False)
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(request=None, responses=inline_serializer("EndpointSecret", {"secret": serializers.CharField()}))
    @action(detail=True, methods=["post"], url_path="rotate-secret", url_name="rotate_secret")
    def rotate_secret(self, request, pk=None):
        return Response({"secret": webhooks.endpoint_rotate_secret(actor=self.actor, endpoint=self.get_object())})

    @extend_schema(responses=MessageSerializer(many=True))
    @action(detail=True, methods=["get"])
    def messages(self, request, pk=None):
        endpoint = self.get_object()
        rows = webhooks.message_list_for_actor(actor=self.actor, endpoint=endpoint).prefetch_related("tries")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(MessageSerializer(page, many=True).data)

    @extend_schema(request=None, responses={202: MessageSerializer})
    @action(detail=True, methods=["post"], url_path="messages/<int:message_id>/replay", url_name="replay")
    def replay(self, request, pk=None, message_id=None):
        endpoint = self.get_object()
        message = webhooks.message_get_for_actor(actor=self.actor, endpoint=endpoint, message_id=message_id)
        replay = webhooks.message_replay(actor=self.actor, endpoint=endpoint, message=message)
        return Response(MessageSerializer(replay).data, status=202)
