"""Thin Celery tasks of marketing (Celery's autodiscovery imports this module): each part's are in
``tasks_<part>.py``, imported here so that the worker registers them."""

from __future__ import annotations

from .parts import part_modules

part_modules("marketing", prefix="tasks_")
