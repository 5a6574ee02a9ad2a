"""Forms of the partner import: input validation only (the services judge the file and its rows)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from prm import tabular

from .services.imports import COLUMNS


class ImportUploadForm(tabular.UploadForm):
    help_text = _(
        "One row per user, with a header row; a partner's columns repeat on each of its users' rows, "
        "and a row without a user e-mail is a partner alone. Up to 10 MB and 20,000 rows."
    )


class MappingForm(tabular.MappingForm):
    """For each field of an import, the column of the file that fills it (or none)."""

    columns = COLUMNS


class ConfirmForm(forms.Form):
    invite_users = forms.BooleanField(
        label=_("Send the invitations now"),
        required=False,
        help_text=_("Otherwise the users are invited without an e-mail; their invitations wait on the people pages."),
    )
