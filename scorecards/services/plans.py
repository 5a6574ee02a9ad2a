"""Joint business plans: drafted by either side, signed by both, then locked; changed only by a
new version both sign again.

* ``plan_create`` drafts a plan for a partner (staff for any partner, a partner admin for its own
  company); ``plan_update`` and ``plan_objective_add`` / ``_update`` / ``_remove`` edit a draft.
  Any change to a draft clears both signatures (``PlanChange.signatures_cleared`` says so, and
  the side whose signature went is told to sign again).
* ``plan_sign``: one side signs the version it read (``token``: the fingerprint of the content
  the page showed, ``plan_fingerprint``); a plan changed since is refused. When both sides have
  signed this same version the plan becomes agreed and locks, and the version it replaces (if
  any) is superseded in the same transaction.
* ``plan_revise`` starts a new version of an agreed plan (objectives copied): the agreed one stays
  in force until the new one is agreed. One open revision at a time (the service refuses a second;
  the partial unique index ``plan_one_open_revision`` is the backstop when two start at once).
* ``plan_withdraw`` drops a draft; ``plan_progress_record`` records a custom objective's progress
  (on a draft or an agreed plan: progress, not targets).

**Locks.** Every write locks the plan's row first (a revision's agreed predecessor before it,
the order ``plan_revise`` takes too), so an edit and a signature of the same plan take turns: the
signature after the edit sees another fingerprint and is refused; the edit after the signature
clears it and says so.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from partners.models import Partner, PartnerStatus
from prm.accounts.models import Membership, MembershipKind
from prm.accounts.roles import Role
from prm.accounts.selectors import partner_admins_by_partner, vendor_admin_list
from prm.errors import InvalidTransition, PolicyViolation
from prm.events.services import event_record
from prm.notifications.services import Message, notify_many
from prm.tenancy.scope import step_out_to_tenant

from .. import events, notifications
from ..models import BusinessPlan, ObjectiveKind, PlanObjective, PlanStatus
from ..permissions import PlanAction, plan_require

PARTNER_SIDE, VENDOR_SIDE = "partner", "vendor"
TITLE_MAX, DESCRIPTION_MAX = 160, 200
# Whom plans are drafted for: partners working with the vendor (or about to).
PLANNED_STATUSES = (PartnerStatus.ONBOARDING, PartnerStatus.ACTIVE)
# The most objectives one plan holds (a plan is a page both sides read, not a backlog).
OBJECTIVES_MAX = 30


@dataclass(frozen=True)
class PlanChange:
    """What an edit of a draft came to: the plan, the objective it touched (if any), and whether
    it cleared signatures (the page says so)."""

    plan: BusinessPlan
    signatures_cleared: bool = False
    objective: PlanObjective | None = None


def plain(value) -> str:
    """A decimal as events keep it: "1000", "12.5" (never "1E+3")."""
    return format(Decimal(value).normalize(), "f")


# --- reading the content ------------------------------------------------------------------------------


def plan_fingerprint(plan: BusinessPlan, objectives) -> str:
    """The fingerprint of what both sides sign: the plan's title, period and summary and its
    objectives (kind, description, target), not progress. A page carries it in its sign form; a
    signature whose fingerprint is not the plan's now is refused (the plan changed meanwhile)."""
    content = {
        "title": plan.title,
        "starts_on": plan.starts_on.isoformat(),
        "ends_on": plan.ends_on.isoformat(),
        "summary": plan.summary,
        "objectives": [
            [o.pk, o.kind, o.description, plain(o.target)] for o in sorted(objectives, key=lambda o: (o.position, o.pk))
        ],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:32]


def side_of(actor) -> str:
    return VENDOR_SIDE if actor.is_staff_member else PARTNER_SIDE


# --- who hears ----------------------------------------------------------------------------------------


def partner_side(plan: BusinessPlan) -> list[Membership]:
    """Who signs for the partner: its active admins."""
    return partner_admins_by_partner(partner_ids=[plan.partner_id]).get(plan.partner_id, [])


