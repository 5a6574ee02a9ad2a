"""What the back office reads of applications: the queue (rows from ``.values()`` and one
aggregate query for the scores of a page), one application with everything its page shows, the
scoreboard (each reviewer's scores, the mean and spread per criterion, the weighted totals), and
the people and programs its forms offer. Applications are the vendor's: a partner user gets 404."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from prm.accounts.selectors import staff_members
from prm.tenancy.search import contains_ignoring_case

from ..models import (
    OPEN_STATUSES,
    Application,
    ApplicationAttachment,
    ApplicationCheck,
    ApplicationDuplicate,
    ApplicationScore,
    ApplicationStatus,
    SelectionCriterion,
)
from ..permissions import RECRUITMENT_DECIDE, RECRUITMENT_REVIEW, RecruitmentAction, recruitment_require

S = ApplicationStatus
A = RecruitmentAction

# Reviewers this far apart on a criterion (max - min) disagree: the page flags it.
DISAGREEMENT = 2

# The queue's status filter: the open ones (default), each status an application in the queue
# may have, or all of them (never the unverified: they are not in the queue yet).
OPEN, ALL = "open", "all"
QUEUE_STATUSES = [s for s in S if s != S.UNVERIFIED]
# The vetter filter.
ANYONE, ME, UNASSIGNED = "", "me", "none"

QUEUE_FIELDS = (
    "id",
    "reference",
    "company_name",
    "partner_type_id",
    "country",
    "verified_at",
    "created_at",
    "due_at",
    "assigned_to_id",
    "status",
    "contact_first_name",
    "contact_last_name",
)


def _visible(actor) -> QuerySet[Application]:
    recruitment_require(actor, None, A.APPLICATION_VIEW)  # a partner user: 404
    return Application.objects.exclude(status=S.UNVERIFIED)


def application_queue_for_actor(
    *,
    actor,
    status: str = OPEN,
    vetter: str = ANYONE,
    partner_type_id: int | None = None,
    country: str = "",
    overdue: bool = False,
    search: str = "",
) -> tuple[QuerySet, QuerySet]:
    """(rows, count_from): the queue's rows as ``.values()`` (oldest first, each with whether the
    duplicate guard flagged it) and the same filter without the annotation, for the count."""
    applications = _visible(actor)
    if status == OPEN:
        applications = applications.filter(status__in=OPEN_STATUSES)
    elif status in S.values and status != S.UNVERIFIED:
        applications = applications.filter(status=status)
    if vetter == ME:
        applications = applications.filter(assigned_to_id=actor.pk)
    elif vetter == UNASSIGNED:
        applications = applications.filter(assigned_to__isnull=True)
    elif vetter and vetter.isdigit():
        applications = applications.filter(assigned_to_id=int(vetter))
    if partner_type_id:
        applications = applications.filter(partner_type_id=partner_type_id)
    if country:
        applications = applications.filter(country=country.upper())
    if overdue:
        applications = applications.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
    term = (search or "").strip()
    if term:
        applications = applications.filter(
            Q(contains_ignoring_case("company_name", term))
            | Q(contains_ignoring_case("reference", term))
            | Q(contains_ignoring_case("contact_email", term))
            | Q(contains_ignoring_case("contact_last_name", term))
        )
    rows = (
        applications.annotate(
            flagged=Exists(ApplicationDuplicate.objects.filter(application_id=OuterRef("pk"))),
        )
        .order_by("created_at", "id")
        .values(*QUEUE_FIELDS, "flagged")
    )
    return rows, applications


# --- scores ----------------------------------------------------------------------------------------


def weighted_total(pairs) -> int | None:
    """sum(weight * score) / sum(weight * 5), as 0-100 (``pairs``: (weight, score or mean)); None
    without scores."""
    pairs = list(pairs)
    best = sum(weight * 5 for weight, _ in pairs)
    if not best:
        return None
    return round(100 * sum(weight * score for weight, score in pairs) / best)


def score_summaries(*, application_ids) -> dict[int, dict]:
    """{application id: {"reviewers": n, "total": 0-100}} for a page of the queue (one query):
    the total weighs each criterion's mean over its reviewers."""
    ids = list(application_ids)
    if not ids:
        return {}
    rows = ApplicationScore.objects.filter(application_id__in=ids).values_list(
        "application_id", "reviewer_id", "criterion_id", "criterion__weight", "score"
    )
    by_app: dict[int, dict] = defaultdict(lambda: {"reviewers": set(), "criteria": defaultdict(list), "weights": {}})
    for application_id, reviewer_id, criterion_id, weight, score in rows:
        entry = by_app[application_id]
        entry["reviewers"].add(reviewer_id)
        entry["criteria"][criterion_id].append(score)
        entry["weights"][criterion_id] = weight
    return {
        application_id: {
            "reviewers": len(entry["reviewers"]),
            "total": weighted_total(
                (entry["weights"][c], sum(scores) / len(scores)) for c, scores in entry["criteria"].items()
            ),
        }
        for application_id, entry in by_app.items()
    }


