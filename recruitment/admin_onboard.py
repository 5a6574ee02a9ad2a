"""Admin of the onboard part: onboarding templates (with items), agreements and versions."""
