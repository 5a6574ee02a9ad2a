"""Amounts, measures, dates and country names in the reader's language: a German partner reads
"EUR 5.000,00" and German month names ("März"), an English one what the pages always showed.
Django's own catalogues and locale formats answer here; our catalogues come later."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import translation

from prm.countries import country_name
from programs.metrics import format_measure
from programs.services.catalogue import _period
from programs.services.policy import format_money


def test_money_and_measures_keep_their_english_form():
    # given an English reader
    with translation.override("en"):
        # then amounts and measures read as they always did
        assert format_money(Decimal("5000"), "EUR") == "EUR 5,000.00"
        assert format_measure(Decimal("42000"), "USD") == "42,000 USD"
        assert format_measure(Decimal("12.5"), "points") == "12.50 points"


def test_a_german_reader_gets_german_separators():
    # given a German reader
    with translation.override("de"):
        # then thousands and decimals are separated the German way
        assert format_money(Decimal("5000"), "EUR") == "EUR 5.000,00"
        assert format_measure(Decimal("42000"), "USD") == "42.000 USD"


def test_grant_periods_name_the_month_in_the_readers_language():
    # given a grant from 3 March 2025 until 1 January 2026
    start, end = date(2025, 3, 3), date(2026, 1, 1)
    with translation.override("en"):
        # then an English reader reads English month names
        assert "3 March 2025" in _period(start, end) and "1 January 2026" in _period(start, end)
    with translation.override("de"):
        # and a German reader reads German ones (Django ships those names)
        assert "März" in _period(start, end) and "Januar" in _period(start, end)


def test_country_names_are_plain_text_and_unknown_codes_stay_codes():
    # given country codes the way the database keeps them
    with translation.override("en"):
        # then a known code reads as its name (text, usable in any sentence) and an unknown one as itself
        assert country_name("de") == "Germany" and isinstance(country_name("DE"), str)
        assert country_name("QQ") == "QQ"
