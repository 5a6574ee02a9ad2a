"""Two-factor secrets encrypted at rest: TOTP secrets and recovery-code seeds.

allauth.mfa keeps what generates a person's codes in ``mfa_authenticator.data``: the TOTP
secret (``secret``), the recovery-code seed (``seed``) and recovery codes imported from
elsewhere (``migrated_codes``). Stored as is, anyone who can read that table (the runtime
database role, a backup, a leaked dump) could produce anybody's codes, and the second factor
would protect nothing the password does not. allauth passes each of these values through its
MFA adapter's ``encrypt``/``decrypt`` (prm/accounts/adapter.py), which call this module.

Keys come from ``PRM_MFA_KEYS``: Fernet keys (``Fernet.generate_key()``), comma-separated. The
first encrypts; every one decrypts, so a new key goes first and the old one stays until
``manage.py rotate_mfa_keys`` has re-encrypted every row with the new one. Without the variable
(development, tests) one key is derived from ``SECRET_KEY``, so ``make run`` works with no
configuration; production settings refuse to start without it.

Stored values carry a prefix, so a plain secret written before encryption (or by a rollback)
is recognised and still works until migration 0004 or ``rotate_mfa_keys`` encrypts it, and a
value no configured key opens fails loudly rather than as a wrong code.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.crypto import salted_hmac

PREFIX = "fernet:"
# Values allauth passes through the adapter, per authenticator type: single strings, and lists.
_FIELDS = {"totp": ("secret",), "recovery_codes": ("seed",)}
_LIST_FIELDS = {"recovery_codes": ("migrated_codes",)}
_KINDS = ("totp", "recovery_codes")


class MfaKeyError(ImproperlyConfigured):
    """PRM_MFA_KEYS is malformed, or none of its keys opens a stored secret."""


def _configured_keys() -> tuple[str, ...]:
    keys = tuple(getattr(settings, "PRM_MFA_KEYS", None) or ())
    if keys:
        return keys
    # Development and tests only: production settings require PRM_MFA_KEYS.
    derived = salted_hmac("prm.accounts.mfa_secrets", "fernet-key", secret=settings.SECRET_KEY, algorithm="sha256")
    return (base64.urlsafe_b64encode(derived.digest()).decode(),)


@lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...]) -> tuple[Fernet, MultiFernet]:
    """The first key (it encrypts) and all of them (any may decrypt)."""
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except ValueError:
            raise MfaKeyError(
                f"PRM_MFA_KEYS: key {position} is not a Fernet key (32 url-safe base64-encoded bytes; make one with "
                '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`).'
            ) from None
    return fernets[0], MultiFernet(fernets)


def check_keys() -> None:
    """Raises MfaKeyError when a configured key is malformed (the system check calls it)."""
    _fernets(_configured_keys())


def _all_keys() -> MultiFernet:
    return _fernets(_configured_keys())[1]


def _first_key() -> Fernet:
    return _fernets(_configured_keys())[0]


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def encrypt(text: str) -> str:
    return PREFIX + _first_key().encrypt(text.encode()).decode()


def decrypt(value: str) -> str:
    """The plain secret. A value without the prefix was stored before encryption: it is
    returned as it is (migration 0004 encrypts those)."""
    if not is_encrypted(value):
        return value
    try:
        return _all_keys().decrypt(value.removeprefix(PREFIX).encode()).decode()
    except InvalidToken:
        raise MfaKeyError(
            "A stored two-factor secret cannot be decrypted with any key in PRM_MFA_KEYS: was the key that "
            "encrypted it removed or changed? Put it back (after the new one) and run `manage.py rotate_mfa_keys`."
        ) from None


def reencrypt(value: str) -> str:
    """The value encrypted with the first key: plain values are encrypted, values encrypted with
    another configured key re-encrypted, and values already under the first key kept as they are
    (so running it twice changes nothing)."""
    if not is_encrypted(value):
        return encrypt(value)
    token = value.removeprefix(PREFIX).encode()
    try:
        _first_key().decrypt(token)
    except InvalidToken:
        return encrypt(decrypt(value))
    return value


def _transform(kind: str, data: dict, convert) -> dict:
    data = dict(data)
    for name in _FIELDS.get(kind, ()):
        if isinstance(data.get(name), str):
            data[name] = convert(data[name])
    for name in _LIST_FIELDS.get(kind, ()):
        if isinstance(data.get(name), list):
            data[name] = [convert(value) for value in data[name]]
    return data


def authenticator_data_encrypted(kind: str, data: dict) -> dict:
    """An authenticator's ``data`` with every secret in it encrypted with the first key."""
    return _transform(kind, data, reencrypt)


def authenticators_reencrypt(model) -> int:
    """Encrypt every stored two-factor secret with the first key; the number of rows changed.

    ``model`` is allauth's Authenticator (``rotate_mfa_keys``). Migration 0004 keeps its own copy
    of this logic: a migration must not change when this module does.
    """
    return _rewrite_all(model, authenticator_data_encrypted)


def _rewrite_all(model, transform) -> int:
    """Each row is read under a lock and rewritten in a transaction of its own, so a person
    signing in meanwhile (a recovery code marked used, a new authenticator) is not overwritten
    with stale data and, called outside a transaction as ``rotate_mfa_keys`` does, is not blocked
    for the whole run either: each row's lock ends when its own transaction commits. Inside an
    outer transaction those are savepoints, and every lock lasts until the outer one ends."""
    changed = 0
    for pk in list(model.objects.filter(type__in=_KINDS).order_by("pk").values_list("pk", flat=True)):
        with transaction.atomic():
            row = model.objects.select_for_update().filter(pk=pk).first()
            if row is None:  # deleted meanwhile
                continue
            data = transform(row.type, row.data)
            if data != row.data:
                row.data = data
                row.save(update_fields=["data"])
                changed += 1
    return changed
