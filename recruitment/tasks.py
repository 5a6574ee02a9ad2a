"""Thin Celery tasks of recruitment and onboarding: load by id inside the tenant scope, call a
service. Each part adds its own below its heading."""

# --- apply: the applicant's e-mails, the expiry sweep ---

# --- select ---

# --- onboard: activation check, stalled nudges, agreement deadlines ---

# --- imports: the import run ---
