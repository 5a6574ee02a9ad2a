"""Admin of the select part: selection criteria, due-diligence items, recruitment settings."""
