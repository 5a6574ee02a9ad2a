"""Onboarding: the checklist, agreements and activation.

* ``onboarding_start`` opens a partner's checklist from its type's template (the approval of an
  application calls it; staff may for a partner created by hand in status onboarding).
* ``onboarding_refresh`` decides the automatic items of some partners from what happened elsewhere,
  in a few set-based queries (run by a worker: ``recruitment.onboarding_refresh`` is enqueued by the
  ``events_recorded`` receiver of ``recruitment.wiring.onboard``); ``onboarding_tick`` is staff's
  manual tick. Both end in ``onboarding_complete_due``: a checklist whose required items are all done
  completes, and the partner becomes active.
* Agreements: ``agreement_publish`` (a version's text is frozen and hashed) and ``agreement_accept``
  (who, when, from where, and the hash of the text they saw).
* ``onboarding_sweep`` (daily, per tenant): nudges stalled partners once per stall and flags
  partners that missed an agreement version's deadline, once per partner and version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from partners.models import Partner, PartnerStatus
from partners.services import partner_change_status
from prm.accounts.models import Invitation, Membership
from prm.accounts.rules import enforce
from prm.accounts.selectors import partner_admin_list, partner_admins_by_partner, vendor_admin_list
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation, assert_same_tenant
from prm.events import texts
from prm.events.models import Event
from prm.events.services import event_record, event_record_many, system_event
from prm.notifications.services import Message, notify, notify_many
from prm.tenancy.time import tenant_today

from .. import events, notifications
from ..models import (
    AUTOMATIC_KINDS,
    Agreement,
    AgreementAcceptance,
    AgreementVersion,
    Onboarding,
    OnboardingStatus,
    OnboardingTask,
    OnboardingTemplate,
    TaskKind,
)
from ..permissions import AGREEMENTS_MANAGE, RULES, A, recruitment_require
from .common import recruitment_settings

# The outbox task that re-decides the automatic items of some partners (recruitment.tasks).
ONBOARDING_REFRESH = "recruitment.onboarding_refresh"

# What makes a company profile complete (the fields a partner admin edits in the portal).
PROFILE_FIELDS = ("website", "phone", "address_line", "city", "postal_code", "description", "industries")


def text_sha256(text: str) -> str:
    """The fingerprint of an agreement's exact text (UTF-8), kept with the version and each acceptance."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def profile_missing(values: dict) -> list[str]:
    """The profile fields (of ``PROFILE_FIELDS``) still empty in ``values``, by name."""
    return [name for name in PROFILE_FIELDS if not values.get(name)]


# --- starting -----------------------------------------------------------------------------------


@transaction.atomic
def onboarding_start(*, actor, partner, application=None) -> Onboarding:
    """Open ``partner``'s onboarding with the checklist of its type's template. Idempotent: a
    partner already onboarding keeps its checklist.

    From an approval (``application``), the decision is the authority; by hand, the actor must
    manage onboarding and the partner must be in status onboarding. The partner's row is locked, so
    an approval and a click at once make one checklist. Items already true (a profile filled in
    before) are decided at once."""
    if actor is not None:
        assert_same_tenant(actor, partner)
    if application is None and actor is not None:
        recruitment_require(actor, partner, A.ONBOARDING_TICK)
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    existing = Onboarding.objects.filter(partner=partner).first()
    if existing is not None:
        return existing
    if application is None and partner.status != PartnerStatus.ONBOARDING:
        raise PolicyViolation(
            gettext("%(partner)s is not in status onboarding: only such a partner gets a checklist.")
            % {"partner": partner}
        )
    now = timezone.now()
    onboarding = Onboarding.objects.create(partner=partner, application=application, last_progress_at=now)
    template = OnboardingTemplate.objects.filter(partner_type_id=partner.partner_type_id).first()
    items = list(template.items.all()) if template is not None else []
    OnboardingTask.objects.bulk_create(
        [
            OnboardingTask(
                onboarding=onboarding,
                partner=partner,
                kind=item.kind,
                title=item.title,
                description=item.description,
                course_id=item.course_id,
                min_count=item.min_count,
                required=item.required,
                position=item.position,
            )
            for item in items
        ]
    )
    onboarding.tasks_total = len(items)
    onboarding.save(update_fields=["tasks_total"])
    event_record(
        actor=actor,
        target=onboarding,
        verb=events.ONBOARDING_STARTED,
        to_state=OnboardingStatus.IN_PROGRESS,
        message=gettext_noop("Onboarding started with %(items)s items."),
        params={"items": len(items)},
    )
    if any(item.kind in AUTOMATIC_KINDS for item in items):
        onboarding_refresh(partner_ids=[partner.pk])
        onboarding.refresh_from_db()
    return onboarding


