"""Every write of recruitment and onboarding, one module per part: ``apply`` (the public
application, verification, duplicates, requests to join), ``select`` (vetting and the decision),
``onboard`` (the onboarding checklist, agreements, activation), ``imports`` (bulk import).
``common`` holds what they share."""
