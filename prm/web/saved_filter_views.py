"""The two writes of saved filters (``saved_filters``): save the list's filters, delete one. Both
come back to the list page; a refusal comes back with its message (the list page shows the
filters as they were)."""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from prm.accounts.access import OFFICE

from .models import SAVED_FILTER_NAME_MAX, SAVED_FILTER_QUERY_MAX
from .saved_filters import FILTER_PAGES, saved_filter_delete, saved_filter_get_for_actor, saved_filter_save
from .views import ServiceView


class SavedFilterForm(forms.Form):
    name = forms.CharField(
        label=_("Save these filters as"),
        max_length=SAVED_FILTER_NAME_MAX,
        error_messages={"required": _("Give the filter a name.")},
    )
    query = forms.CharField(required=False, max_length=SAVED_FILTER_QUERY_MAX * 2, widget=forms.HiddenInput)
    shared = forms.BooleanField(required=False, label=_("Share with the whole back office"))


def _page_url(page: str, query: str = "") -> str:
    entry = FILTER_PAGES.get(page)
    url = reverse(entry.url_name) if entry else reverse("home")
    return f"{url}?{query}" if query else url


class SavedFilterSaveView(ServiceView):
    """Save the list's current filters under a name (the page's capability is the service's check)."""

    area = OFFICE
    form_class = SavedFilterForm

    def get_object(self):
        return self.kwargs["page"]

    @property
    def invalid_message(self) -> str:
        errors = getattr(self, "form", None) and self.form.errors.get("name")
        return errors[0] if errors else gettext("The filter was not saved.")

    def perform(self, data):
        return saved_filter_save(
            actor=self.actor, page=self.object, name=data["name"], query=data["query"], shared=data["shared"]
        )

    def success_message(self, saved) -> str:
        return gettext("The filters are saved as “%(name)s”.") % {"name": saved.name}

    def success_url(self, saved) -> str:
        return _page_url(saved.page, saved.query)

    def render_invalid(self, form):
        # The message says what went wrong; the list comes back with the filters that were on it.
        return redirect(_page_url(self.object, self.request.POST.get("query", "")[:SAVED_FILTER_QUERY_MAX]))


class SavedFilterDeleteView(ServiceView):
    """Delete one of one's saved filters (another's shared one is refused by the service)."""

    area = OFFICE

    def get_object(self):
        return saved_filter_get_for_actor(actor=self.actor, saved_filter_id=self.kwargs["saved_filter_id"])

    def perform(self, data):
        return saved_filter_delete(actor=self.actor, saved_filter=self.object)

    def success_message(self, result) -> str:
        return gettext("The saved filter “%(name)s” is deleted.") % {"name": self.object.name}

    def success_url(self, result) -> str:
        return _page_url(self.object.page)

    def render_invalid(self, form):
        return redirect(_page_url(self.object.page))
