"""Isolation cases of the shell's own public URLs (the favicon)."""

from __future__ import annotations

from django.templatetags.static import static

from ..isolation import PUBLIC, Case

CASES: dict[str, Case] = {
    # the same icon for everyone, signed in or not, on any host
    "favicon": Case(
        area=PUBLIC,
        expect={
            "anonymous": ("redirect", static("img/favicon.svg")),
            "anonymous@platform": ("redirect", static("img/favicon.svg")),
        },
    ),
}
