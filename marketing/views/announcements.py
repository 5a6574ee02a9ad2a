"""Pages of announcements.

* portal (``CONTENT_VIEW``): ``portal:announcements`` (the current ones for the person, unread
  first, then pinned, then the newest; "mark all read": ``portal:announcements_read_all``),
  ``portal:announcement`` (one announcement; opening it records the person's read receipt; a 404
  outside its audience, before its time or after its expiry), ``portal:announcement_settings``
  (one e-mail each, a daily or a weekly digest, or none);
* office (``MARKETING_VIEW`` reads, ``MARKETING_MANAGE`` writes): ``office:announcements`` (every
  announcement with its state, audience size and readers), ``office:announcement_create``,
  ``office:announcement`` (the text, the audience and who read it, a page at a time),
  ``office:announcement_edit``, ``office:announcement_pin`` / ``_unpin``,
  ``office:announcement_withdraw``.
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views import View

from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.web.views import ServiceView, paginate, query_without_page, url_pattern

from ..forms_announcements import AnnouncementFilterForm, AnnouncementForm, PreferenceForm
from ..models import DigestFrequency
from ..permissions import CONTENT_VIEW, MARKETING_MANAGE, MARKETING_VIEW
from ..selectors.announcements import (
    CURRENT,
    DRAFT,
    EXPIRED,
    SCHEDULED,
    announcement_frequency_for,
    announcement_get_for_actor,
    announcement_get_for_office,
    announcement_list_for_actor,
    announcement_office_list,
    announcement_receipts,
    state_of,
)
from ..selectors.audience import audience_labels, audience_options
from ..services.announcements import (
    announcement_create,
    announcement_pin,
    announcement_preference_set,
    announcement_read,
    announcement_update,
    announcement_withdraw,
    announcements_mark_all_read,
)

T = "marketing/announcements/"
STATE_LABELS = {
    DRAFT: gettext_lazy("Draft"),
    SCHEDULED: gettext_lazy("Scheduled"),
    CURRENT: gettext_lazy("Shown now"),
    EXPIRED: gettext_lazy("Expired"),
}


# --- the portal ---------------------------------------------------------------------------------------


class PortalAnnouncementsView(MemberRequiredMixin, View):
    """The current announcements for the person: unread first, then pinned, then the newest."""

    area, capability = PORTAL, CONTENT_VIEW

    def get(self, request):
        rows, counted = announcement_list_for_actor(actor=self.actor)
        page = paginate(request, rows, count_from=counted)
        detail = url_pattern("portal:announcement", "announcement_id")
        for row in page.object_list:
            row["url"] = detail(row["id"])
        unread = page.object_list[0]["unread_total"] if page.object_list else 0
        context = {"page": page, "query": query_without_page(request), "unread": unread}
        return render(request, f"{T}portal_list.html", context)


class PortalAnnouncementView(MemberRequiredMixin, View):
    """One announcement; opening it is reading it (the receipt, once)."""

    area, capability = PORTAL, CONTENT_VIEW

    def get(self, request, announcement_id: int):
        announcement = announcement_get_for_actor(actor=self.actor, announcement_id=announcement_id)
        if not announcement.is_read:
            announcement_read(actor=self.actor, announcement=announcement)
        return render(request, f"{T}portal_detail.html", {"announcement": announcement})


class MarkAllReadView(ServiceView):
    """Every current announcement read, at once."""

    area, capability = PORTAL, CONTENT_VIEW

    def perform(self, data):
        return announcements_mark_all_read(actor=self.actor)

    def success_message(self, marked) -> str:
        if not marked:
            return gettext("You had read every announcement already.")
        return ngettext("%(count)s announcement marked as read.", "%(count)s announcements marked as read.", marked) % {
            "count": marked
        }

    def success_url(self, result) -> str:
        return reverse("portal:announcements")

    def render_invalid(self, form):  # refused (not a partner user's): back to the list
        return redirect("portal:announcements")


class AnnouncementSettingsView(ServiceView):
    """How the person wants announcements by e-mail."""

    area, capability = PORTAL, CONTENT_VIEW
    form_class = PreferenceForm

    def get(self, request):
        return self.render_invalid(PreferenceForm(initial={"frequency": announcement_frequency_for(actor=self.actor)}))

    def perform(self, data):
        return announcement_preference_set(actor=self.actor, frequency=data["frequency"])

    def success_message(self, preference) -> str:
        return gettext("Saved: %(choice)s.") % {"choice": DigestFrequency(preference.frequency).label}

    def success_url(self, result) -> str:
        return reverse("portal:announcement_settings")

    def render_invalid(self, form):
        return render(self.request, f"{T}portal_settings.html", {"form": form})


# --- the back office ----------------------------------------------------------------------------------


class OfficeAnnouncementsView(MemberRequiredMixin, View):
    """Every announcement, pinned ones first, then the newest: state, audience, readers."""

    area, capability = OFFICE, MARKETING_VIEW

    def get(self, request):
        filter_form = AnnouncementFilterForm(request.GET)
        rows, counted = announcement_office_list(actor=self.actor, state=filter_form.value())
        page = paginate(request, rows, count_from=counted)
        detail = url_pattern("office:announcement", "announcement_id")
        options, now = audience_options(), timezone.now()
        for row in page.object_list:
            row["url"] = detail(row["id"])
            row["state"] = state = state_of(row, now)
            row["state_label"] = STATE_LABELS[state]
            row["audience"] = audience_labels(row, options=options)
        context = {
            "filter_form": filter_form,
            "page": page,
            "query": query_without_page(request),
            "may_manage": self.actor.can(MARKETING_MANAGE),
        }
        return render(request, f"{T}office_list.html", context)


def _detail_context(request, actor, announcement_id: int) -> dict:
    announcement = announcement_get_for_office(actor=actor, announcement_id=announcement_id)
    rows, counted = announcement_receipts(actor=actor, announcement=announcement)
    state = state_of(announcement)
    return {
        "announcement": announcement,
        "state": state,
        "state_label": STATE_LABELS[state],
        "audience": audience_labels(announcement),
        "receipts": paginate(request, rows, count_from=counted),
        "query": query_without_page(request),
        "may_manage": actor.can(MARKETING_MANAGE),
        "unread": max(announcement.audience_size - announcement.read_count, 0),
    }


class OfficeAnnouncementView(MemberRequiredMixin, View):
    """One announcement: its text, schedule and audience, and who read it."""

    area, capability = OFFICE, MARKETING_VIEW

    def get(self, request, announcement_id: int):
        return render(request, f"{T}office_detail.html", _detail_context(request, self.actor, announcement_id))


class AnnouncementCreateView(ServiceView):
    """A new announcement: published now, scheduled, or kept as a draft."""

    area, capability = OFFICE, MARKETING_MANAGE
    invalid_message = gettext_lazy("The announcement was not saved: correct the fields marked below.")

    def get_form(self):
        return AnnouncementForm(self.request.POST)

    def get(self, request):
        return self.render_invalid(AnnouncementForm())

    def perform(self, data):
        return announcement_create(actor=self.actor, **self.form.announcement_fields())

    def success_message(self, announcement) -> str:
        return _saved(announcement)

    def success_url(self, announcement) -> str:
        return reverse("office:announcement", args=[announcement.pk])

    def render_invalid(self, form):
        return render(self.request, f"{T}office_form.html", {"form": form, "announcement": None})


def _saved(announcement) -> str:
    state = state_of(announcement)
    if state == DRAFT:
        return gettext("%(title)s is saved as a draft.") % {"title": announcement.title}
    if state == SCHEDULED:
        return gettext("%(title)s is scheduled.") % {"title": announcement.title}
    return gettext("%(title)s is saved.") % {"title": announcement.title}


class _AnnouncementAction(ServiceView):
    """A write on one announcement from its page: back to the page."""

    area, capability = OFFICE, MARKETING_MANAGE

    def get_object(self):
        return announcement_get_for_office(actor=self.actor, announcement_id=self.kwargs["announcement_id"])

    def success_url(self, announcement) -> str:
        return reverse("office:announcement", args=[announcement.pk])

    def render_invalid(self, form):
        context = _detail_context(self.request, self.actor, self.kwargs["announcement_id"])
        return render(self.request, f"{T}office_detail.html", context)


class AnnouncementEditView(_AnnouncementAction):
    """An announcement's text, schedule and audience (a page of its own)."""

    invalid_message = gettext_lazy("The announcement was not saved: correct the fields marked below.")

    def get_form(self):
        return AnnouncementForm(self.request.POST)

    def get(self, request, announcement_id: int):
        self.object = announcement = self.get_object()
        return self.render_invalid(AnnouncementForm(initial=AnnouncementForm.initial_from(announcement)))

    def perform(self, data):
        return announcement_update(actor=self.actor, announcement=self.object, **self.form.announcement_fields())

    def success_message(self, announcement) -> str:
        return _saved(announcement)

    def render_invalid(self, form):
        context = {"form": form, "announcement": self.object}
        return render(self.request, f"{T}office_form.html", context)