def vendor_side(plan: BusinessPlan) -> list[Membership]:
    """Who hears for the vendor: the partner's account manager; without one, the channel managers
    and directors; without them, the vendor admins. Read as the tenant (a partner user's
    signature cannot read other partners' rows, and asks who on the vendor's side hears)."""
    with step_out_to_tenant():
        manager_id = Partner.objects.filter(pk=plan.partner_id).values_list("account_manager_id", flat=True).first()
        if manager_id:
            manager = Membership.objects.filter(pk=manager_id, is_active=True).select_related("user").first()
            if manager is not None:
                return [manager]
        channel = list(
            Membership.objects.filter(
                kind=MembershipKind.STAFF,
                role__in=[Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR],
                is_active=True,
            )
            .select_related("user")
            .order_by("pk")
        )
        return channel or vendor_admin_list()


def _message(plan: BusinessPlan, side: str, *, kind: str, title: str, event, recipients=None) -> Message:
    url_name = "office:plan_detail" if side == VENDOR_SIDE else "portal:plan_detail"
    if recipients is None:
        recipients = vendor_side(plan) if side == VENDOR_SIDE else partner_side(plan)
    return Message(
        recipients=recipients,
        kind=kind,
        title=title,
        body=gettext_noop("%(partner)s: %(plan)s (version %(version)s), %(start)s to %(end)s."),
        params={
            "partner": plan.partner.display_name,
            "plan": plan.title,
            "version": plan.version,
            "start": plan.starts_on.isoformat(),
            "end": plan.ends_on.isoformat(),
        },
        url=reverse(url_name, args=[plan.pk]),
        event=event,
    )


def _tell(messages: list[Message]) -> None:
    # Staff recipients' notifications are vendor rows: a partner user's action writes them as the tenant.
    with step_out_to_tenant():
        notify_many(messages=messages)


# --- locks and states ---------------------------------------------------------------------------------


def _lock(plan: BusinessPlan) -> BusinessPlan:
    """The plan's row, locked, with its partner (a revision's predecessor locked first: the
    order every write takes, so two never wait for each other)."""
    if plan.supersedes_id:
        BusinessPlan.objects.select_for_update().filter(pk=plan.supersedes_id).first()
    return BusinessPlan.objects.select_for_update(of=("self",)).select_related("partner").get(pk=plan.pk)


def _refuse_unless_draft(plan: BusinessPlan) -> None:
    if plan.status == PlanStatus.AGREED:
        raise InvalidTransition(
            gettext("This plan is agreed and locked: start a new version to change it."), code="plan_locked"
        )
    if plan.status != PlanStatus.DRAFT:
        raise InvalidTransition(
            gettext("This plan is %(status)s: it can no longer be changed.")
            % {"status": plan.get_status_display().lower()},
            code="plan_closed",
        )


def _clear_signatures(plan: BusinessPlan) -> list[str]:
    """Both signatures go (an edit changes what was signed); the sides that had signed."""
    signed = ((PARTNER_SIDE, plan.partner_signed_at), (VENDOR_SIDE, plan.vendor_signed_at))
    cleared = [side for side, at in signed if at]
    plan.partner_signed_by = plan.partner_signed_at = plan.vendor_signed_by = plan.vendor_signed_at = None
    return cleared


def _changed(actor, plan: BusinessPlan, *, message: str, params: dict, data: dict, objective=None) -> PlanChange:
    """After an edit of the locked draft: signatures cleared, the plan saved (its ``updated_at``
    moves), the event written, and the other side told when its signature went."""
    cleared = _clear_signatures(plan)
    plan.save(
        update_fields=[
            "title",
            "starts_on",
            "ends_on",
            "summary",
            "partner_signed_by",
            "partner_signed_at",
            "vendor_signed_by",
            "vendor_signed_at",
            "updated_at",
        ]
    )
    event = event_record(
        actor=actor,
        target=plan,
        verb=events.PLAN_CHANGED,
        message=message,
        params=params,
        data={**data, "signatures_cleared": cleared},
    )
    mine = side_of(actor)
    others = [side for side in cleared if side != mine]
    if others:
        _tell(
            [
                _message(
                    plan,
                    side,
                    kind=notifications.PLAN_TO_SIGN,
                    title=gettext_noop("A business plan you signed was changed: please read it and sign again"),
                    event=event,
                )
                for side in others
            ]
        )
    return PlanChange(plan=plan, signatures_cleared=bool(cleared), objective=objective)


