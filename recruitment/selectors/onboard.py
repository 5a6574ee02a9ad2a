"""Reads of the onboard part: a partner's checklist and agreements, an acceptance (for its PDF), the
onboarding board. What the actor may not see is a 404."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from partners.models import Partner, PartnerStatus
from prm.tenancy.time import tenant_today

from ..models import (
    AgreementAcceptance,
    AgreementVersion,
    Onboarding,
    OnboardingStatus,
    OnboardingTask,
    TaskKind,
)
from ..permissions import A, recruitment_filter
from ..services.onboard import PROFILE_FIELDS, agreements_owed, overdue_pairs, profile_missing


def _visible(actor, action=A.ONBOARDING_VIEW, *, partner_field: str = "partner_id") -> Q:
    narrowed = recruitment_filter(actor, action, partner_field=partner_field)
    if narrowed is None:
        raise Http404
    return narrowed


@dataclass
class Checklist:
    """A partner's onboarding as its pages show it (evaluated: no query while rendering)."""

    onboarding: Onboarding | None
    tasks: list[dict] = field(default_factory=list)
    profile_missing: list[str] = field(default_factory=list)  # field labels
    agreements_pending: int = 0

    @property
    def percent(self) -> int:
        return self.onboarding.percent if self.onboarding else 0


def _task_link(kind: str, course_id: int | None) -> str:
    """Where a partner user does what an item needs (none for the vendor's manual items)."""
    names = {
        TaskKind.PROFILE_COMPLETED: "portal:company_edit",
        TaskKind.AGREEMENT_ACCEPTED: "portal:recruitment_agreements",
        TaskKind.COLLEAGUES_INVITED: "portal:people_invite",
        TaskKind.FIRST_DEAL: "portal:deal_create",
    }
    if kind == TaskKind.COURSE_PASSED and course_id:
        return reverse("portal:learning_course", kwargs={"course_id": course_id})
    return reverse(names[kind]) if kind in names else ""


def checklist_for_partner(*, actor, partner_id: int, links: bool = True) -> Checklist:
    """The partner's checklist (None onboarding when it has none), each item with what it needs
    and, for partner users, where it is done; the missing profile fields."""
    onboarding = Onboarding.objects.filter(_visible(actor), partner_id=partner_id).first()
    if onboarding is None:
        return Checklist(onboarding=None)
    tasks = list(
        OnboardingTask.objects.filter(onboarding=onboarding)
        .values(
            "id",
            "kind",
            "title",
            "description",
            "course_id",
            "min_count",
            "required",
            "done_at",
            done_by_name=F("done_by__user__email"),
            course_title=F("course__title"),
        )
        .order_by("position", "id")
    )
    checklist = Checklist(onboarding=onboarding, tasks=tasks)
    kinds = {task["kind"] for task in tasks}
    if TaskKind.PROFILE_COMPLETED in kinds:
        values = Partner.objects.filter(pk=partner_id).values(*PROFILE_FIELDS).first() or {}
        checklist.profile_missing = [
            str(Partner._meta.get_field(name).verbose_name) for name in profile_missing(values)
        ]
    for task in tasks:
        task["automatic"] = task["kind"] != TaskKind.MANUAL
        task["url"] = _task_link(task["kind"], task["course_id"]) if links and task["done_at"] is None else ""
        if task["kind"] == TaskKind.PROFILE_COMPLETED and task["done_at"] is None:
            task["missing"] = checklist.profile_missing
    return checklist


def agreements_for_partner(*, actor, partner_id: int) -> list[dict]:
    """The current version of each active agreement of the partner's programs: its text, whether
    the partner accepted it (who, when) and, when not, the deadline and an earlier acceptance."""
    _visible(actor, A.AGREEMENT_VIEW)
    if actor.is_partner_user and actor.partner_id != partner_id:
        raise Http404
    owed, _accepted = agreements_owed(partner_ids=[partner_id])
    rows = owed.get(partner_id, [])
    if not rows:
        return []
    versions = AgreementVersion.objects.in_bulk([row["id"] for row in rows])
    acceptances = {
        acceptance.version.agreement_id: acceptance
        for acceptance in AgreementAcceptance.objects.filter(
            partner_id=partner_id, version__agreement_id__in=[row["agreement_id"] for row in rows]
        )
        .select_related("version", "accepted_by__user")
        .order_by("version__agreement_id", "accepted_at")  # the latest per agreement wins below
    }
    today = tenant_today()  # the sweep's calendar: the vendor's day, not the reader's
    shown = []
    for row in rows:
        latest = acceptances.get(row["agreement_id"])
        current = latest if latest is not None and latest.version_id == row["id"] else None
        shown.append(
            {
                **row,
                "version": versions[row["id"]],
                "acceptance": current,
                "earlier": latest if current is None else None,
                "overdue": current is None and row["accept_by"] is not None and row["accept_by"] < today,
            }
        )
    return shown


