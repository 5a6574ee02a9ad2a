from django import forms

from .kinds import KINDS


class PreferencesForm(forms.Form):
    """Two checkboxes per notification kind: in the portal, by e-mail."""

    def __init__(self, *args, preferences, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in KINDS.items():
            pref = preferences[kind]
            self.fields[f"{kind}:portal"] = forms.BooleanField(required=False, initial=pref.in_portal, label=label)
            self.fields[f"{kind}:email"] = forms.BooleanField(required=False, initial=pref.by_email, label=label)

    def rows(self):
        for kind, label in KINDS.items():
            yield label, self[f"{kind}:portal"], self[f"{kind}:email"]

    def choices(self) -> dict[str, tuple[bool, bool]]:
        return {kind: (self.cleaned_data[f"{kind}:portal"], self.cleaned_data[f"{kind}:email"]) for kind in KINDS}
