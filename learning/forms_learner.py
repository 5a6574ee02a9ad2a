"""Input of the portal's learning pages: the catalogue's filters and a quiz's answers (input
validation only; what the answers may name is the service's business)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CourseLevel
from .selectors.catalogue import COMPLETED, IN_PROGRESS, NOT_STARTED

STATE_CHOICES = [
    ("", _("Any state")),
    (NOT_STARTED, _("Not started")),
    (IN_PROGRESS, _("In progress")),
    (COMPLETED, _("Completed")),
]


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.CharField(label=_("Category"), required=False, max_length=80)
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[("", _("Any level")), *CourseLevel.choices])
    state = forms.ChoiceField(label=_("State"), required=False, choices=STATE_CHOICES)

    def filters(self) -> dict:
        """The filters a valid form asks for; none for an invalid one (the whole catalogue)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data["q"].replace("\x00", ""),
            "category": data["category"],
            "level": data["level"],
            "state": data["state"],
        }


# A quiz's fields: "q-<question id>" with choice ids as values (one for a radio, any for boxes).
_QUESTION_FIELD = re.compile(r"^q-(\d{1,18})$")
_ID = re.compile(r"^\d{1,18}$")


class MalformedAnswers(ValueError):
    """The posted answers are not ids at all (a tampered page)."""


def answers_from_post(data) -> dict[int, list[int]]:
    """{question id: [choice ids]} from a quiz page's POST; ``MalformedAnswers`` for fields that
    are not ids. Unanswered questions are simply absent."""
    answers: dict[int, list[int]] = {}
    for name in data:
        match = _QUESTION_FIELD.match(name)
        if match is None:
            if name.startswith("q-"):
                raise MalformedAnswers(name)
            continue
        values = data.getlist(name)
        if not all(_ID.match(value) for value in values):
            raise MalformedAnswers(name)
        answers[int(match.group(1))] = [int(value) for value in values]
    return answers
