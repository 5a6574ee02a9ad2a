"""Demo data: relationship reviews at acme (idempotent), through the services.

* A review cadence on acme's tiers that had none: every 3 months for a program's top tier, every
  6 for the tiers between (the entry tier has no regular review).
* Northwind, acme's main demo partner: last quarter's review, held 40 days ago by its account
  manager, with notes, ratings on the four criteria (they count in the scorecard's "reviews.rating"
  KPI), two action items (the vendor's price list, done; a third certified engineer, open for
  Northwind's admin) and its PDF summary; and the next review, scheduled in two weeks.
* The nightly cadence sweep, run once: the other partners whose cycle has come round get a due
  review (the back office's "to schedule" list).
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

from django.db.models import Max

from partners.models import Partner
from prm.accounts.models import Membership
from prm.accounts.roles import Role
from prm.tenancy.time import tenant_today
from prm.web.demo_kit import Demo
from programs.models import Tier

from ..models import RelationshipReview
from ..services.reviews import (
    Rating,
    action_add,
    action_complete,
    review_create,
    review_hold,
    review_summary_store,
    reviews_due_sweep,
)

# Demo data as the people would type them (not product text).
NOTES = (
    "Storage pipeline is strong (three bank deals in negotiation); certification is the bottleneck.\n"
    "Northwind wants co-funded events in the autumn; we need the updated price list first.\n"
    "Agreed: one more certified engineer before the next review."
)
RATINGS = {
    "quality": Rating(4, "Clean installations, few escalations"),
    "delivery": Rating(3, "Two projects slipped by a week"),
    "satisfaction": Rating(5, "Excellent references from both banks"),
    "collaboration": Rating(4, ""),
}
LOCATION = "https://meet.example.com/northwind-qbr"


def _cadence() -> None:
    """3 months for each program's top tier, 6 for those between, where no cadence is set."""
    tops = dict(Tier.objects.values("program_id").annotate(top=Max("rank")).values_list("program_id", "top"))
    for tier in Tier.objects.filter(review_every_months=0, rank__gt=1).order_by("pk"):
        tier.review_every_months = 3 if tier.rank == tops.get(tier.program_id) else 6
        tier.save(update_fields=["review_every_months"])


def _at(day, hour: int, zone) -> datetime:
    return datetime.combine(day, time(hour, 0)).replace(tzinfo=zone)


def load(demo: Demo) -> None:
    if demo.tenant.slug != "acme":
        return
    _cadence()
    northwind = Partner.objects.filter(display_name="Northwind").first()
    if northwind is None or RelationshipReview.objects.filter(partner=northwind).exists():
        return
    admin = Membership.objects.filter(partner=northwind, role=Role.PARTNER_ADMIN, is_active=True).order_by("pk").first()
    manager = (
        (
            Membership.objects.filter(pk=northwind.account_manager_id, is_active=True).first()
            if northwind.account_manager_id
            else None
        )
        or demo.staff.get("cam")
        or demo.staff["admin"]
    )
    if admin is None:
        return
    zone = zoneinfo.ZoneInfo(demo.tenant.time_zone)
    today = tenant_today()

    last = review_create(
        actor=manager,
        partner=northwind,
        title="Northwind quarterly review",
        due_on=today - timedelta(days=45),
        starts_at=_at(today - timedelta(days=40), 10, zone),
        duration_minutes=90,
        location=LOCATION,
    )
    price_list = action_add(
        actor=manager,
        review=last,
        title="Send Northwind the updated storage price list",
        owner=manager,
        due_on=today - timedelta(days=30),
    )
    action_add(
        actor=manager,
        review=last,
        title="Get a third engineer certified on storage",
        owner=admin,
        due_on=today + timedelta(days=21),
    )
    last = review_hold(actor=manager, review=last, notes=NOTES, ratings=RATINGS)
    action_complete(actor=manager, item=price_list, note="Sent with the Q3 conditions")
    review_summary_store(review_id=last.pk, announce=True)

    review_create(
        actor=manager,
        partner=northwind,
        title="Northwind quarterly review",
        due_on=today + timedelta(days=14),
        starts_at=_at(today + timedelta(days=14), 10, zone),
        duration_minutes=60,
        location=LOCATION,
    )
    opened = reviews_due_sweep()
    demo.notes.append(
        f"{demo.tenant.slug}: review cadence on the tiers; Northwind's last review held (ratings, action items, "
        f"PDF summary) and the next scheduled in two weeks; {opened} other partners' reviews due"
    )
