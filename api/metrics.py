"""The API's part of ``/metrics`` (prm/operations/metrics.py reads it at every scrape): webhook
deliveries that are failing now, and endpoints switched off.

Read from the database, so they count every worker's deliveries wherever it runs, and cheaply:
the failing messages through the partial index of pending ones (small by construction), the
endpoints from their own small table. Not the failed messages ever (no index serves that count,
and the table grows with every event): an endpoint disabled after a day of failures says it.
"""

from django.db.models import Count, Q
from prometheus_client.core import GaugeMetricFamily

from prm.operations.metrics import register_scrape

from .models import MessageStatus, WebhookEndpoint, WebhookMessage
from .webhooks import GAVE_UP_REASON


def webhook_failures():
    retrying = WebhookMessage.objects.filter(status=MessageStatus.PENDING, attempts__gt=0).aggregate(
        messages=Count("id"), endpoints=Count("endpoint_id", distinct=True)
    )
    disabled = WebhookEndpoint.objects.filter(is_active=False).aggregate(
        failures=Count("id", filter=Q(disabled_reason=GAVE_UP_REASON)),
        owner=Count("id", filter=~Q(disabled_reason=GAVE_UP_REASON)),
    )
    endpoints = GaugeMetricFamily(
        "prm_webhook_endpoints_disabled",
        "Webhook endpoints switched off: by failures (every attempt failed for a day) or by their owner.",
        labels=["reason"],
    )
    for reason, count in disabled.items():
        endpoints.add_metric([reason], count)
    return [
        GaugeMetricFamily(
            "prm_webhook_messages_retrying",
            "Webhook messages whose last attempt failed, waiting for their next one.",
            value=retrying["messages"],
        ),
        GaugeMetricFamily(
            "prm_webhook_endpoints_failing",
            "Webhook endpoints with a message waiting for a retry.",
            value=retrying["endpoints"],
        ),
        endpoints,
    ]


register_scrape("webhooks", webhook_failures)
