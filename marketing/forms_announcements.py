"""Forms of announcements: the back office's announcement (its text, schedule and audience: the
marketing forms' one chooser, ``forms_audience``) and list filter, the portal's e-mail preference.
Input validation only: the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms_audience import TICKS, AudienceFields
from .models import DigestFrequency
from .selectors.announcements import CURRENT, DRAFT, EXPIRED, SCHEDULED
from .services.announcements import BODY_MAX, TITLE_MAX

WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AnnouncementForm(AudienceFields):
    """An announcement: its text, when it shows, whether it is e-mailed, and whom it is for."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Plain text: line breaks are kept, links are shown as typed."),
    )
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=WHEN,
        help_text=_("Blank: now. A later time schedules it (in your time zone)."),
    )
    expires_at = forms.DateTimeField(
        label=_("Expires at"), required=False, widget=WHEN, help_text=_("Blank: it stays until withdrawn.")
    )
    pinned = forms.BooleanField(label=_("Pin it to the top"), required=False)
    send_email = forms.BooleanField(
        label=_("Also send it by e-mail"),
        required=False,
        help_text=_("When it is published; people who chose a daily or weekly digest find it there."),
    )
    is_draft = forms.BooleanField(label=_("Keep it as a draft (nobody sees it yet)"), required=False)

    @classmethod
    def initial_from(cls, announcement) -> dict:
        """The form filled in with ``announcement`` as it is (its edit page)."""
        return {
            "title": announcement.title,
            "body": announcement.body,
            "publish_at": announcement.publish_at,
            "expires_at": announcement.expires_at,
            "pinned": announcement.pinned,
            "send_email": announcement.send_email,
            "is_draft": announcement.is_draft,
            **cls.audience_initial(announcement),
        }

    def announcement_fields(self) -> dict:
        """The cleaned data as the services take them."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body": data["body"],
            "publish_at": data.get("publish_at"),
            "expires_at": data.get("expires_at"),
            "pinned": bool(data.get("pinned")),
            "send_email": bool(data.get("send_email")),
            "is_draft": bool(data.get("is_draft")),
            "audience": self.audience(),
        }

    def clean(self):
        data = super().clean()
        publish_at, expires_at = data.get("publish_at"), data.get("expires_at")
        if publish_at and expires_at and expires_at <= publish_at:
            self.add_error("expires_at", _("It expires after it is published: choose a later time."))
        return data


class AnnouncementFilterForm(forms.Form):
    """The back office's list: by state."""

    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("Every announcement")),
            (CURRENT, _("Shown now")),
            (SCHEDULED, _("Scheduled")),
            (DRAFT, _("Drafts")),
            (EXPIRED, _("Expired")),
        ],
    )

    def value(self) -> str:
        """The state chosen ("" for every one, or when the query string is invalid)."""
        if not self.is_valid():
            return ""
        return self.cleaned_data.get("state") or ""


class PreferenceForm(forms.Form):
    """How a person wants announcements by e-mail."""

    frequency = forms.ChoiceField(
        label=_("Announcements by e-mail"), choices=DigestFrequency.choices, widget=forms.RadioSelect(attrs=TICKS)
    )
