"""What the parts of recruitment share: the tenant's settings, the review deadline, and the
e-mails to applicants (who have no account yet)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from prm.l10n import language_for, supported
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


def applicant_email(
    *, tenant, to: str, language: str, subject: str, template: str, context: dict, subject_params=None
) -> None:
    """An e-mail to an applicant or a person asking to join, in the language it applied in (else
    the vendor's). ``subject``: a ``gettext_noop`` id with ``%(vendor)s`` and ``subject_params``."""
    with translation.override(supported(language) or language_for(tenant=tenant)):
        subject = gettext(subject) % {"vendor": tenant.name, **(subject_params or {})}
        body = render_to_string(template, {"tenant": tenant, **context})
    EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]).send()
