"""What every page's layout needs: the tenant, the member, the navigation, the unread count."""

from __future__ import annotations

import re

from django.conf import settings

from .menu import menu_for

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def portal(request):
    tenant = getattr(request, "tenant", None)
    membership = getattr(request, "membership", None)
    unread = 0
    if membership is not None and membership.is_active:
        from prm.notifications.selectors import unread_count_for_request

        unread = unread_count_for_request(request)
    return {
        "tenant": tenant,
        "membership": membership,
        "menu": menu_for(membership, request.path),
        "unread_notifications": unread,
        "base_domain": settings.PRM_BASE_DOMAIN,
        "brand_on_dark": brand_is_dark(tenant.brand_color) if tenant is not None else True,
    }


def _luminance(colour: str) -> float:
    """WCAG 2.1's relative luminance of a #rrggbb colour."""
    channels = []
    for start in (1, 3, 5):
        value = int(colour[start : start + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def brand_is_dark(colour: str) -> bool:
    """Whether white text reads on the tenant's brand colour (4.5:1, WCAG AA); when it does not
    (a light or bright brand), the navigation bar is drawn with dark text instead."""
    if not colour or not _HEX.match(colour):
        return True
    return (1.05) / (_luminance(colour) + 0.05) >= 4.5
