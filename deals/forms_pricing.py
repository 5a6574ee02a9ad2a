"""Forms of special pricing: the partner's request (portal) and a step's decision (office).
Validation only; the services re-check everything."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms_office import RefusalNeedsNoteForm
from .models import PRICING_APPROVER_CHOICES
from .services.pricing import JUSTIFICATION_MAX_LENGTH, NOTE_MAX_LENGTH


class PricingRequestForm(forms.Form):
    discount_percent = forms.DecimalField(
        label=_("Discount (%)"),
        min_value=Decimal("0.01"),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        localize=False,
        help_text=_("Off the deal's price; larger discounts need more approvals."),
    )
    justification = forms.CharField(
        label=_("Why the customer needs it"),
        max_length=JUSTIFICATION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    competitor = forms.CharField(label=_("Competitor"), max_length=200, required=False)
    competitor_price = forms.DecimalField(
        label=_("Competitor's price"),
        required=False,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        localize=False,
        help_text=_("In the deal's currency, if known."),
    )


class PricingDecisionForm(RefusalNeedsNoteForm):
    refusal, note_missing = "reject", _("Tell the partner why the special pricing is rejected.")

    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX_LENGTH,
        label=_("Note (required to reject)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # The step the decider saw: a decision on a step someone else decided meanwhile is refused.
    step = forms.ChoiceField(choices=PRICING_APPROVER_CHOICES, widget=forms.HiddenInput)