@dataclass
class CriterionRow:
    """One criterion of the scoreboard: each reviewer's score (in the board's reviewer order),
    the mean and the spread."""

    criterion: SelectionCriterion
    scores: list  # int or None, one per reviewer
    comments: list  # str, one per reviewer
    mean: float | None = None
    spread: int | None = None

    @property
    def disagree(self) -> bool:
        return self.spread is not None and self.spread >= DISAGREEMENT


@dataclass
class Scoreboard:
    reviewers: list = field(default_factory=list)  # [(membership id, name)]
    rows: list[CriterionRow] = field(default_factory=list)
    totals: list = field(default_factory=list)  # per reviewer, 0-100
    total: int | None = None  # over the means
    mine: dict = field(default_factory=dict)  # criterion id -> (score, comment) of the actor

    @property
    def disagreement(self) -> bool:
        return any(row.disagree for row in self.rows)


def scoreboard(*, actor, application: Application, active: list[SelectionCriterion] | None = None) -> Scoreboard:
    """The application's scores as its page shows them: per criterion (the active ones and any
    scored before it was retired) each reviewer's score, the mean and the spread; the weighted
    total over the means and each reviewer's own. ``active``: the active criteria when the caller
    has them (``active_criteria()``); only retired ones that were scored are read then."""
    scores = list(
        ApplicationScore.objects.filter(application=application)
        .select_related("reviewer__user")
        .order_by("reviewer_id", "criterion_id")
    )
    scored = {s.criterion_id for s in scores}
    if active is None:
        criteria = {c.pk: c for c in SelectionCriterion.objects.filter(Q(is_active=True) | Q(pk__in=scored))}
    else:
        criteria = {c.pk: c for c in active}
        if scored - set(criteria):
            criteria.update({c.pk: c for c in SelectionCriterion.objects.filter(pk__in=scored - set(criteria))})
    reviewer_ids = sorted({s.reviewer_id for s in scores})
    names = {s.reviewer_id: str(s.reviewer.user) for s in scores}
    board = Scoreboard(reviewers=[(pk, names[pk]) for pk in reviewer_ids])
    grid = {(s.criterion_id, s.reviewer_id): s for s in scores}
    for criterion in sorted(criteria.values(), key=lambda c: (c.position, c.pk)):
        row_scores = [grid[(criterion.pk, r)].score if (criterion.pk, r) in grid else None for r in reviewer_ids]
        given = [s for s in row_scores if s is not None]
        board.rows.append(
            CriterionRow(
                criterion=criterion,
                scores=row_scores,
                comments=[grid[(criterion.pk, r)].comment if (criterion.pk, r) in grid else "" for r in reviewer_ids],
                mean=round(sum(given) / len(given), 1) if given else None,
                spread=(max(given) - min(given)) if given else None,
            )
        )
    board.totals = [
        weighted_total((criteria[c].weight, grid[(c, r)].score) for c in criteria if (c, r) in grid)
        for r in reviewer_ids
    ]
    board.total = weighted_total(
        (
            row.criterion.weight,
            sum(s for s in row.scores if s is not None) / len([s for s in row.scores if s is not None]),
        )
        for row in board.rows
        if row.mean is not None
    )
    board.mine = {s.criterion_id: (s.score, s.comment) for s in scores if s.reviewer_id == actor.pk}
    return board


