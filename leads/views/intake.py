"""Pages of the intake part of lead distribution."""

from __future__ import annotations

office_urls: list = []
portal_urls: list = []
public_urls: list = []
