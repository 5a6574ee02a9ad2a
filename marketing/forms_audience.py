"""The audience chooser every part's form inherits (an asset, a co-brand template, a campaign, an
announcement): a list of ticks per audience column, its choices from
``selectors.audience.audience_options``; the page draws it with
``marketing/_audience_fields.html``. The services check what it chose again
(``services.audience.audience_fields``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors.audience import AUDIENCE_FIELDS, audience_options
from .services.audience import AudienceChoice

TICKS = {"class": "form-check-input"}


def _ticks(label, help_text, *, coerce=str) -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(
        label=label,
        required=False,
        coerce=coerce,
        empty_value=[],
        choices=(),
        help_text=help_text,
        widget=forms.CheckboxSelectMultiple(attrs=TICKS),
    )


class AudienceFields(forms.Form):
    """Whom it is for: each list left empty means anyone; every list ticked must match."""

    audience_program_ids = _ticks(_("Programs"), _("Partners enrolled in one of these programs."), coerce=int)
    audience_tier_ids = _ticks(_("Tiers"), _("Partners holding one of these tiers."), coerce=int)
    audience_partner_type_ids = _ticks(_("Partner types"), _("Partners of one of these types."), coerce=int)
    audience_regions = _ticks(_("Regions"), _("Partners serving one of these regions."))
    audience_roles = _ticks(_("Partner roles"), _("People with one of these roles at the partner."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, choices in audience_options().by_field().items():
            self.fields[name].choices = choices

    @property
    def audience_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in AUDIENCE_FIELDS]

    def audience(self) -> AudienceChoice:
        """What was ticked (after ``is_valid()``)."""
        data = self.cleaned_data
        return AudienceChoice(
            program_ids=tuple(data.get("audience_program_ids") or ()),
            tier_ids=tuple(data.get("audience_tier_ids") or ()),
            partner_type_ids=tuple(data.get("audience_partner_type_ids") or ()),
            regions=tuple(data.get("audience_regions") or ()),
            roles=tuple(data.get("audience_roles") or ()),
        )

    @staticmethod
    def audience_initial(obj) -> dict[str, list]:
        """The form's initial ticks: ``obj``'s audience."""
        return {name: list(getattr(obj, name)) for name in AUDIENCE_FIELDS}
