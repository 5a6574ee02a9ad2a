"""``/api/v1/`` on each tenant host (collected by prm/urls.py as ``api_urlpatterns``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import deals, docs, feed, incentives, leads, learning, resources, scorecards, webhooks

router = SimpleRouter(use_regex_path=False)  # typed ids: <int:pk>
router.register("deals", deals.DealViewSet, basename="deal")
router.register("partners", resources.PartnerViewSet, basename="partner")
router.register("programs", resources.ProgramViewSet, basename="program")
router.register("products", resources.ProductViewSet, basename="product")
router.register("webhook-endpoints", webhooks.EndpointViewSet, basename="webhook_endpoint")
router.register("leads", leads.LeadViewSet, basename="lead")
router.register("courses", learning.CourseViewSet, basename="course")
router.register("certificates", learning.CertificateViewSet, basename="certificate")
router.register("competencies", learning.CompetencyViewSet, basename="competency")
router.register("ledger-entries", incentives.LedgerEntryViewSet, basename="ledger_entry")
router.register("payouts", incentives.PayoutViewSet, basename="payout")
router.register("scorecards", scorecards.ScorecardViewSet, basename="scorecard")
router.register("business-plans", scorecards.BusinessPlanViewSet, basename="business_plan")
router.register("reviews", scorecards.ReviewViewSet, basename="review")

api_urlpatterns = [
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.docs, name="docs"),
    path("events/", feed.EventFeedView.as_view(), name="events"),
    path("event-types/", feed.EventTypesView.as_view(), name="event_types"),
    path("customer-accounts/", deals.CustomerAccountsView.as_view(), name="customer_accounts"),
    *router.urls,
]

# --- the Integrations pages: API keys and webhook endpoints (api/views/pages.py) ------------------

from .views import pages  # noqa: E402  (kept apart from the REST API's imports above)

office_urlpatterns = [
    path("integrations/", pages.IntegrationsView.as_view(), name="integrations"),
    path("integrations/keys/", pages.ApiKeyCreateView.as_view(), name="api_key_create"),
    path("integrations/keys/<int:key_id>/rotate/", pages.ApiKeyRotateView.as_view(), name="api_key_rotate"),
    path("integrations/keys/<int:key_id>/revoke/", pages.ApiKeyRevokeView.as_view(), name="api_key_revoke"),
    path("integrations/webhooks/", pages.EndpointCreateView.as_view(), name="webhook_create"),
    path("integrations/webhooks/<int:endpoint_id>/", pages.EndpointDetailView.as_view(), name="webhook_detail"),
    path("integrations/webhooks/<int:endpoint_id>/edit/", pages.EndpointEditView.as_view(), name="webhook_edit"),
    path("integrations/webhooks/<int:endpoint_id>/enable/", pages.EndpointEnableView.as_view(), name="webhook_enable"),
    path(
        "integrations/webhooks/<int:endpoint_id>/disable/", pages.EndpointDisableView.as_view(), name="webhook_disable"
    ),
    path(
        "integrations/webhooks/<int:endpoint_id>/rotate-secret/",
        pages.EndpointRotateSecretView.as_view(),
        name="webhook_rotate_secret",
    ),
    path(
        "integrations/webhooks/<int:endpoint_id>/messages/<int:message_id>/replay/",
        pages.MessageReplayView.as_view(),
        name="webhook_replay",
    ),
]

portal_urlpatterns = [
    path("integrations/", pages.PortalIntegrationsView.as_view(), name="integrations"),
    path("integrations/keys/", pages.PortalApiKeyCreateView.as_view(), name="api_key_create"),
    path("integrations/keys/<int:key_id>/rotate/", pages.PortalApiKeyRotateView.as_view(), name="api_key_rotate"),
    path("integrations/keys/<int:key_id>/revoke/", pages.PortalApiKeyRevokeView.as_view(), name="api_key_revoke"),
    path("integrations/webhooks/", pages.PortalEndpointCreateView.as_view(), name="webhook_create"),
    path("integrations/webhooks/<int:endpoint_id>/", pages.PortalEndpointDetailView.as_view(), name="webhook_detail"),
    path("integrations/webhooks/<int:endpoint_id>/edit/", pages.PortalEndpointEditView.as_view(), name="webhook_edit"),
    path(
        "integrations/webhooks/<int:endpoint_id>/enable/",
        pages.PortalEndpointEnableView.as_view(),
        name="webhook_enable",
    ),
    path(
        "integrations/webhooks/<int:endpoint_id>/disable/",
        pages.PortalEndpointDisableView.as_view(),
        name="webhook_disable",
    ),
    path(
        "integrations/webhooks/<int:endpoint_id>/rotate-secret/",
        pages.PortalEndpointRotateSecretView.as_view(),
        name="webhook_rotate_secret",
    ),
    path(
        "integrations/webhooks/<int:endpoint_id>/messages/<int:message_id>/replay/",
        pages.PortalMessageReplayView.as_view(),
        name="webhook_replay",
    ),
]

# --- the data export pages (api/views/exports.py) ---------------------------------------------------

from .views import exports  # noqa: E402

office_urlpatterns += [
    path("data-export/", exports.DataExportView.as_view(), name="data_export"),
    path("data-export/start/", exports.DataExportStartView.as_view(), name="data_export_start"),
    path(
        "data-export/<int:export_id>/download/", exports.DataExportDownloadView.as_view(), name="data_export_download"
    ),
]
portal_urlpatterns += [
    path("data-export/", exports.PortalDataExportView.as_view(), name="data_export"),
    path("data-export/start/", exports.PortalDataExportStartView.as_view(), name="data_export_start"),
    path(
        "data-export/<int:export_id>/download/",
        exports.PortalDataExportDownloadView.as_view(),
        name="data_export_download",
    ),
]