def _clean_text(value: str, limit: int, empty: str) -> str:
    value = (value or "").strip()
    if not value:
        raise PolicyViolation(empty)
    if len(value) > limit:
        raise PolicyViolation(gettext("At most %(limit)s characters, please.") % {"limit": limit})
    return value


def _clean_period(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise PolicyViolation(gettext("The plan ends on or after the day it starts."), code="plan_dates")


def _clean_objective(kind: str, description: str, target) -> tuple[str, str, Decimal]:
    if kind not in ObjectiveKind.values:
        raise PolicyViolation(gettext("Choose what the objective measures."))
    description = _clean_text(description, DESCRIPTION_MAX, gettext("Describe the objective."))
    target = Decimal(target).quantize(Decimal("0.01"))
    if target < 0:
        raise PolicyViolation(gettext("A target is zero or more."))
    return kind, description, target


# --- drafting -----------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(
    *, actor, partner: Partner, title: str, starts_on: date, ends_on: date, summary: str = ""
) -> BusinessPlan:
    """A new draft plan (version 1) for ``partner``; its objectives are added next."""
    plan_require(actor, partner, PlanAction.DRAFT)
    if partner.status not in PLANNED_STATUSES:
        raise PolicyViolation(
            gettext("%(partner)s is %(status)s: business plans are drafted with onboarding and active partners.")
            % {"partner": partner.display_name, "status": partner.get_status_display().lower()},
            code="plan_partner_status",
        )
    title = _clean_text(title, TITLE_MAX, gettext("Give the plan a title."))
    _clean_period(starts_on, ends_on)
    plan = BusinessPlan.objects.create(
        partner=partner,
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        summary=(summary or "").strip(),
        created_by=actor,
    )
    event_record(
        actor=actor,
        target=plan,
        verb=events.PLAN_DRAFTED,
        to_state=plan.status,
        message=gettext_noop("%(plan)s drafted for %(start)s to %(end)s."),
        params={"plan": plan.title, "start": starts_on.isoformat(), "end": ends_on.isoformat()},
    )
    return plan


@transaction.atomic
def plan_update(
    *, actor, plan: BusinessPlan, title: str, starts_on: date, ends_on: date, summary: str = ""
) -> PlanChange:
    """A draft's title, period and summary. Nothing changed: nothing happens (signatures stay)."""
    plan_require(actor, plan, PlanAction.DRAFT)
    plan = _lock(plan)
    _refuse_unless_draft(plan)
    title = _clean_text(title, TITLE_MAX, gettext("Give the plan a title."))
    _clean_period(starts_on, ends_on)
    summary = (summary or "").strip()
    new = {"title": title, "starts_on": starts_on, "ends_on": ends_on, "summary": summary}
    fields = [name for name, value in new.items() if getattr(plan, name) != value]
    if not fields:
        return PlanChange(plan=plan)
    for name in fields:
        setattr(plan, name, new[name])
    return _changed(
        actor,
        plan,
        message=gettext_noop("The plan's details were changed."),
        params={},
        data={"fields": fields},
    )


def _objective(objective: PlanObjective) -> tuple[BusinessPlan, PlanObjective]:
    """The objective's plan locked, then the objective as it is now (404 when it went meanwhile)."""
    plan = _lock(BusinessPlan.objects.only("id", "supersedes_id").get(pk=objective.plan_id))
    current = PlanObjective.objects.filter(pk=objective.pk, plan_id=plan.pk).first()
    if current is None:
        raise Http404
    return plan, current


