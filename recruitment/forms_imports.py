"""Forms of the partner import: input validation only (the services judge the file and its rows)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .services.imports import COLUMNS, MAX_BYTES


class ImportUploadForm(forms.Form):
    document = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_(
            "One row per user, with a header row; a partner's columns repeat on each of its users' rows, "
            "and a row without a user e-mail is a partner alone. Up to 10 MB and 20,000 rows."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
        error_messages={"required": _("Choose the file to import."), "empty": _("The file is empty.")},
    )

    def clean_document(self):
        document = self.cleaned_data["document"]
        if document.size > MAX_BYTES:
            raise forms.ValidationError(_("Keep the file under %(size)s MB."), params={"size": MAX_BYTES // 2**20})
        return document


class MappingForm(forms.Form):
    """For each field of an import, the column of the file that fills it (or none)."""

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("(not in the file)")), *((str(i), header) for i, header in enumerate(headers))]
        for column in COLUMNS:
            self.fields[column.key] = forms.TypedChoiceField(
                label=column.label,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=column.required,
                error_messages={"required": _("Choose the column that holds this field.")},
            )

    def clean(self):
        data = super().clean()
        used: dict[int, str] = {}
        for column in COLUMNS:
            index = data.get(column.key)
            if index is None:
                continue
            if index in used:
                self.add_error(column.key, _("This column already fills another field."))
            used[index] = column.key
        return data

    def mapping(self) -> dict[str, int]:
        return {key: index for key, index in self.cleaned_data.items() if index is not None}


class ConfirmForm(forms.Form):
    invite_users = forms.BooleanField(
        label=_("Send the invitations now"),
        required=False,
        help_text=_("Otherwise the users are invited without an e-mail; their invitations wait on the people pages."),
    )
