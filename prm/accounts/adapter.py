import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core.internal import ratelimit
from allauth.core.internal.ratelimit import get_ip
from allauth.mfa.adapter import DefaultMFAAdapter

from . import mfa_secrets

# The rate limit (ACCOUNT_RATE_LIMITS) on failed sign-ins to one account from anywhere.
LOGIN_FAILED_PER_ACCOUNT = "login_failed_account"


def _account_key(credentials) -> str:
    return f"account:{credentials.get('email', credentials.get('username', '')).lower()}"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        """Nobody signs up on their own: people join through invitations (or, later, the
        partner application), which create their accounts."""
        return False

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """Failed sign-ins count per account *and* address together.

        allauth keys the ``login_failed`` limit ("5/5m/key") by the account alone, so five wrong
        passwords typed by anybody who knows an address would lock its owner out everywhere.
        With the client's address in the key (the same address, IPv6 folded to its /64, that
        the per-address limit counts), a stranger only locks themselves out at their address;
        the owner, elsewhere, still signs in, and an owner locked out at their own address can
        sign in with a code sent by e-mail. The per-address cap ("10/m/ip") is unchanged, so
        guessing many accounts from one address stays throttled. allauth also uses this key to
        clear the count after a password reset (for the address the reset came from). Many
        addresses guessing one account meet the per-account bound (``pre_authenticate``).
        """
        return f"{super()._get_login_attempts_cache_key(request, **credentials)}:{get_ip(request)}"

    def pre_authenticate(self, request, **credentials) -> None:
        """Besides allauth's limits (per address, per account at an address), a looser one per
        account alone (``login_failed_account``), so that guessing one account's password from
        many addresses stops too.

        Keyed by the e-mail address only, not the host: an account is one person whatever
        tenant's host the guesses arrive at. Once it trips, the password opens nothing for the
        rest of the window, from anywhere; the owner signs in with a code sent by e-mail (a
        sign-in code never checks a password, so this limit does not apply to it). A
        successful sign-in gives the attempt back, as allauth does with its own limits.
        """
        super().pre_authenticate(request, **credentials)
        usage = ratelimit.consume(
            request, app="allauth.account", action=LOGIN_FAILED_PER_ACCOUNT, key=_account_key(credentials)
        )
        if not usage:
            # Refused before the password was checked: give back what allauth's limits counted.
            self._rollback_login_failed_rl_usage()
            raise self.validation_error("too_many_login_attempts")
        # allauth rolls these back on success, with its own.
        self._login_failed_rl_usage.usage.extend(usage.usage)

    def pre_login(self, request, user, **kwargs):
        """A password or an e-mailed code does not sign in someone whose organisation requires
        single sign-on (prm/accounts/sso.py); a sign-in through the provider itself goes on."""
        if not (kwargs.get("signal_kwargs") or {}).get("sociallogin"):
            from .sso import refuse_without_sso

            refused = refuse_without_sso(request, user.email)
            if refused is not None:
                return refused
        return super().pre_login(request, user, **kwargs)

    def _delete_login_attempts_cached_email(self, request, **credentials) -> None:
        """A password reset (which proves the mailbox) also clears the per-account count, so the
        owner can use the new password at once."""
        super()._delete_login_attempts_cached_email(request, **credentials)
        ratelimit.clear(request, app="allauth.account", action=LOGIN_FAILED_PER_ACCOUNT, key=_account_key(credentials))

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """A sign-in a moment ago counts as confirming the password.

        Otherwise a vendor admin, sent to set up two-factor sign-in right after signing in,
        would be asked for the same password again before the first screen.
        """
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = self.request
        if request is None or not request.user.is_authenticated:
            return True
        records = get_authentication_records(request, request.user)
        return not (records and time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT)


class MfaAdapter(DefaultMFAAdapter):
    """Two-factor secrets are encrypted before allauth stores them (see mfa_secrets.py): the
    database role that runs the app must not be able to read anybody's TOTP secret."""

    def encrypt(self, text: str) -> str:
        return mfa_secrets.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return mfa_secrets.decrypt(encrypted_text)
