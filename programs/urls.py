"""Programs pages: the back office's tier reviews, a partner's programs, licences and policy
checks; the portal's tier, products and licences pages."""

from django.urls import path

from .views import policies, tiers  # each fills its section below

office_urlpatterns = [
    # --- tiers ---
    path("tiers/", tiers.TierReviewListView.as_view(), name="tier_reviews"),
    path("tiers/proposals/<int:proposal_id>/decide/", tiers.ProposalDecideView.as_view(), name="proposal_decide"),
    path(
        "partners/<int:partner_id>/programs/<int:enrollment_id>/override/",
        tiers.TierOverrideView.as_view(),
        name="tier_override",
    ),
    path("partners/<int:partner_id>/metrics/", tiers.ManualMetricRecordView.as_view(), name="metric_record"),
    path("metrics/values/<int:value_id>/evidence", tiers.ManualMetricEvidenceView.as_view(), name="metric_evidence"),
    # --- policies ---
    path("licences/", policies.LicenceQueueView.as_view(), name="licence_queue"),
    path("licences/<int:licence_id>/decide/", policies.LicenceDecideView.as_view(), name="licence_decide"),
    path("licences/<int:licence_id>/document", policies.OfficeLicenceDocumentView.as_view(), name="licence_document"),
    path("policy/", policies.PolicyCheckView.as_view(), name="policy_check"),
]

portal_urlpatterns = [
    # --- tiers ---
    path("program/", tiers.PortalProgramView.as_view(), name="program"),
    # --- policies ---
    path("products/", policies.ProductsView.as_view(), name="products"),
    path("licences/", policies.LicencesView.as_view(), name="licences"),
    path("licences/<int:licence_id>/document", policies.PortalLicenceDocumentView.as_view(), name="licence_document"),
]
