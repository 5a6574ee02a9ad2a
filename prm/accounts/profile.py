"""A person's own reading settings: the language and time zone of everything they read.

One page in each area (``office:profile``, ``portal:profile``), linked from the user menu. The
choice is the person's (``User``), so it follows them through sign-out and into every vendor's
portal; left empty, each vendor's default applies (``prm.l10n``).
"""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext, override

from prm.l10n import language_for
from prm.web.views import ServiceView

from .access import OFFICE, PORTAL
from .models import User


class ReadingSettingsForm(forms.ModelForm):
    """The language and time zone a person reads in (both optional: the vendor's default)."""

    class Meta:
        model = User
        fields = ["language", "time_zone"]


@transaction.atomic
def user_reading_settings_update(*, actor, language: str, time_zone: str) -> User:
    """``actor``'s person chooses their language and time zone ("" for the vendor's default).

    The user row is platform-level and theirs alone; locked so that two tabs saving at once
    leave one whole choice, not a mix."""
    user = User.objects.select_for_update().get(pk=actor.user_id)
    user.language, user.time_zone = language, time_zone
    user.save(update_fields=["language", "time_zone"])
    return user


class ReadingSettingsView(ServiceView):
    """The "Language and time zone" page of the signed-in person."""

    form_class = ReadingSettingsForm
    url_name = ""

    def _page(self, form):
        return render(self.request, "accounts/profile.html", {"form": form})

    def get(self, request):
        return self._page(ReadingSettingsForm(instance=request.user))

    def get_form_kwargs(self):
        return {"instance": User(pk=self.request.user.pk)}

    def perform(self, data):
        return user_reading_settings_update(actor=self.actor, language=data["language"], time_zone=data["time_zone"])

    def success_message(self, user):
        # In the language just chosen: the page it leads to speaks it too.
        with override(language_for(user=user, tenant=self.request.tenant)):
            return gettext("Your language and time zone are saved.")

    def success_url(self, user):
        return reverse(self.url_name)

    def render_invalid(self, form):
        return self._page(form)


class OfficeReadingSettingsView(ReadingSettingsView):
    area, url_name = OFFICE, "office:profile"


class PortalReadingSettingsView(ReadingSettingsView):
    area, url_name = PORTAL, "portal:profile"


office_urlpatterns = [path("profile/", OfficeReadingSettingsView.as_view(), name="profile")]
portal_urlpatterns = [path("profile/", PortalReadingSettingsView.as_view(), name="profile")]
