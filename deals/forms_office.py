"""Input of the back office's deal pages: the queue's filters, the decisions, registering on a
partner's behalf. Validation only: the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.http import QueryDict
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from prm.web.forms import ObjectChoiceField

from .forms_portal import close_date_clean
from .models import Deal, DealStage, DealStatus, RejectionReason
from .selectors.review import SLA_CHOICES
from .services import PARTNER_EDITABLE_FIELDS

NOTE_MAX = 2000
# Product rows on the on-behalf registration form.
LINE_ROWS = 3


class QueueFilterForm(forms.Form):
    """The review queue's (and the export's) query string. Invalid values are ignored field by
    field, never a 500."""

    sla = forms.ChoiceField(choices=[("", _("Any deadline")), *SLA_CHOICES], required=False, label=_("Deadline"))
    manager = ObjectChoiceField(required=False, label=_("Reviewer"))
    region = forms.CharField(required=False, max_length=40, label=_("Region or country"))
    conflict = forms.ChoiceField(
        choices=[("", _("Conflicts or not")), ("yes", _("With a conflict")), ("no", _("Without a conflict"))],
        required=False,
        label=_("Conflict"),
    )

    def __init__(self, *args, reviewers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].set_objects(reviewers, str)
        self.fields["manager"].choices = [("", _("Any reviewer")), *self.fields["manager"].choices[1:]]

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "sla": data.get("sla") or "",
            "manager": data.get("manager"),
            "region": (data.get("region") or "").strip(),
            "conflict": data.get("conflict") or "",
        }


# A bigint's range: an id past it would be a database error, not "no such partner".
_ID_MAX = 2**63 - 1
_DATE = forms.DateInput(attrs={"type": "date"})


class DealListFilterForm(forms.Form):
    """The back office's deal list's query string. Invalid values are ignored field by field,
    never a 500. ``partner`` is an id (the partner record's Deals tab links with it);
    ``partner_name`` finds partners by a part of their name (no select of thousands of partners)."""

    status = forms.ChoiceField(
        choices=[("", _("Any status")), *((v, label) for v, label in DealStatus.choices if v != DealStatus.DRAFT)],
        required=False,
        label=_("Status"),
    )
    stage = forms.ChoiceField(choices=[("", _("Any stage")), *DealStage.choices], required=False, label=_("Stage"))
    partner = forms.IntegerField(required=False, min_value=1, max_value=_ID_MAX, widget=forms.HiddenInput)
    partner_name = forms.CharField(required=False, max_length=100, label=_("Partner"))
    q = forms.CharField(required=False, max_length=100, label=_("Customer"))
    line = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label=_("Product line"))
    close_from = forms.DateField(required=False, label=_("Expected close from"), widget=_DATE)
    close_to = forms.DateField(required=False, label=_("Expected close to"), widget=_DATE)
    protected_from = forms.DateField(required=False, label=_("Protected until from"), widget=_DATE)
    protected_to = forms.DateField(required=False, label=_("Protected until to"), widget=_DATE)

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [("", _("Any product line")), *((str(line.pk), line.name) for line in lines)]

    def query_string(self) -> str:
        """The valid, non-empty filters as a query string (what a saved filter keeps): whatever
        failed validation is left out, never stored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        query = QueryDict(mutable=True)
        for name in self.fields:
            value = data.get(name)
            if value not in (None, ""):
                query[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
        return query.urlencode()

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "status": data.get("status") or "",
            "stage": data.get("stage") or "",
            "partner_id": data.get("partner"),
            "partner_search": data.get("partner_name") or "",
            "search": data.get("q") or "",
            "product_line_id": data.get("line"),
            "close_from": data.get("close_from"),
            "close_to": data.get("close_to"),
            "protected_from": data.get("protected_from"),
            "protected_to": data.get("protected_to"),
        }


class ApproveForm(forms.Form):
    note = forms.CharField(
        required=False, max_length=NOTE_MAX, label=_("Note to the partner"), widget=forms.Textarea(attrs={"rows": 2})
    )
    # Shown only over a strong conflict; the service refuses such an approval without it.
    conflicts_acknowledged = forms.BooleanField(
        required=False, label=_("I have checked these conflicts and approve the registration anyway")
    )


class RejectForm(forms.Form):
    reason_code = forms.ChoiceField(choices=[("", _("Choose a reason…")), *RejectionReason.choices], label=_("Reason"))
    message = forms.CharField(
        max_length=NOTE_MAX,
        label=_("Message to the partner"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Tell the partner why the registration is rejected.")},
    )


def _editable_field_choices() -> list[tuple[str, str]]:
    def label(name: str) -> str:
        if name == "lines":
            return _("Products")
        return str(Deal._meta.get_field(name).verbose_name).capitalize()

    return sorted(((name, label(name)) for name in PARTNER_EDITABLE_FIELDS), key=lambda choice: choice[1])


class RequestInfoForm(forms.Form):
    fields_requested = forms.MultipleChoiceField(
        choices=_editable_field_choices,
        widget=forms.CheckboxSelectMultiple,
        label=_("Fields the partner should complete"),
        error_messages={"required": _("Tick the fields the partner should complete.")},
    )
    message = forms.CharField(
        max_length=NOTE_MAX,
        label=_("What is needed"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Tell the partner what information is needed.")},
    )


class DuplicateForm(forms.Form):
    original = ObjectChoiceField(label=_("The original registration"))

    def __init__(self, *args, originals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["original"].set_objects(
            originals, lambda deal: f"{deal.reference} {deal.customer_name} ({deal.partner.display_name})"
        )


class RefusalNeedsNoteForm(forms.Form):
    """A decision (``decision``) whose refusal must tell the partner why, in ``note_field``."""

    refusal = "refuse"
    note_field = "note"
    note_missing = ""

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.refusal and not (data.get(self.note_field) or "").strip():
            self.add_error(self.note_field, self.note_missing)
        return data


class ExtensionDecisionForm(RefusalNeedsNoteForm):
    note_missing = _("Tell the partner why the extension is refused.")

    decision = forms.ChoiceField(choices=[("approve", _("Grant")), ("refuse", _("Refuse"))])
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        label=_("Note (required to refuse)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WinDecisionForm(RefusalNeedsNoteForm):
    note_field, note_missing = "reason", _("Tell the partner why the win is not confirmed.")

    decision = forms.ChoiceField(choices=[("confirm", _("Confirm win")), ("refuse", _("Refuse win"))])
    reason = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        label=_("Reason (required not to confirm)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReverseWinForm(forms.Form):
    """A confirmed win that did not stand: why (the partner reads it)."""

    reason = forms.CharField(
        max_length=NOTE_MAX,
        label=_("Why the win did not stand (the order was cancelled, returned, never paid)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OnBehalfRegistrationForm(forms.Form):
    """A registration a channel manager enters for a partner: the customer, one to three
    products with quantities (list prices), the amount and the expected close date."""

    partner = ObjectChoiceField(label=_("Partner"))
    customer_name = forms.CharField(max_length=200, label=_("Customer company"))
    customer_website = forms.CharField(required=False, max_length=253, label=_("Customer website"))
    customer_country = forms.RegexField(
        regex=r"^[A-Za-z]{2}$",
        max_length=2,
        label=_("Customer country"),
        help_text=_("Two letters, e.g. DE"),
        error_messages={"invalid": _("Enter a two-letter country code, e.g. DE.")},
    )
    contact_email = forms.EmailField(required=False, max_length=254, label=_("Customer contact e-mail"))
    # The registration's amount is its products' total (deal_register derives it).
    amount = forms.DecimalField(
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Derived from the products at list price."),
    )
    currency = forms.RegexField(
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        help_text=_("Three letters, e.g. EUR"),
        error_messages={"invalid": _("Enter a three-letter currency code, e.g. EUR.")},
    )
    expected_close_on = forms.DateField(label=_("Expected close date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, partners=(), products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].set_objects(partners, lambda partner: partner.display_name)
        for n in range(1, LINE_ROWS + 1):
            product = ObjectChoiceField(required=n == 1, label=format_lazy(_("Product {n}"), n=n))
            product.set_objects(products, lambda p: f"{p.line.name} · {p.name}")
            self.fields[f"product_{n}"] = product
            self.fields[f"quantity_{n}"] = forms.IntegerField(
                required=False, min_value=1, max_value=1_000_000, label=format_lazy(_("Quantity {n}"), n=n)
            )

    def clean_expected_close_on(self):
        return close_date_clean(self.cleaned_data["expected_close_on"])

    def clean(self):
        data = super().clean()
        for n in range(1, LINE_ROWS + 1):
            if data.get(f"product_{n}") is not None and not data.get(f"quantity_{n}"):
                data[f"quantity_{n}"] = 1
        return data

    @property
    def lines(self) -> list:
        data = self.cleaned_data
        return [
            (data[f"product_{n}"], data[f"quantity_{n}"], None)
            for n in range(1, LINE_ROWS + 1)
            if data.get(f"product_{n}") is not None
        ]


class DealMessageForm(forms.Form):
    """A reviewer's reply to the partner on a deal, or an internal note for colleagues."""

    body = forms.CharField(
        label=_("Message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write a message first.")},
    )
    internal = forms.BooleanField(
        label=_("Internal note — partners don't see this"),
        required=False,
        help_text=_("Only the vendor's staff read it; nobody is notified."),
    )
