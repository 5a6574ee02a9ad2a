"""Two-factor sign-in where it is required: vendor admins and platform superusers always,
everybody in a tenant that switched it on."""

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from .roles import MFA_REQUIRED_ROLES

# Pages a person without a second factor may still reach: signing in and out, enrolling.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz")


def mfa_required(request) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_active:
        return False
    return membership.role in MFA_REQUIRED_ROLES or request.tenant.require_mfa


class RequireMfaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            not request.path.startswith(_OPEN_PREFIXES)
            and mfa_required(request)
            and not Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
        ):
            messages.warning(request, "Your role requires two-factor sign-in. Set up an authenticator app to go on.")
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
