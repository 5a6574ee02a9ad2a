"""Deal registration pages: the partner portal's registrations and the back office's review,
pipeline and registrations on a partner's behalf."""

from django.urls import path  # noqa: F401

from .views import office, portal  # noqa: F401  (each fills its section below)

portal_urlpatterns = [
    # --- portal ---
]

office_urlpatterns = [
    # --- office ---
]
