from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.NotificationListView.as_view(), name="list"),
    path("bell/", views.NotificationBellView.as_view(), name="bell"),
    path("read/", views.NotificationMarkReadView.as_view(), name="mark_read"),
    path("preferences/", views.NotificationPreferencesView.as_view(), name="preferences"),
]
