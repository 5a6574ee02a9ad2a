"""Form fields every app's forms use."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ObjectChoiceField(forms.ChoiceField):
    """A choice among objects the view already loaded; cleans to the object itself."""

    def __init__(self, *, objects=(), label_from=str, **kwargs):
        super().__init__(**kwargs)
        self.set_objects(objects, label_from)

    def set_objects(self, objects, label_from=str):
        self.objects = {str(obj.pk): obj for obj in objects}
        self.choices = [("", _("Choose…"))] + [(key, label_from(obj)) for key, obj in self.objects.items()]

    def clean(self, value):
        key = super().clean(value)
        return self.objects.get(key) if key else None
