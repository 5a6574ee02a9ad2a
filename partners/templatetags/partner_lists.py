"""The partner record's lists as people read them: the fixed lists' labels in the reader's
language (the database keeps the stable values); a value from before the lists stays as typed."""

from __future__ import annotations

from django import template

from prm.countries import country_name
from prm.segments import INDUSTRY_CHOICES, REGION_CHOICES

from ..models import tag_label

register = template.Library()

_INDUSTRIES = dict(INDUSTRY_CHOICES)
_REGIONS = dict(REGION_CHOICES)


@register.filter
def industry_names(values) -> list[str]:
    return [str(_INDUSTRIES.get(value, value)) for value in values or []]


@register.filter
def region_names(values) -> list[str]:
    return [str(_REGIONS.get(value, value)) for value in values or []]


@register.filter
def country_names(values) -> list[str]:
    return [country_name(value) for value in values or []]


@register.filter(name="country_name")
def country_name_filter(code) -> str:
    return country_name(code or "")


@register.filter(name="tag_label")
def tag_label_filter(tag) -> str:
    return tag_label(tag or "")
