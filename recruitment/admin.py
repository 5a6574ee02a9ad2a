"""The Django admin's recruitment configuration, one module per part: selection criteria, the
due-diligence checklist and the settings (``admin_select``); onboarding templates, agreements and
their versions (``admin_onboard``)."""

from . import admin_onboard, admin_select  # noqa: F401  (registers the models)
