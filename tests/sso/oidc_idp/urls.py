from django.contrib.auth.views import LoginView
from django.urls import include, path

from . import views

urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("accounts/login/", LoginView.as_view(template_name="login.html"), name="login"),
    path("_admin/users", views.add_user),
    path("_admin/clients", views.add_client),
    path("", views.home),
]
