"""Forms of the SCORM pages: input validation only (the services judge the package)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ScormUploadForm(forms.Form):
    package = forms.FileField(
        label=_("SCORM 1.2 package"),
        help_text=_("The zip file your training team exported, with imsmanifest.xml at its root."),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )
    title = forms.CharField(
        label=_("Title"), max_length=200, required=False, help_text=_("Empty: the title the manifest gives.")
    )


class ScormCourseForm(forms.Form):
    code = forms.SlugField(
        label=_("Course code"),
        max_length=60,
        help_text=_("Letters, digits and hyphens; unique among your courses."),
    )
    title = forms.CharField(label=_("Course title"), max_length=200, required=False)
