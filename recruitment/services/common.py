"""What the parts of recruitment share: the tenant's settings and the review deadline."""

from __future__ import annotations

from datetime import datetime

from prm.memo import tenant_memo
from prm.tenancy.time import tenant_zone

from ..models import RecruitmentSettings


def _settings() -> RecruitmentSettings:
    return RecruitmentSettings.objects.first() or RecruitmentSettings()


def recruitment_settings() -> RecruitmentSettings:
    """The tenant's recruitment settings (the defaults until an admin saves them). Memoised: the
    admin that edits them calls ``reference_changed``."""
    return tenant_memo("recruitment.settings", _settings)


def application_due_at(start: datetime) -> datetime:
    """When a verified application's decision is due: the review SLA in business hours of the
    vendor's time zone (the same clock as deal reviews)."""
    from deals.services.common import business_deadline

    return business_deadline(start, recruitment_settings().review_sla_hours, tenant_zone())
