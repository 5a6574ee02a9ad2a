"""Forms of the intake part of lead distribution: input validation only (the services judge)."""

from __future__ import annotations

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from prm.countries import COUNTRY_CHOICES
from prm.segments import INDUSTRY_CHOICES

from .models import LeadSource, LeadStatus
from .services.imports import COLUMNS, MAX_BYTES
from .services.intake import LIMITS
from .services.referrals import DECLINE_REASON_MAX

_ID_MAX = 2**63 - 1
_TEXTAREA = forms.Textarea(attrs={"rows": 3})
VALUE_MAX_DIGITS = 14


def _country_field(required: bool = False):
    return forms.ChoiceField(choices=[("", "---------"), *COUNTRY_CHOICES], required=required, label=_("Country"))


def _industry_field():
    return forms.ChoiceField(choices=[("", "---------"), *INDUSTRY_CHOICES], required=False, label=_("Industry"))


def _line_field(label=None):
    return forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label=label or _("Product line"))


def _lines(form, lines) -> None:
    form.fields["product_line"].choices = [("", "---------"), *((str(line.pk), line.name) for line in lines)]


def _value_field():
    return forms.DecimalField(
        required=False, min_value=0, max_digits=VALUE_MAX_DIGITS, decimal_places=2, label=_("Estimated value")
    )


def _currency_field():
    return forms.RegexField(
        regex=r"^[A-Za-z]{3}$",
        required=False,
        max_length=3,
        label=_("Currency"),
        error_messages={"invalid": _("A three-letter currency code, such as EUR.")},
    )


# --- the back office's list ---------------------------------------------------------------------------


class LeadListFilterForm(forms.Form):
    """The lead list's query string; invalid values are ignored field by field, never a 500."""

    view = forms.ChoiceField(choices=[("queue", _("Queue")), ("all", _("All leads"))], required=False, label=_("Show"))
    status = forms.ChoiceField(choices=[("", _("Any status")), *LeadStatus.choices], required=False, label=_("Status"))
    source = forms.ChoiceField(choices=[("", _("Any source")), *LeadSource.choices], required=False, label=_("Source"))
    program = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label=_("Program"))
    partner_name = forms.CharField(required=False, max_length=100, label=_("Partner"))
    country = forms.ChoiceField(choices=[("", _("Any country")), *COUNTRY_CHOICES], required=False, label=_("Country"))
    q = forms.CharField(required=False, max_length=100, label=_("Company, e-mail or reference"))

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("Any program")), *((str(pk), name) for pk, name in programs)]

    def _clean_data(self) -> dict:
        self.is_valid()
        data = dict(getattr(self, "cleaned_data", {}))
        for name in self.errors:  # what failed is ignored, the rest applies
            data.pop(name, None)
        return data

    def query_string(self) -> str:
        data = self._clean_data()
        query = QueryDict(mutable=True)
        for name in self.fields:
            value = data.get(name)
            if value not in (None, ""):
                query[name] = str(value)
        return query.urlencode()

    def filters(self) -> dict:
        data = self._clean_data()
        return {
            "view": data.get("view") or "queue",
            "status": data.get("status") or "",
            "source": data.get("source") or "",
            "program_id": data.get("program"),
            "partner_search": data.get("partner_name") or "",
            "country": data.get("country") or "",
            "search": data.get("q") or "",
        }


# --- one lead, entered by staff ---------------------------------------------------------------------


class LeadForm(forms.Form):
    company = forms.CharField(max_length=LIMITS["company"], label=_("Company"))
    website = forms.CharField(max_length=LIMITS["website"], required=False, label=_("Website"))
    contact_name = forms.CharField(max_length=LIMITS["contact_name"], required=False, label=_("Contact name"))
    email = forms.EmailField(max_length=LIMITS["email"], required=False, label=_("E-mail"))
    phone = forms.CharField(max_length=LIMITS["phone"], required=False, label=_("Phone"))
    job_title = forms.CharField(max_length=LIMITS["job_title"], required=False, label=_("Job title"))
    country = _country_field()
    region_code = forms.CharField(max_length=LIMITS["region_code"], required=False, label=_("Region"))
    postal_code = forms.CharField(max_length=LIMITS["postal_code"], required=False, label=_("Postal code"))
    city = forms.CharField(max_length=LIMITS["city"], required=False, label=_("City"))
    industry = _industry_field()
    product_line = _line_field()
    description = forms.CharField(
        max_length=LIMITS["description"], required=False, widget=_TEXTAREA, label=_("What they need")
    )
    estimated_value = _value_field()
    currency = _currency_field()
    campaign = forms.CharField(max_length=LIMITS["campaign"], required=False, label=_("Campaign"))
    route = forms.BooleanField(required=False, initial=True, label=_("Route it to a partner now"))

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        _lines(self, lines)

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("phone"):
            self.add_error("email", _("Give an e-mail address or a phone number to reach the lead."))
        return data


# --- the public web-to-lead form ------------------------------------------------------------------------


