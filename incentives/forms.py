"""Forms of incentives' pages: input validation only."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ClaimStatus


class ClaimForm(forms.Form):
    """A rep's SPIFF claim: the campaign and the won deal offered are the actor's own (selectors)."""

    campaign = forms.TypedChoiceField(label=_("Campaign"), coerce=int, choices=())
    deal = forms.TypedChoiceField(label=_("Won deal"), coerce=int, choices=())
    document = forms.FileField(
        label=_("Proof"), help_text=_("An invoice or the customer's order: PDF, PNG or JPEG, up to 10 MB.")
    )
    note = forms.CharField(
        label=_("Note to finance"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, campaigns=(), deals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [("", "---------"), *campaigns]
        self.fields["deal"].choices = [("", "---------"), *deals]


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ClaimFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Every status")), *ClaimStatus.choices]
    )


class PrepareRunForm(forms.Form):
    period_end = forms.DateField(
        label=_("Period ending"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Amounts approved and out of their hold on this day are paid; clawbacks are netted."),
    )


class PaidForm(forms.Form):
    reference = forms.CharField(label=_("Payment reference"), max_length=120)
