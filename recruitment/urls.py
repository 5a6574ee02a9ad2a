"""URLs of recruitment, collected from each part's views module (prm/urls.py collects these)."""

from .views import apply, imports, onboard, select

_PARTS = (apply, select, onboard, imports)

office_urlpatterns = [pattern for part in _PARTS for pattern in part.office_urls]
portal_urlpatterns = [pattern for part in _PARTS for pattern in part.portal_urls]
public_urlpatterns = [pattern for part in _PARTS for pattern in part.public_urls]
