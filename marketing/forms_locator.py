"""Forms of the public partner locator: input validation only (the services judge)."""

from __future__ import annotations

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from prm.countries import COUNTRY_CHOICES
from prm.errors import PolicyViolation
from prm.segments import INDUSTRY_CHOICES, REGION_CHOICES

from .selectors.locator import DEFAULT_RADIUS, RADIUS_CHOICES, LocatorQuery
from .services.locator import DESCRIPTION_MAX, HEADLINE_MAX, PHONE_MAX, logo_checked

_ID = {"coerce": int, "empty_value": None, "required": False}


class LocatorSearchForm(forms.Form):
    """The public search (GET): a value that does not fit is ignored field by field, never an
    error page; the page works without JavaScript."""

    q = forms.CharField(required=False, max_length=100, label=_("Name or keyword"))
    country = forms.ChoiceField(choices=[("", _("Any country")), *COUNTRY_CHOICES], required=False, label=_("Country"))
    near = forms.CharField(required=False, max_length=100, label=_("City or town near you"))
    radius = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=DEFAULT_RADIUS, initial=str(DEFAULT_RADIUS), label=_("Distance")
    )
    region = forms.ChoiceField(choices=[("", _("Any region")), *REGION_CHOICES], required=False, label=_("Region"))
    industry = forms.ChoiceField(
        choices=[("", _("Any industry")), *INDUSTRY_CHOICES], required=False, label=_("Industry")
    )
    product_line = forms.TypedChoiceField(**_ID, label=_("Product line"))
    tier = forms.TypedChoiceField(**_ID, label=_("Tier (or higher)"))
    competency = forms.TypedChoiceField(**_ID, label=_("Competency"))

    def __init__(self, *args, options=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and not self.data.get("radius"):  # the select shows the distance searched
            self.data = self.data.copy()
            self.data["radius"] = str(DEFAULT_RADIUS)
        # In the reader's language (a label formatted at import would keep the language of then).
        self.fields["radius"].choices = [(str(km), gettext("within %(km)s km") % {"km": km}) for km in RADIUS_CHOICES]
        if options is not None:
            self.fields["product_line"].choices = [("", _("Any product line")), *options.product_lines]
            self.fields["tier"].choices = [("", _("Any tier")), *options.tiers]
            self.fields["competency"].choices = [("", _("Any competency")), *options.competencies]

    def _values(self) -> dict:
        self.is_valid()
        data = dict(getattr(self, "cleaned_data", {}))
        for name in self.errors:  # what failed is ignored, the rest applies
            data.pop(name, None)
        return data

    def query(self) -> LocatorQuery:
        data = self._values()
        return LocatorQuery(
            q=data.get("q") or "",
            country=data.get("country") or "",
            region=data.get("region") or "",
            industry=data.get("industry") or "",
            product_line_id=data.get("product_line"),
            tier_id=data.get("tier"),
            competency_id=data.get("competency"),
            near=data.get("near") or "",
            radius_km=data.get("radius") or DEFAULT_RADIUS,
        )

    def query_string(self) -> str:
        """The search as a query string (pagination links), without what was ignored."""
        data = self._values()
        query = QueryDict(mutable=True)
        for name in self.fields:
            value = data.get(name)
            if value not in (None, "") and not (name == "radius" and value == DEFAULT_RADIUS):
                query[name] = str(value)
        return query.urlencode()

    @property
    def searched(self) -> bool:
        data = self._values()
        return any(data.get(name) not in (None, "") for name in self.fields if name != "radius")


class ContactForm(forms.Form):
    """ "Contact this partner". ``company_code`` is the honeypot (a name browsers do not autofill):
    hidden from people and from assistive technology, filled by bots that fill every field."""

    HONEYPOT = "company_code"

    name = forms.CharField(max_length=120, label=_("Your name"))
    email = forms.EmailField(max_length=254, label=_("Business e-mail"))
    company = forms.CharField(max_length=200, label=_("Company"))
    phone = forms.CharField(max_length=40, required=False, label=_("Phone"))
    country = forms.ChoiceField(choices=[("", "---------"), *COUNTRY_CHOICES], required=True, label=_("Country"))
    message = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4}), label=_("Your message")
    )
    consent = forms.BooleanField(
        required=True,
        label=_(
            "I agree that my details are stored and passed to this partner to answer my request, or, "
            "if it cannot answer in time, to another authorised partner of the vendor."
        ),
    )
    company_code = forms.CharField(label=_("Leave this field empty"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.HONEYPOT].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})
        self.fields["name"].widget.attrs.update({"autocomplete": "name"})
        self.fields["company"].widget.attrs.update({"autocomplete": "organization"})
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel"})

    @property
    def is_bot(self) -> bool:
        """Whether the honeypot is filled (read from the raw data: valid or not)."""
        return bool((self.data.get(self.HONEYPOT) or "").strip())

    def visible_fields_but_consent(self):
        return [field for field in self if field.name not in (self.HONEYPOT, "consent")]


