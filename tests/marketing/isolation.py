"""Isolation cases of the library, co-branding, campaigns, announcements and the locator (the walk
reads ``CASES``), with the form views the hostile-input fuzz posts to (``FORM_VIEWS``) and the
writes that take no input (``NO_INPUT``): one module per part, merged here."""

from __future__ import annotations

import importlib

_PARTS = []
for _name in ("library", "cobrand", "campaigns", "announcements", "locator"):
    try:
        _PARTS.append(importlib.import_module(f"{__package__}.isolation_{_name}"))
    except ModuleNotFoundError as _missing:  # a part not written yet
        if _missing.name != f"{__package__}.isolation_{_name}":
            raise

CASES = {name: case for part in _PARTS for name, case in part.CASES.items()}
FORM_VIEWS = {name: view for part in _PARTS for name, view in getattr(part, "FORM_VIEWS", {}).items()}
NO_INPUT = {name for part in _PARTS for name in getattr(part, "NO_INPUT", ())}
