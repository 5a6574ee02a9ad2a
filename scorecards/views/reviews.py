"""Pages of relationship reviews (QBRs), see scorecards/urls.py:

* office: ``office:reviews`` (due, scheduled, held; filters status and mine; htmx swaps the
  results), ``office:review_create``, ``office:review_detail`` (agenda, invitation, hold, ratings,
  action items, timeline) and its writes ``office:review_schedule``, ``office:review_cancel``,
  ``office:review_agenda_refresh``, ``office:review_hold``, ``office:review_rate``,
  ``office:review_action_add``, ``office:action_complete``; ``office:review_pdf`` (the summary),
  ``office:review_ics`` (the calendar invitation);
* portal: ``portal:reviews``, ``portal:review_detail``, ``portal:review_pdf``, ``portal:review_ics``,
  ``portal:action_items`` (the company's or my action items), ``portal:action_complete``.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views import View

from partners.selectors import partner_get_for_actor
from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.accounts.roles import PEOPLE_MANAGE
from prm.errors import PolicyViolation
from prm.web.files import document_response
from prm.web.views import ServiceView, paginate, query_without_page, shown_time, url_pattern

from ..forms_reviews import (
    ActionAddForm,
    ActionCompleteForm,
    ActionFilterForm,
    CancelForm,
    HoldForm,
    RateForm,
    ReviewCreateForm,
    ReviewFilterForm,
    ScheduleForm,
)
from ..ics import review_invitation
from ..models import ActionStatus, ReviewRating, ReviewStatus
from ..permissions import SCORECARD_OWN, SCORECARDS_MANAGE, SCORECARDS_VIEW
from ..selectors.reviews import (
    action_get_for_actor,
    action_rows_for_actor,
    actions_for_review,
    agenda_shown,
    agenda_text,
    events_for_review,
    owner_for_review,
    owner_options_for_review,
    partner_options_for_reviews,
    person_name,
    ratings_for_review,
    review_get_for_actor,
    review_portal_rows_for_actor,
    review_rows_for_actor,
    staff_names,
)
from ..services.reviews import (
    OPEN_STATUSES,
    action_add,
    action_complete,
    review_agenda_refresh,
    review_attendees,
    review_cancel,
    review_create,
    review_hold,
    review_rate,
    review_schedule,
)

LIST_TEMPLATE = "scorecards/reviews/office_list.html"
OFFICE_TEMPLATE = "scorecards/reviews/office_detail.html"
PORTAL_TEMPLATE = "scorecards/reviews/portal_detail.html"


def _zone(request) -> str:
    return request.tenant.time_zone


# --- the back office: the list ------------------------------------------------------------------------


class ReviewListView(MemberRequiredMixin, View):
    """Reviews due, scheduled and held, a page at a time; filters: status, mine."""

    area, capability = OFFICE, SCORECARDS_VIEW

    def get(self, request):
        filter_form = ReviewFilterForm(request.GET)
        status, mine = filter_form.values()
        rows, counted = review_rows_for_actor(actor=self.actor, status=status, mine=mine)
        page = paginate(request, rows, count_from=counted)
        names = staff_names()
        detail_url = url_pattern("office:review_detail", "review_id")
        labels = dict(ReviewStatus.choices)
        today = timezone.localdate()
        for row in page.object_list:
            row["url"] = detail_url(row["id"])
            row["status_label"] = labels.get(row["status"], row["status"])
            row["starts"] = shown_time(row["starts_at"])
            row["held"] = shown_time(row["held_at"])
            row["organizer"] = names.get(row["organizer_id"], "")
            row["manager"] = names.get(row["manager_id"], "")
            row["overdue"] = row["status"] == ReviewStatus.DUE and row["due_on"] < today
        context = {
            "filter_form": filter_form,
            "page": page,
            "query": query_without_page(request),
            "status": status,
            "may_manage": self.actor.can(SCORECARDS_MANAGE),
        }
        template = f"{LIST_TEMPLATE}#results" if request.htmx else LIST_TEMPLATE
        return render(request, template, context)


class ReviewCreateView(ServiceView):
    """Open a review with a partner (``?partner=<id>`` chooses it); a day and a time schedule it
    at once."""

    area, capability = OFFICE, SCORECARDS_MANAGE
    form_class = ReviewCreateForm

    def get_form_kwargs(self):
        return {"partners": partner_options_for_reviews(actor=self.actor), "zone": _zone(self.request)}

    def get(self, request):
        initial = {"duration_minutes": 60}
        chosen = request.GET.get("partner", "")
        if chosen.isdigit():
            initial["partner"] = int(chosen)
        form = self.form_class(initial=initial, **self.get_form_kwargs())
        return render(request, "scorecards/reviews/office_create.html", {"form": form})

    def perform(self, data):
        partner = partner_get_for_actor(actor=self.actor, partner_id=data["partner"])
        starts_at = self.form.starts_at()
        return review_create(
            actor=self.actor,
            partner=partner,
            title=data["title"],
            due_on=data.get("due_on"),
            starts_at=starts_at,
            duration_minutes=data.get("duration_minutes") or 60,
            location=data.get("location") or "",
        )

    def success_message(self, review) -> str:
        if review.status == ReviewStatus.SCHEDULED:
            return gettext("%(title)s with %(partner)s is scheduled; the invitation went out.") % {
                "title": review.title,
                "partner": review.partner,
            }
        return gettext("%(title)s with %(partner)s is open: schedule it when the day is agreed.") % {
            "title": review.title,
            "partner": review.partner,
        }

    def success_url(self, review) -> str:
        return reverse("office:review_detail", kwargs={"review_id": review.pk})

    def render_invalid(self, form):
        return render(self.request, "scorecards/reviews/office_create.html", {"form": form})


# --- the back office: one review -------------------------------------------------------------------------


def _schedule_initial(review, zone: str) -> dict:
    initial = {"duration_minutes": review.duration_minutes, "location": review.location, "title": review.title}
    if review.starts_at is not None:
        import zoneinfo

        local = review.starts_at.astimezone(zoneinfo.ZoneInfo(zone))
        initial.update(day=local.date(), time=local.time().replace(second=0, microsecond=0))
    return initial


def _rating_initial(review) -> dict:
    initial = {"notes": review.notes}
    for row in ReviewRating.objects.filter(review=review).values("criterion", "rating", "comment"):
        initial[f"rating_{row['criterion']}"] = str(row["rating"])
        initial[f"comment_{row['criterion']}"] = row["comment"]
    return initial


def office_review_context(request, actor, review, **overrides) -> dict:
    """The back office's review page; ``overrides`` carry the form that failed (and ``open``: the
    section to show open)."""
    may_manage = actor.can(SCORECARDS_MANAGE)
    is_open = review.status in OPEN_STATUSES
    zone = _zone(request)
    may_assign = may_manage and review.status in (ReviewStatus.SCHEDULED, ReviewStatus.HELD)
    owners = owner_options_for_review(actor=actor, review=review) if may_assign else []
    context = {
        "review": review,
        "area": OFFICE,
        "agenda": agenda_shown(review.agenda),
        "ratings": ratings_for_review(review) if review.status == ReviewStatus.HELD else [],
        "actions": actions_for_review(actor=actor, review=review),
        "events": events_for_review(actor=actor, review=review),
        "attendees": review_attendees(review),
        "may_manage": may_manage,
        "is_open": is_open,
        "zone": zone,
        "schedule_form": ScheduleForm(initial=_schedule_initial(review, zone), zone=zone)
        if may_manage and is_open
        else None,
        "cancel_form": CancelForm() if may_manage and is_open else None,
        "hold_form": HoldForm(initial={"notes": review.notes}) if may_manage and is_open else None,
        "rate_form": RateForm(initial=_rating_initial(review))
        if may_manage and review.status == ReviewStatus.HELD
        else None,
        "action_form": ActionAddForm(owners=owners) if may_assign else None,
        "complete_form": ActionCompleteForm(),
        "open": "",
    }
    context.update(overrides)
    return context


class ReviewDetailView(MemberRequiredMixin, View):
    area, capability = OFFICE, SCORECARDS_VIEW

    def get(self, request, review_id: int):
        review = review_get_for_actor(actor=self.actor, review_id=review_id)
        return render(request, OFFICE_TEMPLATE, office_review_context(request, self.actor, review))


class _ReviewWrite(ServiceView):
    """One form posted on the review's page: back to it, or the page again with what was typed."""

    area, capability = OFFICE, SCORECARDS_MANAGE
    form_name = ""  # the context's name of the form

    def get_object(self):
        return review_get_for_actor(actor=self.actor, review_id=self.kwargs["review_id"])

    def success_url(self, result) -> str:
        return reverse("office:review_detail", kwargs={"review_id": self.object.pk})

    def render_invalid(self, form):
        review = review_get_for_actor(actor=self.actor, review_id=self.kwargs["review_id"])
        overrides = {"open": self.form_name}
        if form is not None and self.form_name:
            overrides[f"{self.form_name}_form"] = form
        return render(
            self.request, OFFICE_TEMPLATE, office_review_context(self.request, self.actor, review, **overrides)
        )


