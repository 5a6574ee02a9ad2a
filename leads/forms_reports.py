"""The lead reports' filters (a query string): validation only. A value that does not validate
is dropped field by field (the default applies), never a 500."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors.reports import Period, period_for

# A custom range longer than this is cut to its last so many days (a report over years reads every
# offer of those years; the bench's tenant makes ~10,000 a month).
MAX_RANGE_DAYS = 366
# A bigint's range: an id past it would be a database error, not "no such row".
_ID_MAX = 2**63 - 1

PERIOD_CHOICES = [
    ("month", _("This month")),
    ("30", _("Last 30 days")),
    ("90", _("Last 90 days")),
    ("custom", _("Custom range")),
]
SORT_CHOICES = [
    ("offered", _("Most offers first")),
    ("below", _("Furthest below its expected share first")),
    ("name", _("Partner name")),
]


class FairnessFilterForm(forms.Form):
    period = forms.ChoiceField(choices=PERIOD_CHOICES, required=False, label=_("Period"))
    start = forms.DateField(required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    program = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label=_("Program"))
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False, label=_("Order"))

    def __init__(self, *args, programs=(), today: date, zone, **kwargs):
        super().__init__(*args, **kwargs)
        self.today, self.zone = today, zone
        self.fields["program"].choices = [("", _("Every program")), *((str(pk), name) for pk, name in programs)]

    def _clean(self) -> dict:
        self.is_valid()
        data = dict(getattr(self, "cleaned_data", {}))
        for name in self.errors:  # an invalid field is no filter; the others still apply
            data.pop(name, None)
        return data

    def chosen_period(self) -> Period:
        data = self._clean()
        first, last = data.get("start"), data.get("end")
        for day in (first, last):
            if day is not None and not (date(2000, 1, 1) <= day <= date(2999, 12, 31)):
                first = last = None
        period = period_for(data.get("period") or "month", today=self.today, zone=self.zone, first=first, last=last)
        if period.days > MAX_RANGE_DAYS:
            period = Period(period.last - timedelta(days=MAX_RANGE_DAYS - 1), period.last, period.zone)
        return period

    def chosen_program(self) -> int | None:
        program = self._clean().get("program")
        return program if program and 0 < program <= _ID_MAX else None

    def chosen_sort(self) -> str:
        return self._clean().get("sort") or "offered"
