"""Programs forms: validation only. Choices are handed in by the views, from the selectors, as
evaluated lists: a form offers only what the actor may see, and rendering it runs no query."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from prm.errors import PolicyViolation
from prm.web.files import DOCUMENT_MAX_BYTES, NOT_A_DOCUMENT, document_kind
from prm.web.forms import ObjectChoiceField

from .models import TierChangeProposal

EVIDENCE_MAX_BYTES = DOCUMENT_MAX_BYTES


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReviewFilterForm(forms.Form):
    """The review queue's query string. Invalid values are ignored field by field, never a 500."""

    program = ObjectChoiceField(required=False)
    direction = forms.ChoiceField(
        choices=[("", _("Any direction")), *TierChangeProposal.Direction.choices], required=False
    )

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].set_objects(programs)
        self.fields["program"].choices = [("", _("Any program")), *self.fields["program"].choices[1:]]

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"program": data.get("program"), "direction": data.get("direction") or ""}


class ProposalDecisionForm(forms.Form):
    """Approve or reject a proposed tier change; a rejection says why."""

    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label=_("Note"))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", _("Give a reason to reject the proposal: it goes on the partner's record."))
        return data


class TierOverrideForm(forms.Form):
    """Set an enrollment's tier by hand: one of its program's tiers, with a reason."""

    tier = ObjectChoiceField(label=_("New tier"))
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason"))
    until = forms.DateField(
        label=_("Hold until"),
        required=False,
        widget=_date_input(),
        help_text=_("Optional: evaluation proposes no change before this date."),
    )

    def __init__(self, *args, tiers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].set_objects(tiers, label_from=lambda tier: tier.name)

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why the tier is set by hand."))
        return reason

    def clean_until(self):
        until = self.cleaned_data.get("until")
        if until is not None and until <= timezone.localdate():
            raise forms.ValidationError(_("Choose a date after today."))
        return until


class ManualMetricValueForm(forms.Form):
    """Record a value of one of the tenant's manual metrics for a partner, with evidence."""

    metric = ObjectChoiceField(label=_("Metric"))
    value = forms.DecimalField(max_digits=16, decimal_places=2, label=_("Value"))
    effective_on = forms.DateField(label=_("Effective from"), widget=_date_input())
    evidence = forms.FileField(
        label=_("Evidence"),
        required=False,
        help_text=_("A PDF, PNG or JPEG of at most 10 MB (required where the metric asks for it)."),
    )
    note = forms.CharField(required=False, max_length=300, label=_("Note"))

    def __init__(self, *args, metrics=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].set_objects(
            metrics, label_from=lambda metric: f"{metric.name} ({metric.unit})" if metric.unit else metric.name
        )

    def clean_effective_on(self):
        effective_on = self.cleaned_data["effective_on"]
        if effective_on > timezone.localdate():
            raise forms.ValidationError(_("A value cannot take effect in the future."))
        return effective_on

    def clean_evidence(self):
        evidence = self.cleaned_data.get("evidence")
        if not evidence:
            return None
        if evidence.size > EVIDENCE_MAX_BYTES:
            raise forms.ValidationError(_("Keep the evidence under 10 MB."))
        try:
            extension = document_kind(evidence, refusal=NOT_A_DOCUMENT)
        except PolicyViolation as error:
            raise forms.ValidationError(error.message) from error
        # The stored name is random (private_upload_path), keeping only this verified extension.
        evidence.name = f"evidence.{extension}"
        return evidence

    def clean(self):
        data = super().clean()
        metric = data.get("metric")
        if (
            metric is not None
            and metric.evidence_required
            and not data.get("evidence")
            and "evidence" not in self.errors
        ):
            self.add_error(
                "evidence", gettext("%(metric)s needs evidence: attach a PDF, PNG or JPEG.") % {"metric": metric.name}
            )
        return data
