"""Forms of the onboard part: accepting an agreement, ticking an item, the board's filter."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors.onboard import ALL, MINE, STALLED


class AcceptForm(forms.Form):
    """The partner admin's acceptance: a box ticked on purpose, naming the company."""

    confirm = forms.BooleanField(
        required=True,
        error_messages={"required": _("Tick the box to accept the agreement for your company.")},
    )

    def __init__(self, *args, company: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = _("I accept on behalf of %(company)s") % {"company": company}


class TickForm(forms.Form):
    """Tick (``done=1``) or untick (``done=0``) a manual item."""

    done = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1")


class BoardFilterForm(forms.Form):
    show = forms.ChoiceField(
        choices=[(ALL, _("All")), (MINE, _("My partners")), (STALLED, _("Stalled"))], required=False, label=_("Show")
    )

    def show_value(self) -> str:
        return self.cleaned_data.get("show") or ALL if self.is_valid() else ALL
