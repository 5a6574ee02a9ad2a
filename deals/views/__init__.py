"""Deal pages."""