@transaction.atomic
def plan_objective_add(*, actor, plan: BusinessPlan, kind: str, description: str, target) -> PlanChange:
    """A new objective at the end of a draft."""
    plan_require(actor, plan, PlanAction.DRAFT)
    plan = _lock(plan)
    _refuse_unless_draft(plan)
    kind, description, target = _clean_objective(kind, description, target)
    existing = PlanObjective.objects.filter(plan=plan).aggregate(last=Max("position"), count=Count("id"))
    if existing["count"] >= OBJECTIVES_MAX:
        raise PolicyViolation(
            gettext("A plan holds at most %(limit)s objectives.") % {"limit": OBJECTIVES_MAX}, code="plan_full"
        )
    objective = PlanObjective.objects.create(
        plan=plan,
        partner_id=plan.partner_id,
        kind=kind,
        description=description,
        target=target,
        position=(existing["last"] or 0) + 1,
    )
    return _changed(
        actor,
        plan,
        message=gettext_noop("Objective added: %(objective)s (target %(target)s)."),
        params={"objective": description, "target": plain(target)},
        data={"objective_id": objective.pk, "added": True},
        objective=objective,
    )


@transaction.atomic
def plan_objective_update(*, actor, objective: PlanObjective, kind: str, description: str, target) -> PlanChange:
    """An objective of a draft: what it measures, its description, its target."""
    plan_require(actor, objective, PlanAction.DRAFT)
    plan, objective = _objective(objective)
    _refuse_unless_draft(plan)
    kind, description, target = _clean_objective(kind, description, target)
    if (objective.kind, objective.description, objective.target) == (kind, description, target):
        return PlanChange(plan=plan, objective=objective)
    before = plain(objective.target)
    objective.kind, objective.description, objective.target = kind, description, target
    if kind != ObjectiveKind.CUSTOM:
        objective.manual_progress = None  # measured from now on
    objective.save(update_fields=["kind", "description", "target", "manual_progress"])
    return _changed(
        actor,
        plan,
        message=gettext_noop("Objective changed: %(objective)s (target %(before)s, now %(target)s)."),
        params={"objective": description, "before": before, "target": plain(target)},
        data={"objective_id": objective.pk},
        objective=objective,
    )


@transaction.atomic
def plan_objective_remove(*, actor, objective: PlanObjective) -> PlanChange:
    """An objective leaves a draft."""
    plan_require(actor, objective, PlanAction.DRAFT)
    plan, objective = _objective(objective)
    _refuse_unless_draft(plan)
    description, objective_id = objective.description, objective.pk
    objective.delete()
    return _changed(
        actor,
        plan,
        message=gettext_noop("Objective removed: %(objective)s."),
        params={"objective": description},
        data={"objective_id": objective_id, "removed": True},
    )


@transaction.atomic
def plan_progress_record(*, actor, objective: PlanObjective, value) -> PlanObjective:
    """A custom objective's progress so far, by either side, on a draft or an agreed plan (it
    changes no target: the signatures stay)."""
    plan_require(actor, objective, PlanAction.DRAFT)
    plan, objective = _objective(objective)
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.AGREED):
        raise InvalidTransition(
            gettext("This plan is %(status)s: its progress is no longer recorded.")
            % {"status": plan.get_status_display().lower()},
            code="plan_closed",
        )
    if objective.kind != ObjectiveKind.CUSTOM:
        raise PolicyViolation(
            gettext("This objective's progress is measured automatically; only custom objectives are recorded by hand.")
        )
    value = Decimal(value).quantize(Decimal("0.01"))
    if value < 0:
        raise PolicyViolation(gettext("Progress is zero or more."))
    before = objective.manual_progress
    objective.manual_progress = value
    objective.save(update_fields=["manual_progress"])
    event_record(
        actor=actor,
        target=plan,
        verb=events.PLAN_CHANGED,
        message=gettext_noop("Progress of %(objective)s recorded: %(value)s of %(target)s."),
        params={
            "objective": objective.description,
            "value": plain(value),
            "target": plain(objective.target),
        },
        data={
            "objective_id": objective.pk,
            "progress": str(value),
            "before": str(before) if before is not None else None,
        },
    )
    return objective


