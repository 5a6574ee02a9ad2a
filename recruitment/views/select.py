"""Pages of the select part of recruitment (see recruitment/urls.py), all in the back office:

* ``office:recruitment_applications``: the queue (filters, age, vetter, due, reviewers, score,
  duplicate flag), oldest first; htmx swaps the results;
* ``office:recruitment_application``: one application (company, contact, documents, duplicate
  flags, SLA, vetter, scores, checklist, notes, timeline, decision) and its writes: ``_assign``,
  ``_score``, ``_note``, ``_approve``, ``_reject``, ``office:recruitment_check`` (a checklist
  item); downloads: ``_document`` (the applicant's) and ``office:recruitment_check_evidence``.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views import View

from partners.selectors import partner_type_options
from prm.accounts.access import OFFICE, MemberRequiredMixin
from prm.accounts.selectors import staff_members
from prm.countries import country_name
from prm.events.selectors import events_for_object
from prm.web.files import document_response
from prm.web.views import ServiceView, paginate, query_without_page, shown_time, url_pattern

from ..forms_select import (
    STATUS_BADGES,
    ApproveForm,
    AssignForm,
    CheckForm,
    NoteForm,
    QueueFilterForm,
    RejectForm,
    ScoreForm,
)
from ..models import OPEN_STATUSES, ApplicationStatus, Capability
from ..permissions import RECRUITMENT_DECIDE, RECRUITMENT_REVIEW, RECRUITMENT_VIEW
from ..selectors.select import (
    active_criteria,
    application_attachment_get,
    application_attachments,
    application_check_get,
    application_checks,
    application_duplicates,
    application_get_for_actor,
    application_queue_for_actor,
    decider_names,
    program_default,
    program_options,
    score_summaries,
    scoreboard,
    staff_options,
    vetter_options,
)
from ..services.select import (
    application_approve,
    application_assign,
    application_check,
    application_note,
    application_reject,
    application_score,
)

STATUS_LABELS = dict(ApplicationStatus.choices)
CAPABILITY_LABELS = dict(Capability.choices)

# --- the queue ----------------------------------------------------------------------------------------


def _queue_rows(rows: list[dict]) -> list[dict]:
    """Each row as the table shows it: names from the memoised reference data (no join), the age,
    the due time, the scores of the page (one query for all its rows)."""
    now = timezone.now()
    vetters = {m.pk: m.label for m in staff_members()}
    types = {t.id: t.name for t in partner_type_options()}
    scores = score_summaries(application_ids=[row["id"] for row in rows])
    detail_url = url_pattern("office:recruitment_application", "application_id")
    for row in rows:
        since = row["verified_at"] or row["created_at"]
        row["age_days"] = (now - since).days
        row["due"] = shown_time(row["due_at"])
        row["overdue"] = row["status"] in OPEN_STATUSES and row["due_at"] is not None and row["due_at"] < now
        row["vetter"] = vetters.get(row["assigned_to_id"], "")
        row["type_name"] = types.get(row["partner_type_id"], "")
        row["country_name"] = country_name(row["country"])
        row["status_label"] = STATUS_LABELS.get(row["status"], row["status"])
        row["badge"] = STATUS_BADGES.get(row["status"], "secondary")
        summary = scores.get(row["id"], {})
        row["reviewers"] = summary.get("reviewers", 0)
        row["score"] = summary.get("total")
        row["url"] = detail_url(row["id"])
    return rows


class ApplicationQueueView(MemberRequiredMixin, View):
    """The applications waiting for a decision (by default), oldest first."""

    area, capability = OFFICE, RECRUITMENT_VIEW

    def get(self, request):
        filter_form = QueueFilterForm(request.GET, vetters=vetter_options(), partner_types=partner_type_options())
        rows, count_from = application_queue_for_actor(actor=self.actor, **filter_form.filters())
        page = paginate(request, rows, count_from=count_from)
        page.object_list = _queue_rows(page.object_list)
        context = {"filter_form": filter_form, "page": page, "query": query_without_page(request)}
        template = "recruitment/select/queue.html"
        return render(request, f"{template}#results" if request.htmx else template, context)


# --- one application ----------------------------------------------------------------------------------


def detail_context(actor, application, **bound) -> dict:
    """Everything the application's page shows; ``bound``: a form posted with errors (by its
    name), shown as typed in its place."""
    criteria = active_criteria()
    board = scoreboard(actor=actor, application=application, active=criteria)
    programs = program_options()
    staff = staff_options()
    vetters = vetter_options()
    is_open = application.status in OPEN_STATUSES
    now = timezone.now()
    may_review = actor.can(RECRUITMENT_REVIEW)
    may_decide = actor.can(RECRUITMENT_DECIDE)
    default_program = program_default(application=application, programs=programs)
    checks = application_checks(application=application)
    check_forms = []
    for check in checks:
        form = bound.get("check_form") if bound.get("check_id") == check.pk else None
        check_forms.append(
            (
                check,
                form
                or CheckForm(
                    staff=staff,
                    auto_id=f"check{check.pk}_%s",
                    initial={"status": check.status, "owner": check.owner_id, "note": check.note},
                ),
            )
        )
    return {
        "application": application,
        "status_label": STATUS_LABELS.get(application.status, application.status),
        "badge": STATUS_BADGES.get(application.status, "secondary"),
        "country": country_name(application.country),
        "capabilities": [CAPABILITY_LABELS.get(c, c) for c in application.capabilities],
        "is_open": is_open,
        "overdue": is_open and application.due_at is not None and application.due_at < now,
        "attachments": application_attachments(application=application),
        "duplicates": application_duplicates(application=application),
        "board": board,
        "criteria": criteria,
        "checks": check_forms,
        "events": list(events_for_object(actor=actor, target=application)[:200]),
        "may_review": may_review,
        "may_decide": may_decide,
        "deciders": [] if may_decide else decider_names(),
        "assign_form": bound.get("assign_form")
        or AssignForm(vetters=vetters, auto_id="assign_%s", initial={"assignee": application.assigned_to_id}),
        "score_form": bound.get("score_form") or ScoreForm(criteria=criteria, mine=board.mine, auto_id="score_%s"),
        "note_form": bound.get("note_form") or NoteForm(auto_id="note_%s"),
        "approve_form": bound.get("approve_form")
        or ApproveForm(
            programs=programs,
            staff=staff,
            auto_id="approve_%s",
            initial={
                "program": getattr(default_program, "pk", None),
                "display_name": application.company_name,
                "account_manager": application.assigned_to_id,
            },
        ),
        "reject_form": bound.get("reject_form") or RejectForm(auto_id="reject_%s"),
    }


TEMPLATE = "recruitment/select/application.html"


class ApplicationDetailView(MemberRequiredMixin, View):
    area, capability = OFFICE, RECRUITMENT_VIEW

    def get(self, request, application_id: int):
        application = application_get_for_actor(actor=self.actor, application_id=application_id)
        return render(request, TEMPLATE, detail_context(self.actor, application))


class ApplicationDocumentView(MemberRequiredMixin, View):
    """A document the applicant sent (an attachment of another application: 404)."""

    area, capability = OFFICE, RECRUITMENT_VIEW

    def get(self, request, application_id: int, attachment_id: int):
        application = application_get_for_actor(actor=self.actor, application_id=application_id)
        attachment = application_attachment_get(application=application, attachment_id=attachment_id)
        return document_response(attachment.document, name=attachment.name.rsplit(".", 1)[0] or "document")


class CheckEvidenceView(MemberRequiredMixin, View):
    area, capability = OFFICE, RECRUITMENT_VIEW

    def get(self, request, application_id: int, check_id: int):
        application = application_get_for_actor(actor=self.actor, application_id=application_id)
        check = application_check_get(application=application, check_id=check_id)
        if not check.evidence:
            raise Http404
        return document_response(check.evidence, name=(check.evidence_name.rsplit(".", 1)[0] or "evidence"))


class ApplicationAction(ServiceView):
    """A form posted from the application's page: back to it, or the page again with the form as
    typed (``bound_name``) and the message."""

    area, capability = OFFICE, RECRUITMENT_REVIEW
    bound_name = ""

    def get_object(self):
        return application_get_for_actor(actor=self.actor, application_id=self.kwargs["application_id"])

    def success_url(self, result) -> str:
        return reverse("office:recruitment_application", args=[self.object.pk])

    def render_invalid(self, form):
        application = application_get_for_actor(actor=self.actor, application_id=self.kwargs["application_id"])
        bound = {self.bound_name: form} if form is not None else {}
        return render(self.request, TEMPLATE, detail_context(self.actor, application, **bound))


class ApplicationAssignView(ApplicationAction):
    form_class = AssignForm
    bound_name = "assign_form"

    def get_form_kwargs(self):
        return {"vetters": vetter_options(), "auto_id": "assign_%s"}

    def perform(self, data):
        assignee = None
        if data["assignee"] is not None:
            from prm.accounts.selectors import membership_get_for_actor

            assignee = membership_get_for_actor(actor=self.actor, membership_id=data["assignee"])
        return application_assign(actor=self.actor, application=self.object, assignee=assignee)

    def success_message(self, application) -> str:
        if application.assigned_to_id is None:
            return gettext("%(reference)s has no vetter now.") % {"reference": application.reference}
        return gettext("%(person)s vets %(reference)s.") % {
            "person": application.assigned_to.user,
            "reference": application.reference,
        }


class ApplicationScoreView(ApplicationAction):
    form_class = ScoreForm
    bound_name = "score_form"

    def get_form_kwargs(self):
        return {"criteria": active_criteria(), "auto_id": "score_%s"}

    def perform(self, data):
        return application_score(
            actor=self.actor, application=self.object, scores=self.form.scores(), comments=self.form.comments()
        )

    def success_message(self, rows) -> str:
        return gettext("Your scores are saved.")


class ApplicationNoteView(ApplicationAction):
    form_class = NoteForm
    bound_name = "note_form"

    def get_form_kwargs(self):
        return {"auto_id": "note_%s"}

    def perform(self, data):
        return application_note(actor=self.actor, application=self.object, text=data["text"])

    def success_message(self, application) -> str:
        return gettext("The note is on the timeline.")


class ApplicationCheckView(ApplicationAction):
    """One due-diligence item: outcome, owner, note, evidence."""

    form_class = CheckForm
    bound_name = "check_form"

    def get_form_kwargs(self):
        return {"staff": staff_options(), "auto_id": f"check{self.kwargs['check_id']}_%s"}

    def get_object(self):
        application = super().get_object()
        self.check = application_check_get(application=application, check_id=self.kwargs["check_id"])
        return application

    def perform(self, data):
        owner = None
        if data["owner"] is not None:
            from prm.accounts.selectors import membership_get_for_actor

            owner = membership_get_for_actor(actor=self.actor, membership_id=data["owner"])
        return application_check(
            actor=self.actor,
            application=self.object,
            check=self.check,
            status=data["status"],
            owner=owner,
            note=data["note"],
            evidence=data.get("evidence"),
        )

    def success_message(self, check) -> str:
        return gettext("%(item)s is saved.") % {"item": check.item.name}

    def render_invalid(self, form):
        application = application_get_for_actor(actor=self.actor, application_id=self.kwargs["application_id"])
        context = detail_context(self.actor, application, check_form=form, check_id=self.check.pk)
        return render(self.request, TEMPLATE, context)


class ApplicationApproveView(ApplicationAction):
    capability = RECRUITMENT_DECIDE
    form_class = ApproveForm
    bound_name = "approve_form"

    def get_form_kwargs(self):
        return {"programs": program_options(), "staff": staff_options(), "auto_id": "approve_%s"}

    def perform(self, data):
        from prm.accounts.selectors import membership_get_for_actor

        programs = {p.pk: p for p in program_options()}
        program = programs.get(data["program"]) if data["program"] else None
        manager = None
        if data["account_manager"] is not None:
            manager = membership_get_for_actor(actor=self.actor, membership_id=data["account_manager"])
        return application_approve(
            actor=self.actor,
            application=self.object,
            program=program,
            account_manager=manager,
            display_name=data["display_name"],
        )

    def success_message(self, application) -> str:
        return gettext(
            "%(company)s is approved: the partner is onboarding, its admin is invited and the applicant is told."
        ) % {"company": application.company_name}


class ApplicationRejectView(ApplicationAction):
    capability = RECRUITMENT_DECIDE
    form_class = RejectForm
    bound_name = "reject_form"

    def get_form_kwargs(self):
        return {"auto_id": "reject_%s"}

    def perform(self, data):
        return application_reject(
            actor=self.actor, application=self.object, reason=data["reason"], message=data["message"]
        )

    def success_message(self, application) -> str:
        return gettext("%(company)s is rejected; the applicant is told why.") % {"company": application.company_name}


office_urls: list = [
    path("applications/", ApplicationQueueView.as_view(), name="recruitment_applications"),
    path("applications/<int:application_id>/", ApplicationDetailView.as_view(), name="recruitment_application"),
    path(
        "applications/<int:application_id>/documents/<int:attachment_id>/",
        ApplicationDocumentView.as_view(),
        name="recruitment_application_document",
    ),
    path(
        "applications/<int:application_id>/assign/",
        ApplicationAssignView.as_view(),
        name="recruitment_application_assign",
    ),
    path(
        "applications/<int:application_id>/score/", ApplicationScoreView.as_view(), name="recruitment_application_score"
    ),
    path("applications/<int:application_id>/note/", ApplicationNoteView.as_view(), name="recruitment_application_note"),
    path(
        "applications/<int:application_id>/checks/<int:check_id>/",
        ApplicationCheckView.as_view(),
        name="recruitment_check",
    ),
    path(
        "applications/<int:application_id>/checks/<int:check_id>/evidence/",
        CheckEvidenceView.as_view(),
        name="recruitment_check_evidence",
    ),
    path(
        "applications/<int:application_id>/approve/",
        ApplicationApproveView.as_view(),
        name="recruitment_application_approve",
    ),
    path(
        "applications/<int:application_id>/reject/",
        ApplicationRejectView.as_view(),
        name="recruitment_application_reject",
    ),
]
portal_urls: list = []
public_urls: list = []
