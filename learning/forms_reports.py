"""The learning reports' filters (a query string): validation only. A value that does not
validate is dropped field by field, never a 500."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from prm.segments import REGION_CHOICES

from .selectors.reports import HORIZONS, PERIODS, ReportFilters

# A bigint's range: an id past it would be a database error, not "no such row".
_ID_MAX = 2**63 - 1


def _period_label(days: int):
    if not days:
        return _("All time")
    return ngettext_lazy("Last %(days)d day", "Last %(days)d days", days) % {"days": days}


class ReportFilterForm(forms.Form):
    course = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label=_("Course"))
    partner = forms.IntegerField(required=False, min_value=1, max_value=_ID_MAX, widget=forms.HiddenInput)
    partner_name = forms.CharField(required=False, max_length=100, label=_("Partner"))
    region = forms.ChoiceField(
        choices=[("", _("Any region")), *REGION_CHOICES], required=False, label=_("Region served")
    )
    period = forms.TypedChoiceField(
        coerce=int, empty_value=0, required=False, label=_("Enrolled or submitted in"), choices=()
    )
    horizon = forms.TypedChoiceField(coerce=int, empty_value=HORIZONS[0], required=False, choices=())

    def __init__(self, *args, courses=(), clock=(None, None), **kwargs):
        super().__init__(*args, **kwargs)
        self.clock = clock
        self.fields["course"].choices = [("", _("Every course")), *((str(pk), title) for pk, title in courses)]
        self.fields["period"].choices = [(str(days) if days else "", _period_label(days)) for days in PERIODS]
        self.fields["horizon"].choices = [(str(days), str(days)) for days in HORIZONS]

    def _clean(self) -> dict:
        self.is_valid()
        data = dict(getattr(self, "cleaned_data", {}))
        for name in self.errors:  # an invalid field is no filter; the others still apply
            data.pop(name, None)
        return data

    def filters(self) -> ReportFilters:
        data = self._clean()
        return ReportFilters(
            course_id=data.get("course"),
            partner_id=data.get("partner"),
            partner_name=(data.get("partner_name") or "").strip(),
            region=data.get("region") or "",
            period_days=data.get("period") or 0,
            today=self.clock[0],
            zone=self.clock[1],
        )

    def chosen_horizon(self) -> int:
        return self._clean().get("horizon") or HORIZONS[0]
