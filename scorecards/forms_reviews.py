"""Forms of relationship reviews: the list's filter, opening one, scheduling it (a day and a time in
the vendor's time zone), cancelling, holding it (notes and ratings), correcting the ratings,
action items."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Criterion, ReviewStatus
from .selectors.reviews import ALL, COMPANY_ACTIONS, MINE_ACTIONS, OPEN
from .services.reviews import Rating

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
RATING_CHOICES = [("", pgettext_lazy("no rating", "Not rated")), *((str(n), str(n)) for n in range(1, 6))]


class ReviewFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            (OPEN, _("Open (due or scheduled)")),
            (ReviewStatus.DUE, ReviewStatus.DUE.label),
            (ReviewStatus.SCHEDULED, ReviewStatus.SCHEDULED.label),
            (ReviewStatus.HELD, ReviewStatus.HELD.label),
            (ReviewStatus.CANCELLED, ReviewStatus.CANCELLED.label),
            (ALL, _("All")),
        ],
    )
    mine = forms.BooleanField(label=_("Only mine (I organize them or manage the partner)"), required=False)

    def values(self) -> tuple[str, bool]:
        if not self.is_valid():
            return OPEN, False
        return self.cleaned_data.get("status") or OPEN, bool(self.cleaned_data.get("mine"))


class _Prefixed(forms.Form):
    """The review's page holds several forms: each its own element ids (``id_prefix``)."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class _When(_Prefixed):
    """A day and a time in the vendor's time zone (``zone``), a duration and a place."""

    day = forms.DateField(label=_("Day"), widget=DATE)
    time = forms.TimeField(label=_("Time"), widget=TIME)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=15, max_value=480, initial=60)
    location = forms.CharField(
        label=_("Place or meeting link"),
        max_length=300,
        required=False,
        help_text=_("An address, a room or the video call's link; it goes into the invitation."),
    )

    def __init__(self, *args, zone: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zoneinfo.ZoneInfo(zone)
        self.fields["time"].help_text = _("In the vendor's time zone (%(zone)s).") % {"zone": zone}

    def starts_at(self) -> datetime | None:
        day, time = self.cleaned_data.get("day"), self.cleaned_data.get("time")
        if day is None or time is None:
            return None
        return datetime.combine(day, time).replace(tzinfo=self.zone)

    def clean(self):
        cleaned = super().clean()
        starts_at = self.starts_at()
        if starts_at is not None and starts_at < timezone.now():
            self.add_error("day", _("Choose a time ahead: this one has passed."))
        return cleaned


class ScheduleForm(_When):
    id_prefix = "schedule"
    title = forms.CharField(label=_("Title"), max_length=160, required=False)


class ReviewCreateForm(_When):
    """Open a review with a partner; a day and a time schedule it at once."""

    partner = forms.TypedChoiceField(label=_("Partner"), coerce=int, choices=())
    title = forms.CharField(
        label=_("Title"), max_length=160, required=False, help_text=_("Blank: “Relationship review” and the quarter.")
    )
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DATE, help_text=_("Blank: today."))

    field_order = ["partner", "title", "due_on", "day", "time", "duration_minutes", "location"]

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [("", "---------"), *partners]
        self.fields["day"].required = False
        self.fields["time"].required = False
        self.fields["day"].help_text = _("Optional: with a day and a time the review is scheduled at once.")

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("day")) != bool(cleaned.get("time")) and not self.errors.get("day"):
            self.add_error("time" if cleaned.get("day") else "day", _("Give both the day and the time, or neither."))
        return cleaned


class CancelForm(_Prefixed):
    id_prefix = "cancel"
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Sent to the attendees with the cancellation."),
    )


class _Ratings(_Prefixed):
    """The notes and a rating (1-5, or none) with a comment on each criterion of the agreement."""

    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in Criterion.choices:
            self.fields[f"rating_{value}"] = forms.ChoiceField(label=label, choices=RATING_CHOICES, required=False)
            self.fields[f"comment_{value}"] = forms.CharField(
                label=_("Comment on “%(criterion)s”") % {"criterion": label}, max_length=300, required=False
            )

    def ratings(self) -> dict[str, Rating]:
        found = {}
        for value in Criterion.values:
            given = self.cleaned_data.get(f"rating_{value}")
            if given:
                found[value] = Rating(int(given), self.cleaned_data.get(f"comment_{value}") or "")
        return found

    def criteria(self):
        """(rating field, comment field) per criterion, for the template."""
        return [(self[f"rating_{value}"], self[f"comment_{value}"]) for value in Criterion.values]


class HoldForm(_Ratings):
    id_prefix = "hold"


class RateForm(_Ratings):
    id_prefix = "rate"


class ActionAddForm(_Prefixed):
    id_prefix = "action"
    title = forms.CharField(label=pgettext_lazy("action item", "Action"), max_length=200)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, choices=())
    due_on = forms.DateField(label=_("Due on"), widget=DATE)

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "---------"), *owners]


class ActionCompleteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ActionFilterForm(forms.Form):
    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[(COMPANY_ACTIONS, _("My company's")), (MINE_ACTIONS, _("Mine"))],
    )
    done = forms.BooleanField(label=_("Done ones too"), required=False)

    def values(self) -> tuple[str, bool]:
        if not self.is_valid():
            return COMPANY_ACTIONS, True
        return self.cleaned_data.get("show") or COMPANY_ACTIONS, not self.cleaned_data.get("done")
