"""Isolation cases of the shell's own URLs: saved filters (back office), the favicon (public)."""

from __future__ import annotations

from django.templatetags.static import static

from ..isolation import OFFICE, PUBLIC, STAFF, Case, office_write
from . import saved_filter_setup

CASES: dict[str, Case] = {
    # The page key is no object of the tenant: every staff member may save the filters of a page
    # they may open (partner users and other tenants' members do not get in).
    "office:saved_filter_save": Case(
        area=OFFICE,
        method="post",
        args=lambda ctx: ["deals"],
        data=lambda ctx: {"name": "Matrix filter", "query": "status=approved"},
        allowed=STAFF,
        effect=saved_filter_setup.named("Matrix filter"),
    ),
    # The manager's own filter, not shared: the other staff do not even see it.
    "office:saved_filter_delete": office_write(
        allowed=("manager",),
        setup=saved_filter_setup.managers_filter,
        args=lambda ctx: [ctx.saved.pk],
        effect=saved_filter_setup.gone,
        expect={"admin": 404, "marketing": 404},
    ),
    # the same icon for everyone, signed in or not, on any host
    "favicon": Case(
        area=PUBLIC,
        expect={
            "anonymous": ("redirect", static("img/favicon.svg")),
            "anonymous@platform": ("redirect", static("img/favicon.svg")),
        },
    ),
}
