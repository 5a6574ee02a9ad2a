"""What the vendor and partners type into marketing's forms, cleaned one way by every part's
services: the outer blanks trimmed (a one-line text's inner runs of blanks folded too), refused
when it is required and empty or when it is longer than its limit."""

from __future__ import annotations

from django.utils.translation import gettext

from prm.errors import PolicyViolation


def typed_text(value: str, limit: int, *, empty: str | None = None, one_line: bool = False) -> str:
    """``value`` cleaned; ``empty``: the refusal of an empty text (None: it may be empty)."""
    value = (value or "").strip()
    if one_line:
        value = " ".join(value.split())
    if not value and empty is not None:
        raise PolicyViolation(empty)
    if len(value) > limit:
        raise PolicyViolation(
            gettext("At most %(limit)s characters, please (this has %(count)s).")
            % {"limit": limit, "count": len(value)}
        )
    return value
