"""The bench's URLconf (prm.settings.bench only): the product's URLs plus the floor pages and the shell.

Production settings use prm.urls, which never references this module, so the floor pages
exist only while the benchmark runs.
"""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/floor/plain/", views.floor_plain, name="bench_floor_plain"),
    path("bench/floor/query/", views.floor_query, name="bench_floor_query"),
    path("bench/shell/", views.shell, name="bench_shell"),
    path("", include("prm.urls")),
]

handler404 = "prm.web.errors.not_found"
handler403 = "prm.web.errors.forbidden"
handler500 = "prm.web.errors.server_error"