class ReviewScheduleView(_ReviewWrite):
    """Schedule a due review, or move a scheduled one (the invitation is sent again)."""

    form_class, form_name = ScheduleForm, "schedule"

    def get_form_kwargs(self):
        return {"zone": _zone(self.request)}

    def perform(self, data):
        return review_schedule(
            actor=self.actor,
            review=self.object,
            starts_at=self.form.starts_at(),
            duration_minutes=data["duration_minutes"],
            location=data["location"],
            title=data["title"],
        )

    def success_message(self, review) -> str:
        return gettext("Scheduled: the partner's admins and the account manager have the invitation.")


class ReviewCancelView(_ReviewWrite):
    form_class, form_name = CancelForm, "cancel"

    def perform(self, data):
        return review_cancel(actor=self.actor, review=self.object, reason=data["reason"])

    def success_message(self, review) -> str:
        return gettext("%(title)s is cancelled.") % {"title": review.title}


class ReviewAgendaRefreshView(_ReviewWrite):
    """Build the agenda again from today's scorecard, plans, open items and issues."""

    def perform(self, data):
        return review_agenda_refresh(actor=self.actor, review=self.object)

    def success_message(self, review) -> str:
        return gettext("The agenda is up to date.")


class ReviewHoldView(_ReviewWrite):
    """Mark the review held, with its notes and ratings; the PDF summary follows."""

    form_class, form_name = HoldForm, "hold"

    def perform(self, data):
        return review_hold(actor=self.actor, review=self.object, notes=data["notes"], ratings=self.form.ratings())

    def success_message(self, review) -> str:
        return gettext("Held. The summary is being written; both sides are told when it is ready.")


