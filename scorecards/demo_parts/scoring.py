"""Demo data: a weighted scorecard on each demo vendor's Resell program, two years of portal use
by the partners' people, and 24 months of snapshots (measured after the plans and reviews of the
demo, so their ratings and objectives count).

Configuration rows are created directly, as an admin would in the Django admin; the portal days
are history (what the middleware would have recorded), inserted directly. Loading twice
duplicates nothing: the scorecard is looked up first, the days are inserted once per person and
day, and measuring a month again overwrites it.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from prm.accounts.models import Membership
from prm.tenancy.time import tenant_today
from prm.web.demo_kit import Demo
from programs.models import Enrollment, Program

from ..models import Curve, Missing, Scorecard, ScorecardKpi, ScorecardSnapshot
from ..services.scoring import scorecards_backfill

# Demo configuration as a vendor admin would type it (not product text).
NAME = "Resell partner scorecard"
DESCRIPTION = "How we see our partnership each month: revenue, pipeline, skills and how we work together."
KPIS = (  # metric, param, label, weight, target, curve/steps, lower better, missing, visible, window
    ("manual:revenue", "", "", 30, 250_000, None, False, Missing.ZERO, True, 365),
    ("deals.approved_registrations", "", "", 15, 12, None, False, Missing.ZERO, True, 365),
    ("deals.win_rate", "", "", 10, 40, None, False, Missing.SKIP, True, 365),
    ("learning.certified_people", "", "", 15, 5, ((1, 0.25), (3, 0.6), (5, 1)), False, Missing.ZERO, True, 0),
    ("partners.portal_engagement", "", "", 10, 60, None, False, Missing.SKIP, True, 90),
    ("reviews.rating", "", "Relationship review rating", 10, 4, None, False, Missing.SKIP, True, 365),
    ("manual:customer-sat", "", "", 10, 90, None, False, Missing.SKIP, False, 365),
)
ACTIVITY_DAYS = 730


def load(demo: Demo) -> None:
    program = Program.objects.filter(slug="resell").first()
    if program is None:
        return
    scorecard = Scorecard.objects.filter(program=program).first()
    if scorecard is None:
        scorecard = Scorecard.objects.create(program=program, name=NAME, description=DESCRIPTION)
        for position, (metric, param, label, weight, target, steps, lower, missing, visible, window) in enumerate(KPIS):
            ScorecardKpi.objects.create(
                scorecard=scorecard,
                metric=metric,
                param=param,
                label=label,
                weight=Decimal(weight),
                target=Decimal(target),
                curve=Curve.THRESHOLDS if steps else Curve.LINEAR,
                steps=[list(step) for step in steps or ()],
                lower_is_better=lower,
                missing=missing,
                visible_to_partner=visible,
                window_days=window,
                position=position,
            )
    _portal_days(demo)
    # The demo's partners joined the program long before the history the scorecard measures
    # (the programs' demo enrols them on the day it loads): a month measures only partners
    # enrolled by its end.
    joined = timezone.now() - timedelta(days=ACTIVITY_DAYS + 31)
    Enrollment.objects.filter(program=program, enrolled_at__gt=joined).update(enrolled_at=joined)
    if not ScorecardSnapshot.objects.filter(scorecard=scorecard).exists():
        # As of today: the demo's people, deals and reviews were all made today.
        written = scorecards_backfill(months=24, as_of=tenant_today())
        demo.notes.append(f"{demo.tenant.slug}: a weighted scorecard, 24 months measured ({written} snapshots)")


def _portal_days(demo: Demo) -> None:
    """Each partner person used the portal on some days of the last two years: more often for some
    companies, and more often lately for a few (the demo's rising stars)."""
    rng = random.Random(demo.seed)  # noqa: S311 (demo data, not secrets)
    today = tenant_today()
    rows = []
    for member_id, partner_id in (
        Membership.objects.filter(partner__isnull=False, is_active=True).order_by("pk").values_list("pk", "partner_id")
    ):
        habit = rng.choice((0.02, 0.05, 0.1, 0.2))
        rising = rng.random() < 0.3
        for back in range(ACTIVITY_DAYS):
            chance = habit * (3 if rising and back < 120 else 1)
            if rng.random() < chance:
                rows.append((demo.tenant.pk, member_id, partner_id, today - timedelta(days=back)))
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_portalactivity (tenant_id, membership_id, partner_id, day)"
            " SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::date[]) ON CONFLICT DO NOTHING",
            [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows]],
        )
