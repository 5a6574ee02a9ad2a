from django import forms

from prm.accounts.access import OFFICE, PORTAL

from .kinds import kinds_for


class PreferencesForm(forms.Form):
    """Two checkboxes per notification kind offered to the member's side: in the portal, by e-mail.

    Vendor staff are not offered the partners' kinds, nor partner users the staff's
    (``kind_audience``): a choice about something one never receives is noise.
    """

    def __init__(self, *args, preferences, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds_for(OFFICE if membership.is_staff_member else PORTAL)
        for kind, label in self.kinds:
            pref = preferences[kind]
            self.fields[f"{kind}:portal"] = forms.BooleanField(required=False, initial=pref.in_portal, label=label)
            self.fields[f"{kind}:email"] = forms.BooleanField(required=False, initial=pref.by_email, label=label)

    def rows(self):
        for kind, label in self.kinds:
            yield label, self[f"{kind}:portal"], self[f"{kind}:email"]

    def choices(self) -> dict[str, tuple[bool, bool]]:
        return {
            kind: (self.cleaned_data[f"{kind}:portal"], self.cleaned_data[f"{kind}:email"]) for kind, _ in self.kinds
        }