class ReviewRateView(_ReviewWrite):
    """Correct a held review's notes and ratings (the summary is written again)."""

    form_class, form_name = RateForm, "rate"

    def perform(self, data):
        return review_rate(actor=self.actor, review=self.object, notes=data["notes"], ratings=self.form.ratings())

    def success_message(self, review) -> str:
        return gettext("Notes and ratings saved.")


class ReviewActionAddView(_ReviewWrite):
    form_class, form_name = ActionAddForm, "action"

    def get_form_kwargs(self):
        return {"owners": owner_options_for_review(actor=self.actor, review=self.object)}

    def perform(self, data):
        owner = owner_for_review(review=self.object, owner_id=data["owner"])
        if owner is None:
            raise PolicyViolation(gettext("Choose the owner among the partner's people or the vendor's staff."))
        return action_add(actor=self.actor, review=self.object, title=data["title"], owner=owner, due_on=data["due_on"])

    def success_message(self, item) -> str:
        return gettext("“%(action)s” is assigned to %(person)s.") % {"action": item.title, "person": item.owner.user}


class OfficeActionCompleteView(ServiceView):
    """Mark an action item done (its owner among the staff, or a channel manager)."""

    area, capability = OFFICE, SCORECARDS_VIEW
    form_class = ActionCompleteForm

    def get_object(self):
        return action_get_for_actor(actor=self.actor, action_id=self.kwargs["action_id"])

    def perform(self, data):
        return action_complete(actor=self.actor, item=self.object, note=data["note"])

    def success_message(self, item) -> str:
        return gettext("Done: “%(action)s”.") % {"action": item.title}

    def success_url(self, item) -> str:
        return reverse("office:review_detail", kwargs={"review_id": self.object.review_id})

    def render_invalid(self, form):
        review = review_get_for_actor(actor=self.actor, review_id=self.object.review_id)
        context = office_review_context(self.request, self.actor, review, complete_form=form)
        return render(self.request, OFFICE_TEMPLATE, context)


