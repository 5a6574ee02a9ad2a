"""Demo data of the library, co-branding, campaigns, announcements and the locator (``load_demo``
calls ``load``), one module per part in ``demo_parts/``."""

from __future__ import annotations


def load(demo) -> None:
    from .parts import part_modules

    for module in part_modules("marketing.demo_parts"):
        module.load(demo)
