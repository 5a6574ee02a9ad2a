"""The integrations pages' forms: an API key, a webhook endpoint (input validation only; the
services decide what may be given)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from prm.accounts.credentials import SCOPES
from prm.events.verbs import verb_label


class ApiKeyForm(forms.Form):
    """A new key: what it is for, its scopes (those the actor may give, ``scopes``) and an
    optional last day."""

    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        help_text=_("What will use it, such as your CRM: the name tells keys apart."),
        error_messages={"required": _("Give the key a name (what will use it).")},
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Choose at least one scope.")},
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Optional: the key stops working at the end of this day."),
    )

    def __init__(self, *args, scopes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = [(scope, SCOPES[scope]) for scope in scopes]


def event_type_choices(event_types) -> list:
    """The event types an endpoint may ask for, grouped by what they are about (``deal``,
    ``lead``, ...), each as its name and its label."""
    groups: dict[str, list] = {}
    for name in event_types:
        groups.setdefault(name.split(".", 1)[0], []).append((name, f"{name} · {verb_label(name)}"))
    return list(groups.items())


class EndpointForm(forms.Form):
    """A webhook endpoint: where to post, a note, and the event types it wants (none: all)."""

    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where the events are posted, such as https://crm.example.com/hooks/prm."),
        error_messages={"required": _("Give the address the events are posted to.")},
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Event types"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("Choose none to receive every event type (new ones included)."),
    )

    def __init__(self, *args, event_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = event_type_choices(event_types)
