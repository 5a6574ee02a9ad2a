"""Catalogue and policy configuration in the Django admin: product lines with products and
authorization rules, licence types, partner licences, regions and territory grants."""
