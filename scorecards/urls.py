"""URLs of scorecards, business plans and reviews (prm/urls.py collects them)."""

from .views import plans, reviews, scoring

office_urlpatterns = scoring.office_urlpatterns + plans.office_urlpatterns + reviews.office_urlpatterns
portal_urlpatterns = scoring.portal_urlpatterns + plans.portal_urlpatterns + reviews.portal_urlpatterns

__all__ = ["office_urlpatterns", "portal_urlpatterns"]
