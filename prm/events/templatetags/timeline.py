"""``{% timeline events %}``: the one timeline component every object page uses."""

from django import template

from .. import labels

register = template.Library()

VERB_LABELS = {
    "partner.created": "Partner created",
    "partner.status_changed": "Status changed",
    "partner.profile_updated": "Profile updated",
    "partner.contact_added": "Contact added",
    "partner.contact_removed": "Contact removed",
    "membership.created": "Joined",
    "membership.deactivated": "Access deactivated",
    "membership.reactivated": "Access restored",
    "invitation.sent": "Invitation sent",
    "invitation.revoked": "Invitation revoked",
    "tenant.settings_changed": "Portal settings changed",
    "program.enrolled": "Enrolled in a program",
    "program.reviewed": "Program review",
    "tier.promoted": "Promoted",
    "tier.demoted": "Demoted",
    "tier.overridden": "Tier set by hand",
    "tier.at_risk": "Tier at risk",
    "tier.promotion_proposed": "Promotion proposed",
    "tier.demotion_proposed": "Demotion proposed",
    "tier.promotion_rejected": "Promotion rejected",
    "tier.demotion_rejected": "Demotion rejected",
    "metric.recorded": "Metric recorded",
    "licence.uploaded": "Licence uploaded",
    "licence.verified": "Licence verified",
    "licence.rejected": "Licence rejected",
    "territory.granted": "Territory granted",
    "territory.changed": "Territory changed",
    "territory.revoked": "Territory revoked",
}


@register.inclusion_tag("events/_timeline.html")
def timeline(events, empty="Nothing has happened here yet."):
    return {"events": events, "empty": empty}


@register.filter
def verb_label(verb: str) -> str:
    return VERB_LABELS.get(verb, verb.replace(".", " ").replace("_", " ").capitalize())


@register.filter
def state_label(state: str, verb: str) -> str:
    """``{{ event.to_state|state_label:event.verb }}``: "approved" -> "Approved" (events.labels)."""
    return labels.state_label(state, verb)


@register.filter
def human_dates(text: str) -> str:
    """An event's text with its ISO dates written for people (events.labels)."""
    return labels.human_dates(text)
