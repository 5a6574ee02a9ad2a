"""Review deadlines in business hours: every hour of Monday to Friday in the vendor's zone."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest

from deals.services import business_deadline

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def test_hours_within_the_week_are_plain_hours():
    # given Monday 10:00 in Berlin, when 48 business hours pass, then it is Wednesday 10:00
    assert business_deadline(datetime(2025, 3, 3, 10, tzinfo=BERLIN), 48, BERLIN) == datetime(
        2025, 3, 5, 10, tzinfo=BERLIN
    )


def test_a_weekend_does_not_count():
    # given Friday 15:00, 48 hours: 9 on Friday, 24 on Monday, 15 on Tuesday
    due = business_deadline(datetime(2025, 3, 7, 15, tzinfo=BERLIN), 48, BERLIN)
    assert due == datetime(2025, 3, 11, 15, tzinfo=BERLIN)


@pytest.mark.parametrize("day", [8, 9])  # Saturday, Sunday
def test_a_submission_on_the_weekend_counts_from_monday_midnight(day):
    due = business_deadline(datetime(2025, 3, day, 13, 30, tzinfo=BERLIN), 8, BERLIN)
    assert due == datetime(2025, 3, 10, 8, tzinfo=BERLIN)


def test_exactly_the_rest_of_friday_ends_at_midnight_before_the_weekend():
    due = business_deadline(datetime(2025, 3, 7, 20, tzinfo=BERLIN), 4, BERLIN)
    assert due == datetime(2025, 3, 8, 0, tzinfo=BERLIN)


def test_the_weekday_is_the_vendors_not_utcs():
    # given Friday 23:30 in New York (already Saturday in UTC): the half hour left of Friday counts
    start = datetime(2025, 3, 8, 4, 30, tzinfo=UTC)
    due = business_deadline(start, 1, NEW_YORK)
    assert due == datetime(2025, 3, 10, 0, 30, tzinfo=NEW_YORK)


def test_elapsed_hours_across_the_spring_change_are_real_hours():
    # given Friday 28 March 2025 12:00 in Berlin; clocks go forward on Sunday 30 March (weekend):
    # the weekend is skipped whatever its length, Monday counts 24 hours
    due = business_deadline(datetime(2025, 3, 28, 12, tzinfo=BERLIN), 24, BERLIN)
    assert due == datetime(2025, 3, 31, 12, tzinfo=BERLIN)


def test_a_weekday_with_a_clock_change_holds_its_real_number_of_hours():
    # given New York's autumn change on Sunday 2 Nov 2025 does not touch weekdays, take a zone
    # that changes on a weekday: Cairo moved its clocks forward on Friday 25 April 2025 at 00:00
    cairo = zoneinfo.ZoneInfo("Africa/Cairo")
    start = datetime(2025, 4, 24, 12, tzinfo=cairo)  # Thursday noon
    # Thursday has 12 hours left; Friday 25 April is 23 hours long (00:00 -> 01:00 skipped)
    due = business_deadline(start, 12 + 23 + 1, cairo)
    assert due == datetime(2025, 4, 28, 1, tzinfo=cairo)  # Monday 01:00
    assert due.utcoffset() == timedelta(hours=3)


def test_a_naive_start_is_refused():
    with pytest.raises(ValueError):
        business_deadline(datetime(2025, 3, 3, 10), 1, "UTC")
