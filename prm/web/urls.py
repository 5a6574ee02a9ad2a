"""The shell's own back-office URLs: saved filters of any list page."""

from django.urls import path

from . import saved_filter_views

office_urlpatterns = [
    path("saved-filters/<slug:page>/", saved_filter_views.SavedFilterSaveView.as_view(), name="saved_filter_save"),
    path(
        "saved-filters/<int:saved_filter_id>/delete/",
        saved_filter_views.SavedFilterDeleteView.as_view(),
        name="saved_filter_delete",
    ),
]
