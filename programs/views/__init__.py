"""Views of the programs app: ``tiers`` (standing, reviews, overrides, manual metrics) and
``policies`` (products a partner may sell, licences, policy checks)."""
