"""How a timeline says what an event row stores: state labels and human dates.

Event rows are immutable and keep what they recorded (status codes, dates in the ISO format
older services wrote into messages). The timeline humanises them when it renders, so old and
new events read alike and nothing stored has to change.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from django.utils.formats import date_format

# verb prefix ("deal" for "deal.approved") -> {stored state: label}. Filled by the apps that own
# the states (``register_states`` in their AppConfig.ready), so this module imports no app.
# Labels stay lazy: translated when a timeline renders, in its reader's language.
STATE_LABELS: dict[str, dict[str, str]] = {}

# An ISO date, optionally with a time of day ("2027-03-03", "2027-03-03 14:00"), not inside a
# longer run of digits (an id, a phone number).
_ISO_DATE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?(?![\d-])")


def register_states(prefix: str, choices) -> None:
    """Let timelines show ``choices``' labels for the states of events whose verb starts with
    ``prefix.``."""
    STATE_LABELS[prefix] = {str(value): label for value, label in choices}


def state_label(state: str, verb: str) -> str:
    """The label of ``state`` for an event of ``verb``; the stored value when none is known."""
    if not state:
        return ""
    return str(STATE_LABELS.get((verb or "").split(".", 1)[0], {}).get(state, state))


def _human(match: re.Match) -> str:
    year, month, day, hour, minute = match.groups()
    try:
        if hour is None:
            return date_format(date(int(year), int(month), int(day)), "DATE_FORMAT")
        return date_format(datetime(int(year), int(month), int(day), int(hour), int(minute)), "DATETIME_FORMAT")
    except ValueError:  # not a real date ("2027-13-45"): leave the text as it was written
        return match.group(0)


def human_dates(text: str) -> str:
    """``text`` with its ISO dates written for people in the active language: "2027-03-03" ->
    "March 3, 2027" (en), "3. März 2027" (de)."""
    return _ISO_DATE.sub(_human, text) if text else text
