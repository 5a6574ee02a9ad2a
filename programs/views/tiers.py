"""Tier pages: the portal's tier card and page, the back office's review queue and a partner's programs."""
