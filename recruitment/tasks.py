"""Thin Celery tasks of recruitment and onboarding: load by id inside the tenant scope, call a
service. One section per part."""

from django.utils.translation import gettext_noop

from prm.events.tasks import fan_out_task, tenant_task
from prm.tenancy.models import Tenant

from .models import Application, ApplicationStatus, JoinRequest, JoinRequestStatus
from .services.apply import application_expire_due, application_status_url, application_verify_url
from .services.common import applicant_email
from .services.imports import RUN_TASK, partner_import_run
from .services.onboard import onboarding_refresh, onboarding_sweep

# --- apply: the applicant's e-mails, the expiry sweep ---


@tenant_task("recruitment.application_verify_email")
def application_verify_email_task(*, application_id: int) -> bool:
    """E-mail the contact its verification link; nothing once the application left "unverified"."""
    application = Application.objects.filter(pk=application_id).first()
    if application is None or application.status != ApplicationStatus.UNVERIFIED:
        return False
    tenant = Tenant.objects.get(pk=application.tenant_id)
    applicant_email(
        tenant=tenant,
        to=application.contact_email,
        language=application.language,
        subject=gettext_noop("Confirm your e-mail address for your %(vendor)s partner application"),
        template="recruitment/email/apply_verify.txt",
        context={"application": application, "verify_url": application_verify_url(application)},
    )
    return True


@tenant_task("recruitment.application_status_email")
def application_status_email_task(*, application_id: int) -> bool:
    """E-mail the applicant the link to its status page (after verification)."""
    application = Application.objects.filter(pk=application_id).first()
    if application is None or application.verified_at is None:
        return False
    tenant = Tenant.objects.get(pk=application.tenant_id)
    applicant_email(
        tenant=tenant,
        to=application.contact_email,
        language=application.language,
        subject=gettext_noop("Your %(vendor)s partner application %(reference)s"),
        template="recruitment/email/apply_status.txt",
        context={"application": application, "status_url": application_status_url(application)},
        subject_params={"reference": application.reference},
    )
    return True


@tenant_task("recruitment.join_declined_email")
def join_declined_email_task(*, join_request_id: int) -> bool:
    """Tell a person, politely, that the company they asked to join declined."""
    join = JoinRequest.objects.select_related("partner", "application").filter(pk=join_request_id).first()
    if join is None or join.status != JoinRequestStatus.DECLINED:
        return False
    tenant = Tenant.objects.get(pk=join.tenant_id)
    applicant_email(
        tenant=tenant,
        to=join.email,
        language=join.application.language if join.application else "",
        subject=gettext_noop("Your request to join a company on the %(vendor)s partner portal"),
        template="recruitment/email/apply_join_declined.txt",
        context={"join": join, "partner": join.partner.display_name},
    )
    return True


@tenant_task("recruitment.applications_expire")
def applications_expire_task() -> int:
    """Expire the tenant's unverified applications past their time (safe to run twice)."""
    return application_expire_due()


# Hourly (beat): one expiry sweep per active tenant.
applications_expire_all_task = fan_out_task("recruitment.applications_expire_all", applications_expire_task)


# --- select: the applicant's decision e-mail ---


@tenant_task("recruitment.application_decision_email")
def application_decision_email(*, application_id: int) -> bool:
    from .services.select import application_decision_email_send

    return application_decision_email_send(application_id=application_id)


# --- onboard: activation check, stalled nudges, agreement deadlines ---


@tenant_task("recruitment.onboarding_refresh")
def onboarding_refresh_task(*, partner_ids: list[int]) -> list[int]:
    """Re-decide the automatic checklist items of these partners (enqueued after the events that
    may complete one). Safe to run twice: a done item stays done and is not announced again."""
    return onboarding_refresh(partner_ids=partner_ids)


@tenant_task("recruitment.onboarding_sweep")
def onboarding_sweep_task() -> dict:
    """Nudge stalled onboardings (once per stall) and flag missed agreement deadlines (once per
    partner and version), for one tenant."""
    return onboarding_sweep().__dict__


# Daily (beat): one sweep per active tenant.
onboarding_sweep_all_task = fan_out_task("recruitment.onboarding_sweep_all", onboarding_sweep_task)


# --- imports: the import run ---


@tenant_task(RUN_TASK)
def partner_import_run_task(*, partner_import_id: int) -> dict:
    """One batch of a confirmed partner import; it sends itself again for the next batch."""
    return partner_import_run(partner_import_id=partner_import_id)
