"""Demo data: business plans of acme's main demo partner, Northwind (idempotent), through the
services: this year's growth plan, drafted by its account manager, signed by both sides (agreed
and locked; progress measured from the demo's deals, certificates and MDF activities, and a custom
objective recorded by hand); and next quarter's public-sector plan, drafted and signed by the
vendor, waiting for Northwind's admin to sign (on the portal home and in the admin's
notifications)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from partners.models import Partner
from prm.accounts.models import Membership
from prm.accounts.roles import Role
from prm.tenancy.time import tenant_today
from prm.web.demo_kit import Demo

from ..models import BusinessPlan, ObjectiveKind, PlanObjective
from ..services.plans import plan_create, plan_fingerprint, plan_objective_add, plan_progress_record, plan_sign

# Demo data as the people would type it (not product text).
GROWTH = (
    "Northwind growth plan {year}",
    "Grow the storage business with mid-size banks and get a third engineer certified.",
    [
        (ObjectiveKind.REVENUE, "Revenue from won deals", "250000"),
        (ObjectiveKind.REGISTRATIONS, "Approved deal registrations", "12"),
        (ObjectiveKind.CERTIFICATIONS, "Certified engineers", "3"),
        (ObjectiveKind.MDF, "Co-funded marketing activities", "3"),
        (ObjectiveKind.CUSTOM, "Customer references published", "4"),
    ],
)
PUBLIC_SECTOR = (
    "Public-sector push",
    "Open the public sector: two framework bids and a reference customer.",
    [
        (ObjectiveKind.REGISTRATIONS, "Public-sector registrations", "5"),
        (ObjectiveKind.CUSTOM, "Framework bids submitted", "2"),
    ],
)


def _sign(actor, plan: BusinessPlan) -> BusinessPlan:
    objectives = list(PlanObjective.objects.filter(plan=plan))
    return plan_sign(actor=actor, plan=plan, token=plan_fingerprint(plan, objectives))


def _draft(actor, partner, spec, starts_on: date, ends_on: date) -> BusinessPlan:
    title, summary, objectives = spec
    plan = plan_create(
        actor=actor,
        partner=partner,
        title=title.format(year=starts_on.year),
        starts_on=starts_on,
        ends_on=ends_on,
        summary=summary,
    )
    for kind, description, target in objectives:
        plan_objective_add(actor=actor, plan=plan, kind=kind, description=description, target=Decimal(target))
    plan.refresh_from_db()
    return plan


def load(demo: Demo) -> None:
    if demo.tenant.slug != "acme":
        return
    northwind = Partner.objects.filter(display_name="Northwind").first()
    if northwind is None or BusinessPlan.objects.filter(partner=northwind).exists():
        return
    admin = Membership.objects.filter(partner=northwind, role=Role.PARTNER_ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        return
    manager = (
        (
            Membership.objects.filter(pk=northwind.account_manager_id, is_active=True).first()
            if northwind.account_manager_id
            else None
        )
        or demo.staff.get("cam")
        or demo.staff["admin"]
    )
    today = tenant_today()
    growth = _draft(manager, northwind, GROWTH, date(today.year, 1, 1), date(today.year, 12, 31))
    _sign(admin, growth)
    growth = _sign(manager, BusinessPlan.objects.get(pk=growth.pk))
    references = PlanObjective.objects.get(plan=growth, kind=ObjectiveKind.CUSTOM)
    plan_progress_record(actor=admin, objective=references, value=Decimal(1))

    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    starts_on = date(quarter.year + (quarter.month == 10), (quarter.month + 2) % 12 + 1, 1)
    ends_on = date(starts_on.year + (starts_on.month == 10), (starts_on.month + 2) % 12 + 1, 1) - timedelta(days=1)
    public = _draft(manager, northwind, PUBLIC_SECTOR, starts_on, ends_on)
    _sign(manager, public)
    demo.notes.append(
        f"{demo.tenant.slug}: Northwind's business plans: this year's agreed by both sides, next quarter's "
        "signed by the vendor and waiting for the partner's admin"
    )
