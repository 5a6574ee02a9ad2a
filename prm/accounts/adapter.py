from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Nobody signs up on their own: people join through invitations (or, later, the partner
    application), which create their accounts."""

    def is_open_for_signup(self, request):
        return False
