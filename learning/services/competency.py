"""Company competencies: which partners meet which ``Competency`` now, recomputed set-based for
the whole tenant (or a few partners) whenever a certificate is awarded, renewed, expires or is
revoked, or a partner's people change.

A partner meets a competency when, for every one of its requirements, at least ``min_people``
distinct people hold an active certificate of the requirement's certification (not past its
expiry date) **and** are that partner's current active users: a person who leaves stops counting
the day they leave, though their certificates stay theirs. A competency without requirements, or
switched off, is held by nobody.

One statement judges every (partner, competency) pair in scope, closes the open holdings no
longer met (``lost_at``, ``lost_reason``) and opens the new ones (``gained_reason``); its result
is what changed. Events (``competency.gained`` / ``competency.lost``, about the holding row, so
the partner's people read them) and notifications (the partner's admins and its channel account
manager) are then written in bulk, and programs re-measures those partners' tiers after commit.

Reasons are stored as data, not sentences: "Certified Engineer 2/3" (the certification's name,
people counted / needed, for each requirement), which reads the same in every language.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.urls import reverse
from django.utils.translation import gettext_noop

from prm.accounts.models import Membership
from prm.accounts.selectors import partner_admins_by_partner
from prm.events import texts
from prm.events.services import event_record_many, system_event
from prm.notifications.services import Message, notify_many
from prm.tenancy.scope import current_tenant_id
from prm.tenancy.time import tenant_today
from programs.services.evaluation import tier_evaluate_soon

from .. import events, notifications
from ..models import CompetencyHolding

# Serialises two recomputes of one tenant (a certificate awarded while the sweep runs): the
# second judges what the first wrote. Key: (this number, tenant id).
_LOCK_KEY = 71_301


@dataclass
class Result:
    """What a recompute changed: (holding id, partner id, competency id, competency name, reason)."""

    gained: list[tuple] = field(default_factory=list)
    lost: list[tuple] = field(default_factory=list)

    @property
    def partner_ids(self) -> list[int]:
        return sorted({row[1] for row in self.gained + self.lost})


# %(only)s narrows the people counted and the holdings judged to some partners (or nothing).
_RECOMPUTE_SQL = """
WITH counted AS (
    SELECT m.partner_id, c.certification_id, count(DISTINCT c.holder_id) AS people
      FROM learning_certificate c
      JOIN accounts_membership m ON m.id = c.holder_id AND m.tenant_id = c.tenant_id
     WHERE c.tenant_id = %(tenant)s AND c.status = 'active'
       AND (c.expires_on IS NULL OR c.expires_on >= %(today)s::date)
       AND m.is_active AND m.partner_id IS NOT NULL {only_people}
     GROUP BY m.partner_id, c.certification_id
),
requirement AS (
    SELECT q.competency_id, q.certification_id, q.min_people, z.name AS certification
      FROM learning_competencyrequirement q
      JOIN learning_certification z ON z.id = q.certification_id AND z.tenant_id = q.tenant_id
     WHERE q.tenant_id = %(tenant)s
),
candidate AS (
    SELECT DISTINCT partner_id FROM counted
    UNION
    SELECT partner_id FROM learning_competencyholding
     WHERE tenant_id = %(tenant)s AND lost_at IS NULL {only_holdings}
),
judged AS (
    SELECT p.partner_id, k.id AS competency_id, k.name AS competency,
           k.is_active AND count(r.certification_id) > 0
             AND coalesce(bool_and(coalesce(n.people, 0) >= r.min_people), false) AS met,
           coalesce(string_agg(r.certification || ' ' || coalesce(n.people, 0) || '/' || r.min_people, '; '
                               ORDER BY r.certification), '') AS reason
      FROM candidate p
      CROSS JOIN learning_competency k
      LEFT JOIN requirement r ON r.competency_id = k.id
      LEFT JOIN counted n ON n.partner_id = p.partner_id AND n.certification_id = r.certification_id
     WHERE k.tenant_id = %(tenant)s
     GROUP BY p.partner_id, k.id, k.name, k.is_active
),
closed AS (
    UPDATE learning_competencyholding h
       SET lost_at = now(), lost_reason = left(j.reason, 300)
      FROM judged j
     WHERE h.tenant_id = %(tenant)s AND h.lost_at IS NULL
       AND h.partner_id = j.partner_id AND h.competency_id = j.competency_id AND NOT j.met
    RETURNING h.id, h.partner_id, h.competency_id, h.lost_reason
),
opened AS (
    INSERT INTO learning_competencyholding (tenant_id, competency_id, partner_id, gained_at, gained_reason,
                                            lost_reason)
    SELECT %(tenant)s, j.competency_id, j.partner_id, now(), left(j.reason, 300), ''
      FROM judged j
     WHERE j.met AND NOT EXISTS (
           SELECT 1 FROM learning_competencyholding o
            WHERE o.tenant_id = %(tenant)s AND o.partner_id = j.partner_id AND o.competency_id = j.competency_id
              AND o.lost_at IS NULL)
    ON CONFLICT (tenant_id, competency_id, partner_id) WHERE lost_at IS NULL DO NOTHING
    RETURNING id, partner_id, competency_id, gained_reason
)
SELECT 'lost', x.id, x.partner_id, x.competency_id, k.name, x.lost_reason
  FROM closed x JOIN learning_competency k ON k.id = x.competency_id
UNION ALL
SELECT 'gained', x.id, x.partner_id, x.competency_id, k.name, x.gained_reason
  FROM opened x JOIN learning_competency k ON k.id = x.competency_id
