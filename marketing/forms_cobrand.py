"""Forms of co-branding: a template (its PDF, name, description and audience), an area, the
partner's fill form (a field per editable area, the button pressed), the usage report's filter."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from prm.errors import PolicyViolation
from prm.web.files import document_kind

from .forms_audience import AudienceFields
from .models import AreaKind, CobrandArea, PublishStatus
from .services.cobrand import AREA_CHARS_MAX, MULTILINE_KINDS, AreaInput, clean_text

PREVIEW, FINAL = "preview", "final"


class TemplateForm(AudienceFields):
    """A template's PDF (required when it is new), name, description and audience."""

    name = forms.CharField(label=_("Name"), max_length=160)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    file = forms.FileField(
        label=_("PDF template"),
        help_text=_("A PDF of up to 50 pages, not password-protected. Mark the areas partners fill on its page next."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def __init__(self, *args, new: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not new:
            self.fields["file"].required = False
            self.fields["file"].label = _("Replace the PDF")
            self.fields["file"].help_text = _(
                "Leave empty to keep the current PDF. A new one must still hold every area."
            )

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if not file:
            return None
        refusal = gettext("Upload the template as a PDF file.")
        try:
            kind = document_kind(file, refusal=refusal)
        except PolicyViolation as error:
            raise forms.ValidationError(error.message) from error
        if kind != "pdf":
            raise forms.ValidationError(refusal)
        return file

    @classmethod
    def initial_from(cls, template) -> dict:
        """The form filled in with ``template`` as it is (its edit page)."""
        return {"name": template.name, "description": template.description, **cls.audience_initial(template)}

    def template_fields(self) -> dict:
        """The cleaned data as the services take them (``file``: None when none was chosen)."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "description": data.get("description") or "",
            "file": data.get("file"),
            "audience": self.audience(),
        }


class AreaForm(forms.Form):
    """An area: what it holds, where (PDF points from the page's bottom-left corner), how it looks
    and how much a partner may type."""

    kind = forms.ChoiceField(label=_("Holds"), choices=AreaKind.choices)
    label = forms.CharField(label=_("Label"), max_length=80, required=False)
    page = forms.IntegerField(label=pgettext_lazy("page of a document", "Page"), min_value=1, initial=1)
    x = forms.FloatField(label=_("x (points from the left)"), min_value=0)
    y = forms.FloatField(label=_("y (points from the bottom)"), min_value=0)
    width = forms.FloatField(label=_("Width (points)"), min_value=1)
    height = forms.FloatField(label=_("Height (points)"), min_value=1)
    font_size = forms.FloatField(label=_("Font size (points)"), min_value=4, max_value=72, initial=11)
    color = forms.CharField(
        label=_("Text colour"),
        initial="#000000",
        max_length=7,
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Write a colour as #rrggbb."))],
        widget=forms.TextInput(attrs={"type": "color", "class": "form-control-color"}),
    )
    editable = forms.BooleanField(label=_("Partners may edit the text"), required=False, initial=True)
    max_chars = forms.IntegerField(label=_("At most characters"), min_value=1, max_value=AREA_CHARS_MAX, initial=200)
    default_text = forms.CharField(
        label=_("Default text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Custom text areas start with it; the other kinds are filled from the partner's profile."),
    )

    def values(self) -> AreaInput:
        data = self.cleaned_data
        return AreaInput(
            kind=data["kind"],
            page=data["page"],
            x=data["x"],
            y=data["y"],
            width=data["width"],
            height=data["height"],
            label=data.get("label") or "",
            font_size=data["font_size"],
            color=data["color"],
            editable=bool(data.get("editable")),
            max_chars=data["max_chars"],
            default_text=data.get("default_text") or "",
        )

    @staticmethod
    def initial_from(area: CobrandArea) -> dict:
        fields = ("kind", "label", "page", "x", "y", "width", "height", "font_size", "color", "editable", "max_chars")
        return {**{name: getattr(area, name) for name in fields}, "default_text": area.default_text}


class FillForm(forms.Form):
    """The partner's text for each editable area (pre-filled from its profile), and which button
    it pressed: a preview or the PDF."""

    make = forms.ChoiceField(choices=[(PREVIEW, _("Preview")), (FINAL, _("Create PDF"))], widget=forms.HiddenInput)

    def __init__(self, *args, areas: list[CobrandArea], **kwargs):
        super().__init__(*args, **kwargs)
        self.areas = areas
        for area in areas:
            multiline = area.kind in MULTILINE_KINDS
            widget = forms.Textarea(attrs={"rows": 4 if multiline else 1}) if multiline else forms.TextInput()
            # bs (prm/web/templatetags/ui.py) turns maxlength into the character counter's data-maxlength.
            widget.attrs["maxlength"] = area.max_chars
            self.fields[self.field_name(area)] = forms.CharField(
                label=str(area),
                required=False,
                strip=False,
                widget=widget,
                help_text=gettext("At most %(limit)s characters.") % {"limit": area.max_chars},
            )

    @staticmethod
    def field_name(area: CobrandArea) -> str:
        return f"area_{area.pk}"

    def clean(self):
        cleaned = super().clean()
        for area in self.areas:
            name = self.field_name(area)
            if name not in cleaned:
                continue
            text = clean_text(cleaned[name], multiline=area.kind in MULTILINE_KINDS)
            if len(text) > area.max_chars:
                self.add_error(
                    name,
                    gettext("At most %(limit)s characters (it has %(count)s).")
                    % {"limit": area.max_chars, "count": len(text)},
                )
            cleaned[name] = text
        return cleaned

    def values(self) -> dict[int, str]:
        return {area.pk: self.cleaned_data.get(self.field_name(area), "") for area in self.areas}

    @property
    def preview(self) -> bool:
        return self.cleaned_data.get("make") == PREVIEW


class TemplateFilterForm(forms.Form):
    """The back office's list of templates: by status."""

    status = forms.ChoiceField(label=_("Status"), required=False, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Every status")), *PublishStatus.choices]

    def values(self) -> dict:
        """The status chosen ("" for every one, or when the query string is invalid)."""
        return {"status": (self.cleaned_data.get("status") or "") if self.is_valid() else ""}


class UsageFilterForm(forms.Form):
    template = forms.TypedChoiceField(label=_("Template"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, templates: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", _("All templates")), *templates]

    def template_id(self) -> int | None:
        return self.cleaned_data.get("template") if self.is_valid() else None
