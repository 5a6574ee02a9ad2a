"""Texts that are stored once and read in many languages: events' messages and notifications.

What is stored is a message id, the English source written with named placeholders and marked
with ``gettext_noop`` so that makemessages extracts it, plus its parameters (JSON)::

    event_record(..., message=gettext_noop("Protection ended on %(day)s."),
                 params={"day": texts.day(deal.protected_until)})

``render`` translates the id into the active language when the text is shown (a page: its
reader's language; an e-mail: ``translation.override`` of its recipient's) and fills in the
parameters, each written for that language too: a ``day``/``moment`` as a localized date, a
``money`` amount by Babel, a ``label`` (a lazy choice label or other marked word) translated.
People's own words (a note, a reason) are parameters, never ids: they are shown as typed.

Rows written before this (a finished English sentence, no parameters) render as they were.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext

from prm.l10n import as_date
from prm.l10n import money as money_text

# Languages whose nouns keep their capital inside a sentence (``label(..., lower=True)``).
CAPITALISED_NOUNS = {"de"}


def day(value: date | None) -> dict | None:
    """A calendar date parameter, shown as the reader's long date ("3 March 2027")."""
    return None if value is None else {"day": value.isoformat()}


def moment(value: datetime | None) -> dict | None:
    """A point in time, shown in the reader's time zone and date format."""
    return None if value is None else {"moment": value.isoformat()}


def money(amount, currency: str) -> dict:
    """An amount of money, written the reader's way ("€1,250.00", "1.250,00 €")."""
    return {"money": str(amount), "currency": currency}


def label(text, *, lower: bool = False) -> dict:
    """A word the product owns (a choice's label, a ``gettext_noop``'d phrase): stored as its
    English id, shown translated. ``lower``: a label inside a sentence ("at the channel
    manager's step"), lower-cased where the language does so (German nouns keep their capital)."""
    return {"label": source(text), "lower": True} if lower else {"label": source(text)}


def source(text) -> str:
    """The message id of ``text``: a lazy translation (a choice's label) read with no language
    active, whatever the writer's language is."""
    if isinstance(text, Promise):
        with translation.override(None):
            return str(text)
    return str(text)


def phrase(message: str, **params) -> dict:
    """A ``gettext_noop``'d phrase with its own parameters, inside a larger message
    ("%(deal)s: %(what)s" with what = phrase("%(days)s-day extension requested", days=30))."""
    return {"label": message, "params": jsonable(params)} if params else label(message)


def count_phrase(singular: str, plural: str, count: int, **params) -> dict:
    """A phrase that depends on a number ("%(count)s day" / "%(count)s days"), chosen by the
    reader's language's plural rules when shown. makemessages extracts both forms (our
    makemessages knows ``count_phrase``: prm/tenancy/management/commands/makemessages.py)."""
    return {"singular": singular, "plural": plural, "count": count, "params": jsonable(params)}


def _shown(value: Any) -> Any:
    if isinstance(value, list):  # a list of names or labels, written as a list
        return ", ".join(str(_shown(item)) for item in value)
    if not isinstance(value, dict):
        return value
    if "plural" in value:
        count = value.get("count") or 0
        chosen = ngettext(value["singular"], value["plural"], count)
        try:
            return chosen % {"count": count, **{k: _shown(v) for k, v in (value.get("params") or {}).items()}}
        except (KeyError, ValueError, TypeError):
            return chosen
    if "day" in value:
        parsed = as_date(value["day"])
        return date_format(parsed, "DATE_FORMAT") if parsed else value["day"]
    if "moment" in value:
        try:
            parsed = datetime.fromisoformat(value["moment"])
        except (TypeError, ValueError):
            return value["moment"]
        if timezone.is_aware(parsed):
            parsed = timezone.localtime(parsed)
        return date_format(parsed, "DATETIME_FORMAT")
    if "money" in value:
        return money_text(value["money"], value.get("currency", ""))
    if "label" in value:
        shown = render(value["label"], value.get("params"))
        lower = value.get("lower") and (translation.get_language() or "").split("-")[0] not in CAPITALISED_NOUNS
        return shown.lower() if lower else shown
    return value


# Keys of a stored text's parameters that say how to render it rather than fill it in.
PLURAL, COUNT, LINES = "__plural__", "__count__", "__lines__"


def as_stored(text, params: dict | None = None) -> tuple[str, dict]:
    """A title or body as a notification stores it: its id and parameters. ``text`` is an id,
    or a ``count_phrase`` (singular id, with the plural and the count among the parameters)."""
    params = jsonable(params)
    if isinstance(text, dict) and "plural" in text:
        return text["singular"], {**params, **text.get("params", {}), PLURAL: text["plural"], COUNT: text["count"]}
    return text, params


def lines(params: dict | None) -> str:
    """The rendered ``LINES`` parameter (a digest's list of phrases), one per line."""
    return "\n".join(str(_shown(line)) for line in (params or {}).get(LINES) or [])


def render(message: str, params: dict | None = None) -> str:
    """``message`` (an id) in the active language with ``params`` filled in."""
    if not message:
        return ""
    if not params:
        return gettext(message)
    shown = {name: _shown(value) for name, value in params.items() if name not in (PLURAL, LINES)}
    if PLURAL in params:
        count = params.get(COUNT) or 0
        shown["count"] = count
        candidates = (ngettext(message, params[PLURAL], count), message if count == 1 else params[PLURAL])
    else:
        candidates = (gettext(message), message)
    for text in candidates:  # a broken translation falls back to the source
        try:
            return text % shown
        except (KeyError, ValueError, TypeError):
            continue
    return message


def jsonable(params: dict | None) -> dict:
    """``params`` as JSON keeps them (dates as ISO strings, the rest as text or numbers)."""
    out = {}
    for name, value in (params or {}).items():
        if isinstance(value, datetime):
            value = moment(value)
        elif isinstance(value, date):
            value = day(value)
        elif isinstance(value, Promise):
            value = label(value)
        elif isinstance(value, list | tuple):
            value = [label(item) if isinstance(item, Promise) else item for item in value]
        elif not isinstance(value, dict | int | float | bool | type(None)):
            value = str(value)
        out[name] = value
    return out
