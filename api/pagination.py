"""Pages of the API's lists (named by the settings: no DRF view imported here)."""

from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    """Opaque cursors (``?cursor=``), newest first unless the view orders otherwise; ``page_size``
    up to 200."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = ("-id",)


class NewestFirst(Cursor):
    """Newest first by creation time (the ``(tenant, ..., -created_at)`` indexes serve it; the id
    breaks ties), as the pages' lists sort."""

    ordering = ("-created_at", "-id")