# --- the invitation and the summary (both sides) ------------------------------------------------------------


def ics_response(request, review, *, area: str) -> HttpResponse:
    """The review's calendar invitation (a cancellation once cancelled), for the reader's side."""
    if review.starts_at is None:
        raise Http404
    name = "office:review_detail" if area == OFFICE else "portal:review_detail"
    url = request.build_absolute_uri(reverse(name, kwargs={"review_id": review.pk}))
    data = review_invitation(
        review=review, attendees=review_attendees(review), url=url, description=agenda_text(review.agenda)
    )
    method = "CANCEL" if review.status == ReviewStatus.CANCELLED else "REQUEST"
    response = HttpResponse(data, content_type=f"text/calendar; charset=utf-8; method={method}")
    response["Content-Disposition"] = f'attachment; filename="review-{review.pk}.ics"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def pdf_response(review):
    if review.status != ReviewStatus.HELD or not review.summary_pdf:
        raise Http404
    return document_response(review.summary_pdf, name=f"review-{review.pk}")


class OfficeReviewIcsView(MemberRequiredMixin, View):
    area, capability = OFFICE, SCORECARDS_VIEW

    def get(self, request, review_id: int):
        return ics_response(request, review_get_for_actor(actor=self.actor, review_id=review_id), area=OFFICE)


class OfficeReviewPdfView(MemberRequiredMixin, View):
    area, capability = OFFICE, SCORECARDS_VIEW

    def get(self, request, review_id: int):
        return pdf_response(review_get_for_actor(actor=self.actor, review_id=review_id))


class PortalReviewIcsView(MemberRequiredMixin, View):
    area, capability = PORTAL, SCORECARD_OWN

    def get(self, request, review_id: int):
        return ics_response(request, review_get_for_actor(actor=self.actor, review_id=review_id), area=PORTAL)


class PortalReviewPdfView(MemberRequiredMixin, View):
    area, capability = PORTAL, SCORECARD_OWN

    def get(self, request, review_id: int):
        return pdf_response(review_get_for_actor(actor=self.actor, review_id=review_id))


# --- the portal ---------------------------------------------------------------------------------------------


class PortalReviewListView(MemberRequiredMixin, View):
    """The company's relationship reviews: the next one first, then the ones held (with their
    summaries), a page at a time; and how many action items are open."""

    area, capability = PORTAL, SCORECARD_OWN

    def get(self, request):
        rows, counted = review_portal_rows_for_actor(actor=self.actor)
        page = paginate(request, rows, count_from=counted)
        detail_url = url_pattern("portal:review_detail", "review_id")
        labels = dict(ReviewStatus.choices)
        for row in page.object_list:
            row["url"] = detail_url(row["id"])
            row["status_label"] = labels.get(row["status"], row["status"])
            row["starts"] = shown_time(row["starts_at"])
            row["held"] = shown_time(row["held_at"])
            row["organizer"] = person_name(row["organizer_first"], row["organizer_last"], row["organizer_email"])
        _actions, open_actions = action_rows_for_actor(actor=self.actor)
        context = {"page": page, "query": query_without_page(request), "open_actions": open_actions.count()}
        return render(request, "scorecards/reviews/portal_list.html", context)


def portal_review_context(actor, review, **overrides) -> dict:
    context = {
        "review": review,
        "area": PORTAL,
        "agenda": agenda_shown(review.agenda),
        "ratings": ratings_for_review(review) if review.status == ReviewStatus.HELD else [],
        "actions": actions_for_review(actor=actor, review=review),
        "events": events_for_review(actor=actor, review=review),
        "complete_form": ActionCompleteForm(),
    }
    context.update(overrides)
    return context


class PortalReviewDetailView(MemberRequiredMixin, View):
    area, capability = PORTAL, SCORECARD_OWN

    def get(self, request, review_id: int):
        review = review_get_for_actor(actor=self.actor, review_id=review_id)
        return render(request, PORTAL_TEMPLATE, portal_review_context(self.actor, review))


