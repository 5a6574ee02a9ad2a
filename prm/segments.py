"""The fixed lists partners and programs are segmented by: industries and sales regions. The
database keeps the stable values on the left (what partners' and programs' lists hold and match
on); people see the translated labels. Countries are in ``prm.countries``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

INDUSTRY_CHOICES: list[tuple[str, str]] = [
    ("Agriculture", _("Agriculture")),
    ("Automotive", _("Automotive")),
    ("Construction", _("Construction")),
    ("Education", _("Education")),
    ("Energy", _("Energy")),
    ("Finance", _("Finance")),
    ("Healthcare", _("Healthcare")),
    ("Hospitality", _("Hospitality")),
    ("Insurance", _("Insurance")),
    ("Legal", _("Legal")),
    ("Life sciences", _("Life sciences")),
    ("Logistics", _("Logistics")),
    ("Manufacturing", _("Manufacturing")),
    ("Media", _("Media")),
    ("Non-profit", _("Non-profit")),
    ("Professional services", _("Professional services")),
    ("Public sector", _("Public sector")),
    ("Real estate", _("Real estate")),
    ("Retail", _("Retail")),
    ("Technology", _("Technology")),
    ("Telecommunications", _("Telecommunications")),
    ("Utilities", _("Utilities")),
]

# Sales regions a partner serves and a program targets (they match on these values).
REGION_CHOICES: list[tuple[str, str]] = [
    ("NA", _("North America")),
    ("LATAM", _("Latin America")),
    ("EMEA", _("Europe, Middle East and Africa")),
    ("APAC", _("Asia-Pacific")),
]
