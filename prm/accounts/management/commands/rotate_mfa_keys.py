"""Re-encrypt every stored two-factor secret with the first key of PRM_MFA_KEYS."""

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand

from prm.accounts.mfa_secrets import authenticators_reencrypt


class Command(BaseCommand):
    help = (
        "Encrypt every TOTP secret and recovery-code seed with the first key of PRM_MFA_KEYS (plain ones too). "
        "Rotation: put the new key first, deploy, run this, then drop the old key."
    )

    def handle(self, *args, **options):
        changed = authenticators_reencrypt(Authenticator)
        self.stdout.write(self.style.SUCCESS(f"{changed} authenticator(s) re-encrypted with the first key."))
