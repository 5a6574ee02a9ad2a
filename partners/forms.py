"""Partner forms: validation only. Choices come from the current tenant's scoped managers."""

from django import forms
from django.core.validators import ProhibitNullCharactersValidator, RegexValidator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from prm.accounts.models import Membership
from prm.accounts.roles import MembershipKind
from prm.accounts.selectors import staff_members
from prm.countries import COUNTRY_CHOICES
from prm.segments import INDUSTRY_CHOICES, REGION_CHOICES
from prm.web.admin import ChoiceListField

from .hooks import directory_facets
from .models import Partner, PartnerContact, PartnerStatus
from .selectors import SORTS, partner_tag_choices, partner_type_options

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


class ShowsUnlistedValues:
    """A list widget that also draws the values it holds which are not in its list, ticked and
    marked: a value stored before the list existed (the field keeps it, ``keep_legacy``) and a
    value someone posted that the field refuses. Nothing held is hidden from the person saving."""

    def optgroups(self, name, value, attrs=None):
        groups = super().optgroups(name, value, attrs)
        known = {str(choice) for choice, _label in self.choices}
        unlisted = [item for item in dict.fromkeys(value or []) if item and str(item) not in known]
        for index, item in enumerate(unlisted, start=len(groups)):
            label = gettext("%(value)s (not in the list)") % {"value": item}
            option = self.create_option(name, item, label, True, index, attrs=attrs)
            groups.append((None, [option], index))
        return groups


def _bootstrap_class(attrs, css: str) -> dict:
    """The form's Bootstrap filter (``ui.bs``) knows Django's own widgets by name and classes any
    other as a text box: give these theirs."""
    attrs = dict(attrs or {})
    attrs["class"] = " ".join(css if name == "form-control" else name for name in attrs.get("class", "").split())
    return attrs


class ChecklistWidget(ShowsUnlistedValues, forms.CheckboxSelectMultiple):
    """Ticks in columns that fold to one on a phone; a group named after its field, since the
    form's label cannot point at a set of boxes."""

    template_name = "partners/widgets/checklist.html"
    group_label = ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, _bootstrap_class(attrs, "form-check-input"))
        context["widget"]["group_label"] = self.group_label
        return context


class CountriesSelect(ShowsUnlistedValues, forms.SelectMultiple):
    """Countries by name in a list box: the phone's own picker on a phone, Ctrl or ⌘ with a click
    for more than one on a computer; no script needed. Under it, the names chosen, since a long
    list shows only a few at a time (``static/js/choices.js`` keeps them in step)."""

    template_name = "partners/widgets/countries.html"

    def __init__(self, attrs=None):
        super().__init__(attrs={"size": 10, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, _bootstrap_class(attrs, "form-select"))
        context["widget"]["chosen"] = [
            option["label"]
            for _group, options, _index in context["widget"]["optgroups"]
            for option in options
            if option["selected"]
        ]
        return context


class CountrySelect(ShowsUnlistedValues, forms.Select):
    """One country by name (the headquarters)."""

    def get_context(self, name, value, attrs):
        return super().get_context(name, value, _bootstrap_class(attrs, "form-select"))


def checklist_field(*, label, choices) -> ChoiceListField:
    widget = ChecklistWidget()
    widget.group_label = label
    return ChoiceListField(label=label, choices=choices, widget=widget)


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
    tag = forms.ChoiceField(required=False, label=_("Tag"))
    sort = forms.ChoiceField(choices=[(key, key) for key in SORTS], required=False, label=_("Sort"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type_options = partner_type_options()
        self.type_ids = {option.slug: option.id for option in self.type_options}
        self.fields["type"].choices = [("", _("Any type")), *((t.slug, t.name) for t in self.type_options)]
        self.manager_options = [member for member in staff_members() if member.is_active]
        self.fields["manager"].choices = [("", _("Any manager")), *((str(m.id), m.label) for m in self.manager_options)]
        self.fields["tag"].choices = [("", _("Any tag")), *partner_tag_choices()]
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
            "tag": data.get("tag") or "",
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

    country = forms.ChoiceField(
        label=_("HQ country"),
        choices=[("", _("Choose a country")), *COUNTRY_CHOICES],
        widget=CountrySelect(),
        error_messages={"invalid_choice": _("%(value)s is not one of the choices. Pick from the list.")},
    )
    regions_served = checklist_field(label=_("Regions served"), choices=REGION_CHOICES)
    countries_served = ChoiceListField(
        label=_("Countries served"),
        choices=COUNTRY_CHOICES,
        widget=CountriesSelect(),
        help_text=_("Hold Ctrl (⌘ on a Mac) and click to choose more than one."),
    )
    industries = checklist_field(label=_("Industries"), choices=INDUSTRY_CHOICES)
    email_domains = CommaListField(item_max_length=253, lower=True, label=_("E-mail domains"))
    tags = CommaListField(
        item_max_length=40,
        lower=True,
        label=_("Tags"),
        help_text=_(
            "Separate tags with commas, e.g. invest (marked for investment). Programs, lead routing and MDF "
            "can target partners by tag; partners never see them."
        ),
    )
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
            "tags",
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
        if self.instance.pk is not None:
            if "country" in self.fields and self.instance.country not in dict(COUNTRY_CHOICES):
                # A code typed before the list: kept until someone chooses a country.
                legacy = gettext("%(value)s (not in the list)") % {"value": self.instance.country}
                self.fields["country"].choices = [*self.fields["country"].choices, (self.instance.country, legacy)]
            # What the record held before the lists existed stays, unless someone unticks it.
            for name in ("regions_served", "countries_served", "industries"):
                if name in self.fields:
                    self.fields[name].keep_legacy(getattr(self.instance, name))

    def clean_external_crm_id(self):
        # The (tenant, external_crm_id) constraint names the tenant, which is no form field, so
        # the ModelForm skips it: a taken id would otherwise reach the database (IntegrityError).
        crm_id = self.cleaned_data["external_crm_id"]
        if crm_id and Partner.objects.filter(external_crm_id=crm_id).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another partner already has this CRM id."))
        return crm_id

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
