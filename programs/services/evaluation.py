"""The nightly tier evaluation and requalification (``tier_evaluate``), set-based whatever the
number of partners:

1. auto-enrol programs enrol the partners of their segments in their entry tier;
2. the engine (``standing.standings_measure``) measures every enrollment and writes its
   ``TierStanding``;
3. promotions: automatic ones update enrollments in one statement; proposed ones insert
   ``TierChangeProposal`` rows in one statement (one pending proposal per enrollment, by a
   partial unique index);
4. at a program's review date, enrollments below their tier either spend a grace period (at
   risk) or get a demotion proposed; those that meet it have their grace reset; the review date
   moves on by the cadence.

Events and notifications for everything that changed are bulk-inserted. A second run on the
same day changes nothing (idempotent): decisions depend on state, and a review date is passed
once. ``tier_evaluate_soon`` asks for a run over a few partners after the current transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F as models_F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from partners.models import Partner
from prm.accounts.models import Membership
from prm.accounts.selectors import partner_admins_by_partner, vendor_admin_list
from prm.events import texts
from prm.events.models import Event
from prm.events.services import event_record, event_record_many, outbox_enqueue
from prm.notifications.services import Message, notify_many
from prm.tenancy.scope import current_tenant_id
from prm.tenancy.time import add_months, tenant_today

from .. import events, notifications
from ..models import TARGETING_SQL, Enrollment, Program, PromotionMode, ProposalStatus, Tier, TierChangeProposal
from .standing import standings_measure

EVALUATE_TASK = "programs.tier_evaluate"


@dataclass
class EvaluationSummary:
    """What one evaluation run did (for logs, the bench and tests)."""

    enrollments: int = 0
    enrolled: int = 0  # new enrollments by auto-enrol programs
    promoted: int = 0  # automatic promotions
    proposed_promotions: int = 0
    proposed_demotions: int = 0
    superseded: int = 0  # pending proposals that no longer applied
    entered_grace: int = 0
    at_risk: int = 0
    reviewed_programs: list[int] = field(default_factory=list)


def _held(enrollment_override_until: date | None, today: date) -> bool:
    return enrollment_override_until is not None and enrollment_override_until >= today


def tier_evaluate(
    *,
    today: date | None = None,
    program_ids: list[int] | None = None,
    partner_ids: list[int] | None = None,
) -> EvaluationSummary:
    """Evaluate the current tenant's enrollments (all, or some programs / partners).

    Runs in the caller's tenant scope. Locks the programs it evaluates, so two runs for the
    same tenant take turns instead of proposing twice. Reviews (grace and demotions) happen
    only in a run over all partners: an event about one partner re-measures it and may promote
    it, but never brings its review forward.
    """
    tenant_id = current_tenant_id()
    today = today or tenant_today()
    summary = EvaluationSummary()
    with transaction.atomic():
        programs = Program.objects.select_for_update().filter(is_active=True).order_by("pk")
        if program_ids is not None:
            programs = programs.filter(pk__in=program_ids)
        programs = list(programs)
        if not programs:
            return summary
        changes = _Outcomes()
        summary.enrolled = _auto_enroll(programs=programs, partner_ids=partner_ids, outcomes=changes)
        summary.enrollments = standings_measure(
            tenant_id=tenant_id, programs=programs, today=today, partner_ids=partner_ids
        )
        standings = _standings(programs=programs, partner_ids=partner_ids)
        promoted = _promote(programs=programs, standings=standings, today=today, outcomes=changes, summary=summary)
        if promoted:
            # The promoted now stand against their new tier (and the one above it).
            standings_measure(tenant_id=tenant_id, programs=programs, today=today, enrollment_ids=promoted)
            standings.update(_standings(programs=programs, enrollment_ids=promoted))
        if partner_ids is None:
            for program in programs:
                if program.next_review_on is None:
                    # A program without a review date gets its first one a cadence from now.
                    program.next_review_on = add_months(today, program.review_cadence_months)
                    program.save(update_fields=["next_review_on"])
                elif program.next_review_on <= today:
                    _review(program=program, standings=standings, today=today, outcomes=changes, summary=summary)
        summary.at_risk = sum(1 for s in standings.values() if s["at_risk"])
        changes.write()
    return summary


def _standings(*, programs, partner_ids=None, enrollment_ids=None) -> dict[int, dict]:
    """The fresh standings joined with what decisions need, keyed by enrollment id."""
    rows = (
        Enrollment.objects.filter(program__in=programs, standings__isnull=False)
        .values(
            "id",
            "partner_id",
            "program_id",
            "tier_id",
            "tier__rank",
            "grace_used",
            "override_until",
            "standings__qualifying_tier_id",
            "standings__qualifying_tier__rank",
            "standings__meets_current",
            "standings__at_risk",
            "standings__results",
        )
        .order_by("id")
    )
    if partner_ids is not None:
        rows = rows.filter(partner_id__in=list(partner_ids))
    if enrollment_ids is not None:
        rows = rows.filter(pk__in=list(enrollment_ids))
    return {
        row["id"]: {
            "partner_id": row["partner_id"],
            "program_id": row["program_id"],
            "tier_id": row["tier_id"],
            "rank": row["tier__rank"],
            "grace_used": row["grace_used"],
            "override_until": row["override_until"],
            "qualifying_tier_id": row["standings__qualifying_tier_id"],
            "qualifying_rank": row["standings__qualifying_tier__rank"],
            "meets_current": row["standings__meets_current"],
            "at_risk": row["standings__at_risk"],
            "results": row["standings__results"],
        }
        for row in rows
    }


# A digest line of a tier change: "Acme Partner 1: Resell Silver -> Gold".
CHANGE_LINE = gettext_noop("%(partner)s: %(program)s %(before)s -> %(after)s")


class _Outcomes:
    """Events and notifications collected during a run, written in bulk at its end."""

    def __init__(self):
        self.partner_events: list[tuple] = []
        self.partner_messages: list[tuple[int, str, str, str, dict]] = []  # partner, kind, title, body, params
        # (manager, kind) -> lines (texts.phrase: each reader reads them in their language)
        self.manager_digest: dict[tuple[int | None, str], list[dict]] = {}

    def event(
        self,
        *,
        partner_id,
        verb,
        from_state="",
        to_state="",
        message="",
        params=None,
        note="",
        data=None,
        internal=False,
    ):
        self.partner_events.append(
            (partner_id, verb, from_state, to_state, message, texts.jsonable(params), note, data or {}, internal)
        )

    def tell_partner(self, *, partner_id, kind, title, body="", params=None):
        self.partner_messages.append((partner_id, kind, title, body, params or {}))

    def tell_manager(self, *, manager_id, kind, line: dict):
        self.manager_digest.setdefault((manager_id, kind), []).append(line)

    def write(self):
        if self.partner_events:
            partner_type = ContentType.objects.get_for_model(Partner)
            event_record_many(
                events=[
                    Event(
                        content_type=partner_type,
                        object_id=partner_id,
                        partner_id=partner_id,
                        verb=verb,
                        actor=None,
                        actor_label="System",
                        from_state=from_state,
                        to_state=to_state,
                        message=message,
                        params=params,
                        note=note.strip(),
                        data=data,
                        internal=internal,
                    )
                    for partner_id, verb, from_state, to_state, message, params, note, data, internal in (
                        self.partner_events
                    )
                ]
            )
        messages = []
        if self.partner_messages:
            admins = partner_admins_by_partner(partner_ids={partner_id for partner_id, *_ in self.partner_messages})
            url = reverse("portal:program")
            messages += [
                Message(
                    recipients=admins.get(partner_id, []), kind=kind, title=title, body=body, url=url, params=params
                )
                for partner_id, kind, title, body, params in self.partner_messages
            ]
        if self.manager_digest:
            queue = reverse("office:tier_reviews")
            managers = {m.pk: m for m in Membership.objects.filter(pk__in=[k[0] for k in self.manager_digest if k[0]])}
            unmanaged = None
            for (manager_id, kind), lines in self.manager_digest.items():
                if manager_id in managers:
                    recipients = [managers[manager_id]]
                else:
                    unmanaged = unmanaged if unmanaged is not None else vendor_admin_list()
                    recipients = unmanaged
                n = len(lines)
                title = {
                    notifications.TIER_PROPOSAL: texts.count_phrase(
                        "%(count)s tier change to review", "%(count)s tier changes to review", n
                    ),
                    notifications.TIER_AT_RISK: texts.count_phrase(
                        "%(count)s partner below their tier", "%(count)s partners below their tier", n
                    ),
                    notifications.TIER_CHANGED: texts.count_phrase(
                        "%(count)s partner changed tier", "%(count)s partners changed tier", n
                    ),
                }[kind]
                messages.append(
                    Message(recipients=recipients, kind=kind, title=title, params={texts.LINES: lines[:50]}, url=queue)
                )
        notify_many(messages=messages)


def _names(ids) -> dict[int, str]:
    return dict(Partner.objects.filter(pk__in=list(ids)).values_list("pk", "display_name"))


def _managers(ids) -> dict[int, int | None]:
    return dict(Partner.objects.filter(pk__in=list(ids)).values_list("pk", "account_manager_id"))


def _tiers(programs) -> dict[int, Tier]:
    return {tier.pk: tier for tier in Tier.objects.filter(program__in=programs).select_related("program")}


def _promote(*, programs, standings, today, outcomes: _Outcomes, summary: EvaluationSummary) -> list[int]:
    """Promote (automatic programs) or propose (the others) every enrollment whose qualifying
    tier is above its tier; retire pending promotions that no longer apply."""
    by_program = {program.pk: program for program in programs}
    tiers = _tiers(programs)
    wanted = {
        enrollment_id: row
        for enrollment_id, row in standings.items()
        if row["qualifying_rank"] is not None
        and row["qualifying_rank"] > row["rank"]
        and not _held(row["override_until"], today)
    }
    pending = {
        p.enrollment_id: p
        for p in TierChangeProposal.objects.filter(
            enrollment_id__in=list(standings), status=ProposalStatus.PENDING
        ).only("id", "enrollment_id", "to_tier_id", "direction")
    }
    # A pending proposal stands while it still says what evaluation would propose now.
    stale = []
    for enrollment_id, proposal in pending.items():
        row = standings[enrollment_id]
        if proposal.direction == TierChangeProposal.Direction.PROMOTION:
            keep = enrollment_id in wanted and wanted[enrollment_id]["qualifying_tier_id"] == proposal.to_tier_id
        else:
            keep = not row["meets_current"] and not _held(row["override_until"], today)
        if not keep:
            stale.append(proposal.pk)
    if stale:
        summary.superseded += TierChangeProposal.objects.filter(pk__in=stale, status=ProposalStatus.PENDING).update(
            status=ProposalStatus.SUPERSEDED, decided_at=timezone.now(), decision_note="No longer applies."
        )
    automatic = {
        eid: row
        for eid, row in wanted.items()
        if by_program[row["program_id"]].promotion_mode == PromotionMode.AUTOMATIC
    }
    proposed = {eid: row for eid, row in wanted.items() if eid not in automatic}
    names = _names({row["partner_id"] for row in wanted.values()})
    managers = _managers({row["partner_id"] for row in wanted.values()})
    if automatic:
        summary.promoted = _move(
            rows=automatic, tiers=tiers, outcomes=outcomes, names=names, managers=managers, verb=events.TIER_PROMOTED
        )
    refused = _recently_rejected(programs=programs, enrollment_ids=list(proposed), today=today)
    new = [
        TierChangeProposal(
            enrollment_id=eid,
            partner_id=row["partner_id"],
            program_id=row["program_id"],
            from_tier_id=row["tier_id"],
            to_tier_id=row["qualifying_tier_id"],
            direction=TierChangeProposal.Direction.PROMOTION,
            reason=f"Meets the requirements of {tiers[row['qualifying_tier_id']].name}.",
            results=row["results"],
        )
        for eid, row in proposed.items()
        if (eid not in pending or pending[eid].pk in stale) and (eid, row["qualifying_tier_id"]) not in refused
    ]
    created = _propose(new)
    summary.proposed_promotions = len(created)
    for proposal in created:
        program = tiers[proposal.to_tier_id].program
        outcomes.event(
            partner_id=proposal.partner_id,
            verb=events.PROMOTION_PROPOSED,
            from_state=tiers[proposal.from_tier_id].name,
            to_state=tiers[proposal.to_tier_id].name,
            message=gettext_noop("%(program)s: promotion to %(tier)s proposed."),
            params={"program": program.name, "tier": tiers[proposal.to_tier_id].name},
            data={"program_id": program.pk, "proposal_id": proposal.pk},
            internal=True,
        )
        outcomes.tell_manager(
            manager_id=managers.get(proposal.partner_id),
            kind=notifications.TIER_PROPOSAL,
            line=texts.phrase(
                CHANGE_LINE,
                partner=names.get(proposal.partner_id),
                program=program.name,
                before=tiers[proposal.from_tier_id].name,
                after=tiers[proposal.to_tier_id].name,
            ),
        )
    return list(automatic)


def _period_start(program: Program, today: date) -> date:
    """The first day of the review period ``today`` is in (a review due today starts a new one)."""
    upcoming = program.next_review_on or add_months(today, program.review_cadence_months)
    while upcoming <= today:
        upcoming = add_months(upcoming, program.review_cadence_months)
    return add_months(upcoming, -program.review_cadence_months)


def _recently_rejected(*, programs, enrollment_ids: list[int], today: date) -> set[tuple[int, int]]:
    """(enrollment, tier) promotions a reviewer rejected in the current review period.

    A rejection holds until the program's next review: proposing the same promotion again every
    night would overrule the reviewer's answer. After the review it may be proposed again.
    """
    if not enrollment_ids:
        return set()
    period_start = {p.pk: _period_start(p, today) for p in programs}
    rows = TierChangeProposal.objects.filter(
        enrollment_id__in=enrollment_ids,
        status=ProposalStatus.REJECTED,
        direction=TierChangeProposal.Direction.PROMOTION,
        decided_at__date__gte=min(period_start.values()),
    ).values_list("enrollment_id", "to_tier_id", "program_id", "decided_at")
    return {
        (enrollment_id, tier_id)
        for enrollment_id, tier_id, program_id, decided_at in rows
        if decided_at.date() >= period_start[program_id]
    }


def _propose(proposals: list[TierChangeProposal]) -> list[TierChangeProposal]:
    """Insert proposals in one statement. Only evaluation proposes, and it holds the programs'
    row locks, so nothing else can have added a pending one since we looked; the partial unique
    index (one pending per enrollment) would reject the run rather than allow a second."""
    return TierChangeProposal.objects.bulk_create(proposals) if proposals else []


def _move(*, rows: dict[int, dict], tiers, outcomes: _Outcomes, names, managers, verb: str) -> int:
    """Set the qualifying tier on these enrollments (one UPDATE per target tier) and record it."""
    by_target: dict[int, list[int]] = {}
    for enrollment_id, row in rows.items():
        by_target.setdefault(row["qualifying_tier_id"], []).append(enrollment_id)
    now = timezone.now()
    moved = 0
    for tier_id, ids in by_target.items():
        moved += Enrollment.objects.filter(pk__in=ids).update(
            tier_id=tier_id, tier_changed_at=now, grace_used=0, override_reason="", override_until=None
        )
    for row in rows.values():
        before, after = tiers[row["tier_id"]], tiers[row["qualifying_tier_id"]]
        outcomes.event(
            partner_id=row["partner_id"],
            verb=verb,
            from_state=before.name,
            to_state=after.name,
            message=gettext_noop("%(program)s: %(before)s -> %(after)s (requirements met)."),
            params={"program": after.program.name, "before": before.name, "after": after.name},
            data={"program_id": after.program_id, "automatic": True},
        )
        outcomes.tell_partner(
            partner_id=row["partner_id"],
            kind=notifications.TIER_CHANGED,
            title=gettext_noop("You are now %(tier)s in %(program)s"),
            body=gettext_noop("Your company met the requirements of %(tier)s. Its benefits apply from today."),
            params={"tier": after.name, "program": after.program.name},
        )
        outcomes.tell_manager(
            manager_id=managers.get(row["partner_id"]),
            kind=notifications.TIER_CHANGED,
            line=texts.phrase(
                CHANGE_LINE,
                partner=names.get(row["partner_id"]),
                program=after.program.name,
                before=before.name,
                after=after.name,
            ),
        )
    return moved


def _review(*, program: Program, standings, today: date, outcomes: _Outcomes, summary: EvaluationSummary) -> None:
    """A program's requalification review: below-tier partners spend a grace period (at risk)
    or get a demotion proposed; partners that meet their tier start afresh. Then the review date
    moves on by the cadence (past every date already due, so a missed night reviews once)."""
    tiers = _tiers([program])
    lowest = min(tiers.values(), key=lambda t: t.rank, default=None)
    rows = {eid: row for eid, row in standings.items() if row["program_id"] == program.pk}
    pending = set(
        TierChangeProposal.objects.filter(enrollment_id__in=list(rows), status=ProposalStatus.PENDING).values_list(
            "enrollment_id", flat=True
        )
    )
    meeting = [eid for eid, row in rows.items() if row["meets_current"] and row["grace_used"]]
    below = {
        eid: row for eid, row in rows.items() if not row["meets_current"] and not _held(row["override_until"], today)
    }
    in_grace = [eid for eid, row in below.items() if row["grace_used"] < program.grace_periods]
    to_demote = {eid: row for eid, row in below.items() if eid not in in_grace and eid not in pending}
    if meeting:
        Enrollment.objects.filter(pk__in=meeting).update(grace_used=0)
    names = _names({row["partner_id"] for row in below.values()})
    managers = _managers({row["partner_id"] for row in below.values()})
    if in_grace:
        Enrollment.objects.filter(pk__in=in_grace).update(grace_used=models_F("grace_used") + 1)
        summary.entered_grace += len(in_grace)
        for eid in in_grace:
            row = below[eid]
            tier = tiers[row["tier_id"]]
            left = program.grace_periods - row["grace_used"] - 1
            missing = _missing(row["results"], tier.pk)
            outcomes.event(
                partner_id=row["partner_id"],
                verb=events.TIER_AT_RISK,
                to_state=tier.name,
                message=gettext_noop("%(program)s: below %(tier)s at the review of %(day)s (%(left)s)."),
                params={
                    "program": program.name,
                    "tier": tier.name,
                    "day": today,
                    "left": texts.count_phrase("%(count)s grace review left", "%(count)s grace reviews left", left),
                },
                note=missing,
                data={"program_id": program.pk, "grace_used": row["grace_used"] + 1},
            )
            outcomes.tell_partner(
                partner_id=row["partner_id"],
                kind=notifications.TIER_AT_RISK,
                title=gettext_noop("Your %(tier)s tier in %(program)s is at risk"),
                body=gettext_noop(
                    "At this review your company is below the requirements of %(tier)s. %(missing)s"
                    " If it still is at the next review, a demotion will be proposed."
                )
                if left == 0
                else gettext_noop("At this review your company is below the requirements of %(tier)s. %(missing)s"),
                params={"tier": tier.name, "program": program.name, "missing": missing},
            )
            outcomes.tell_manager(
                manager_id=managers.get(row["partner_id"]),
                kind=notifications.TIER_AT_RISK,
                line=texts.phrase(
                    gettext_noop("%(partner)s: below %(program)s %(tier)s"),
                    partner=names.get(row["partner_id"]),
                    program=program.name,
                    tier=tier.name,
                ),
            )
    proposals = []
    for eid, row in to_demote.items():
        target_id = row["qualifying_tier_id"] or (lowest.pk if lowest else None)
        if target_id is None or tiers[target_id].rank >= row["rank"]:
            continue  # already at the bottom: nothing lower to propose
        proposals.append(
            TierChangeProposal(
                enrollment_id=eid,
                partner_id=row["partner_id"],
                program_id=program.pk,
                from_tier_id=row["tier_id"],
                to_tier_id=target_id,
                direction=TierChangeProposal.Direction.DEMOTION,
                reason=f"Below {tiers[row['tier_id']].name} after {program.grace_periods} grace review"
                f"{'s' if program.grace_periods != 1 else ''}. {_missing(row['results'], row['tier_id'])}",
                results=row["results"],
            )
        )
    created = _propose(proposals)
    summary.proposed_demotions += len(created)
    for proposal in created:
        before, after = tiers[proposal.from_tier_id], tiers[proposal.to_tier_id]
        outcomes.event(
            partner_id=proposal.partner_id,
            verb=events.DEMOTION_PROPOSED,
            from_state=before.name,
            to_state=after.name,
            message=gettext_noop("%(program)s: demotion to %(tier)s proposed."),
            params={"program": program.name, "tier": after.name},
            note=proposal.reason,
            data={"program_id": program.pk, "proposal_id": proposal.pk},
            internal=True,
        )
        outcomes.tell_manager(
            manager_id=managers.get(proposal.partner_id),
            kind=notifications.TIER_PROPOSAL,
            line=texts.phrase(
                CHANGE_LINE,
                partner=names.get(proposal.partner_id),
                program=program.name,
                before=before.name,
                after=after.name,
            ),
        )
    reviewed_on = program.next_review_on
    while program.next_review_on <= today:
        program.next_review_on = add_months(program.next_review_on, program.review_cadence_months)
    program.save(update_fields=["next_review_on"])
    summary.reviewed_programs.append(program.pk)
    event_record(
        actor=None,
        target=program,
        verb=events.REVIEWED,
        message=gettext_noop(
            "Review of %(day)s: %(partners)s partners, %(grace)s entered grace, %(demotions)s demotions proposed."
            " Next review %(next)s."
        ),
        params={
            "day": reviewed_on,
            "partners": len(rows),
            "grace": len(in_grace),
            "demotions": len(created),
            "next": program.next_review_on,
        },
        data={"in_grace": len(in_grace), "demotions_proposed": len(created), "partners": len(rows)},
        internal=True,
    )


def _missing(results: list[dict], tier_id: int) -> str:
    """ "Missing: Annual revenue 8000.00 more, ..." for a tier's unmet requirements."""
    unmet = [r for r in results or [] if r["tier_id"] == tier_id and not r["met"]]
    if not unmet:
        return ""
    parts = []
    for r in unmet:
        if not r.get("available", True):
            parts.append(f"{r['label']} (not measured yet)")
        elif r["operator"] in ("lte", "lt"):
            parts.append(f"{r['label']} {r['gap']} too high")
        else:
            parts.append(f"{r['label']} {r['gap']} more")
    return "Missing: " + ", ".join(parts) + "."


