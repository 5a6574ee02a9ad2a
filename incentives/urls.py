"""URLs of incentives (prm/urls.py collects them)."""

from .views import office_urlpatterns, portal_urlpatterns

__all__ = ["office_urlpatterns", "portal_urlpatterns"]
