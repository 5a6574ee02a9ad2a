"""Programs pages: the back office's tier reviews, a partner's programs, licences and policy
checks; the portal's tier, products and licences pages."""

from django.urls import path  # noqa: F401

from .views import policies, tiers  # noqa: F401  (each fills its section below)

office_urlpatterns = [
    # --- tiers ---
    # --- policies ---
]

portal_urlpatterns = [
    # --- tiers ---
    # --- policies ---
]
