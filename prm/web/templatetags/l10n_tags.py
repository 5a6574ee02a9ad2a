"""Money written the reader's way, in every template (a builtin: prm/settings/base.py).

    {{ deal.amount|money:deal.currency }}   ->  "$12,500.00" (en), "12.500,00 $" (de),
                                                "$12,500.00" (ja), "12 500,00 $US" (fr)

Babel's CLDR data decides the symbol, its place and the separators (``prm.l10n.money``).
"""

from django import template

from prm import l10n

register = template.Library()


@register.filter
def money(amount, currency: str = "") -> str:
    """``amount`` in ``currency`` for the active language; empty for no amount."""
    return l10n.money(amount, currency or "")