# --- deciding the automatic items -------------------------------------------------------------------


@dataclass
class Facts:
    """What the automatic items of some partners are decided on (each from one query)."""

    profile_missing: dict[int, list[str]] = field(default_factory=dict)  # partner -> missing fields
    agreements_pending: dict[int, int] = field(default_factory=dict)  # partner -> current versions not accepted
    agreements_due: dict[int, int] = field(default_factory=dict)  # partner -> current versions to accept
    people: dict[int, int] = field(default_factory=dict)  # partner -> people invited or joined
    courses_passed: set[tuple[int, int]] = field(default_factory=set)  # (partner, course)
    with_deals: set[int] = field(default_factory=set)


def current_versions(*, program_ids) -> dict[int, dict]:
    """The current (latest published) version of each active agreement of these programs:
    {version id: {"id", "agreement_id", "program_id", "number", "accept_by", "title"}} (one query)."""
    latest = (
        AgreementVersion.objects.filter(agreement_id=OuterRef("agreement_id"), published_at__isnull=False)
        .order_by("-published_at", "-number")
        .values("pk")[:1]
    )
    rows = (
        AgreementVersion.objects.filter(
            # A queryset stays a subquery (one statement); anything else is a list of ids.
            agreement__program_id__in=program_ids if isinstance(program_ids, QuerySet) else list(program_ids),
            agreement__is_active=True,
            published_at__isnull=False,
            pk=Subquery(latest),
        )
        .values(
            "id",
            "agreement_id",
            "number",
            "accept_by",
            program_id=F("agreement__program_id"),
            title=F("agreement__title"),
        )
        .order_by("agreement__title", "agreement_id")
    )
    return {row["id"]: row for row in rows}


def programs_of(*, partner_ids) -> dict[int, set[int]]:
    """{partner id: the programs it is enrolled in} (one query)."""
    from programs.models import Enrollment

    found: dict[int, set[int]] = {}
    for partner_id, program_id in Enrollment.objects.filter(partner_id__in=list(partner_ids)).values_list(
        "partner_id", "program_id"
    ):
        found.setdefault(partner_id, set()).add(program_id)
    return found


def agreements_owed(*, partner_ids) -> tuple[dict[int, list[dict]], set[tuple[int, int]]]:
    """For each partner, the current versions it must accept ({partner: [version rows]}), and the
    (partner, version) pairs it has accepted (three queries)."""
    programs = programs_of(partner_ids=partner_ids)
    versions = current_versions(program_ids={p for ids in programs.values() for p in ids})
    owed = {
        partner_id: [row for row in versions.values() if row["program_id"] in programs.get(partner_id, ())]
        for partner_id in partner_ids
    }
    accepted = set(
        AgreementAcceptance.objects.filter(partner_id__in=list(partner_ids), version_id__in=list(versions)).values_list(
            "partner_id", "version_id"
        )
    )
    return owed, accepted


