"""URLs of the library, co-branding, campaigns, announcements and the locator (prm/urls.py
collects them): each part's view module offers office, portal and public patterns."""

from .parts import part_modules

_modules = part_modules("marketing.views")
office_urlpatterns = [pattern for module in _modules for pattern in getattr(module, "office_urlpatterns", [])]
portal_urlpatterns = [pattern for module in _modules for pattern in getattr(module, "portal_urlpatterns", [])]
public_urlpatterns = [pattern for module in _modules for pattern in getattr(module, "public_urlpatterns", [])]
