"""Thin Celery tasks of recruitment and onboarding: load by id inside the tenant scope, call a
service. Each part adds its own below its heading."""

# --- apply: the applicant's e-mails, the expiry sweep ---

# --- select: the applicant's decision e-mail ---

from prm.events.tasks import tenant_task


@tenant_task("recruitment.application_decision_email")
def application_decision_email(*, application_id: int) -> bool:
    from .services.select import application_decision_email_send

    return application_decision_email_send(application_id=application_id)


# --- onboard: activation check, stalled nudges, agreement deadlines ---

from prm.events.tasks import fan_out_task, tenant_task

from .services.onboard import onboarding_refresh, onboarding_sweep


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

from prm.events.tasks import tenant_task

from .services.imports import RUN_TASK, partner_import_run


@tenant_task(RUN_TASK)
def partner_import_run_task(*, partner_import_id: int) -> dict:
    """One batch of a confirmed partner import; it sends itself again for the next batch."""
    return partner_import_run(partner_import_id=partner_import_id)
