"""What every app's demo (``<app>/demo.py``, run by ``manage.py load_demo``) shares: the demo
password, people, and the record of one tenant's demo as it is loaded.

An app's demo module defines ``load(demo: Demo) -> None``. ``load_demo`` creates the tenants and
their staff, then calls each app's ``load`` for each tenant in INSTALLED_APPS order (partners,
then programs, then deals: each builds on the ones before), inside that tenant's scope. Demos go
through the apps' own services where they can, so timelines, notifications and reports are real,
and look rows up before creating them: loading twice duplicates nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password

from prm.accounts.models import Membership, User
from prm.accounts.roles import MembershipKind, Role
from prm.tenancy.models import Tenant

PASSWORD = "demo-password-2026"

# (login's local part, role, first name, last name)
STAFF = [
    ("admin", Role.ADMIN, "Ada", "Admin"),
    ("cam", Role.CHANNEL_MANAGER, "Carl", "Manager"),
    ("cam2", Role.CHANNEL_MANAGER, "Clara", "Second"),
    ("director", Role.CHANNEL_DIRECTOR, "Dana", "Director"),
    ("marketing", Role.MARKETING, "Mia", "Marketing"),
    ("finance", Role.FINANCE, "Finn", "Finance"),
]
PARTNER_ROLES = [
    ("admin", Role.PARTNER_ADMIN, "Pat", "Admin"),
    ("sales", Role.SALES, "Sam", "Sales"),
    ("tech", Role.TECHNICAL, "Tess", "Tech"),
    ("marketing", Role.PARTNER_MARKETING, "Max", "Marketing"),
    ("finance", Role.PARTNER_FINANCE, "Fay", "Finance"),
]


@dataclass
class Demo:
    """One demo tenant as it is being loaded: its staff by local part (``staff["cam"]``), a seed
    for its random choices, and what ``load_demo`` prints at the end."""

    tenant: Tenant
    seed: int
    staff: dict[str, Membership]
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (portal, role, e-mail)
    notes: list[str] = field(default_factory=list)  # one line each: what was loaded

    def login(self, role: str, email: str) -> None:
        self.logins.append((self.tenant.slug, role, email))


@functools.cache
def _password_hash() -> str:
    # Hashing is deliberately slow: hash the shared demo password once, not per user.
    return make_password(PASSWORD)


def demo_user(email: str, first: str, last: str, *, superuser: bool = False) -> User:
    """A person with the demo password and a verified address (created once)."""
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create(
            email=email,
            password=_password_hash(),
            first_name=first,
            last_name=last,
            is_superuser=superuser,
            is_staff=superuser,
        )
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def demo_partner_users(partner, domain: str, count: int) -> list[Membership]:
    """The first ``count`` of ``PARTNER_ROLES`` as users of ``partner`` (created once), in the
    current tenant scope. Returns their memberships in role order."""
    members = []
    for local, role, first, last in PARTNER_ROLES[:count]:
        user = demo_user(f"{local}@{domain}", first, last)
        member, _ = Membership.objects.get_or_create(
            user=user, defaults={"kind": MembershipKind.PARTNER, "role": role, "partner": partner}
        )
        members.append(member)
    return members