# --- signing ------------------------------------------------------------------------------------------


@transaction.atomic
def plan_sign(*, actor, plan: BusinessPlan, token: str) -> BusinessPlan:
    """``actor`` signs the plan for its side, as its page showed it (``token``: that content's
    ``plan_fingerprint``). A plan changed since is refused; a side that has signed already is
    left as it is. When both sides have signed this version it is agreed and locks, and the
    agreed version it replaces is superseded; both sides are told. Otherwise the other side is
    asked to sign."""
    plan_require(actor, plan, PlanAction.SIGN)
    plan = _lock(plan)
    if plan.status == PlanStatus.AGREED:
        raise InvalidTransition(gettext("This plan is already agreed by both sides."), code="plan_agreed")
    _refuse_unless_draft(plan)
    objectives = list(PlanObjective.objects.filter(plan=plan))
    if token != plan_fingerprint(plan, objectives):
        raise InvalidTransition(
            gettext(
                "This plan was changed after you opened it, so it was not signed: read the current version, "
                "then sign again."
            ),
            code="plan_stale",
        )
    if not objectives:
        raise PolicyViolation(gettext("Add at least one objective before signing the plan."), code="plan_empty")
    side = side_of(actor)
    now = timezone.now()
    if side == VENDOR_SIDE:
        if plan.vendor_signed_at:
            return plan
        plan.vendor_signed_by, plan.vendor_signed_at = actor, now
    else:
        if plan.partner_signed_at:
            return plan
        plan.partner_signed_by, plan.partner_signed_at = actor, now
    agreed = bool(plan.vendor_signed_at and plan.partner_signed_at)
    if agreed:
        plan.status, plan.locked_at = PlanStatus.AGREED, now
    plan.save(
        update_fields=[
            "partner_signed_by",
            "partner_signed_at",
            "vendor_signed_by",
            "vendor_signed_at",
            "status",
            "locked_at",
            "updated_at",
        ]
    )
    signed = event_record(
        actor=actor,
        target=plan,
        verb=events.PLAN_SIGNED,
        message=gettext_noop("Signed for the partner.")
        if side == PARTNER_SIDE
        else gettext_noop("Signed for the vendor."),
        data={"side": side, "fingerprint": token},
    )
    if not agreed:
        other = PARTNER_SIDE if side == VENDOR_SIDE else VENDOR_SIDE
        _tell(
            [
                _message(
                    plan,
                    other,
                    kind=notifications.PLAN_TO_SIGN,
                    title=gettext_noop("A business plan waits for your signature"),
                    event=signed,
                )
            ]
        )
        return plan
    agreed_event = event_record(
        actor=actor,
        target=plan,
        verb=events.PLAN_AGREED,
        from_state=PlanStatus.DRAFT,
        to_state=PlanStatus.AGREED,
        message=gettext_noop("Agreed by both sides and locked (version %(version)s)."),
        params={"version": plan.version},
        data={"fingerprint": token},
    )
    if plan.supersedes_id:
        _supersede(actor, plan)
    signers = [plan.partner_signed_by, plan.vendor_signed_by]
    _tell(
        [
            _message(
                plan,
                PARTNER_SIDE,
                kind=notifications.PLAN_AGREED,
                title=gettext_noop("A business plan was signed by both sides"),
                event=agreed_event,
                recipients=_unique([*partner_side(plan), signers[0]]),
            ),
            _message(
                plan,
                VENDOR_SIDE,
                kind=notifications.PLAN_AGREED,
                title=gettext_noop("A business plan was signed by both sides"),
                event=agreed_event,
                recipients=_unique([*vendor_side(plan), signers[1]]),
            ),
        ]
    )
    return plan


def _unique(members) -> list[Membership]:
    return list({m.pk: m for m in members if m is not None}.values())


