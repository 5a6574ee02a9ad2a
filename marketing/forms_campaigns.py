"""Forms of campaigns in a box: input validation only (the services check the rules again). A
campaign's audience is chosen with the marketing forms' one chooser (``forms_audience``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms_audience import AudienceFields
from .models import PublishStatus
from .services.campaigns import BODY_MAX, CODE_MAX, DESCRIPTION_MAX, NAME_MAX, SUBJECT_MAX, SUMMARY_MAX

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0, "max_value": 10**11}
PLACEHOLDER_HELP = _(
    "Placeholders filled in for each partner: {{ partner }} (its name), {{ contact }} (its primary contact) and "
    "{{ website }} (its website)."
)


class CampaignForm(AudienceFields):
    """A campaign's details, its e-mail, its MDF activity type and its audience."""

    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    code = forms.CharField(
        label=_("Code"),
        max_length=CODE_MAX,
        help_text=_(
            "What leads and deals cite to be attributed to this campaign (e.g. spring-launch): letters, digits "
            "and hyphens. It cannot change once the campaign is published."
        ),
    )
    summary = forms.CharField(label=_("Summary"), max_length=SUMMARY_MAX, required=False)
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The plan: whom it targets, the message, the schedule, the media."),
    )
    starts_on = forms.DateField(label=_("Suggested start"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("Suggested end"), required=False, widget=DATE)
    email_subject = forms.CharField(label=_("E-mail subject"), max_length=SUBJECT_MAX, required=False)
    email_body = forms.CharField(
        label=_("E-mail text"),
        max_length=BODY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=PLACEHOLDER_HELP,
    )
    fund_type = forms.TypedChoiceField(
        label=_("MDF activity type"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=(),
        help_text=_("Partners joining may ask for MDF of this type, pre-filled from the campaign."),
    )
    suggested_cost = forms.DecimalField(label=_("Suggested cost"), required=False, **MONEY)

    def __init__(self, *args, fund_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund_type"].choices = [("", _("None (no MDF)")), *fund_types]

    @classmethod
    def initial_from(cls, campaign) -> dict:
        """The form filled in with ``campaign`` as it is (its edit page)."""
        fields = (
            "name",
            "code",
            "summary",
            "description",
            "starts_on",
            "ends_on",
            "email_subject",
            "email_body",
            "suggested_cost",
        )
        return {
            **{name: getattr(campaign, name) for name in fields},
            "fund_type": campaign.fund_type_id,
            **cls.audience_initial(campaign),
        }

    def campaign_fields(self) -> dict:
        """The cleaned data as the services take them (the MDF activity type as ``fund_type_id``:
        the view finds it)."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "code": data["code"],
            "summary": data.get("summary") or "",
            "description": data.get("description") or "",
            "starts_on": data.get("starts_on"),
            "ends_on": data.get("ends_on"),
            "email_subject": data.get("email_subject") or "",
            "email_body": data.get("email_body") or "",
            "fund_type_id": data.get("fund_type"),
            "suggested_cost": data.get("suggested_cost"),
            "audience": self.audience(),
        }

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The campaign ends on or after the day it starts."))
        return data


class CampaignFilterForm(forms.Form):
    """The back office's list: status and a search in names and codes."""

    status = forms.ChoiceField(label=_("Status"), required=False, choices=())
    q = forms.CharField(label=_("Name or code"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Every status")), *PublishStatus.choices]

    def values(self) -> dict:
        if not self.is_valid():
            return {"status": "", "search": ""}
        return {"status": self.cleaned_data["status"] or "", "search": (self.cleaned_data["q"] or "").strip()}


class AssetsForm(forms.Form):
    """The campaign's assets in order (each ``assets`` value in the order posted)."""

    assets = forms.TypedMultipleChoiceField(label=_("Assets"), required=False, coerce=int, choices=())

    def __init__(self, *args, assets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assets"].choices = list(assets)


class AddAssetForm(forms.Form):
    """The "add an asset" control on the campaign's page (posted with the current ones)."""

    assets = forms.TypedChoiceField(label=_("Add an asset from the library"), coerce=int, choices=())

    def __init__(self, *args, assets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assets"].choices = [("", "---------"), *assets]


class EmailForm(forms.Form):
    """The partner's personalised e-mail (placeholders are filled in when it is shown)."""

    email_subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    email_body = forms.CharField(
        label=_("Text"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 12}), help_text=PLACEHOLDER_HELP
    )


class JoinForm(EmailForm):
    """Joining: the personalised e-mail and, when MDF applies, the request pre-filled from the
    campaign (``with_mdf`` ticked: its fields are required)."""

    with_mdf = forms.BooleanField(label=_("Ask for MDF for this campaign"), required=False)
    allocation = forms.TypedChoiceField(label=_("From the funds"), required=False, coerce=int, choices=())
    mdf_title = forms.CharField(label=_("Activity title"), required=False, max_length=160)
    mdf_description = forms.CharField(
        label=_("Activity plan"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    mdf_starts_on = forms.DateField(label=_("First day"), required=False, widget=DATE)
    mdf_ends_on = forms.DateField(label=_("Last day"), required=False, widget=DATE)
    mdf_cost = forms.DecimalField(label=_("Total cost"), required=False, **MONEY)
    mdf_expected_leads = forms.IntegerField(label=_("Expected leads"), required=False, min_value=0, max_value=1_000_000)
    mdf_expected_pipeline = forms.DecimalField(label=_("Expected pipeline"), required=False, **MONEY)

    MDF_REQUIRED = ("allocation", "mdf_title", "mdf_description", "mdf_starts_on", "mdf_ends_on", "mdf_cost")

    def __init__(self, *args, funds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.offers_mdf = bool(funds)
        if self.offers_mdf:
            self.fields["allocation"].choices = [("", "---------"), *funds]
        else:
            for name in [name for name in self.fields if name == "with_mdf" or name in self.mdf_fields()]:
                del self.fields[name]

    @staticmethod
    def mdf_fields() -> tuple[str, ...]:
        return (
            "allocation",
            "mdf_title",
            "mdf_description",
            "mdf_starts_on",
            "mdf_ends_on",
            "mdf_cost",
            "mdf_expected_leads",
            "mdf_expected_pipeline",
        )

    def email_fields(self):
        return [self[name] for name in ("email_subject", "email_body")]

    def mdf_bound_fields(self):
        return [self[name] for name in self.mdf_fields() if name in self.fields]

    def clean(self):
        data = super().clean()
        if not self.offers_mdf or not data.get("with_mdf"):
            return data
        for name in self.MDF_REQUIRED:
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, _("Needed for the MDF request."))
        starts_on, ends_on = data.get("mdf_starts_on"), data.get("mdf_ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("mdf_ends_on", _("The activity ends on or after the day it starts."))
        return data