class PortalActionListView(MemberRequiredMixin, View):
    """The company's action items from reviews (or only mine), the open ones first by due date."""

    area, capability = PORTAL, SCORECARD_OWN

    def get(self, request):
        filter_form = ActionFilterForm(request.GET)
        show, open_only = filter_form.values()
        rows, counted = action_rows_for_actor(actor=self.actor, show=show, open_only=open_only)
        page = paginate(request, rows, count_from=counted)
        review_url = url_pattern("portal:review_detail", "review_id")
        today = timezone.localdate()
        may_any = self.actor.can(PEOPLE_MANAGE)
        for row in page.object_list:
            row["review_url"] = review_url(row["review_id"])
            row["owner"] = person_name(row["owner_first"], row["owner_last"], row["owner_email"])
            row["overdue"] = row["status"] == ActionStatus.OPEN and row["due_on"] < today
            row["may_complete"] = row["status"] == ActionStatus.OPEN and (
                row["owner_id"] == self.actor.pk or (may_any and row["owner_partner_id"] is not None)
            )
        context = {
            "filter_form": filter_form,
            "page": page,
            "query": query_without_page(request),
            "complete_form": ActionCompleteForm(),
        }
        return render(request, "scorecards/reviews/portal_actions.html", context)


class PortalActionCompleteView(ServiceView):
    """The owner (or the company's admin) marks an action item done; back to where it was done
    (``?back=list``: the action items' list)."""

    area, capability = PORTAL, SCORECARD_OWN
    form_class = ActionCompleteForm

    def get_object(self):
        return action_get_for_actor(actor=self.actor, action_id=self.kwargs["action_id"])

    def perform(self, data):
        return action_complete(actor=self.actor, item=self.object, note=data["note"])

    def success_message(self, item) -> str:
        return gettext("Done: “%(action)s”. The vendor is told.") % {"action": item.title}

    def success_url(self, item=None) -> str:
        if self.request.GET.get("back") == "list":
            return reverse("portal:action_items")
        return reverse("portal:review_detail", kwargs={"review_id": self.object.review_id})

    def render_invalid(self, form):
        review = review_get_for_actor(actor=self.actor, review_id=self.object.review_id)
        return render(self.request, PORTAL_TEMPLATE, portal_review_context(self.actor, review, complete_form=form))


office_urlpatterns = [
    path("reviews/", ReviewListView.as_view(), name="reviews"),
    path("reviews/new/", ReviewCreateView.as_view(), name="review_create"),
    path("reviews/<int:review_id>/", ReviewDetailView.as_view(), name="review_detail"),
    path("reviews/<int:review_id>/schedule/", ReviewScheduleView.as_view(), name="review_schedule"),
    path("reviews/<int:review_id>/cancel/", ReviewCancelView.as_view(), name="review_cancel"),
    path("reviews/<int:review_id>/agenda/", ReviewAgendaRefreshView.as_view(), name="review_agenda_refresh"),
    path("reviews/<int:review_id>/hold/", ReviewHoldView.as_view(), name="review_hold"),
    path("reviews/<int:review_id>/rate/", ReviewRateView.as_view(), name="review_rate"),
    path("reviews/<int:review_id>/actions/", ReviewActionAddView.as_view(), name="review_action_add"),
    path("reviews/actions/<int:action_id>/done/", OfficeActionCompleteView.as_view(), name="action_complete"),
    path("reviews/<int:review_id>/summary.pdf", OfficeReviewPdfView.as_view(), name="review_pdf"),
    path("reviews/<int:review_id>/invitation.ics", OfficeReviewIcsView.as_view(), name="review_ics"),
]
portal_urlpatterns = [
    path("reviews/", PortalReviewListView.as_view(), name="reviews"),
    path("reviews/actions/", PortalActionListView.as_view(), name="action_items"),
    path("reviews/actions/<int:action_id>/done/", PortalActionCompleteView.as_view(), name="action_complete"),
    path("reviews/<int:review_id>/", PortalReviewDetailView.as_view(), name="review_detail"),
    path("reviews/<int:review_id>/summary.pdf", PortalReviewPdfView.as_view(), name="review_pdf"),
    path("reviews/<int:review_id>/invitation.ics", PortalReviewIcsView.as_view(), name="review_ics"),
]

__all__ = ["office_urlpatterns", "portal_urlpatterns"]
