"""URLs of incentives (prm/urls.py collects them)."""

from . import views, views_mdf

office_urlpatterns = views.office_urlpatterns + views_mdf.office_urlpatterns
portal_urlpatterns = views.portal_urlpatterns + views_mdf.portal_urlpatterns

__all__ = ["office_urlpatterns", "portal_urlpatterns"]
