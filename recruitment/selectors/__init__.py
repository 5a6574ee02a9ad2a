"""Every read of recruitment and onboarding, one module per part (see ``services``)."""