def _facts(partner_ids: list[int], kinds: set[str], courses: set[int]) -> Facts:
    """Only what the open items ask for is read."""
    facts = Facts()
    if TaskKind.PROFILE_COMPLETED in kinds:
        for row in Partner.objects.filter(pk__in=partner_ids).values("id", *PROFILE_FIELDS):
            facts.profile_missing[row["id"]] = profile_missing(row)
    if TaskKind.AGREEMENT_ACCEPTED in kinds:
        owed, accepted = agreements_owed(partner_ids=partner_ids)
        for partner_id, rows in owed.items():
            facts.agreements_due[partner_id] = len(rows)
            facts.agreements_pending[partner_id] = sum((partner_id, row["id"]) not in accepted for row in rows)
    if TaskKind.COLLEAGUES_INVITED in kinds:
        people: dict[int, set[str]] = {}
        invited = Invitation.objects.filter(partner_id__in=partner_ids, revoked_at__isnull=True).values_list(
            "partner_id", "email"
        )
        joined = Membership.objects.filter(partner_id__in=partner_ids, is_active=True).values_list(
            "partner_id", "user__email"
        )
        for partner_id, email in [*invited, *joined]:
            people.setdefault(partner_id, set()).add(email.lower())
        facts.people = {partner_id: len(emails) for partner_id, emails in people.items()}
    if TaskKind.COURSE_PASSED in kinds and courses:
        from learning.models import Enrollment, EnrollmentStatus

        facts.courses_passed = set(
            Enrollment.objects.filter(
                partner_id__in=partner_ids, course_id__in=courses, status=EnrollmentStatus.COMPLETED
            ).values_list("partner_id", "course_id")
        )
    if TaskKind.FIRST_DEAL in kinds:
        from deals.models import Deal

        # A registration submitted to the vendor counts (a draft does not); the product policy lets
        # an onboarding partner register deals for this reason.
        facts.with_deals = set(
            Deal.objects.filter(partner_id__in=partner_ids, submitted_at__isnull=False).values_list(
                "partner_id", flat=True
            )
        )
    return facts


def task_is_met(task: dict, facts: Facts) -> bool:
    """Whether an automatic item (a row with kind, partner_id, course_id, min_count) holds."""
    partner_id, kind = task["partner_id"], task["kind"]
    if kind == TaskKind.PROFILE_COMPLETED:
        return partner_id in facts.profile_missing and not facts.profile_missing[partner_id]
    if kind == TaskKind.AGREEMENT_ACCEPTED:
        return facts.agreements_due.get(partner_id, 0) > 0 and facts.agreements_pending.get(partner_id, 0) == 0
    if kind == TaskKind.COLLEAGUES_INVITED:
        # Besides the admin who onboards the company.
        return facts.people.get(partner_id, 0) - 1 >= (task["min_count"] or 1)
    if kind == TaskKind.COURSE_PASSED:
        return (partner_id, task["course_id"]) in facts.courses_passed
    if kind == TaskKind.FIRST_DEAL:
        return partner_id in facts.with_deals
    return False


@transaction.atomic
def onboarding_refresh(*, partner_ids) -> list[int]:
    """Decide the open automatic items of these partners' checklists in progress; mark the ones
    now met done (an event each), update the progress, and complete the checklists whose required
    items are all done. Returns the ids of the items done now. Safe to run twice: an item done
    stays done (the refresh only ever marks open items)."""
    partner_ids = sorted({int(pk) for pk in partner_ids})
    open_tasks = list(
        OnboardingTask.objects.select_for_update(of=("self",))
        .filter(
            # Through the onboarding: its (tenant, partner) key finds the checklists in progress,
            # and the (tenant, onboarding, position) index their items; no index leads tasks by partner.
            onboarding__partner_id__in=partner_ids,
            done_at__isnull=True,
            kind__in=AUTOMATIC_KINDS,
            onboarding__status=OnboardingStatus.IN_PROGRESS,
        )
        .values("id", "partner_id", "onboarding_id", "kind", "course_id", "min_count", "title")
        .order_by("id")
    )
    if not open_tasks:
        return []
    facts = _facts(
        sorted({t["partner_id"] for t in open_tasks}),
        {t["kind"] for t in open_tasks},
        {t["course_id"] for t in open_tasks if t["course_id"]},
    )
    done = [task for task in open_tasks if task_is_met(task, facts)]
    if not done:
        return []
    now = timezone.now()
    OnboardingTask.objects.filter(pk__in=[t["id"] for t in done]).update(done_at=now)
    target_type = ContentType.objects.get_for_model(Onboarding)
    event_record_many(
        events=[
            system_event(
                target_type=target_type,
                object_id=task["onboarding_id"],
                partner_id=task["partner_id"],
                verb=events.ONBOARDING_TASK_DONE,
                message=gettext_noop("Done: %(item)s."),
                params={"item": task["title"]},
                data={"task_id": task["id"], "kind": task["kind"]},
            )
            for task in done
        ]
    )
    onboarding_ids = sorted({t["onboarding_id"] for t in done})
    _recount(onboarding_ids, progress_at=now)
    onboarding_complete_due(actor=None, onboarding_ids=onboarding_ids)
    return [t["id"] for t in done]


