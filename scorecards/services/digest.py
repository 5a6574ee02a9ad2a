"""The weekly digest of relationships at risk: one notification per channel account manager
listing their partners at risk in the latest month measured, with the reasons; partners without a
manager go to the vendor's admins. Set-based: one query for the month, one for the managers, one
bulk insert of notifications (``notify_many``)."""

from __future__ import annotations

from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext_noop

from prm.accounts.models import Membership
from prm.accounts.selectors import vendor_admin_list
from prm.events import texts
from prm.notifications.services import Message, notify_many

from .. import notifications
from ..models import Scorecard, ScorecardSnapshot

# The reasons, as stored phrases (shown in each reader's language).
REASONS = {
    "score_drop": gettext_noop("score down %(value)s points"),
    "no_portal_use": gettext_noop("no portal use for %(days)s days"),
    "no_registrations": gettext_noop("no deal registrations for %(days)s days"),
    "expiring_certificates": gettext_noop("%(value)s certificates expiring soon"),
    "plan_behind": gettext_noop("%(value)s business-plan objectives behind"),
}


def _reason_phrases(risks: list[dict]) -> list:
    return [
        texts.phrase(REASONS[risk["code"]], **{k: v for k, v in risk.items() if k != "code"})
        for risk in risks
        if risk.get("code") in REASONS
    ]


def at_risk_digest() -> int:
    """Send this week's digests; returns how many managers (or admin groups) were told."""
    latest = {
        row["scorecard"]: row["period"]
        for row in ScorecardSnapshot.objects.filter(scorecard__is_active=True)
        .values("scorecard")
        .annotate(period=Max("period"))
        .values("scorecard", "period")
    }
    if not latest:
        return 0
    names = dict(Scorecard.objects.filter(pk__in=latest).values_list("pk", "name"))
    by_manager: dict[int | None, list] = {}
    for scorecard_id, period in latest.items():
        rows = (
            ScorecardSnapshot.objects.filter(scorecard_id=scorecard_id, period=period, at_risk=True)
            .order_by("partner__display_name")
            .values("partner__display_name", "partner__account_manager_id", "risks")
        )
        for row in rows:
            line = texts.phrase(
                gettext_noop("%(partner)s (%(scorecard)s): %(reasons)s"),
                partner=row["partner__display_name"],
                scorecard=names[scorecard_id],
                reasons=_reason_phrases(row["risks"]),
            )
            by_manager.setdefault(row["partner__account_manager_id"], []).append(line)
    if not by_manager:
        return 0
    managers = {m.pk: m for m in Membership.objects.filter(pk__in=[k for k in by_manager if k], is_active=True)}
    url = reverse("office:scorecard_risks")
    messages, admins = [], None
    for manager_id, lines in by_manager.items():
        if manager_id in managers:
            recipients = [managers[manager_id]]
        else:
            admins = admins if admins is not None else vendor_admin_list()
            recipients = admins
        messages.append(
            Message(
                recipients=recipients,
                kind=notifications.AT_RISK_DIGEST,
                title=texts.count_phrase(
                    "%(count)s of your partners is at risk this week",
                    "%(count)s of your partners are at risk this week",
                    len(lines),
                ),
                params={texts.LINES: lines[:50]},
                url=url,
            )
        )
    notify_many(messages=messages)
    return len(messages)
