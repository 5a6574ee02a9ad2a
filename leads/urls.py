"""URLs of lead distribution, collected from each part's views module (prm/urls.py collects these)."""

from .views import intake, offers, reports, routing

_PARTS = (intake, routing, offers, reports)

office_urlpatterns = [pattern for part in _PARTS for pattern in part.office_urls]
portal_urlpatterns = [pattern for part in _PARTS for pattern in part.portal_urls]
public_urlpatterns = [pattern for part in _PARTS for pattern in part.public_urls]
