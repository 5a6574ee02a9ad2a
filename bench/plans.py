"""How big the generated tenants are (no Django imports: read before Django is set up)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TenantPlan:
    """How big one generated tenant is."""

    slug: str
    name: str
    partners: int
    users: int  # partner users, spread over the partners
    staff: int
    seed: int
    time_zone: str = "UTC"
    currency: str = "USD"
    color: str = "#1f4e8c"
    deals: int = 0  # deal registrations (and deals / 50 vendor accounts)
    courses: int = 0  # e-learning courses (bench/datagen_learning.py)
    certificates: int = 0  # e-learning certificates (with the enrolments and attempts behind them)


def default_plans(
    *,
    partners: int,
    users: int,
    staff: int,
    other_partners: int,
    other_users: int,
    other_staff: int,
    seed: int,
    deals: int = 0,
    courses: int = 0,
    certificates: int = 0,
) -> list[TenantPlan]:
    return [
        TenantPlan(
            "acme",
            "Acme Networks",
            partners,
            users,
            staff,
            seed,
            "America/New_York",
            "USD",
            "#1f4e8c",
            deals,
            courses,
            certificates,
        ),
        TenantPlan(
            "globex",
            "Globex Software",
            other_partners,
            other_users,
            other_staff,
            seed + 1,
            "Europe/Berlin",
            "EUR",
            deals=deals // 1000,
            courses=courses // 10,
            certificates=certificates // 1000,
        ),
    ]


def plans_as_json(plans: list[TenantPlan]) -> list[dict]:
    return [dict(plan.__dict__) for plan in plans]