class ProfileForm(forms.Form):
    """The partner's public profile (the portal)."""

    headline = forms.CharField(
        max_length=HEADLINE_MAX,
        required=False,
        label=_("Headline"),
        help_text=_("One line under your name, e.g. what you are best at."),
    )
    description = forms.CharField(
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        label=_("Description"),
    )
    logo = forms.FileField(required=False, label=_("Logo"), help_text=_("A PNG or JPEG image."))
    remove_logo = forms.BooleanField(required=False, label=_("Remove the logo"))
    public_email = forms.EmailField(required=False, max_length=254, label=_("Public e-mail"))
    public_phone = forms.CharField(required=False, max_length=PHONE_MAX, label=_("Public phone"))
    product_lines = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label=_("Product lines you sell")
    )
    show_tier = forms.BooleanField(required=False, label=_("Show our tier badge"))
    show_certifications = forms.BooleanField(required=False, label=_("Show our certifications"))
    show_competencies = forms.BooleanField(required=False, label=_("Show our competencies"))
    show_locations = forms.BooleanField(required=False, label=_("Show our locations"))
    show_website = forms.BooleanField(required=False, label=_("Show our website"))
    show_contact = forms.BooleanField(required=False, label=_("Show the public e-mail and phone"))

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_lines"].choices = list(lines)
        self.fields["description"].help_text = gettext(
            "What you do, for whom, and where (at most %(max)s characters)."
        ) % {"max": DESCRIPTION_MAX}

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if not logo:
            return None
        try:
            return logo_checked(logo)
        except PolicyViolation as error:
            raise forms.ValidationError(error.message) from error


class LocatorSettingsForm(forms.Form):
    """The vendor's locator settings (the office)."""

    enabled = forms.BooleanField(required=False, label=_("The partner locator is public"))
    title = forms.CharField(required=False, max_length=120, label=_("Title"))
    intro = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label=_("Introduction")
    )
    frame_ancestors = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Sites that may embed it"),
        help_text=_("Origins such as https://www.example.com, one per line. None: the locator cannot be embedded."),
    )
    confirm_every_months = forms.IntegerField(
        min_value=1, max_value=60, label=_("Profiles are confirmed every (months)")
    )
    hide_after_days = forms.IntegerField(
        min_value=1, max_value=365, label=_("Days after the prompt before an unconfirmed profile is hidden")
    )
    featured_placement = forms.BooleanField(
        required=False,
        label=_("Featured partners come first"),
        help_text=_("Paid or sponsored placement: the locator says so on the page."),
    )
    featured_label = forms.CharField(required=False, max_length=60, label=_("Featured label"))
    weight_tier = forms.IntegerField(min_value=0, max_value=100, label=_("Points for the tier"))
    weight_competencies = forms.IntegerField(min_value=0, max_value=100, label=_("Points for competencies"))
    weight_proximity = forms.IntegerField(min_value=0, max_value=100, label=_("Points for proximity"))
    weight_completeness = forms.IntegerField(min_value=0, max_value=100, label=_("Points for a complete profile"))


class FeatureForm(forms.Form):
    featured = forms.BooleanField(required=False, label=_("Featured"))
