"""Forms of the apply part: the public application, more documents from the status page, and the
request to join an existing partner. Input validation only; the services decide."""

from __future__ import annotations

from django import forms
from django.core.validators import DomainNameValidator, ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from partners.selectors import partner_type_options
from prm.countries import COUNTRY_CHOICES
from prm.errors import PolicyViolation
from prm.web.files import document_kind

from .models import Capability

DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
DOCUMENTS_MAX = 3
# What one form may carry in all; the view refuses a larger request before reading it.
UPLOAD_MAX_BYTES = DOCUMENTS_MAX * DOCUMENT_MAX_BYTES
NOT_A_DOCUMENT = _("Upload a PDF, PNG or JPEG file.")


class ListField(forms.CharField):
    """A list typed as comma-separated text (regions, industries, domains), with a bound on the
    number of entries and on each entry's length."""

    def __init__(self, *, item_max_length: int, max_items: int, lower: bool = False, item_validators=(), **kwargs):
        self.item_max_length, self.max_items, self.lower = item_max_length, max_items, lower
        self.item_validators = list(item_validators)
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("Separate entries with commas."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        ProhibitNullCharactersValidator()(value or "")
        if len(value or "") > self.max_items * (self.item_max_length + 2):
            raise forms.ValidationError(
                _("This is too long for a list of %(limit)d entries.") % {"limit": self.max_items}
            )
        items = [item.strip() for item in (value or "").split(",") if item.strip()]
        items = [item.lower() for item in items] if self.lower else items
        if len(items) > self.max_items:
            raise forms.ValidationError(
                ngettext("Give at most %(limit)d entry.", "Give at most %(limit)d entries.", self.max_items)
                % {"limit": self.max_items}
            )
        if any(len(item) > self.item_max_length for item in items):
            raise forms.ValidationError(
                ngettext(
                    "Keep each entry under %(limit)d character.",
                    "Keep each entry under %(limit)d characters.",
                    self.item_max_length,
                )
                % {"limit": self.item_max_length}
            )
        for item in items:
            for validator in self.item_validators:
                validator(item)
        return list(dict.fromkeys(items))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Up to ``max_files`` documents, each a PDF, PNG or JPEG (by content) under the size limit."""

    widget = MultipleFileInput

    def __init__(self, *, max_files: int = DOCUMENTS_MAX, **kwargs):
        self.max_files = max_files
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not files:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > self.max_files:
            raise forms.ValidationError(
                ngettext("Send at most %(count)d document.", "Send at most %(count)d documents.", self.max_files)
                % {"count": self.max_files}
            )
        cleaned = []
        for item in files:
            item = super().clean(item, initial)
            if item.size > DOCUMENT_MAX_BYTES:
                raise forms.ValidationError(
                    _("%(name)s is too large: keep each document under %(size)s MB.")
                    % {"name": item.name, "size": DOCUMENT_MAX_BYTES // (1024 * 1024)}
                )
            try:
                document_kind(item, refusal=str(NOT_A_DOCUMENT))
            except PolicyViolation as error:
                raise forms.ValidationError(f"{item.name}: {error.message}") from error
            cleaned.append(item)
        return cleaned


def _text(label, max_length, *, required=True, textarea=False, **kwargs):
    widget = forms.Textarea(attrs={"rows": 3}) if textarea else None
    return forms.CharField(label=label, max_length=max_length, required=required, widget=widget, **kwargs)


class ApplicationForm(forms.Form):
    """The public application. ``referral_code`` is the honeypot (a name browsers do not
    autofill): hidden from people and from assistive technology, filled by bots that fill every
    field."""

    company_name = _text(_("Company name"), 200)
    website = forms.URLField(label=_("Website"), max_length=200, required=False, assume_scheme="https")
    country = forms.ChoiceField(label=_("Headquarters country"))
    partner_type = forms.TypedChoiceField(label=_("Partner type you apply for"), coerce=int)
    regions_served = ListField(label=_("Regions served"), item_max_length=40, max_items=20)
    industries = ListField(label=_("Industries"), item_max_length=60, max_items=20)
    capabilities = forms.MultipleChoiceField(
        label=_("Capabilities"),
        choices=Capability.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    capability_notes = _text(_("About your capabilities"), 2000, required=False, textarea=True)
    references = _text(
        _("Customer references"),
        2000,
        required=False,
        textarea=True,
        help_text=_("Two or three customers we may ask about your work."),
    )
    contact_first_name = _text(_("First name"), 80)
    contact_last_name = _text(_("Last name"), 80)
    contact_email = forms.EmailField(
        label=_("Business e-mail"),
        max_length=254,
        help_text=_("We send a link to this address: the application reaches us once you confirm it."),
    )
    contact_title = _text(_("Job title"), 120, required=False)
    contact_phone = _text(_("Phone"), 40, required=False)
    email_domains = ListField(
        label=_("Your company's e-mail domains"),
        item_max_length=253,
        max_items=10,
        lower=True,
        item_validators=[DomainNameValidator(message=_("Enter domains such as example.com."))],
        help_text=_("Filled in from your e-mail address; add others your colleagues use, separated by commas."),
    )
    documents = DocumentsField(
        label=_("Documents"),
        help_text=_("Up to 3 files (PDF, PNG or JPEG, 5 MB each): a company profile, certificates."),
    )
    consent = forms.BooleanField(
        label=_("I agree that my details are stored and processed to assess this application."),
        required=True,
    )
    referral_code = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    HONEYPOT = "referral_code"
    SECTIONS = (
        (_("Your company"), ("company_name", "website", "country", "partner_type", "regions_served", "industries")),
        (_("What you do"), ("capabilities", "capability_notes", "references")),
        (
            _("Contact person"),
            (
                "contact_first_name",
                "contact_last_name",
                "contact_email",
                "email_domains",
                "contact_title",
                "contact_phone",
            ),
        ),
        (_("Documents"), ("documents",)),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "---------"), *COUNTRY_CHOICES]
        self.fields["partner_type"].choices = [("", "---------")] + [
            (option.id, option.name) for option in partner_type_options()
        ]
        self.fields["email_domains"].widget.attrs["data-apply-domains"] = "1"
        self.fields["contact_email"].widget.attrs["data-apply-email"] = "1"

    @property
    def is_bot(self) -> bool:
        """Whether the honeypot is filled (read from the raw data: valid or not)."""
        return bool((self.data.get(self.HONEYPOT) or "").strip())

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def clean_contact_email(self):
        return self.cleaned_data["contact_email"].strip().lower()


class DocumentsForm(forms.Form):
    """More documents, sent from the status page."""

    documents = DocumentsField(
        label=_("Documents"),
        required=True,
        help_text=_("Up to 3 files (PDF, PNG or JPEG, 5 MB each)."),
    )


class JoinForm(forms.Form):
    """Ask to join the partner the status page offers."""

    partner = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    message = _text(_("Message to the company's administrators"), 1000, required=False, textarea=True)
