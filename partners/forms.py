"""Partner forms: validation only. Choices come from the current tenant's scoped managers."""

from django import forms
from django.core.validators import ProhibitNullCharactersValidator, RegexValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from prm.accounts.models import Membership
from prm.accounts.roles import MembershipKind
from prm.accounts.selectors import staff_members

from .hooks import directory_facets
from .models import Partner, PartnerContact, PartnerStatus
from .selectors import SORTS, partner_type_options

country_code = RegexValidator(r"^[A-Za-z]{2}$", _("Use a two-letter country code, e.g. DE."))


class CommaListField(forms.CharField):
    """A list typed as comma-separated text (industries, regions, domains)."""

    def __init__(self, *, item_max_length=60, lower=False, upper=False, **kwargs):
        self.item_max_length, self.lower, self.upper = item_max_length, lower, upper
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("Separate entries with commas."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        # CharField's own NUL check sees the list, whose repr hides the NUL: check the text.
        ProhibitNullCharactersValidator()(value or "")
        items = [item.strip() for item in (value or "").split(",") if item.strip()]
        if self.lower:
            items = [item.lower() for item in items]
        if self.upper:
            items = [item.upper() for item in items]
        too_long = [item for item in items if len(item) > self.item_max_length]
        if too_long:
            raise forms.ValidationError(
                ngettext(
                    "Keep each entry under %(limit)d character.",
                    "Keep each entry under %(limit)d characters.",
                    self.item_max_length,
                )
                % {"limit": self.item_max_length}
            )
        return list(dict.fromkeys(items))


class PartnerFilterForm(forms.Form):
    """The directory's query string. Invalid values are ignored field by field, never a 500. The
    apps' facets (``partners.hooks``) add a field each, named after the facet. The choices come
    from the tenant's memoised reference data (types, active staff): no query to build or check
    them; ``type`` and ``manager`` clean to ids."""

    q = forms.CharField(required=False, max_length=100, label=_("Search"))
    type = forms.ChoiceField(required=False, label=_("Type"))
    status = forms.ChoiceField(
        choices=[("", _("Any status")), *PartnerStatus.choices], required=False, label=_("Status")
    )
    country = forms.CharField(required=False, max_length=2, validators=[country_code], label=_("Country"))
    manager = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label=_("Manager"))
    sort = forms.ChoiceField(choices=[(key, key) for key in SORTS], required=False, label=_("Sort"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type_options = partner_type_options()
        self.type_ids = {option.slug: option.id for option in self.type_options}
        self.fields["type"].choices = [("", _("Any type")), *((t.slug, t.name) for t in self.type_options)]
        self.manager_options = [member for member in staff_members() if member.is_active]
        self.fields["manager"].choices = [("", _("Any manager")), *((str(m.id), m.label) for m in self.manager_options)]
        self.facets = directory_facets()
        for facet in self.facets:
            self.fields[facet.name] = facet.field()

    def filters(self) -> dict:
        """The valid filters; an invalid field falls back to 'any'."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "search": data.get("q") or "",
            "partner_type": self.type_ids.get(data.get("type") or ""),
            "status": data.get("status") or "",
            "country": data.get("country") or "",
            "manager": data.get("manager"),
            "sort": data.get("sort") or "name",
            "facets": {facet.name: data.get(facet.name) for facet in self.facets},
        }

    def facet_filters(self) -> list[dict]:
        """Each facet's filter as the directory shows it: its options (evaluated here, not while
        the template renders) and the value in the query string."""
        return [
            {
                "facet": facet,
                "options": [(str(value), label) for value, label in self.fields[facet.name].choices if value != ""],
                "selected": str(self[facet.name].value() or ""),
            }
            for facet in self.facets
        ]


class PartnerProfileForm(forms.ModelForm):
    """Edits the fields the actor may edit; the rest of the record is shown read-only."""

    regions_served = CommaListField(item_max_length=40, label=_("Regions served"))
    countries_served = CommaListField(item_max_length=2, upper=True, label=_("Countries served"))
    industries = CommaListField(label=_("Industries"))
    email_domains = CommaListField(item_max_length=253, lower=True, label=_("E-mail domains"))
    website = forms.URLField(required=False, assume_scheme="https", max_length=200, label=_("Website"))

    class Meta:
        model = Partner
        fields = [
            "legal_name",
            "display_name",
            "partner_type",
            "country",
            "website",
            "email_domains",
            "phone",
            "address_line",
            "city",
            "postal_code",
            "regions_served",
            "countries_served",
            "industries",
            "size_band",
            "description",
            "account_manager",
            "parent",
            "external_crm_id",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, editable_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in editable_fields:
                del self.fields[name]
        if "account_manager" in self.fields:
            self.fields["account_manager"].queryset = Membership.objects.filter(
                kind=MembershipKind.STAFF, is_active=True
            ).select_related("user")
        if "parent" in self.fields and self.instance.pk:
            self.fields["parent"].queryset = Partner.objects.exclude(pk=self.instance.pk)
        if "country" in self.fields:
            self.fields["country"].validators.append(country_code)

    def clean_country(self):
        return self.cleaned_data["country"].upper()

    def clean_external_crm_id(self):
        # The (tenant, external_crm_id) constraint names the tenant, which is no form field, so
        # the ModelForm skips it: a taken id would otherwise reach the database (IntegrityError).
        crm_id = self.cleaned_data["external_crm_id"]
        if crm_id and Partner.objects.filter(external_crm_id=crm_id).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another partner already has this CRM id."))
        return crm_id

    def clean_countries_served(self):
        codes = self.cleaned_data["countries_served"]
        for code in codes:
            country_code(code)
        return codes

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data}


class PartnerCreateForm(PartnerProfileForm):
    def __init__(self, *args, **kwargs):
        kwargs["editable_fields"] = (
            "legal_name",
            "display_name",
            "partner_type",
            "country",
            "website",
            "account_manager",
            "email_domains",
        )
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = False
        self.fields["display_name"].help_text = _("Leave empty to use the legal name.")


class PartnerStatusForm(forms.Form):
    to_status = forms.ChoiceField(choices=PartnerStatus.choices, label=_("New status"))
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000, label=_("Reason")
    )


class ContactForm(forms.ModelForm):
    class Meta:
        model = PartnerContact
        fields = ["name", "email", "phone", "role", "title"]
