"""Forms of the offers part's pages: validation only. Choices come from lists the view has read
already (no query while a page renders); services re-check everything."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DeclineReason, LeadStage


def _person(member) -> str:
    return str(member.user)


class _OwnerChoice(forms.TypedChoiceField):
    """One of the company's users who receive leads (``members``: the view's list)."""

    def __init__(self, *, members=(), **kwargs):
        super().__init__(coerce=int, **kwargs)
        self.members = {member.pk: member for member in members}
        self.choices = [("", _("Choose a person")), *((member.pk, _person(member)) for member in members)]

    def clean(self, value):
        chosen = super().clean(value)
        if chosen in (None, ""):
            return None
        return self.members[chosen]


def _money_fields():
    return {
        "expected_value": forms.DecimalField(
            label=_("Expected value"), min_value=0, max_digits=14, decimal_places=2, localize=False, required=False
        ),
        "currency": forms.CharField(label=_("Currency"), min_length=3, max_length=3, required=False),
    }


class _CurrencyMixin:
    def clean_currency(self):
        currency = (self.cleaned_data.get("currency") or "").strip().upper()
        if currency and (not currency.isalpha() or not currency.isascii()):
            raise forms.ValidationError(_("A three-letter code, e.g. EUR."))
        return currency


class AcceptForm(_CurrencyMixin, forms.Form):
    """Accept an offer: the next step, the expected value, and (the company's admin) who owns it."""

    next_step = forms.CharField(
        label=_("Next step"),
        max_length=200,
        help_text=_("e.g. Call the contact on Tuesday to qualify the need."),
    )
    expected_value = _money_fields()["expected_value"]
    currency = _money_fields()["currency"]

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        if members:
            self.fields["owner"] = _OwnerChoice(
                members=members, label=_("Assign to"), required=False, help_text=_("Empty: you.")
            )


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why"), choices=[("", _("Choose a reason")), *DeclineReason.choices])
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Spam or a duplicate sends the lead back to the vendor; any other reason passes it on."),
    )


class LeadUpdateForm(_CurrencyMixin, forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=LeadStage.choices)
    next_step = forms.CharField(label=_("Next step"), max_length=200, required=False)
    expected_value = _money_fields()["expected_value"]
    currency = _money_fields()["currency"]


class AssignForm(forms.Form):
    """Give the lead to a colleague (the admin assigns, the owner hands on)."""

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = _OwnerChoice(members=members, label=_("Give to"), required=True)
        self.fields["note"] = forms.CharField(
            label=_("Note for them"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class OfficeMessageForm(MessageForm):
    internal = forms.BooleanField(label=_("Internal note (the partner does not see it)"), required=False)


class InboxFilterForm(forms.Form):
    """The inbox's query string; an invalid value means 'any'."""

    status = forms.CharField(required=False, max_length=20)

    def status_value(self) -> str:
        self.is_valid()
        return getattr(self, "cleaned_data", {}).get("status") or ""
