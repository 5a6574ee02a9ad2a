from django.urls import path

from . import views
from .hooks import PROFILE, record_tabs

office_urlpatterns = [
    path("", views.OfficeDashboardView.as_view(), name="dashboard"),
    path("partners/", views.PartnerListView.as_view(), name="partner_list"),
    path("partners/export.csv", views.PartnerExportView.as_view(), name="partner_export"),
    path("partners/new/", views.PartnerCreateView.as_view(), name="partner_create"),
    path("partners/<int:partner_id>/", views.PartnerDetailView.as_view(), name="partner_detail"),
    # The record's tabs but the first, as the apps declare them (partners.hooks.record_tab).
    *(
        path(
            f"partners/<int:partner_id>/{tab.name}/",
            views.PartnerDetailView.as_view(),
            {"tab": tab.name},
            name=f"partner_{tab.name}",
        )
        for tab in record_tabs()
        if tab.name != PROFILE
    ),
    path("partners/<int:partner_id>/edit/", views.PartnerEditView.as_view(), name="partner_edit"),
    path("partners/<int:partner_id>/invite/", views.PartnerInviteView.as_view(), name="partner_invite"),
    path("partners/<int:partner_id>/status/", views.PartnerStatusView.as_view(), name="partner_status"),
    path("partners/<int:partner_id>/contacts/", views.ContactCreateView.as_view(), name="contact_create"),
    path(
        "partners/<int:partner_id>/contacts/<int:contact_id>/delete/",
        views.ContactDeleteView.as_view(),
        name="contact_delete",
    ),
]

portal_urlpatterns = [
    path("", views.PortalHomeView.as_view(), name="home"),
    path("company/", views.CompanyProfileView.as_view(), name="company"),
    path("company/edit/", views.CompanyEditView.as_view(), name="company_edit"),
]
