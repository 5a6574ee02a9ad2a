"""A small lead-distribution world with known answers for the reports (tests/leads/test_reports*.py
and the isolation cases).

Acme's "Lead program" has three tiers: Gold (weight 3), Silver (2), Registered (1). Partner 1 is
Gold, partner 2 Silver, a third partner ("Quiet Partner") Registered: a rotation weighing 6. A
suspended partner enrolled at Gold is out of the rotation. Three days ago, through the rule
"Germany":

* partner 1: accepted after 2 h (converted, won 1,000 USD), accepted after 4 h then returned,
  declined after 1 h, timed out, pending (opened), and accepted after 6 h for its named account
  (pinned: offered, not a rotation offer);
* partner 2: accepted after 10 h (won 500 EUR: counted, not summed), declined after 3 h;
* the quiet partner: nothing.

So 7 rotation offers: partner 1 has 5 (71.4%, expected 50%), partner 2 has 2 (28.6%, expected
33.3%), the quiet one none (expected 16.7%).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from leads.models import OfferStatus
from partners.models import PartnerStatus

from ..factories import EnrollmentFactory, PartnerFactory, ProgramFactory, TierFactory
from .factories import RoutingRuleFactory, offer_with_outcome


def lead_report_world(ctx) -> None:
    side = ctx.side
    tenant = side.tenant
    program = ProgramFactory(tenant=tenant, name="Lead program")
    gold = TierFactory(program=program, name="Gold", rank=3, lead_routing_weight=3)
    silver = TierFactory(program=program, name="Silver", rank=2, lead_routing_weight=2)
    registered = TierFactory(program=program, name="Registered", rank=1, lead_routing_weight=1)
    p1, p2 = side.partners
    quiet = PartnerFactory(tenant=tenant, display_name="Quiet Partner", partner_type=side.partner_type)
    suspended = PartnerFactory(
        tenant=tenant, display_name="Suspended Partner", partner_type=side.partner_type, status=PartnerStatus.SUSPENDED
    )
    for partner, tier in ((p1, gold), (p2, silver), (quiet, registered), (suspended, gold)):
        EnrollmentFactory(partner=partner, tier=tier)
    rule = RoutingRuleFactory(program=program, name="Germany")
    base = timezone.now() - timedelta(days=3)
    ACCEPTED, DECLINED, EXPIRED, RETURNED = (
        OfferStatus.ACCEPTED,
        OfferStatus.DECLINED,
        OfferStatus.EXPIRED,
        OfferStatus.RETURNED,
    )
    offers = {
        "won": offer_with_outcome(
            partner=p1, status=ACCEPTED, offered_at=base, hours=2, rule=rule, won_amount=Decimal("1000.00")
        ),
        "returned": offer_with_outcome(partner=p1, status=RETURNED, offered_at=base, hours=4, rule=rule),
        "declined": offer_with_outcome(partner=p1, status=DECLINED, offered_at=base, hours=1, rule=rule),
        "expired": offer_with_outcome(partner=p1, status=EXPIRED, offered_at=base, rule=rule),
        "pending": offer_with_outcome(
            partner=p1, offered_at=timezone.now() - timedelta(hours=10), opened=True, rule=rule
        ),
        "pinned": offer_with_outcome(partner=p1, status=ACCEPTED, offered_at=base, hours=6, rule=rule, pinned=True),
        "p2_won": offer_with_outcome(
            partner=p2,
            status=ACCEPTED,
            offered_at=base,
            hours=10,
            rule=rule,
            won_amount=Decimal("500.00"),
            currency="EUR",
        ),
        "p2_declined": offer_with_outcome(partner=p2, status=DECLINED, offered_at=base, hours=3, rule=rule),
    }
    ctx.leads = type(
        "LeadReport",
        (),
        dict(
            program=program,
            gold=gold,
            silver=silver,
            registered=registered,
            quiet=quiet,
            suspended=suspended,
            rule=rule,
            offers=offers,
        ),
    )