def _auto_enroll(*, programs, partner_ids=None, outcomes: _Outcomes) -> int:
    """Enrol active partners of auto-enrol programs' segments in the entry tier. One INSERT per
    program; partners already enrolled are skipped by the unique constraint."""
    enrolled = 0
    with connection.cursor() as cursor:
        for program in programs:
            if not program.auto_enroll:
                continue
            entry = Tier.objects.filter(program=program).order_by("rank").first()
            if entry is None:
                continue
            cursor.execute(
                f"""
                INSERT INTO programs_enrollment (tenant_id, partner_id, program_id, tier_id, enrolled_at,
                                                 tier_changed_at, grace_used, override_reason)
                SELECT p.tenant_id, p.id, t.id, %s, now(), now(), 0, ''
                  FROM partners_partner p
                  JOIN programs_program t ON t.id = %s AND t.tenant_id = p.tenant_id
                 WHERE p.tenant_id = %s AND p.status IN ('active', 'onboarding')
                   {"AND p.id = ANY(%s)" if partner_ids is not None else ""}
                   AND {TARGETING_SQL}
                ON CONFLICT (tenant_id, partner_id, program_id) DO NOTHING
                RETURNING partner_id
                """,
                [entry.pk, program.pk, program.tenant_id, *([list(partner_ids)] if partner_ids is not None else [])],
            )
            new = [row[0] for row in cursor.fetchall()]
            enrolled += len(new)
            for partner_id in new:
                outcomes.event(
                    partner_id=partner_id,
                    verb=events.ENROLLED,
                    to_state=entry.name,
                    message=gettext_noop("Enrolled in %(program)s (%(tier)s)."),
                    params={"program": program.name, "tier": entry.name},
                    data={"program_id": program.pk, "automatic": True},
                )
    return enrolled


def tier_evaluate_soon(*, partner_ids: list[int]) -> None:
    """Re-evaluate these partners after the current transaction commits (through the outbox),
    e.g. after a manual metric value is recorded or a user joins."""
    if partner_ids:
        outbox_enqueue(task_name=EVALUATE_TASK, partner_ids=sorted(set(partner_ids)))
