"""The Django admin of marketing (Django's autodiscovery imports this module): each part
registers its models in ``admin_<part>.py``."""

from __future__ import annotations

from .parts import part_modules

part_modules("marketing", prefix="admin_")
