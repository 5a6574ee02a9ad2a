"""Template filters of the MDF pages."""

from django import template

from ..models import MdfStatus, ProofKind

register = template.Library()


@register.filter
def mdf_status(value: str) -> str:
    """An MDF activity's status in the reader's words (a values row carries the code)."""
    try:
        return MdfStatus(value).label
    except ValueError:
        return value


@register.filter
def proof_kind(value: str) -> str:
    try:
        return ProofKind(value).label
    except ValueError:
        return value
