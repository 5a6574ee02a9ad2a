"""Forms of business plans' pages: input validation only (the services check the rules again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ObjectiveKind, PlanStatus
from .selectors.plans import TO_SIGN

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
AMOUNT = {"max_digits": 16, "decimal_places": 2, "min_value": 0, "max_value": 10**13}


class PlanForm(forms.Form):
    """A plan's details: title, period, summary."""

    title = forms.CharField(label=_("Title"), max_length=160)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What both sides want to achieve together in this period."),
    )

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The plan ends on or after the day it starts."))
        return data


class OfficePlanForm(PlanForm):
    """A new plan in the back office: for which partner, then its details."""

    partner = forms.TypedChoiceField(label=_("Partner"), coerce=int, choices=())
    field_order = ["partner", "title", "starts_on", "ends_on", "summary"]

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [("", "---------"), *partners]


class ObjectiveForm(forms.Form):
    """An objective: what it measures, in words, and its target."""

    kind = forms.ChoiceField(label=_("Measured by"), choices=ObjectiveKind.choices)
    description = forms.CharField(label=_("Objective"), max_length=200)
    target = forms.DecimalField(
        label=_("Target"),
        help_text=_("Revenue in your portal's currency; a number for the others."),
        **AMOUNT,
    )


class ProgressForm(forms.Form):
    """A custom objective's progress so far."""

    value = forms.DecimalField(label=_("Progress so far"), **AMOUNT)


class SignForm(forms.Form):
    """A signature of the plan as the page showed it (``token``: that content's fingerprint)."""

    token = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        required=True,
        error_messages={"required": _("Tick the box to sign the plan.")},
    )

    def __init__(self, *args, company: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if company:
            self.fields["confirm"].label = _("I agree to this plan on behalf of %(company)s") % {"company": company}
        else:
            self.fields["confirm"].label = _("I agree to this plan")


class PlanFilterForm(forms.Form):
    """The back office's list: status, a search in partners' names and titles, my partners."""

    status = forms.ChoiceField(label=_("Status"), required=False, choices=())
    q = forms.CharField(label=_("Partner or title"), required=False, max_length=100)
    mine = forms.BooleanField(label=_("My partners"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("", _("Every status")),
            (TO_SIGN, _("Waiting for our signature")),
            *PlanStatus.choices,
        ]

    def values(self) -> dict:
        """The filters as the selector takes them (nothing when the query string is invalid)."""
        if not self.is_valid():
            return {"status": "", "search": "", "mine": False}
        data = self.cleaned_data
        return {"status": data["status"] or "", "search": (data["q"] or "").strip(), "mine": bool(data["mine"])}
