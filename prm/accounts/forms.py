from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.utils.translation import gettext_lazy as _

from .models import User
from .roles import Role


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=())

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Role.choices)
        self.fields["role"].choices = [(role, labels[role]) for role in roles]


class AcceptInvitationForm(forms.Form):
    """A new account for the invitee: name and password (the e-mail is the invited one, ``email``:
    the password is judged against it and the names, as the account will hold them)."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        if data.get("password1") and "password1" not in self.errors:
            first, last = (data.get("first_name") or "").strip(), (data.get("last_name") or "").strip()
            try:
                validate_password(data["password1"], User(email=self.email, first_name=first, last_name=last))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class DeactivateForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
