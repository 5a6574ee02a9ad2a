"""The reader's language and time zone, and numbers, money and dates written for them.

A page speaks its reader's language: the person's own choice (``User.language``), else their
vendor's default (``Tenant.default_language``), else, on pages nobody is signed in to, what the
browser asks for (Accept-Language). The time zone follows the same order, without the browser.
``TenantMiddleware`` activates both once the user is known; e-mails are written under
``translation.override(language_for(user=..., tenant=...))``.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from babel.core import UnknownLocaleError
from babel.numbers import format_currency
from django.conf import settings
from django.utils import translation

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def supported(code: str | None) -> str | None:
    """``code`` if it names a language the product speaks (its base language for a regional
    variant: "de-CH" -> "de"), else None."""
    if not code:
        return None
    code = code.lower()
    if code in SUPPORTED:
        return code
    base = code.split("-", 1)[0].split("_", 1)[0]
    return base if base in SUPPORTED else None


def language_for(*, user=None, tenant=None, request=None) -> str:
    """The language to speak to ``user`` in ``tenant``'s portal (``request`` for anonymous pages:
    its Accept-Language)."""
    own = supported(getattr(user, "language", "")) if user is not None else None
    if own:
        return own
    vendor = supported(getattr(tenant, "default_language", "")) if tenant is not None else None
    if vendor:
        return vendor
    if request is not None:
        return supported(translation.get_language_from_request(request)) or settings.LANGUAGE_CODE
    return settings.LANGUAGE_CODE


def time_zone_for(*, user=None, tenant=None) -> str:
    """The time zone to show ``user`` dates in within ``tenant``'s portal: theirs, else the
    vendor's, else the installation's. A zone this machine's tzdata does not know (saved where
    the data was newer) is passed over rather than failing every page, the one to change it too."""
    for zone in (
        getattr(user, "time_zone", "") if user is not None else "",
        tenant.time_zone if tenant is not None else "",
    ):
        if zone and _known_zone(zone):
            return zone
    return settings.TIME_ZONE


@functools.lru_cache(maxsize=1024)
def _known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def babel_locale(language: str | None = None) -> str:
    """The active (or given) Django language as a Babel locale name ("en", "de", "ja")."""
    return translation.to_locale(language or translation.get_language() or settings.LANGUAGE_CODE)


def money(amount, currency: str, *, language: str | None = None) -> str:
    """``amount`` in ``currency`` as the reader writes money: "$1,250.00", "1.250,00 €",
    "￥1,250". Empty for no amount; the plain figure and code if the amount or code is unusable."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return f"{amount} {currency}".strip()
    try:
        return format_currency(value, currency or "", locale=babel_locale(language))
    except (UnknownLocaleError, ValueError):
        return f"{currency} {value:,.2f}".strip()


def as_date(value: date | str | None) -> date | None:
    """A date, from a date or an ISO string (what JSON keeps); None if it is neither."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date) or value is None:
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None
