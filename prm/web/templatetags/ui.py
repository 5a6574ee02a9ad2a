"""Small template helpers for the Bootstrap layout."""

from django import template

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
