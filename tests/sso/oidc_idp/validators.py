from oauth2_provider.oauth2_validators import OAuth2Validator

UNVERIFIED_GROUP = "unverified-email"


def _full_name(user) -> str:
    return f"{user.first_name} {user.last_name}".strip()


class ClaimsValidator(OAuth2Validator):
    """The standard claims of the ``profile`` and ``email`` scopes, in the ID token and at the
    userinfo endpoint (DOT filters them by the granted scopes: ``oidc_claim_scope``)."""

    def get_additional_claims(self):
        # Request-agnostic form (callables): DOT lists these in the discovery document too.
        return {
            "email": lambda request: request.user.email,
            "email_verified": lambda request: not request.user.groups.filter(name=UNVERIFIED_GROUP).exists(),
            "name": lambda request: _full_name(request.user),
            "given_name": lambda request: request.user.first_name,
            "family_name": lambda request: request.user.last_name,
            "preferred_username": lambda request: request.user.username,
        }
