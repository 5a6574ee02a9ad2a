"""Pages of recruitment, one module per part (apply, select, onboard, imports)."""
