"""Two-factor secrets are encrypted at rest: the database holds no TOTP secret or recovery-code
seed in plain text, sign-in with codes still works, keys rotate, and a wrong key says so."""

from __future__ import annotations

import ast
import importlib
import io
import json
import re
import time
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.checks import run_checks
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from prm.accounts import mfa_secrets
from prm.accounts.roles import Role
from tests.factories import PASSWORD, StaffMembershipFactory, UserFactory, give_totp

from ..conftest import host_of

pytestmark = pytest.mark.django_db

migration_0004 = importlib.import_module("prm.accounts.migrations.0004_encrypt_mfa_secrets")


def stored(authenticator: Authenticator) -> dict:
    """The row's data as the database role reads it, past the ORM and allauth."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT data::text FROM mfa_authenticator WHERE id = %s", [authenticator.pk])
        (text,) = cursor.fetchone()
    return json.loads(text)


def code_for(secret: str) -> str:
    remaining = 30 - time.time() % 30
    if remaining < 2:  # about to roll over: wait for the next window
        time.sleep(remaining + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def plain_secret(authenticator: Authenticator) -> str:
    return mfa_secrets.decrypt(authenticator.data["secret"])


def signed_in_with_password(membership) -> Client:
    user = membership.user
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    client = Client(HTTP_HOST=host_of(membership.tenant))
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def test_an_authenticator_enrolled_on_the_pages_is_stored_encrypted_and_signs_in(world):
    # given a new vendor admin, sent to enrol an authenticator app after the password
    admin = StaffMembershipFactory(tenant=world.acme.tenant, role=Role.ADMIN, user__email="new.admin@acme.example")
    client = signed_in_with_password(admin)
    page = client.get(reverse("mfa_activate_totp")).content.decode()
    secret = re.search(r'<code id="totp-secret"[^>]*>([A-Z2-7]+)</code>', page).group(1)
    # when they activate it with a code from the app
    response = client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
    assert response.status_code == 302
    # then the database role reads an encrypted value, not the secret
    totp = Authenticator.objects.get(user=admin.user, type=Authenticator.Type.TOTP)
    row = stored(totp)
    assert row["secret"] != secret and secret not in str(row)
    assert row["secret"].startswith(mfa_secrets.PREFIX)
    # and the recovery codes made with it keep their seed encrypted too
    recovery = Authenticator.objects.get(user=admin.user, type=Authenticator.Type.RECOVERY_CODES)
    assert stored(recovery)["seed"].startswith(mfa_secrets.PREFIX)
    # and signing in again takes the password, then a code from the same app
    again = signed_in_with_password(admin)
    response = again.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
    assert response.status_code == 302 and response["Location"] != reverse("mfa_authenticate")
    assert again.get("/office/").status_code == 200


def test_give_totp_stores_the_secret_as_allauth_does_encrypted(world):
    # given the factories' authenticator for the world's vendor admin
    totp = Authenticator.objects.get(user=world.acme.admin.user, type=Authenticator.Type.TOTP)
    # then it is stored encrypted, and a code from its secret signs the admin in
    assert stored(totp)["secret"].startswith(mfa_secrets.PREFIX)
    client = signed_in_with_password(world.acme.admin)
    assert client.post(reverse("mfa_authenticate"), {"code": code_for(plain_secret(totp))}).status_code == 302
    assert client.get("/office/").status_code == 200


def test_recovery_codes_work_from_an_encrypted_seed():
    # given a person's recovery codes
    user = UserFactory()
    codes = RecoveryCodes.activate(user)
    shown = codes.get_unused_codes()
    # then the seed that makes them is not stored in plain text
    row = stored(codes.instance)
    assert row["seed"].startswith(mfa_secrets.PREFIX)
    assert mfa_secrets.decrypt(row["seed"]) not in str(row)
    # and a code works once
    assert RecoveryCodes(Authenticator.objects.get(pk=codes.instance.pk)).validate_code(shown[0])
    assert not RecoveryCodes(Authenticator.objects.get(pk=codes.instance.pk)).validate_code(shown[0])


def test_a_wrong_key_fails_clearly(settings):
    # given an authenticator encrypted with the configured key
    totp = give_totp(UserFactory())
    secret = plain_secret(totp)
    # when the keys are replaced by one that did not encrypt it
    settings.PRM_MFA_KEYS = [Fernet.generate_key().decode()]
    # then checking a code says which setting is wrong, instead of "incorrect code"
    with pytest.raises(mfa_secrets.MfaKeyError, match="PRM_MFA_KEYS"):
        TOTP(Authenticator.objects.get(pk=totp.pk)).validate_code(code_for(secret))


def test_a_malformed_key_stops_the_system_checks(settings):
    settings.PRM_MFA_KEYS = ["not-a-fernet-key"]
    errors = [message for message in run_checks() if message.id == "accounts.E001"]
    assert len(errors) == 1 and "PRM_MFA_KEYS" in errors[0].msg and "key 1" in errors[0].msg


def test_keys_rotate_the_first_encrypts_all_decrypt(settings):
    # given a secret encrypted with an old key
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PRM_MFA_KEYS = [old]
    totp = give_totp(UserFactory())
    secret = plain_secret(totp)
    # when a new key goes first, the old one still decrypts
    settings.PRM_MFA_KEYS = [new, old]
    assert TOTP(Authenticator.objects.get(pk=totp.pk)).validate_code(code_for(secret))
    # and rotate_mfa_keys re-encrypts with the new one, once
    call_command("rotate_mfa_keys", stdout=io.StringIO())
    rotated = stored(totp)["secret"]
    assert rotated != totp.data["secret"]
    assert mfa_secrets.authenticators_reencrypt(Authenticator) == 0
    # so the old key can go
    settings.PRM_MFA_KEYS = [new]
    assert mfa_secrets.decrypt(rotated) == secret


def test_the_migration_encrypts_plain_secrets_once_and_sign_in_works_before_and_after():
    # given authenticators stored in plain text, as before encryption (allauth's own fields)
    user = UserFactory()
    secret = generate_totp_secret()
    totp = Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": secret})
    seed = RecoveryCodes.generate_seed()
    recovery = Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.RECOVERY_CODES,
        data={"seed": seed, "used_mask": 0, "migrated_codes": ["12345678", "87654321"]},
    )
    # then they still work: a plain value is read as it is
    assert TOTP(totp).validate_code(code_for(secret))
    # when the data migration runs
    migration_0004.encrypt_secrets(apps, None)
    # then nothing is left in plain text, and the codes still work
    row, codes = stored(totp), stored(recovery)
    assert secret not in str(row) and seed not in str(codes) and "12345678" not in str(codes)
    assert codes["used_mask"] == 0
    totp.refresh_from_db()
    recovery.refresh_from_db()
    assert plain_secret(totp) == secret
    assert RecoveryCodes(recovery).validate_code("87654321")
    # and running it again changes nothing (values already encrypted are recognised)
    before = stored(totp), stored(recovery)
    migration_0004.encrypt_secrets(apps, None)
    assert (stored(totp), stored(recovery)) == before
    # and backwards it leaves them as the code before it expects
    migration_0004.decrypt_secrets(apps, None)
    assert stored(totp)["secret"] == secret and stored(recovery)["seed"] == seed


def test_the_migration_uses_no_code_of_the_project():
    # History must not change when prm/accounts/mfa_secrets.py does: migration 0004 carries its own copy.
    tree = ast.parse(Path(migration_0004.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not [name for name in imported if name.split(".")[0] in {"prm", "partners", "programs", "deals"}]


def test_what_the_migration_encrypts_under_configured_keys_the_app_reads(settings):
    # given configured keys, the new one first, and a secret stored in plain text
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PRM_MFA_KEYS = [new, old]
    secret = generate_totp_secret()
    totp = Authenticator.objects.create(user=UserFactory(), type=Authenticator.Type.TOTP, data={"secret": secret})
    # when the migration encrypts it
    migration_0004.encrypt_secrets(apps, None)
    # then it is under the first key, and the app decrypts it
    assert Fernet(new).decrypt(stored(totp)["secret"].removeprefix(mfa_secrets.PREFIX).encode()).decode() == secret
    assert mfa_secrets.decrypt(stored(totp)["secret"]) == secret