def _recount(onboarding_ids: list[int], *, progress_at=None) -> None:
    """Set ``tasks_done`` (and ``last_progress_at`` when there was progress) from the items, in
    one statement."""
    done = (
        OnboardingTask.objects.filter(onboarding_id=OuterRef("pk"), done_at__isnull=False)
        .order_by()
        .values("onboarding_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    changes = {"tasks_done": Coalesce(Subquery(done), 0)}
    if progress_at is not None:
        changes["last_progress_at"] = progress_at
    Onboarding.objects.filter(pk__in=onboarding_ids).update(**changes)


def onboarding_complete_due(*, actor, onboarding_ids: list[int]) -> list[Onboarding]:
    """Complete the checklists (of these) in progress whose required items are all done (and
    that have at least one: an empty checklist is the vendor's to finish by hand)."""
    ready = (
        Onboarding.objects.filter(pk__in=onboarding_ids, status=OnboardingStatus.IN_PROGRESS)
        .annotate(
            required=Count("tasks", filter=Q(tasks__required=True)),
            open_required=Count("tasks", filter=Q(tasks__required=True, tasks__done_at__isnull=True)),
        )
        .filter(required__gt=0, open_required=0)
    )
    return [onboarding_complete(actor=actor, onboarding=onboarding) for onboarding in ready]


def _activating_actor(actor, partner):
    """Who moves the partner to active: the staff member who ticked the last item; for the system,
    the partner's account manager (the partner record has no system actor), else the first vendor
    admin."""
    if actor is not None:
        return actor
    manager = partner.account_manager
    if manager is not None and manager.is_active and manager.is_staff_member:
        from partners.permissions import CHANGE_STATUS, partner_may

        if partner_may(manager, partner, CHANGE_STATUS):
            return manager
    admins = vendor_admin_list()
    return admins[0] if admins else None


@transaction.atomic
def onboarding_complete(*, actor, onboarding: Onboarding) -> Onboarding:
    """The checklist is done: the onboarding completes and the partner goes onboarding -> active;
    its admins and its account manager are told. Locked: two last items done at once complete it
    once."""
    onboarding = Onboarding.objects.select_for_update(of=("self",)).select_related("partner").get(pk=onboarding.pk)
    if onboarding.status == OnboardingStatus.COMPLETED:
        return onboarding
    now = timezone.now()
    onboarding.status = OnboardingStatus.COMPLETED
    onboarding.completed_at = now
    onboarding.save(update_fields=["status", "completed_at"])
    partner = onboarding.partner
    if partner.status == PartnerStatus.ONBOARDING:
        by = _activating_actor(actor, partner)
        if by is not None:
            partner = partner_change_status(
                actor=by, partner=partner, to_status=PartnerStatus.ACTIVE, reason=gettext("Onboarding completed.")
            )
    event = event_record(
        actor=actor,
        target=onboarding,
        verb=events.ONBOARDING_COMPLETED,
        from_state=OnboardingStatus.IN_PROGRESS,
        to_state=OnboardingStatus.COMPLETED,
        message=gettext_noop("Onboarding of %(partner)s completed."),
        params={"partner": str(partner)},
    )
    recipients = partner_admin_list(partner_id=partner.pk)
    notify(
        recipients=recipients,
        kind=notifications.ONBOARDING_COMPLETED,
        title=gettext_noop("Welcome aboard: %(partner)s is an active partner"),
        body=gettext_noop("Every item of your onboarding checklist is done."),
        params={"partner": str(partner)},
        url=reverse("portal:recruitment_onboarding"),
        event=event,
    )
    if partner.account_manager_id:
        notify(
            recipients=[partner.account_manager],
            kind=notifications.ONBOARDING_COMPLETED,
            title=gettext_noop("%(partner)s completed onboarding"),
            body=gettext_noop("Every required item of the checklist is done; the partner is active."),
            params={"partner": str(partner)},
            url=reverse("office:partner_onboarding", kwargs={"partner_id": partner.pk}),
            event=event,
        )
    return onboarding


# --- manual items -------------------------------------------------------------------------------------


@transaction.atomic
def onboarding_tick(*, actor, task: OnboardingTask, done: bool = True) -> OnboardingTask:
    """Staff tick (or untick) a manual item. Two people ticking at once: one ticks, the other is
    told it is already done. Ticking the last required item completes the onboarding."""
    recruitment_require(actor, task, A.ONBOARDING_TICK)
    task = OnboardingTask.objects.select_for_update(of=("self",)).select_related("onboarding").get(pk=task.pk)
    if task.kind != TaskKind.MANUAL:
        raise PolicyViolation(gettext("This item completes by itself when the partner does it; it cannot be ticked."))
    if task.onboarding.status == OnboardingStatus.COMPLETED:
        raise InvalidTransition(gettext("This onboarding is already completed."))
    if done and task.done_at is not None:
        raise InvalidTransition(gettext("“%(item)s” is already ticked.") % {"item": task.title})
    if not done and task.done_at is None:
        raise InvalidTransition(gettext("“%(item)s” is not ticked.") % {"item": task.title})
    now = timezone.now()
    task.done_at, task.done_by = (now, actor) if done else (None, None)
    task.save(update_fields=["done_at", "done_by"])
    event_record(
        actor=actor,
        target=task.onboarding,
        verb=events.ONBOARDING_TASK_DONE if done else events.ONBOARDING_TASK_REOPENED,
        message=gettext_noop("Done: %(item)s.") if done else gettext_noop("Reopened: %(item)s."),
        params={"item": task.title},
        data={"task_id": task.pk, "kind": task.kind},
    )
    _recount([task.onboarding_id], progress_at=now if done else None)
    if done:
        onboarding_complete_due(actor=actor, onboarding_ids=[task.onboarding_id])
    task.refresh_from_db()
    return task


# --- agreements ------------------------------------------------------------------------------------------


@transaction.atomic
def agreement_version_save(*, actor, version: AgreementVersion) -> AgreementVersion:
    """Save a draft version (the admin's form). A published version is never changed."""
    if actor is not None and not actor.can(AGREEMENTS_MANAGE):
        raise NotAllowed(gettext("Only vendor admins edit agreements."))
    if version.pk is not None:
        stored = AgreementVersion.objects.select_for_update().get(pk=version.pk)
        if stored.published_at is not None:
            raise InvalidTransition(gettext("A published version is never changed: add a new version."))
    if version.number is None:
        last = AgreementVersion.objects.filter(agreement_id=version.agreement_id).aggregate(n=Max("number"))["n"]
        version.number = (last or 0) + 1
    version.text_sha256 = text_sha256(version.text)
    version.save()
    return version


@transaction.atomic
def agreement_publish(*, actor, version: AgreementVersion, accept_by=None) -> AgreementVersion:
    """Publish a draft version: its exact text is hashed and frozen, and it becomes the agreement's
    current version. For a version after the first, the partner admins of every partner enrolled
    in the program are asked to accept it (by ``accept_by``, when given)."""
    if actor is not None and not actor.can(AGREEMENTS_MANAGE):
        raise NotAllowed(gettext("Only vendor admins publish agreements."))
    if actor is not None:
        assert_same_tenant(actor, version)
    version = AgreementVersion.objects.select_for_update().select_related("agreement").get(pk=version.pk)
    if version.published_at is not None:
        raise InvalidTransition(gettext("Version %(number)s is already published.") % {"number": version.number})
    if not version.text.strip():
        raise PolicyViolation(gettext("An agreement version needs its text before it is published."))
    earlier = AgreementVersion.objects.filter(agreement_id=version.agreement_id, published_at__isnull=False).exists()
    version.published_at = timezone.now()
    version.text_sha256 = text_sha256(version.text)
    if accept_by is not None:
        version.accept_by = accept_by
    version.save(update_fields=["published_at", "text_sha256", "accept_by"])
    agreement = version.agreement
    event = event_record(
        actor=actor,
        target=version,
        verb=events.AGREEMENT_PUBLISHED,
        message=gettext_noop("%(agreement)s: version %(number)s published."),
        params={"agreement": agreement.title, "number": version.number},
        data={"sha256": version.text_sha256, "accept_by": str(version.accept_by or "")},
    )
    if earlier:
        partner_ids = list(programs_partner_ids(program_id=agreement.program_id))
        admins = [m for members in partner_admins_by_partner(partner_ids=partner_ids).values() for m in members]
        body = (
            gettext_noop("Please read and accept version %(number)s by %(date)s.")
            if version.accept_by
            else gettext_noop("Please read and accept version %(number)s.")
        )
        notify(
            recipients=admins,
            kind=notifications.AGREEMENT_NEW_VERSION,
            title=gettext_noop("A new version of %(agreement)s"),
            body=body,
            params={"agreement": agreement.title, "number": version.number, "date": texts.day(version.accept_by)},
            url=reverse("portal:recruitment_agreements"),
            event=event,
        )
    return version


def programs_partner_ids(*, program_id: int):
    from programs.models import Enrollment

    return Enrollment.objects.filter(program_id=program_id).values_list("partner_id", flat=True).distinct()


@transaction.atomic
def agreement_accept(
    *, actor, version: AgreementVersion, ip_address: str | None, user_agent: str = ""
) -> AgreementAcceptance:
    """The partner admin accepts the current version of an agreement for the company: who, when,
    from which address, and the hash of the text shown. Idempotent (accepting again returns the
    first record); a superseded version is refused."""
    enforce(RULES, A.AGREEMENT_ACCEPT, actor, actor.partner_id)  # for the actor's own company
    assert_same_tenant(actor, version)
    version = AgreementVersion.objects.select_related("agreement").get(pk=version.pk)
    existing = AgreementAcceptance.objects.filter(partner_id=actor.partner_id, version=version).first()
    if existing is not None:
        return existing
    agreement = version.agreement
    if version.published_at is None or not agreement.is_active:
        raise PolicyViolation(gettext("This agreement is not open for acceptance."))
    if agreement.program_id not in programs_of(partner_ids=[actor.partner_id]).get(actor.partner_id, set()):
        raise PolicyViolation(gettext("This agreement is not one of your company's programs."))
    current = current_versions(program_ids=[agreement.program_id])
    if version.pk not in current:
        raise InvalidTransition(
            gettext("A newer version of %(agreement)s was published: read and accept that one.")
            % {"agreement": agreement.title}
        )
    user = actor.user
    try:
        with transaction.atomic():
            acceptance = AgreementAcceptance.objects.create(
                version=version,
                partner_id=actor.partner_id,
                accepted_by=actor,
                accepted_by_name=user.get_full_name() or user.email,
                ip_address=ip_address or None,
                user_agent=(user_agent or "")[:300],
                text_sha256=text_sha256(version.text),
            )
    except IntegrityError:
        # Someone of the company accepted it at the same moment: theirs is the record.
        return AgreementAcceptance.objects.get(partner_id=actor.partner_id, version=version)
    event_record(
        actor=actor,
        target=acceptance,
        verb=events.AGREEMENT_ACCEPTED,
        message=gettext_noop("%(agreement)s version %(number)s accepted."),
        params={"agreement": agreement.title, "number": version.number},
        data={"version_id": version.pk, "sha256": acceptance.text_sha256, "ip": acceptance.ip_address},
    )
    return acceptance


# --- the daily sweep ---------------------------------------------------------------------------------------


@dataclass
class SweepSummary:
    nudged: int = 0
    overdue: int = 0


@transaction.atomic
def onboarding_sweep(*, now=None) -> SweepSummary:
    """Nudge the partners whose onboarding stalled (no progress for the tenant's stall days) once
    per stall, and flag the partners that missed an agreement version's deadline, once per partner
    and version. Set-based; a second run the same day does nothing."""
    now = now or timezone.now()
    summary = SweepSummary()
    summary.nudged = _nudge_stalled(now)
    summary.overdue = _flag_overdue(tenant_today())
    return summary


def _nudge_stalled(now) -> int:
    stall_days = recruitment_settings().stall_days
    stalled = list(
        Onboarding.objects.select_for_update(of=("self",))
        .filter(
            status=OnboardingStatus.IN_PROGRESS,
            last_progress_at__lt=now - timedelta(days=stall_days),
        )
        .filter(Q(nudged_for__isnull=True) | ~Q(nudged_for=F("last_progress_at")))
        .select_related("partner")
        .order_by("pk")
    )
    if not stalled:
        return 0
    Onboarding.objects.filter(pk__in=[o.pk for o in stalled]).update(nudged_for=F("last_progress_at"), nudged_at=now)
    target_type = ContentType.objects.get_for_model(Onboarding)
    recorded = event_record_many(
        events=[
            system_event(
                target_type=target_type,
                object_id=o.pk,
                partner_id=o.partner_id,
                verb=events.ONBOARDING_NUDGED,
                message=gettext_noop("No onboarding progress for %(days)s days: the partner was reminded."),
                params={"days": stall_days},
                data={"last_progress_at": o.last_progress_at.isoformat() if o.last_progress_at else None},
            )
            for o in stalled
        ]
    )
    admins = partner_admins_by_partner(partner_ids=[o.partner_id for o in stalled])
    url = reverse("portal:recruitment_onboarding")
    notify_many(
        messages=[
            Message(
                recipients=admins.get(o.partner_id, []),
                kind=notifications.ONBOARDING_STALLED,
                title=gettext_noop("%(partner)s: your onboarding is waiting for you"),
                body=gettext_noop("%(done)s of %(total)s items are done. Finish the rest to start selling."),
                params={"partner": str(o.partner), "done": o.tasks_done, "total": o.tasks_total},
                url=url,
                event=event,
            )
            for o, event in zip(stalled, recorded, strict=True)
        ]
    )
    return len(stalled)


def overdue_pairs(*, today, partner_ids=None) -> list[tuple[int, dict]]:
    """(partner id, current version row) of every current version past its ``accept_by`` that an
    enrolled partner has not accepted (three queries)."""
    from programs.models import Enrollment

    versions = {
        pk: row
        for pk, row in current_versions(
            program_ids=Agreement.objects.filter(is_active=True).values_list("program_id", flat=True)
        ).items()
        if row["accept_by"] is not None and row["accept_by"] < today
    }
    if not versions:
        return []
    enrolments = Enrollment.objects.filter(program_id__in={row["program_id"] for row in versions.values()})
    if partner_ids is not None:
        enrolments = enrolments.filter(partner_id__in=list(partner_ids))
    enrolled = set(enrolments.values_list("partner_id", "program_id"))
    acceptances = AgreementAcceptance.objects.filter(version_id__in=list(versions))
    if partner_ids is not None:
        acceptances = acceptances.filter(partner_id__in=list(partner_ids))
    accepted = set(acceptances.values_list("partner_id", "version_id"))
    return sorted(
        (
            (partner_id, row)
            for partner_id, program_id in enrolled
            for row in versions.values()
            if row["program_id"] == program_id and (partner_id, row["id"]) not in accepted
        ),
        key=lambda pair: (pair[0], pair[1]["id"]),
    )


def _flag_overdue(today) -> int:
    pairs = overdue_pairs(today=today)
    if not pairs:
        return 0
    target_type = ContentType.objects.get_for_model(AgreementVersion)
    flagged = set(
        Event.objects.filter(
            verb=events.AGREEMENT_OVERDUE,
            content_type=target_type,
            object_id__in={row["id"] for _, row in pairs},
        ).values_list("partner_id", "object_id")
    )
    new = [(partner_id, row) for partner_id, row in pairs if (partner_id, row["id"]) not in flagged]
    if not new:
        return 0
    recorded = event_record_many(
        events=[
            system_event(
                target_type=target_type,
                object_id=row["id"],
                partner_id=partner_id,
                verb=events.AGREEMENT_OVERDUE,
                message=gettext_noop("%(agreement)s version %(number)s was not accepted by %(date)s."),
                params={"agreement": row["title"], "number": row["number"], "date": texts.day(row["accept_by"])},
                data={"version_id": row["id"]},
                internal=True,
            )
            for partner_id, row in new
        ]
    )
    partners = Partner.objects.filter(pk__in={p for p, _ in new}).select_related("account_manager").in_bulk()
    notify_many(
        messages=[
            Message(
                recipients=[partners[partner_id].account_manager],
                kind=notifications.AGREEMENT_OVERDUE,
                title=gettext_noop("%(partner)s has not accepted %(agreement)s"),
                body=gettext_noop("Version %(number)s was due for acceptance by %(date)s."),
                params={
                    "partner": str(partners[partner_id]),
                    "agreement": row["title"],
                    "number": row["number"],
                    "date": texts.day(row["accept_by"]),
                },
                url=reverse("office:partner_onboarding", kwargs={"partner_id": partner_id}),
                event=event,
            )
            for (partner_id, row), event in zip(new, recorded, strict=True)
            if partners[partner_id].account_manager_id
        ]
    )
    return len(new)