def _supersede(actor, plan: BusinessPlan) -> None:
    """The agreed version the new one replaces (locked by ``_lock``) leaves force."""
    previous = BusinessPlan.objects.get(pk=plan.supersedes_id)
    if previous.status != PlanStatus.AGREED:
        return
    previous.status = PlanStatus.SUPERSEDED
    previous.save(update_fields=["status", "updated_at"])
    event_record(
        actor=actor,
        target=previous,
        verb=events.PLAN_CHANGED,
        from_state=PlanStatus.AGREED,
        to_state=PlanStatus.SUPERSEDED,
        message=gettext_noop("Replaced by version %(version)s, agreed by both sides."),
        params={"version": plan.version},
        data={"superseded_by": plan.pk},
    )


# --- versions -----------------------------------------------------------------------------------------


def open_revision(plan: BusinessPlan) -> BusinessPlan | None:
    """The draft of a new version of ``plan`` being worked on, if any."""
    return BusinessPlan.objects.filter(supersedes_id=plan.pk, status=PlanStatus.DRAFT).first()


def _revision_refusal(revision: BusinessPlan | None) -> PolicyViolation:
    if revision is None:
        message = gettext("A new version of this plan is already being drafted: work on that one.")
    else:
        message = gettext("Version %(version)s of this plan is already being drafted: work on that one.") % {
            "version": revision.version
        }
    return PolicyViolation(message, code="plan_open_revision")


@transaction.atomic
def plan_revise(*, actor, plan: BusinessPlan) -> BusinessPlan:
    """A new version of an agreed plan: a draft with the same details and objectives (copied),
    which both sides sign again. The agreed plan stays in force until then. Refused while another
    new version is open; two started at once: the agreed plan's lock makes them take turns, and
    the index ``plan_one_open_revision`` refuses the second in any case."""
    plan_require(actor, plan, PlanAction.DRAFT)
    plan = _lock(plan)
    if plan.status != PlanStatus.AGREED:
        raise InvalidTransition(
            gettext("Only an agreed plan gets a new version; this one is %(status)s.")
            % {"status": plan.get_status_display().lower()},
            code="plan_not_agreed",
        )
    existing = open_revision(plan)
    if existing is not None:
        raise _revision_refusal(existing)
    try:
        with transaction.atomic():
            revision = BusinessPlan.objects.create(
                partner_id=plan.partner_id,
                title=plan.title,
                starts_on=plan.starts_on,
                ends_on=plan.ends_on,
                summary=plan.summary,
                version=plan.version + 1,
                supersedes=plan,
                created_by=actor,
            )
    except IntegrityError as error:
        if "plan_one_open_revision" not in str(error):
            raise
        raise _revision_refusal(None) from None
    PlanObjective.objects.bulk_create(
        [
            PlanObjective(
                plan=revision,
                partner_id=plan.partner_id,
                kind=o.kind,
                description=o.description,
                target=o.target,
                manual_progress=o.manual_progress,
                position=o.position,
            )
            for o in PlanObjective.objects.filter(plan=plan).order_by("position", "id")
        ]
    )
    revision.partner = plan.partner
    event_record(
        actor=actor,
        target=revision,
        verb=events.PLAN_REVISED,
        to_state=revision.status,
        message=gettext_noop("Version %(version)s started from version %(previous)s."),
        params={"version": revision.version, "previous": plan.version},
        data={"supersedes": plan.pk},
    )
    return revision


@transaction.atomic
def plan_withdraw(*, actor, plan: BusinessPlan) -> BusinessPlan:
    """A draft is dropped (a new version's draft: the agreed plan stays in force)."""
    plan_require(actor, plan, PlanAction.DRAFT)
    plan = _lock(plan)
    _refuse_unless_draft(plan)
    plan.status = PlanStatus.WITHDRAWN
    plan.save(update_fields=["status", "updated_at"])
    event_record(
        actor=actor,
        target=plan,
        verb=events.PLAN_WITHDRAWN,
        from_state=PlanStatus.DRAFT,
        to_state=plan.status,
    )
    return plan
