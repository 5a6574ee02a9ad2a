"""``{% timeline events %}``: the one timeline component every object page uses."""

from django import template
from django.utils.translation import gettext_lazy as _

from .. import labels, verbs

register = template.Library()


NOTHING_YET = _("Nothing has happened here yet.")


@register.inclusion_tag("events/_timeline.html")
def timeline(events, empty=NOTHING_YET):
    return {"events": events, "empty": empty}


@register.filter
def verb_label(verb: str) -> str:
    """``{{ event.verb|verb_label }}``: the label the verb was declared with (events.verbs)."""
    return verbs.verb_label(verb)


@register.filter
def state_label(state: str, verb: str) -> str:
    """``{{ event.to_state|state_label:event.verb }}``: "approved" -> "Approved" (events.labels)."""
    return labels.state_label(state, verb)


@register.filter
def human_dates(text: str) -> str:
    """An event's text with its ISO dates written for people (events.labels)."""
    return labels.human_dates(text)
