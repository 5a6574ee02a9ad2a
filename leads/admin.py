"""Lead distribution in the Django admin: one module per part (``admin_<part>``), registered here."""

from . import admin_routing  # noqa: F401  (routing rules, named accounts, capacities, lead settings)