class PinView(_AnnouncementAction):
    pinned = True

    def perform(self, data):
        return announcement_pin(actor=self.actor, announcement=self.object, pinned=self.pinned)

    def success_message(self, announcement) -> str:
        if self.pinned:
            return gettext("Pinned: it shows at the top of the partners' lists.")
        return gettext("Unpinned.")


class UnpinView(PinView):
    pinned = False


class WithdrawView(_AnnouncementAction):
    def perform(self, data):
        return announcement_withdraw(actor=self.actor, announcement=self.object)

    def success_message(self, announcement) -> str:
        if announcement.is_draft:
            return gettext("Withdrawn before it was shown: it is a draft again.")
        return gettext("Withdrawn: partners no longer see it.")


one = "announcements/<int:announcement_id>/"
office_urlpatterns: list = [
    path("announcements/", OfficeAnnouncementsView.as_view(), name="announcements"),
    path("announcements/new/", AnnouncementCreateView.as_view(), name="announcement_create"),
    path(one, OfficeAnnouncementView.as_view(), name="announcement"),
    path(f"{one}edit/", AnnouncementEditView.as_view(), name="announcement_edit"),
    path(f"{one}pin/", PinView.as_view(), name="announcement_pin"),
    path(f"{one}unpin/", UnpinView.as_view(), name="announcement_unpin"),
    path(f"{one}withdraw/", WithdrawView.as_view(), name="announcement_withdraw"),
]
portal_urlpatterns: list = [
    path("announcements/", PortalAnnouncementsView.as_view(), name="announcements"),
    path("announcements/read/", MarkAllReadView.as_view(), name="announcements_read_all"),
    path("announcements/settings/", AnnouncementSettingsView.as_view(), name="announcement_settings"),
    path(one, PortalAnnouncementView.as_view(), name="announcement"),
]
del one
