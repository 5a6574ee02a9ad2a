"""``/api/v1/`` on each tenant host (collected by prm/urls.py as ``api_urlpatterns``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import deals, docs, feed, resources, webhooks

router = SimpleRouter()
router.register("deals", deals.DealViewSet, basename="deal")
router.register("partners", resources.PartnerViewSet, basename="partner")
router.register("programs", resources.ProgramViewSet, basename="program")
router.register("products", resources.ProductViewSet, basename="product")
router.register("webhook-endpoints", webhooks.EndpointViewSet, basename="webhook_endpoint")

api_urlpatterns = [
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.docs, name="docs"),
    path("events/", feed.EventFeedView.as_view(), name="events"),
    path("event-types/", feed.EventTypesView.as_view(), name="event_types"),
    path("customer-accounts/", deals.CustomerAccountsView.as_view(), name="customer_accounts"),
    *router.urls,
]
