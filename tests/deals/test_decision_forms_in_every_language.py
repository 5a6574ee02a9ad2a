"""A refusal without its reason is told so in every language: the forms compare the posted
decision and name the note's field by their (untranslated) names, and only the message is
translated."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation

from deals.forms_office import ExtensionDecisionForm, WinDecisionForm
from deals.forms_pricing import PricingDecisionForm


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
@pytest.mark.parametrize(
    ("form_class", "data", "field"),
    [
        (WinDecisionForm, {"decision": "refuse"}, "reason"),
        (ExtensionDecisionForm, {"decision": "refuse"}, "note"),
        (PricingDecisionForm, {"decision": "reject", "step": "1"}, "note"),
    ],
)
def test_a_refusal_without_its_reason_is_refused_on_the_note_in_every_language(language, form_class, data, field):
    with translation.override(language):
        form = form_class(data=data)
        assert not form.is_valid()
        told = [str(message) for message in form.errors.get(field, [])]
    with translation.override("en"):
        english = str(form_class.note_missing)
    # the message is the language's own (English only where the language is English)
    assert len(told) == 1, form.errors
    assert (told[0] == english) == (language == "en")