class WebLeadForm(forms.Form):
    """The public form. ``company_code`` is the honeypot (a name browsers do not autofill):
    hidden from people and from assistive technology, filled by bots that fill every field."""

    HONEYPOT = "company_code"

    company = forms.CharField(max_length=LIMITS["company"], label=_("Company"))
    contact_name = forms.CharField(max_length=LIMITS["contact_name"], label=_("Your name"))
    email = forms.EmailField(max_length=LIMITS["email"], label=_("Business e-mail"))
    phone = forms.CharField(max_length=LIMITS["phone"], required=False, label=_("Phone"))
    country = _country_field(required=True)
    city = forms.CharField(max_length=LIMITS["city"], required=False, label=_("City"))
    postal_code = forms.CharField(max_length=LIMITS["postal_code"], required=False, label=_("Postal code"))
    industry = _industry_field()
    product_line = _line_field(label=_("What interests you"))
    description = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4}), label=_("Your message")
    )
    consent = forms.BooleanField(
        required=True,
        label=_("I agree that my details are stored and passed to a partner of ours to answer this request."),
    )
    company_code = forms.CharField(label=_("Leave this field empty"), required=False, max_length=200)

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        _lines(self, lines)
        self.fields[self.HONEYPOT].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    @property
    def is_bot(self) -> bool:
        """Whether the honeypot is filled (read from the raw data: valid or not)."""
        return bool((self.data.get(self.HONEYPOT) or "").strip())

    def visible_fields_but_consent(self):
        return [field for field in self if field.name not in (self.HONEYPOT, "consent")]


# --- referrals ----------------------------------------------------------------------------------------------


class ReferralForm(forms.Form):
    company = forms.CharField(max_length=LIMITS["company"], label=_("Company"))
    website = forms.CharField(max_length=LIMITS["website"], required=False, label=_("Website"))
    description = forms.CharField(max_length=LIMITS["description"], widget=_TEXTAREA, label=_("What they need"))
    country = _country_field(required=True)
    city = forms.CharField(max_length=LIMITS["city"], required=False, label=_("City"))
    product_line = _line_field()
    estimated_value = _value_field()
    currency = _currency_field()
    contact_withheld = forms.BooleanField(
        required=False,
        label=_("I will share the contact's details once the vendor accepts the referral"),
    )
    contact_name = forms.CharField(max_length=LIMITS["contact_name"], required=False, label=_("Contact name"))
    email = forms.EmailField(max_length=LIMITS["email"], required=False, label=_("Contact e-mail"))
    phone = forms.CharField(max_length=LIMITS["phone"], required=False, label=_("Contact phone"))
    job_title = forms.CharField(max_length=LIMITS["job_title"], required=False, label=_("Contact's job title"))

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        _lines(self, lines)

    def clean(self):
        data = super().clean()
        if not data.get("contact_withheld"):
            for name in ("contact_name", "email"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Give the contact's details, or share them once the referral is accepted."))
        return data


class ContactForm(forms.Form):
    contact_name = forms.CharField(max_length=LIMITS["contact_name"], label=_("Contact name"))
    email = forms.EmailField(max_length=LIMITS["email"], label=_("Contact e-mail"))
    phone = forms.CharField(max_length=LIMITS["phone"], required=False, label=_("Contact phone"))
    job_title = forms.CharField(max_length=LIMITS["job_title"], required=False, label=_("Contact's job title"))


class ReferralAcceptForm(forms.Form):
    note = forms.CharField(max_length=1000, required=False, widget=_TEXTAREA, label=_("Note for the partner"))


class ReferralDeclineForm(forms.Form):
    reason = forms.CharField(max_length=DECLINE_REASON_MAX, widget=_TEXTAREA, label=_("Why (the partner reads this)"))


class DiscardForm(forms.Form):
    note = forms.CharField(max_length=1000, required=False, widget=_TEXTAREA, label=_("Note"))


# --- the import -------------------------------------------------------------------------------------------


class ImportUploadForm(forms.Form):
    document = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_("One lead per row, with a header row. Up to 10 MB and 20,000 rows."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
        error_messages={"required": _("Choose the file to import."), "empty": _("The file is empty.")},
    )

    def clean_document(self):
        document = self.cleaned_data["document"]
        if document.size > MAX_BYTES:
            raise forms.ValidationError(_("Keep the file under %(size)s MB."), params={"size": MAX_BYTES // 2**20})
        return document


class MappingForm(forms.Form):
    """For each field of the lead import, the column of the file that fills it (or none)."""

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("(not in the file)")), *((str(i), header) for i, header in enumerate(headers))]
        for column in COLUMNS:
            self.fields[column.key] = forms.TypedChoiceField(
                label=column.label,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=column.required,
                error_messages={"required": _("Choose the column that holds this field.")},
            )

    def clean(self):
        data = super().clean()
        used: dict[int, str] = {}
        for column in COLUMNS:
            index = data.get(column.key)
            if index is None:
                continue
            if index in used:
                self.add_error(column.key, _("This column already fills another field."))
            used[index] = column.key
        return data

    def mapping(self) -> dict[str, int]:
        return {key: index for key, index in self.cleaned_data.items() if index is not None}


class ImportConfirmForm(forms.Form):
    campaign = forms.CharField(
        max_length=LIMITS["campaign"],
        required=False,
        label=_("Campaign"),
        help_text=_("Set on every lead whose row names no campaign."),
    )
    route = forms.BooleanField(required=False, initial=True, label=_("Route the leads once imported"))
