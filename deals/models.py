"""Deal registration (see the Deal registration issue): nothing yet."""
