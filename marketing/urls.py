"""URLs of the library, co-branding, campaigns, announcements and the locator (prm/urls.py
collects them): each part's view module offers office, portal and public patterns."""

import importlib

office_urlpatterns: list = []
portal_urlpatterns: list = []
public_urlpatterns: list = []

for _part in ("library", "cobrand", "campaigns", "announcements", "locator"):
    try:
        _module = importlib.import_module(f"marketing.views.{_part}")
    except ModuleNotFoundError as _missing:  # a part not written yet
        if _missing.name != f"marketing.views.{_part}":
            raise
        continue
    office_urlpatterns += getattr(_module, "office_urlpatterns", [])
    portal_urlpatterns += getattr(_module, "portal_urlpatterns", [])
    public_urlpatterns += getattr(_module, "public_urlpatterns", [])
