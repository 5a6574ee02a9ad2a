"""The operator's page, on the bare domain (``prm/urls.py`` includes these under ``operations/``)."""

from django.urls import path

from . import views_operator

app_name = "operations"

urlpatterns = [
    path("", views_operator.OperatorPageView.as_view(), name="operator_page"),
    path(
        "failed-tasks/<int:failed_task_id>/retry/",
        views_operator.FailedTaskRetryView.as_view(),
        name="failed_task_retry",
    ),
]