"""


@transaction.atomic
def competencies_recompute(*, partner_ids: list[int] | None = None, today: date | None = None) -> Result:
    """Recompute the current tenant's competency holdings (every partner, or ``partner_ids``),
    in one statement, and tell who needs to know. Safe to run twice: a second run changes
    nothing."""
    tenant_id = current_tenant_id()
    today = today or tenant_today()
    if partner_ids is not None:
        partner_ids = sorted({int(pk) for pk in partner_ids})
        if not partner_ids:
            return Result()
    only_people = " AND m.partner_id = ANY(%(partners)s)" if partner_ids is not None else ""
    only_holdings = " AND partner_id = ANY(%(partners)s)" if partner_ids is not None else ""
    sql = _RECOMPUTE_SQL.format(only_people=only_people, only_holdings=only_holdings)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_KEY, tenant_id])
        # The statement joins CTEs (no statistics) thousands of rows wide: the planner would guess a
        # few rows and nest loops over them (minutes at 5,000 partners). Hash joins are right at
        # every size, so nested loops are off for this statement only (like programs' standings).
        # With nested loops priced out, the plan's cost looks huge and PostgreSQL would JIT-compile
        # it: 3 s of compiling for a statement that runs in a fraction of that. JIT is off too.
        cursor.execute("SELECT current_setting('enable_nestloop'), current_setting('jit')")
        nestloop, jit = cursor.fetchone()
        cursor.execute("SELECT set_config('enable_nestloop', 'off', true), set_config('jit', 'off', true)")
        try:
            cursor.execute(sql, {"tenant": tenant_id, "today": today, "partners": partner_ids})
            rows = cursor.fetchall()
        finally:
            cursor.execute(
                "SELECT set_config('enable_nestloop', %s, true), set_config('jit', %s, true)", [nestloop, jit]
            )
    result = Result(
        gained=[row[1:] for row in rows if row[0] == "gained"], lost=[row[1:] for row in rows if row[0] == "lost"]
    )
    if rows:
        _announce(result)
        tier_evaluate_soon(partner_ids=result.partner_ids)
    return result


def _announce(result: Result) -> None:
    """Events about the holdings and one notification per change to the partner's admins and its
    channel account manager, in bulk."""
    holding_type = ContentType.objects.get_for_model(CompetencyHolding)
    changes = [(events.COMPETENCY_GAINED, row) for row in result.gained] + [
        (events.COMPETENCY_LOST, row) for row in result.lost
    ]
    recorded = event_record_many(
        events=[
            system_event(
                target_type=holding_type,
                object_id=holding_id,
                partner_id=partner_id,
                verb=verb,
                from_state="" if verb == events.COMPETENCY_GAINED else "held",
                to_state="held" if verb == events.COMPETENCY_GAINED else "lost",
                message=gettext_noop("%(competency)s gained (%(reason)s).")
                if verb == events.COMPETENCY_GAINED
                else gettext_noop("%(competency)s lost (%(reason)s)."),
                params={"competency": name, "reason": reason},
                data={"competency_id": competency_id, "reason": reason},
            )
            for verb, (holding_id, partner_id, competency_id, name, reason) in changes
        ]
    )
    partner_ids = result.partner_ids
    admins = partner_admins_by_partner(partner_ids=partner_ids)
    managers = _account_managers(partner_ids)
    url = reverse("portal:learning_certificates")
    notify_many(
        messages=[
            Message(
                recipients=admins.get(partner_id, []),
                kind=notifications.COMPETENCY_CHANGED,
                title=gettext_noop("Your company gained %(competency)s")
                if verb == events.COMPETENCY_GAINED
                else gettext_noop("Your company lost %(competency)s"),
                body=gettext_noop("Certified people: %(reason)s."),
                params={"competency": name, "reason": reason},
                url=url,
                event=event,
            )
            for (verb, (_, partner_id, _, name, reason)), event in zip(changes, recorded, strict=True)
        ]
        + _manager_digests(changes, managers)
    )


def _manager_digests(changes, managers) -> list[Message]:
    """One message per channel account manager per run, a line per change (a first recompute of a
    large tenant changes thousands of holdings: a manager reads one digest, not thousands)."""
    lines: dict[int, list] = defaultdict(list)
    people: dict[int, Membership] = {}
    for verb, (_, partner_id, _, name, reason) in changes:
        if partner_id not in managers:
            continue
        manager, partner = managers[partner_id]
        people[manager.pk] = manager
        phrase = (
            gettext_noop("%(partner)s gained %(competency)s (%(reason)s)")
            if verb == events.COMPETENCY_GAINED
            else gettext_noop("%(partner)s lost %(competency)s (%(reason)s)")
        )
        lines[manager.pk].append(texts.phrase(phrase, partner=partner, competency=name, reason=reason))
    return [
        Message(
            recipients=[people[manager_id]],
            kind=notifications.COMPETENCY_CHANGED,
            title=texts.count_phrase(
                "%(count)s partner competency changed", "%(count)s partner competencies changed", len(found)
            ),
            params={texts.LINES: found[:50]},
            url=reverse("office:learning_certificates"),
        )
        for manager_id, found in lines.items()
    ]


def _account_managers(partner_ids) -> dict[int, tuple[Membership, str]]:
    """{partner id: (its channel account manager, the partner's name)} for those that have an
    active one. One query."""
    from partners.models import Partner

    found = {}
    rows = Partner.objects.filter(pk__in=list(partner_ids), account_manager__isnull=False).values_list(
        "pk", "display_name", "account_manager_id"
    )
    rows = list(rows)
    managers = Membership.objects.in_bulk([row[2] for row in rows])
    for partner_id, name, manager_id in rows:
        manager = managers.get(manager_id)
        if manager is not None and manager.is_active:
            found[partner_id] = (manager, name)
    return found
