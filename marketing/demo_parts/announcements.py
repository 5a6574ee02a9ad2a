"""Demo data: announcements at acme (idempotent), through the services, written by channel
marketing:

* "Partner Summit" for everyone, pinned and e-mailed (delivered at once: it is in every partner
  user's notifications, and Northwind's admin has read it);
* an early-access note for Gold partners only (Silvergate's people see it; Northwind, Silver,
  does not);
* the holiday support hours, published a month ago and withdrawn since (expired);
* a webinar invitation scheduled a week ahead (the back office lists it as scheduled).

Northwind's sales rep takes a weekly digest instead of single e-mails.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from partners.models import Partner
from prm.accounts.models import Membership
from prm.accounts.roles import Role
from prm.web.demo_kit import Demo
from programs.models import Tier

from ..models import Announcement, DigestFrequency
from ..services.announcements import (
    announcement_create,
    announcement_preference_set,
    announcement_read,
    announcement_withdraw,
    announcements_deliver,
)
from ..services.audience import AudienceChoice

# Demo data as the people would type it (not product text).
SUMMIT = (
    "Partner Summit 2027: registration is open",
    "Our yearly Partner Summit takes place on 14-15 April in Lisbon.\n\n"
    "Two days of roadmap sessions, hands-on labs and the partner awards. Seats are limited to three "
    "per partner: register through your channel manager by 1 March.",
)
GOLD = (
    "Gold partners: early access to the new storage line",
    "Gold partners can order demo units of the next storage line six weeks before launch.\n"
    "Ask your channel manager for the early-access price list.",
)
HOLIDAYS = (
    "Support hours over the holidays",
    "Partner support runs from 9:00 to 15:00 between 24 December and 2 January.",
)
WEBINAR = (
    "Webinar: what is new in the partner portal",
    "A 30-minute tour of the new co-branding and content library, with time for questions.",
)


def _first(partner, role):
    return Membership.objects.filter(partner=partner, role=role, is_active=True).order_by("pk").first()


def load(demo: Demo) -> None:
    if demo.tenant.slug != "acme" or Announcement.objects.exists():
        return
    author = demo.staff.get("marketing") or demo.staff["admin"]
    now = timezone.now()
    summit = announcement_create(
        actor=author, title=SUMMIT[0], body=SUMMIT[1], pinned=True, send_email=True, publish_at=now
    )
    gold = Tier.objects.filter(program__slug="resell", name="Gold").first()
    if gold is not None:
        announcement_create(
            actor=author,
            title=GOLD[0],
            body=GOLD[1],
            publish_at=now - timedelta(days=2),
            audience=AudienceChoice(tier_ids=(gold.pk,)),
        )
    holidays = announcement_create(
        actor=author, title=HOLIDAYS[0], body=HOLIDAYS[1], publish_at=now - timedelta(days=30)
    )
    announcement_withdraw(actor=author, announcement=holidays)
    announcement_create(
        actor=author, title=WEBINAR[0], body=WEBINAR[1], send_email=True, publish_at=now + timedelta(days=7)
    )
    northwind = Partner.objects.filter(display_name="Northwind").first()
    if northwind is not None:
        sales = _first(northwind, Role.SALES)
        if sales is not None:
            announcement_preference_set(actor=sales, frequency=DigestFrequency.WEEKLY)
    announcements_deliver(now=now)
    if northwind is not None:
        admin = _first(northwind, Role.PARTNER_ADMIN)
        if admin is not None:
            announcement_read(actor=admin, announcement=summit)
    demo.notes.append(
        f"{demo.tenant.slug}: 4 announcements (the Partner Summit pinned and e-mailed, read by Northwind's admin; "
        "one for Gold partners only; one expired; a webinar scheduled next week)"
    )
