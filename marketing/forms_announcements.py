"""Forms of announcements: the back office's announcement (its text, schedule and audience) and
list filter, the portal's e-mail preference. Input validation only: the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from prm.accounts.roles import PARTNER_ROLES, Role
from prm.segments import REGION_CHOICES

from .models import DigestFrequency
from .selectors.announcements import CURRENT, DRAFT, EXPIRED, SCHEDULED
from .services.announcements import BODY_MAX, TITLE_MAX, AudienceLists

WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
CHECKS = {"class": "form-check-input"}
PARTNER_ROLE_CHOICES = [(role.value, role.label) for role in Role if role in PARTNER_ROLES]


class IdsField(forms.TypedMultipleChoiceField):
    """Ticked ids among the given (id, label) choices, cleaned to a list of ints."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple(attrs=CHECKS))
        super().__init__(coerce=int, empty_value=[], **kwargs)


class AnnouncementForm(forms.Form):
    """An announcement: its text, when it shows, whether it is e-mailed, and whom it is for."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Plain text: line breaks are kept, links are shown as typed."),
    )
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=WHEN,
        help_text=_("Blank: now. A later time schedules it (in your time zone)."),
    )
    expires_at = forms.DateTimeField(
        label=_("Expires at"), required=False, widget=WHEN, help_text=_("Blank: it stays until withdrawn.")
    )
    pinned = forms.BooleanField(label=_("Pin it to the top"), required=False)
    send_email = forms.BooleanField(
        label=_("Also send it by e-mail"),
        required=False,
        help_text=_("When it is published; people who chose a daily or weekly digest find it there."),
    )
    is_draft = forms.BooleanField(label=_("Keep it as a draft (nobody sees it yet)"), required=False)
    audience_program_ids = IdsField(
        label=_("Programs"), help_text=_("None ticked: partners of any program, or of none.")
    )
    audience_tier_ids = IdsField(label=_("Tiers"), help_text=_("None ticked: partners of any tier, or of none."))
    audience_partner_type_ids = IdsField(label=_("Partner types"), help_text=_("None ticked: every partner type."))
    audience_regions = forms.MultipleChoiceField(
        label=_("Regions"),
        choices=REGION_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs=CHECKS),
        help_text=_("None ticked: partners of any region."),
    )
    audience_roles = forms.MultipleChoiceField(
        label=_("Partner roles"),
        choices=PARTNER_ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs=CHECKS),
        help_text=_("None ticked: every partner user."),
    )

    def __init__(self, *args, tiers=(), partner_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        programs = {tier.program_id: tier.program_name for tier in tiers}
        self.fields["audience_program_ids"].choices = sorted(programs.items(), key=lambda item: item[1])
        self.fields["audience_tier_ids"].choices = [(tier.id, f"{tier.program_name}: {tier.name}") for tier in tiers]
        self.fields["audience_partner_type_ids"].choices = [(option.id, option.name) for option in partner_types]

    def clean(self):
        data = super().clean()
        publish_at, expires_at = data.get("publish_at"), data.get("expires_at")
        if publish_at and expires_at and expires_at <= publish_at:
            self.add_error("expires_at", _("It expires after it is published: choose a later time."))
        return data

    def audience(self) -> AudienceLists:
        data = self.cleaned_data
        return AudienceLists(
            program_ids=tuple(data.get("audience_program_ids") or ()),
            tier_ids=tuple(data.get("audience_tier_ids") or ()),
            partner_type_ids=tuple(data.get("audience_partner_type_ids") or ()),
            regions=tuple(data.get("audience_regions") or ()),
            roles=tuple(data.get("audience_roles") or ()),
        )


class AnnouncementFilterForm(forms.Form):
    """The back office's list: by state."""

    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("Every announcement")),
            (CURRENT, _("Shown now")),
            (SCHEDULED, _("Scheduled")),
            (DRAFT, _("Drafts")),
            (EXPIRED, _("Expired")),
        ],
    )

    def value(self) -> str:
        """The state chosen ("" for every one, or when the query string is invalid)."""
        if not self.is_valid():
            return ""
        return self.cleaned_data.get("state") or ""


class PreferenceForm(forms.Form):
    """How a person wants announcements by e-mail."""

    frequency = forms.ChoiceField(
        label=_("Announcements by e-mail"), choices=DigestFrequency.choices, widget=forms.RadioSelect(attrs=CHECKS)
    )
