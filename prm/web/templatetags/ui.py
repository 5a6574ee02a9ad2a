"""Small template helpers for the Bootstrap layout."""

from django import template

from prm.accounts.roles import CAPABILITIES

register = template.Library()


@register.filter
def bs(field):
    """Render a bound field with Bootstrap's class, marked invalid when it has errors."""
    widget = field.field.widget
    if field.widget_type in ("checkbox",):
        css = "form-check-input"
    elif field.widget_type in ("select", "selectmultiple"):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    attrs = {"class": f"{widget.attrs.get('class', '')} {css}".strip()}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_errors"
    return field.as_widget(attrs=attrs)


@register.filter
def can(membership, capability: str) -> bool:
    """``{% if membership|can:"partners.edit" %}``: whether the member holds a capability. An
    undeclared capability (a typo) raises, as ``Membership.can`` does; no member holds none."""
    if membership is None:
        CAPABILITIES.require(capability)
        return False
    return membership.can(capability)
