from django.urls import path

from . import profile, views, views_privacy

office_urlpatterns = [
    path("staff/", views.StaffListView.as_view(), name="staff"),
    path("staff/invite/", views.StaffInviteView.as_view(), name="staff_invite"),
    path(
        "people/<int:membership_id>/deactivate/", views.MembershipDeactivateView.as_view(), name="membership_deactivate"
    ),
    path(
        "people/<int:membership_id>/reactivate/", views.MembershipReactivateView.as_view(), name="membership_reactivate"
    ),
    path("invitations/<int:invitation_id>/revoke/", views.InvitationRevokeView.as_view(), name="invitation_revoke"),
]

portal_urlpatterns = [
    path("people/", views.PortalPeopleView.as_view(), name="people"),
    path("people/invite/", views.PortalInviteView.as_view(), name="people_invite"),
    path(
        "people/<int:membership_id>/deactivate/",
        views.PortalMembershipDeactivateView.as_view(),
        name="membership_deactivate",
    ),
    path(
        "people/<int:membership_id>/reactivate/",
        views.PortalMembershipReactivateView.as_view(),
        name="membership_reactivate",
    ),
    path(
        "invitations/<int:invitation_id>/revoke/", views.PortalInvitationRevokeView.as_view(), name="invitation_revoke"
    ),
]

office_urlpatterns += [
    path("privacy/", views_privacy.PrivacyView.as_view(), name="privacy"),
    path("privacy/<int:membership_id>/export/", views_privacy.PrivacyExportView.as_view(), name="privacy_export"),
    path("privacy/<int:membership_id>/erase/", views_privacy.PrivacyEraseView.as_view(), name="privacy_erase"),
]
office_urlpatterns += profile.office_urlpatterns  # the person's language and time zone
portal_urlpatterns += profile.portal_urlpatterns
