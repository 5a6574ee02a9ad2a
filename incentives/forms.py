"""Forms of incentives' pages: input validation only."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.selectors import partner_tag_choices

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
    """A reason the other side reads (a rejection, a clawback, a hold); ``reason_help`` says who."""

    reason_help = None
    reason = forms.CharField(label=_("Why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.reason_help:
            self.fields["reason"].help_text = self.reason_help


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


# --- market development funds ---------------------------------------------------------------------

DATE = forms.DateInput(attrs={"type": "date"})
MONEY = {"max_digits": 14, "decimal_places": 2}


class MdfRequestForm(forms.Form):
    """A partner's activity plan; the funds and activity types offered come from the selectors."""

    allocation = forms.TypedChoiceField(label=_("From the funds"), coerce=int, choices=())
    activity_type = forms.TypedChoiceField(label=_("Activity type"), coerce=int, choices=())
    title = forms.CharField(label=_("Title"), max_length=160)
    description = forms.CharField(
        label=_("Activity plan"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you will do, for whom, and how you will follow up the leads."),
    )
    starts_on = forms.DateField(label=_("First day"), widget=DATE)
    ends_on = forms.DateField(label=_("Last day"), widget=DATE)
    cost = forms.DecimalField(label=_("Total cost"), min_value=0, **MONEY)
    expected_leads = forms.IntegerField(label=_("Expected leads"), min_value=0, max_value=1_000_000, initial=0)
    expected_pipeline = forms.DecimalField(label=_("Expected pipeline"), min_value=0, initial=0, **MONEY)

    def __init__(self, *args, funds=(), activity_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["allocation"].choices = [("", "---------"), *funds]
        self.fields["activity_type"].choices = [("", "---------"), *activity_types]

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The activity ends on or after the day it starts."))
        return data


class MdfClaimForm(forms.Form):
    """The claim: what the activity cost and a document per proof the activity type asks for."""

    actual_cost = forms.DecimalField(label=_("What it really cost"), min_value=0, **MONEY)
    note = forms.CharField(
        label=_("Note to the vendor"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, proof_kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in proof_kinds:
            self.fields[f"proof_{kind}"] = forms.FileField(
                label=label, required=False, help_text=_("PDF, PNG or JPEG, up to 10 MB.")
            )

    def proofs(self) -> dict:
        return {
            name.removeprefix("proof_"): value for name, value in self.cleaned_data.items() if name.startswith("proof_")
        }


class MdfExtensionForm(forms.Form):
    days = forms.IntegerField(label=_("More days"), min_value=1, max_value=180, initial=14)
    reason = forms.CharField(label=_("Why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class MdfLinkForm(forms.Form):
    """A deal or a lead of the partner's ("deal:<id>" or "lead:<id>"), offered by the selectors."""

    target = forms.ChoiceField(label=_("Deal or lead"), choices=())

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", "---------"), *targets]


class MdfDecisionForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=0, help_text=_("Empty: all of it."), **MONEY
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed for part of it, or a no: the partner reads it."),
    )


class MdfNoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class MdfBudgetForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    starts_on = forms.DateField(label=_("First day"), widget=DATE)
    ends_on = forms.DateField(label=_("Last day"), widget=DATE)
    amount = forms.DecimalField(label=_("Amount"), min_value=0, **MONEY)
    currency = forms.RegexField(label=_("Currency"), regex=r"^[A-Za-z]{3}$", max_length=3)
    program = forms.TypedChoiceField(label=_("Program"), coerce=int, required=False, empty_value=None, choices=())
    region = forms.TypedChoiceField(label=_("Region"), coerce=int, required=False, empty_value=None, choices=())

    def __init__(self, *args, programs=(), regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("Every program")), *programs]
        self.fields["region"].choices = [("", _("Every region")), *regions]


class MdfAllocateForm(forms.Form):
    partner = forms.TypedChoiceField(label=_("Partner"), coerce=int, choices=())
    amount = forms.DecimalField(label=_("Allocation"), min_value=0, **MONEY)

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [("", "---------"), *partners]


class MdfAllocateByTierForm(forms.Form):
    """Allocating by tier, optionally to the partners with one tag only (e.g. those marked for
    investment). The tags are the tenant's in use (``partners.selectors``)."""

    tag = forms.ChoiceField(label=_("Partners"), required=False, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tagged = [(tag, _("Tagged: %(tag)s") % {"tag": label}) for tag, label in partner_tag_choices()]
        self.fields["tag"].choices = [("", _("Every eligible partner")), *tagged]


class MdfStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=())

    def __init__(self, *args, **kwargs):
        from .models import MdfStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Waiting for a decision")), *MdfStatus.choices]


class MdfClawbackForm(RejectForm):
    reason_help = _("The partner reads it.")
    confirm = forms.BooleanField(
        label=_("Debit the partner with the reimbursement: the next payout nets it."),
        error_messages={"required": _("Tick the box to confirm the clawback.")},
    )


class PayoutHoldForm(RejectForm):
    reason_help = _("The partner's admins read it, e.g. missing bank details or an audit under way.")
