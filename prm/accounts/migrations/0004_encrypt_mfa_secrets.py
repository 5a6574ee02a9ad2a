"""Encrypt the two-factor secrets stored in plain text before MfaAdapter existed.

Idempotent: values already encrypted with the first key of PRM_MFA_KEYS stay as they are, so a
second run (or a database whose rows were written encrypted) changes nothing. Backwards, the
secrets are decrypted again, for the code before this migration.

Self-contained: what it needs of prm/accounts/mfa_secrets.py (the stored format, the fields, the
key derivation) is copied here as it was when the migration was written, so later changes to
that module cannot change what this migration does. The stored format ("fernet:" + a Fernet
token) and the development key derived from SECRET_KEY must stay readable by mfa_secrets.py.

Like every migration here it runs in one transaction: the rows it rewrites stay locked until the
migration commits, so a sign-in meanwhile (a recovery code marked used) waits for it rather than
being overwritten with stale data.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import migrations
from django.utils.crypto import salted_hmac

PREFIX = "fernet:"
FIELDS = {"totp": ("secret",), "recovery_codes": ("seed",)}
LIST_FIELDS = {"recovery_codes": ("migrated_codes",)}


def _keys() -> tuple[Fernet, MultiFernet]:
    """The first key of PRM_MFA_KEYS (it encrypts) and all of them (any may decrypt); without the
    setting (development, tests), the key derived from SECRET_KEY."""
    keys = tuple(getattr(settings, "PRM_MFA_KEYS", None) or ())
    if not keys:
        derived = salted_hmac("prm.accounts.mfa_secrets", "fernet-key", secret=settings.SECRET_KEY, algorithm="sha256")
        keys = (base64.urlsafe_b64encode(derived.digest()).decode(),)
    fernets = [Fernet(key) for key in keys]
    return fernets[0], MultiFernet(fernets)


def _decrypt(value: str, every: MultiFernet) -> str:
    if not value.startswith(PREFIX):
        return value  # stored before encryption
    try:
        return every.decrypt(value.removeprefix(PREFIX).encode()).decode()
    except InvalidToken:
        raise RuntimeError(
            "A stored two-factor secret cannot be decrypted with any key in PRM_MFA_KEYS: put back the key that "
            "encrypted it."
        ) from None


def _encrypt(value: str, first: Fernet, every: MultiFernet) -> str:
    """Under the first key: plain values encrypted, values under another key re-encrypted, values
    already under the first key kept as they are (so a second run changes nothing)."""
    if value.startswith(PREFIX):
        try:
            first.decrypt(value.removeprefix(PREFIX).encode())
            return value
        except InvalidToken:
            value = _decrypt(value, every)
    return PREFIX + first.encrypt(value.encode()).decode()


def _rewrite(apps, convert) -> None:
    """Every TOTP and recovery-code authenticator's secrets through ``convert``."""
    Authenticator = apps.get_model("mfa", "Authenticator")
    for row in Authenticator.objects.select_for_update().filter(type__in=tuple(FIELDS)).order_by("pk"):
        data = dict(row.data)
        for name in FIELDS[row.type]:
            if isinstance(data.get(name), str):
                data[name] = convert(data[name])
        for name in LIST_FIELDS.get(row.type, ()):
            if isinstance(data.get(name), list):
                data[name] = [convert(value) for value in data[name]]
        if data != row.data:
            row.data = data
            row.save(update_fields=["data"])


def encrypt_secrets(apps, schema_editor):
    first, every = _keys()
    _rewrite(apps, lambda value: _encrypt(value, first, every))


def decrypt_secrets(apps, schema_editor):
    _first, every = _keys()
    _rewrite(apps, lambda value: _decrypt(value, every))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_channel_director_role"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_secrets, decrypt_secrets, elidable=False)]
