"""Deal registration pages: the partner portal's registrations and the back office's review,
pipeline and registrations on a partner's behalf."""

from django.urls import path

from .views import office, portal, pricing  # each fills its section below

portal_urlpatterns = [
    # --- portal ---
    path("deals/", portal.DealListView.as_view(), name="deal_list"),
    path("deals/new/", portal.DealCreateView.as_view(), name="deal_create"),
    path("deals/conflict-hint/", portal.DealConflictHintView.as_view(), name="deal_conflict_hint"),
    path("deals/<int:deal_id>/", portal.DealDetailView.as_view(), name="deal_detail"),
    path("deals/<int:deal_id>/edit/", portal.DealEditView.as_view(), name="deal_edit"),
    path("deals/<int:deal_id>/submit/", portal.DealSubmitView.as_view(), name="deal_submit"),
    path("deals/<int:deal_id>/stage/", portal.DealStageView.as_view(), name="deal_stage"),
    path("deals/<int:deal_id>/extension/", portal.DealExtensionRequestView.as_view(), name="deal_extension"),
    path("deals/<int:deal_id>/won/", portal.DealWonView.as_view(), name="deal_won"),
    path("deals/<int:deal_id>/lost/", portal.DealLostView.as_view(), name="deal_lost"),
    path("deals/<int:deal_id>/withdraw/", portal.DealWithdrawView.as_view(), name="deal_withdraw"),
    path("deals/<int:deal_id>/messages/", portal.DealMessageView.as_view(), name="deal_message"),
    path("deals/<int:deal_id>/attachments/", portal.DealAttachmentAddView.as_view(), name="deal_attachment_add"),
    path(
        "deals/<int:deal_id>/attachments/<int:attachment_id>/",
        portal.DealAttachmentView.as_view(),
        name="deal_attachment",
    ),
    # --- portal: special pricing ---
    path("deals/<int:deal_id>/pricing/", pricing.DealPricingRequestView.as_view(), name="deal_pricing"),
    path(
        "deals/<int:deal_id>/pricing/<int:pricing_id>/withdraw/",
        pricing.DealPricingWithdrawView.as_view(),
        name="deal_pricing_withdraw",
    ),
]

office_urlpatterns = [
    # --- office ---
    path("deals/", office.DealReviewListView.as_view(), name="deal_reviews"),
    path("deals/all/", office.DealListView.as_view(), name="deal_list"),
    path("deals/all/export/", office.DealListExportView.as_view(), name="deal_list_export"),
    path("deals/pipeline/", office.DealPipelineView.as_view(), name="deal_pipeline"),
    path("deals/export/", office.DealExportView.as_view(), name="deal_export"),
    path("deals/new/", office.DealRegisterView.as_view(), name="deal_register"),
    path("deals/<int:deal_id>/", office.DealDetailView.as_view(), name="deal_detail"),
    path("deals/<int:deal_id>/approve/", office.DealApproveView.as_view(), name="deal_approve"),
    path("deals/<int:deal_id>/reject/", office.DealRejectView.as_view(), name="deal_reject"),
    path("deals/<int:deal_id>/request-info/", office.DealRequestInfoView.as_view(), name="deal_request_info"),
    path("deals/<int:deal_id>/duplicate/", office.DealDuplicateView.as_view(), name="deal_duplicate"),
    path(
        "deals/<int:deal_id>/extensions/<int:extension_id>/",
        office.ExtensionDecideView.as_view(),
        name="extension_decide",
    ),
    path("deals/<int:deal_id>/win/", office.DealWinView.as_view(), name="deal_win"),
    path("deals/<int:deal_id>/win/reverse/", office.DealReverseWinView.as_view(), name="deal_reverse_win"),
    path("deals/<int:deal_id>/messages/", office.DealMessageView.as_view(), name="deal_message"),
    path("deals/<int:deal_id>/attachments/", office.DealAttachmentAddView.as_view(), name="deal_attachment_add"),
    path(
        "deals/<int:deal_id>/attachments/<int:attachment_id>/",
        office.DealAttachmentView.as_view(),
        name="deal_attachment",
    ),
    # --- office: special pricing ---
    path("deals/pricing/", pricing.PricingQueueView.as_view(), name="pricing_queue"),
    path("deals/<int:deal_id>/pricing/<int:pricing_id>/", pricing.PricingDecideView.as_view(), name="pricing_decide"),
]
