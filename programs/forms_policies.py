"""Forms of the policy pages: validation only. Choices are built from lists the view has
already read, so that no query runs while a page renders."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from prm.countries import COUNTRY_CHOICES
from prm.errors import PolicyViolation
from prm.web.files import document_kind

from .models import LicenceType
from .services.catalogue import NOT_A_LICENCE
from .services.policy import ACTIONS

ACTION_LABELS = {"sell": _("Sell"), "register_deal": _("Register a deal"), "receive_lead": _("Receive a lead")}


def _id_choices(objects, label=str) -> list[tuple[int, str]]:
    return [(obj.pk, label(obj)) for obj in objects]


class DealCheckForm(forms.Form):
    """The portal's "check a deal": which line, where, how much."""

    product_line = forms.TypedChoiceField(label=_("Product line"), coerce=int, choices=())
    country = forms.ChoiceField(
        label=_("Customer's country"), required=False, choices=[("", _("Any country")), *COUNTRY_CHOICES]
    )
    amount = forms.DecimalField(
        label=_("Deal amount"), required=False, min_value=0, max_digits=14, decimal_places=2, localize=False
    )

    def __init__(self, *args, lines=(), currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_line"].choices = [("", _("Choose a product line")), *_id_choices(lines, lambda x: x.name)]
        if currency:
            self.fields["amount"].label = gettext("Deal amount (%(currency)s)") % {"currency": currency}


class PolicyCheckForm(DealCheckForm):
    """The staff's policy check: the deal check for any partner and any action."""

    partner = forms.TypedChoiceField(label=_("Partner"), coerce=int, choices=())
    action = forms.ChoiceField(label=_("Action"), choices=[(action, ACTION_LABELS[action]) for action in ACTIONS])

    field_order = ["partner", "action", "product_line", "country", "amount"]

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [("", _("Choose a partner")), *_id_choices(partners, lambda p: p.display_name)]


class LicenceUploadForm(forms.Form):
    licence_type = forms.TypedChoiceField(label=_("Licence"), coerce=int, choices=())
    number = forms.CharField(label=_("Licence number"), max_length=80, required=False)
    issued_on = forms.DateField(label=_("Issued on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(label=_("Expires on"), widget=forms.DateInput(attrs={"type": "date"}))
    document = forms.FileField(
        label=_("Document"),
        help_text=_("A PDF, PNG or JPEG scan of the licence, up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}),
    )

    def __init__(self, *args, licence_types: list[LicenceType] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["licence_type"].choices = [("", _("Choose a licence")), *_id_choices(licence_types)]
        self.licence_types = {kind.pk: kind for kind in licence_types}

    def clean_document(self):
        document = self.cleaned_data["document"]
        try:
            document_kind(document, refusal=str(NOT_A_LICENCE))
        except PolicyViolation as error:
            raise forms.ValidationError(error.message) from error
        return document

    def clean_expires_on(self):
        expires_on = self.cleaned_data["expires_on"]
        if expires_on <= timezone.localdate():
            raise forms.ValidationError(_("This date has passed: upload a licence that is still valid."))
        if expires_on > timezone.localdate() + timedelta(days=365 * 100):
            raise forms.ValidationError(_("Check the year: that is more than a century away."))
        return expires_on

    def clean(self):
        data = super().clean()
        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and issued > timezone.localdate():
            self.add_error("issued_on", _("The issue date is in the future."))
        elif issued and expires and issued >= expires:
            self.add_error("issued_on", _("A licence is issued before it expires."))
        if data.get("licence_type") is not None:
            data["licence_type"] = self.licence_types[data["licence_type"]]
        return data


class LicenceDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("verify", _("Verify")), ("reject", _("Reject"))])
    reason = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason (for a rejection)")
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give a reason: the partner needs to know what to fix."))
        return data