def active_criteria() -> list[SelectionCriterion]:
    return list(SelectionCriterion.objects.filter(is_active=True).order_by("position", "id"))


# --- one application -------------------------------------------------------------------------------


def application_get_for_actor(*, actor, application_id: int) -> Application:
    """An application of the actor's tenant that is in the queue (or was); 404 otherwise."""
    application = (
        _visible(actor)
        .select_related("partner_type", "assigned_to__user", "decided_by__user", "program", "partner")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise Http404
    return application


def application_attachments(*, application: Application) -> list[ApplicationAttachment]:
    return list(ApplicationAttachment.objects.filter(application=application).order_by("uploaded_at", "id"))


def application_attachment_get(*, application: Application, attachment_id: int) -> ApplicationAttachment:
    attachment = ApplicationAttachment.objects.filter(application=application, pk=attachment_id).first()
    if attachment is None:
        raise Http404
    return attachment


def application_duplicates(*, application: Application) -> list[ApplicationDuplicate]:
    return list(
        ApplicationDuplicate.objects.filter(application=application)
        .select_related("partner", "other_application")
        .order_by("found_at", "id")
    )


def application_checks(*, application: Application) -> list[ApplicationCheck]:
    return list(
        ApplicationCheck.objects.filter(application=application)
        .select_related("item", "owner__user", "checked_by__user")
        .order_by("item__position", "item_id")
    )


def application_check_get(*, application: Application, check_id: int) -> ApplicationCheck:
    check = ApplicationCheck.objects.select_related("item").filter(application=application, pk=check_id).first()
    if check is None:
        raise Http404
    return check


# --- the people and programs the forms offer -------------------------------------------------------


def vetter_options() -> list:
    """Active staff who vet applications (``RECRUITMENT_REVIEW``), by name."""
    return [m for m in staff_members() if m.is_active and m.can(RECRUITMENT_REVIEW)]


def decider_names() -> list[str]:
    """Who may decide (shown to vetters who may not)."""
    return [m.label for m in staff_members() if m.is_active and m.can(RECRUITMENT_DECIDE)]


def staff_options() -> list:
    return [m for m in staff_members() if m.is_active]


def program_options():
    """The active programs, by name (the approval's choices)."""
    from programs.models import Program

    return list(Program.objects.filter(is_active=True).order_by("name", "id"))


def program_default(*, application: Application, programs) -> object | None:
    """The first active program that targets a partner like the applicant would become."""
    candidate = SimpleNamespace(
        partner_type_id=application.partner_type_id,
        industries=application.industries,
        size_band="",
        regions_served=application.regions_served,
        country=application.country,
    )
    targeted = [p for p in programs if p.targets(candidate)]
    # A program aimed at the type beats one open to everyone.
    targeted.sort(key=lambda p: (application.partner_type_id not in (p.target_partner_type_ids or []), p.name))
    return targeted[0] if targeted else None


# --- the home's action source ------------------------------------------------------------------------


def applications_to_review(*, actor, limit: int) -> tuple[list[dict], int, int]:
    """(rows, count, overdue) of the actor's open applications as their vetter, the nearest
    deadline first (served by ``recruit_app_vetter_idx``); one query (the rows carry the counts)."""
    from django.db.models import Count, Window

    now = timezone.now()
    rows = list(
        Application.objects.filter(assigned_to_id=actor.pk, status__in=OPEN_STATUSES)
        .order_by("due_at", "created_at", "id")
        .annotate(total=Window(Count("id")), late=Window(Count("id", filter=Q(due_at__lt=now))))
        .values("id", "reference", "company_name", "due_at", "verified_at", "total", "late")[:limit]
    )
    return rows, (rows[0]["total"] if rows else 0), (rows[0]["late"] if rows else 0)
