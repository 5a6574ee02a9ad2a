"""Encrypt the two-factor secrets stored in plain text before MfaAdapter existed.

Idempotent: values already encrypted with the first key of PRM_MFA_KEYS stay as they are, so a
second run (or a database whose rows were written encrypted) changes nothing. Backwards, the
secrets are decrypted again, for the code before this migration.
"""

from django.db import migrations

from prm.accounts.mfa_secrets import authenticators_decrypt, authenticators_reencrypt


def encrypt_secrets(apps, schema_editor):
    authenticators_reencrypt(apps.get_model("mfa", "Authenticator"))


def decrypt_secrets(apps, schema_editor):
    authenticators_decrypt(apps.get_model("mfa", "Authenticator"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_channel_director_role"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_secrets, decrypt_secrets, elidable=False)]
