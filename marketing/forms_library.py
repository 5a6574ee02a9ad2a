"""Forms of the content library's pages: input validation only (the services check the rules
again). An asset's audience is chosen with the marketing forms' one chooser
(``forms_audience.AudienceFields``)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from prm.errors import PolicyViolation
from prm.web.files import DOCUMENT_MAX_BYTES, document_kind

from .forms_audience import TICKS, AudienceFields
from .models import AssetKind, PublishStatus
from .selectors.library import folder_options
from .services.library import (
    DESCRIPTION_MAX,
    FOLDER_NAME_MAX,
    NOT_AN_ASSET_FILE,
    NOTES_MAX,
    TAG_MAX,
    TAGS_MAX,
    TERMS_MAX,
    TITLE_MAX,
    URL_MAX,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def folder_choices(*, empty_label) -> list[tuple[str, str]]:
    """The folders as a select offers them (indented by depth), after ``empty_label``."""
    return [
        ("", empty_label),
        *((option.id, "\N{EM SPACE}" * option.depth + option.name) for option in folder_options()),
    ]


def _upload(document) -> None:
    """An upload judged by its content (the service judges it again): a field error, not a 500."""
    try:
        document_kind(document, refusal=str(NOT_AN_ASSET_FILE))
    except PolicyViolation as refusal:
        raise forms.ValidationError(refusal.message) from refusal


class TagsField(forms.CharField):
    """Tags typed with commas between them ("brochure, storage, 2026")."""

    def to_python(self, value):
        text = super().to_python(value)
        ProhibitNullCharactersValidator()(text)  # the list's validators would see its repr
        tags = [tag.strip() for tag in text.split(",") if tag.strip()]
        too_long = [tag for tag in tags if len(tag) > TAG_MAX]
        if too_long:
            raise forms.ValidationError(
                _("A tag has at most %(limit)s characters (%(tag)s has more).") % {"limit": TAG_MAX, "tag": too_long[0]}
            )
        if len({tag.casefold() for tag in tags}) > TAGS_MAX:
            raise forms.ValidationError(_("At most %(limit)s tags, please.") % {"limit": TAGS_MAX})
        return tags

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return ", ".join(value)
        return value


class AssetForm(AudienceFields):
    """An asset's words, place, validity and terms, and its audience."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What it is and when to use it: partners find it by these words too."),
    )
    tags = TagsField(
        label=_("Tags"),
        required=False,
        max_length=900,
        help_text=_("Separated by commas, e.g. brochure, storage, 2026."),
    )
    folder = forms.TypedChoiceField(label=_("Folder"), required=False, coerce=int, empty_value=None, choices=())
    language = forms.ChoiceField(label=_("Language"), required=False, choices=())
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DATE)
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=DATE,
        help_text=_("Partners see it from the first day to the last; leave empty for no limit."),
    )
    requires_terms = forms.BooleanField(label=_("People accept terms of use before downloading"), required=False)
    terms = forms.CharField(
        label=_("Terms of use"),
        required=False,
        max_length=TERMS_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown before the first download; changing them asks everyone to accept again."),
    )

    DETAILS = ("title", "description", "tags", "folder", "language")
    RULES = ("valid_from", "valid_until", "requires_terms", "terms")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["folder"].choices = folder_choices(empty_label=_("No folder"))
        self.fields["language"].choices = [("", _("Any language")), *settings.LANGUAGES]

    @property
    def detail_fields(self):
        return [self[name] for name in self.DETAILS]

    @property
    def rule_fields(self):
        return [self[name] for name in self.RULES]

    def clean(self):
        data = super().clean()
        starts, ends = data.get("valid_from"), data.get("valid_until")
        if starts and ends and ends < starts:
            self.add_error("valid_until", _("The validity ends on or after the day it starts."))
        if data.get("requires_terms") and not (data.get("terms") or "").strip():
            self.add_error("terms", _("Write the terms people accept before downloading, or untick the box."))
        return data

    @classmethod
    def initial_from(cls, asset) -> dict:
        """The form filled in with ``asset`` as it is (its edit page)."""
        return {
            "title": asset.title,
            "description": asset.description,
            "tags": asset.tags,
            "folder": asset.folder_id,
            "language": asset.language,
            "valid_from": asset.valid_from,
            "valid_until": asset.valid_until,
            "requires_terms": asset.requires_terms,
            "terms": asset.terms,
            **cls.audience_initial(asset),
        }

    def asset_fields(self) -> dict:
        """The cleaned data as the services take them (the folder as ``folder_id``: the view
        finds it)."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data.get("description") or "",
            "tags": data.get("tags") or [],
            "folder_id": data.get("folder"),
            "language": data.get("language") or "",
            "valid_from": data.get("valid_from"),
            "valid_until": data.get("valid_until"),
            "requires_terms": bool(data.get("requires_terms")),
            "terms": data.get("terms") or "",
            "audience": self.audience(),
        }


class VersionFields(forms.Form):
    """A version's content: a document (a file asset) or an address (a link, a video)."""

    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("PDF, PNG or JPEG, up to %(size)s MB.") % {"size": DOCUMENT_MAX_BYTES // (1024 * 1024)},
    )
    url = forms.URLField(
        label=_("Address"),
        required=False,
        max_length=URL_MAX,
        assume_scheme="https",
        help_text=_("The web address of the page or video (YouTube and Vimeo videos play on the asset's page)."),
    )
    notes = forms.CharField(
        label=_("What changed"),
        required=False,
        max_length=NOTES_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def _kind(self) -> str:
        raise NotImplementedError

    def clean(self):
        data = super().clean()
        kind = self._kind()
        if kind == AssetKind.FILE:
            document = data.get("file")
            if not document:
                if "file" not in self.errors:
                    self.add_error("file", _("Choose the file to upload."))
            else:
                try:
                    _upload(document)
                except forms.ValidationError as error:
                    self.add_error("file", error)
        elif kind and not data.get("url") and "url" not in self.errors:
            self.add_error("url", _("Give the address of the link or video."))
        return data


class AssetCreateForm(VersionFields, AssetForm):
    """A new asset: what it is, its first version, its details and audience."""

    kind = forms.ChoiceField(
        label=_("What is it?"), choices=AssetKind.choices, initial=AssetKind.FILE, widget=forms.RadioSelect(attrs=TICKS)
    )

    def _kind(self) -> str:
        return self.cleaned_data.get("kind", "")

    @property
    def version_fields(self):
        return [self[name] for name in ("file", "url")]


class VersionForm(VersionFields):
    """A new version of an asset of a known kind."""

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == AssetKind.FILE:
            del self.fields["url"]
        else:
            del self.fields["file"]
        self.order_fields(["file", "url", "notes"])

    def _kind(self) -> str:
        return self.kind


class PublishForm(forms.Form):
    notify = forms.BooleanField(
        label=_("Tell the partner users in its audience (in the portal, and by e-mail as each one chose)"),
        required=False,
    )


class TermsForm(forms.Form):
    accept = forms.BooleanField(
        label=_("I accept these terms of use"),
        error_messages={"required": _("Tick the box to accept the terms of use.")},
    )


class FolderForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=FOLDER_NAME_MAX)
    parent = forms.TypedChoiceField(label=_("Inside"), required=False, coerce=int, empty_value=None, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = folder_choices(empty_label=_("The top of the library"))


class FolderRenameForm(forms.Form):
    name = forms.CharField(label=_("New name"), max_length=FOLDER_NAME_MAX)


NEW = "new"


class LibraryFilterForm(forms.Form):
    """The portal library's query string: words, folder, kind, tag, new since the last visit.
    Invalid values are ignored field by field, never a 500."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    folder = forms.TypedChoiceField(label=_("Folder"), required=False, coerce=int, empty_value=None, choices=())
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=())
    tag = forms.CharField(label=_("Tag"), required=False, max_length=40)
    new = forms.BooleanField(label=_("New since your last visit"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["folder"].choices = folder_choices(empty_label=_("Every folder"))
        self.fields["kind"].choices = [("", _("Every kind")), *AssetKind.choices]

    def values(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "folder_id": data.get("folder"),
            "kind": data.get("kind") or "",
            "tag": (data.get("tag") or "").strip(),
            "new": bool(data.get("new")),
        }


class OfficeFilterForm(LibraryFilterForm):
    """The back office's list: the portal's filters (not "new") and the status."""

    status = forms.ChoiceField(label=_("Status"), required=False, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["new"]
        self.fields["status"].choices = [("", _("Every status")), *PublishStatus.choices]

    def values(self) -> dict:
        found = super().values()
        found.pop("new")
        found["status"] = self.cleaned_data.get("status") or ""
        return found