def acceptances_for_partner(*, actor, partner_id: int) -> list[dict]:
    """Every acceptance of the partner, newest first (the record tab)."""
    return list(
        AgreementAcceptance.objects.filter(_visible(actor, A.AGREEMENT_VIEW), partner_id=partner_id)
        .values(
            "id",
            "accepted_at",
            "accepted_by_name",
            "ip_address",
            "text_sha256",
            number=F("version__number"),
            title=F("version__agreement__title"),
        )
        .order_by("-accepted_at", "-id")
    )


def acceptance_get_for_actor(*, actor, acceptance_id: int) -> AgreementAcceptance:
    """An acceptance with its version, agreement, partner and person; a 404 for anyone but the
    vendor's staff and the partner's users."""
    acceptance = (
        AgreementAcceptance.objects.filter(_visible(actor, A.AGREEMENT_VIEW), pk=acceptance_id)
        .select_related("version__agreement", "partner", "accepted_by__user")
        .first()
    )
    if acceptance is None:
        raise Http404
    return acceptance


def version_get_for_actor(*, actor, version_id: int) -> AgreementVersion:
    """A published version of an agreement of one of the actor's company's programs; else 404."""
    from programs.models import Enrollment

    _visible(actor, A.AGREEMENT_VIEW)
    version = (
        AgreementVersion.objects.filter(pk=version_id, published_at__isnull=False, agreement__is_active=True)
        .select_related("agreement")
        .first()
    )
    if version is None:
        raise Http404
    if (
        actor.is_partner_user
        and not Enrollment.objects.filter(partner_id=actor.partner_id, program_id=version.agreement.program_id).exists()
    ):
        raise Http404
    return version


def task_get_for_actor(*, actor, task_id: int) -> OnboardingTask:
    task = OnboardingTask.objects.filter(_visible(actor), pk=task_id).select_related("onboarding").first()
    if task is None:
        raise Http404
    return task


def overdue_by_partner(*, partner_ids, today) -> dict[int, list[str]]:
    """{partner id: ["Agreement v2", ...]} of the current versions past their deadline not accepted."""
    found: dict[int, list[str]] = {}
    for partner_id, row in overdue_pairs(today=today, partner_ids=partner_ids):
        found.setdefault(partner_id, []).append(f"{row['title']} v{row['number']}")
    return found


# --- the board ----------------------------------------------------------------------------------------------

MINE, STALLED, ALL = "mine", "stalled", "all"


def board_rows_for_actor(
    *, actor, show: str, stall_days: int, now: datetime | None = None
) -> tuple[QuerySet, QuerySet]:
    """Partners in onboarding, the longest onboarding first: (rows, the queryset to count).
    ``show``: ``mine`` (the actor's partners), ``stalled`` (no progress for ``stall_days``), all."""
    now = now or timezone.now()
    stalled_before = now - timedelta(days=stall_days)
    queryset = Onboarding.objects.filter(
        _visible(actor), status=OnboardingStatus.IN_PROGRESS, partner__status=PartnerStatus.ONBOARDING
    )
    if show == MINE:
        queryset = queryset.filter(partner__account_manager_id=actor.pk)
    elif show == STALLED:
        queryset = queryset.filter(last_progress_at__lt=stalled_before)
    rows = queryset.values(
        "id",
        "partner_id",
        "started_at",
        "last_progress_at",
        "tasks_done",
        "tasks_total",
        "nudged_at",
        partner_name=F("partner__display_name"),
        manager_first=F("partner__account_manager__user__first_name"),
        manager_last=F("partner__account_manager__user__last_name"),
        manager_email=F("partner__account_manager__user__email"),
    ).order_by("started_at", "id")
    return rows, queryset
