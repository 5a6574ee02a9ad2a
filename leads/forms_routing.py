"""Forms of the routing part: offering a lead to a chosen partner, a partner's capacity, and its
locations."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from prm.countries import COUNTRY_CHOICES


class OfferToForm(forms.Form):
    """Staff offer the lead to a partner of their choice (never one that had it before)."""

    partner = forms.TypedChoiceField(label=_("Partner"), coerce=int, choices=())
    note = forms.CharField(label=_("Why this partner"), max_length=500, required=False)

    def __init__(self, *args, partners: list[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [("", "---------"), *partners]


class CapacityForm(forms.Form):
    monthly_cap = forms.IntegerField(
        label=_("Monthly cap"), min_value=0, max_value=100000, required=False, help_text=_("Empty: no cap.")
    )
    daily_quota = forms.IntegerField(
        label=_("Daily quota"), min_value=0, max_value=10000, required=False, help_text=_("Empty: no quota.")
    )
    paused = forms.BooleanField(label=_("Pause new leads"), required=False)
    paused_reason = forms.CharField(label=_("Why paused"), max_length=200, required=False)
    away_from = forms.DateField(
        label=_("Out of office from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    away_until = forms.DateField(
        label=_("Out of office until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("paused") and not (data.get("paused_reason") or "").strip():
            self.add_error("paused_reason", _("Say why you pause: your channel manager reads it."))
        start, end = data.get("away_from"), data.get("away_until")
        if end and not start:
            self.add_error("away_from", _("Give the first day out of office too."))
        if start and end and end < start:
            self.add_error("away_until", _("The last day out of office comes after the first."))
        return data


class LocationForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=80, required=False, help_text=_("E.g. Munich office."))
    city = forms.CharField(label=_("City"), max_length=100)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    country = forms.ChoiceField(label=_("Country"), choices=[("", "---------"), *COUNTRY_CHOICES])
    latitude = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90, required=False)
    longitude = forms.FloatField(
        label=_("Longitude"),
        min_value=-180,
        max_value=180,
        required=False,
        help_text=_("Leave both empty: the city's coordinates are looked up."),
    )

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude", _("Give both coordinates, or neither."))
        return data
