from django.urls import path

from .views import TenantSettingsView

office_urlpatterns = [
    path("settings/", TenantSettingsView.as_view(), name="settings"),
]
