"""Every shipped catalogue is complete: no untranslated and no fuzzy entry (a fuzzy one is
never shown, so its readers would get English). ``python scripts/i18n.py check-catalogues``
lists them."""

from __future__ import annotations

import pytest

from scripts.i18n import LANGUAGES, LOCALE, catalogues, problems


def test_each_translated_language_ships_a_catalogue():
    shipped = {po.parent.parent.name for po in catalogues()}
    assert shipped, f"no catalogue under {LOCALE}"
    assert shipped <= set(LANGUAGES), shipped


@pytest.mark.parametrize("po", catalogues(), ids=lambda po: po.parent.parent.name)
def test_the_catalogue_has_no_untranslated_or_fuzzy_entry(po):
    found = problems(po)
    assert found == [], f"{len(found)} entries to translate:\n" + "\n".join(found[:50])
