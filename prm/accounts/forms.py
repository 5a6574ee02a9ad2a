from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html

from .roles import Role


class InvitationForm(forms.Form):
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=())

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Role.choices)
        self.fields["role"].choices = [(role, labels[role]) for role in roles]


class AcceptInvitationForm(forms.Form):
    """A new account for the invitee: name and password (the e-mail is the invited one)."""

    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    password1 = forms.CharField(
        label="Password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


class DeactivateForm(forms.Form):
    reason = forms.CharField(required=False, max_length=500)
