"""Every event verb, declared by the app that records it (``<app>/events.py``), with the label
timelines show. ``event_record`` refuses an undeclared verb, so a misspelt ``"deal.wno"`` fails in
the first test that records it, and subscribers (incentives on ``deal.won``) import the constant.

Declare verbs at module level of the app's ``events.py`` (imported by its ``AppConfig.ready``)::

    WON = verb("deal.won", _("Won"))  # gettext_lazy: translated when shown
"""

from __future__ import annotations

from prm.registry import Registry

VERBS: Registry[str] = Registry("event verb")


def verb(name: str, label: str) -> str:
    """Declare an event verb (``"<entity>.<what happened>"``) and its timeline label."""
    if "." not in name:
        raise ValueError(f"event verb {name!r}: write it as '<entity>.<what happened>'")
    return VERBS.declare(name, label)


def verb_label(name: str) -> str:
    """The timeline's label of a verb; an undeclared one (an old row) reads from its name."""
    label = VERBS.get(name)  # lazy: in the reader's language
    return str(label) if label is not None else name.replace(".", " ").replace("_", " ").capitalize()
