"""System checks of the accounts app: `check`, `migrate` and `runserver` stop on a malformed
PRM_MFA_KEYS before anybody's sign-in would."""

from django.core import checks

from . import mfa_secrets


@checks.register(checks.Tags.security)
def mfa_keys_check(app_configs, **kwargs):
    try:
        mfa_secrets.check_keys()
    except mfa_secrets.MfaKeyError as error:
        return [checks.Error(str(error), id="accounts.E001")]
    return []
