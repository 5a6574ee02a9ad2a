"""Dates and times as the vendor lives them: its time zone, its today.

A review "on the 1st", a protection that ends "on 3 March", a deadline "in 48 business hours"
happen in the tenant's time zone, not the server's. Requests activate the zone for rendering
(TenantMiddleware); services and tasks ask here, in the current tenant scope.
"""

from __future__ import annotations

import calendar
import zoneinfo
from datetime import date

from django.utils import timezone

from .models import Tenant
from .scope import current_tenant_id


def tenant_zone() -> zoneinfo.ZoneInfo:
    """The current tenant's time zone."""
    return zoneinfo.ZoneInfo(Tenant.objects.only("time_zone").get(pk=current_tenant_id()).time_zone)


def tenant_today() -> date:
    """Today in the current tenant's time zone."""
    return timezone.now().astimezone(tenant_zone()).date()


def tenant_clock(tenant) -> tuple[date, zoneinfo.ZoneInfo]:
    """Today in ``tenant``'s time zone, and the zone, from a tenant row the caller holds (the
    request's: no query; ``tenant_today`` reads the row again)."""
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    return timezone.now().astimezone(zone).date(), zone


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
