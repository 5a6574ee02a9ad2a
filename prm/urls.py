"""One URLconf for every host: the tenant comes from the host (TenantMiddleware), the front door
from the path: /portal/ for partners, /office/ for vendor staff, /admin/ for configuration."""

from django.contrib import admin
from django.urls import include, path

from deals import urls as deal_urls
from partners import urls as partner_urls
from prm.accounts import handoff
from prm.accounts import urls as account_urls
from prm.accounts.views import InvitationAcceptView
from prm.tenancy.views import TenantSettingsView
from prm.web import views as web
from programs import urls as program_urls

office_patterns = [
    *partner_urls.office_urlpatterns,
    *account_urls.office_urlpatterns,
    *program_urls.office_urlpatterns,
    *deal_urls.office_urlpatterns,
    path("settings/", TenantSettingsView.as_view(), name="settings"),
]
portal_patterns = [
    *partner_urls.portal_urlpatterns,
    *account_urls.portal_urlpatterns,
    *program_urls.portal_urlpatterns,
    *deal_urls.portal_urlpatterns,
]

urlpatterns = [
    path("", web.home, name="home"),
    path("healthz", web.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("invitations/<str:token>/", InvitationAcceptView.as_view(), name="invitation_accept"),
    path("portals/<int:tenant_id>/open/", handoff.portal_open, name="portal_open"),
    path("handoff/<str:ticket>/", handoff.portal_handoff, name="portal_handoff"),
    path("branding/logo", web.TenantLogoView.as_view(), name="tenant_logo"),
    path("notifications/", include("prm.notifications.urls")),
    path("office/", include((office_patterns, "office"))),
    path("portal/", include((portal_patterns, "portal"))),
]

handler404 = "prm.web.errors.not_found"
handler403 = "prm.web.errors.forbidden"
handler500 = "prm.web.errors.server_error"
