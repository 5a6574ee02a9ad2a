"""One URLconf for every host: the tenant comes from the host (TenantMiddleware), the front door
from the path: /portal/ for partners, /office/ for vendor staff, /admin/ for configuration,
/api/v1/ for the REST API.

Apps plug in: each project app's ``urls.py`` may offer ``office_urlpatterns`` and
``portal_urlpatterns``, collected here in INSTALLED_APPS order into the ``office`` and ``portal``
namespaces, ``api_urlpatterns`` (the ``api`` namespace) and ``public_urlpatterns``: pages of a
tenant's host that anyone may open (a certificate's verification page), at the root, without a
namespace. The foundation names no app.
"""

from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.utils.module_loading import module_has_submodule
from django.views.generic import RedirectView

from prm.accounts import handoff, sso_views
from prm.accounts.views import InvitationAcceptView
from prm.operations import health, metrics
from prm.web import views as web


def _project_url_modules():
    """The ``urls`` module of every app that lives in this repository (not a library's)."""
    for config in apps.get_app_configs():
        if Path(config.path).is_relative_to(settings.BASE_DIR / ".venv") or not Path(config.path).is_relative_to(
            settings.BASE_DIR
        ):
            continue
        if module_has_submodule(config.module, "urls"):
            yield import_module(f"{config.name}.urls")


def _collect(attribute: str) -> list:
    return [pattern for module in _project_url_modules() for pattern in getattr(module, attribute, [])]


urlpatterns = [
    path("", web.home, name="home"),
    path("healthz", web.healthz, name="healthz"),
    # Load balancers and Prometheus (prm/operations/middleware.py answers them first, on any host).
    path("health/live", health.live, name="health_live"),
    path("health/ready", health.ready, name="health_ready"),
    path("metrics", metrics.metrics, name="metrics"),
    # Browsers ask for /favicon.ico whatever the page links; the icon is an SVG in static/.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("img/favicon.svg")), name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/sso/", sso_views.sso_start, name="sso_start"),
    path("accounts/", include("allauth.urls")),
    path("invitations/<str:token>/", InvitationAcceptView.as_view(), name="invitation_accept"),
    path("portals/<int:tenant_id>/open/", handoff.portal_open, name="portal_open"),
    path("handoff/<str:ticket>/", handoff.portal_handoff, name="portal_handoff"),
    path("branding/logo", web.TenantLogoView.as_view(), name="tenant_logo"),
    path("notifications/", include("prm.notifications.urls")),
    # The platform operator's page (bare domain, platform superusers).
    path("operations/", include("prm.operations.urls")),
    path("office/", include((_collect("office_urlpatterns"), "office"))),
    path("portal/", include((_collect("portal_urlpatterns"), "portal"))),
    path("api/v1/", include((_collect("api_urlpatterns"), "api"))),
    *_collect("public_urlpatterns"),
]

handler404 = "prm.web.errors.not_found"
handler403 = "prm.web.errors.forbidden"
handler500 = "prm.web.errors.server_error"
