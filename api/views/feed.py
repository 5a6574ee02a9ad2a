"""The change feed: the events the key may read, in commit-safe order, from a cursor; and the
public catalogue of event types (what webhooks and the feed carry)."""

from __future__ import annotations

import base64

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from prm.events.selectors import event_feed
from prm.events.verbs import VERBS, verb_label

from ..framework import ResourceView
from ..payloads import event_payload


class EventObjectSerializer(serializers.Serializer):
    type = serializers.CharField(help_text=_("app_label.model, e.g. deals.deal"))
    id = serializers.IntegerField()


class EventSerializer(serializers.Serializer):
    """An event, as the feed lists it and as a webhook's ``data`` carries it."""

    id = serializers.IntegerField()
    type = serializers.CharField(help_text=_("The event type (verb), e.g. deal.submitted"))
    occurred_at = serializers.DateTimeField()
    object = EventObjectSerializer()
    partner = serializers.IntegerField(allow_null=True)
    actor = serializers.CharField()
    from_state = serializers.CharField(allow_blank=True)
    to_state = serializers.CharField(allow_blank=True)
    message = serializers.CharField(allow_blank=True)
    data = serializers.DictField()
    internal = serializers.BooleanField()


def encode_cursor(event) -> str:
    return base64.urlsafe_b64encode(f"{event.txid}.{event.pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int]:
    try:
        txid, event_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split(".")
        return int(txid), int(event_id)
    except (ValueError, UnicodeDecodeError):
        raise serializers.ValidationError({"after": [gettext("Not a cursor this feed gave.")]}) from None


class FeedQuery(serializers.Serializer):
    after = serializers.CharField(required=False, max_length=100)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=100)
    types = serializers.CharField(required=False, max_length=2000)


@extend_schema(tags=["Events"])
class EventFeedView(ResourceView):
    """Read the timeline incrementally: keep ``next`` and pass it as ``after`` next time. Events
    come in the order their transactions began and only once settled, so none is ever skipped;
    a partner key sees its partner's events that are not vendor-internal."""

    scopes = {"read": "events:read"}

    @extend_schema(
        parameters=[
            OpenApiParameter("after", str, description="The ``next`` of the previous page"),
            OpenApiParameter("limit", int, description="1 to 500 (100)"),
            OpenApiParameter("types", str, description="Comma-separated event types"),
        ],
        responses=inline_serializer(
            "EventFeed",
            {
                "results": EventSerializer(many=True),
                "next": serializers.CharField(allow_null=True),
                "has_more": serializers.BooleanField(),
            },
        ),
    )
    def get(self, request):
        query = FeedQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        after = decode_cursor(data["after"]) if data.get("after") else None
        types = [t.strip() for t in data.get("types", "").split(",") if t.strip()]
        limit = data["limit"]
        events = event_feed(actor=self.actor, after=after, limit=limit + 1, verbs=types)
        more = len(events) > limit
        events = events[:limit]
        next_cursor = encode_cursor(events[-1]) if events else data.get("after")
        return Response({"results": [event_payload(e) for e in events], "next": next_cursor or None, "has_more": more})


@extend_schema(tags=["Events"])
class EventTypesView(APIView):
    """The catalogue of event types: public, so an integrator reads it before holding a key."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        auth=[],
        responses=inline_serializer(
            "EventTypes",
            {
                "results": inline_serializer(
                    "EventType", {"type": serializers.CharField(), "label": serializers.CharField()}, many=True
                )
            },
        ),
    )
    def get(self, request):
        return Response({"results": [{"type": name, "label": verb_label(name)} for name in sorted(VERBS)]})
