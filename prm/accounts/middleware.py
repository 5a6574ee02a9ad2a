"""Middleware of the accounts app: a session belongs to the host it was made on, and two-factor
sign-in where it is required."""

from importlib import import_module

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext

from prm.tenancy.middleware import request_host

from .roles import MFA_REQUIRED_ROLES

SESSION_HOST_KEY = "prm.host"


def session_host(request) -> str:
    """The host a session belongs to: the request's, as tenants are resolved."""
    return request_host(request)


class SessionHostMiddleware:
    """A session is good only on the host it was made on.

    Browsers keep each host's cookies apart, but the sessions themselves live in one table: a
    session cookie taken from one vendor's host (a vendor's custom domain sees its visitors'
    cookies) and replayed on another's would sign its holder in there, as the person who made it.
    So a session records its host when someone signs in (and whenever a half-finished sign-in
    writes to it: the password checked and the authenticator's code awaited, a code sent by
    e-mail), and on any other host it is treated as signed out: that request gets a fresh, empty
    session and an anonymous user, and is asked to sign in. The stored session is left alone, so
    it still works where it was made.

    A signed-in session that carries no host yet (made before this middleware, or by the test
    client's ``force_login``, which knows no host) is bound to the first host it is used on (its
    first page there, or the first request that saves it). The platform page's hand-off to a
    portal (handoff.py) signs the person in on the tenant's host, so that session is bound there.
    Placed right after AuthenticationMiddleware, before anything reads the user.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore

    def __call__(self, request):
        host = session_host(request)
        bound = request.session.get(SESSION_HOST_KEY)
        if bound is not None and bound != host:
            request.session = self.session_store()
            request.user = AnonymousUser()
        response = self.get_response(request)
        if getattr(request, "stateless", False):  # an API key's request: no session to bind
            return response
        session, signed_in = request.session, request.user.is_authenticated
        if session.get(SESSION_HOST_KEY) != host and (
            # Being saved anyway: signed in during this request (the session cycled, its data
            # kept), or a sign-in under way.
            (session.modified and len(session.keys()) > 0)
            # A signed-in session from before: bound on the first page it opens. Not on other
            # methods, so a refused POST (a forged one, say) still writes nothing.
            or (signed_in and request.method in ("GET", "HEAD"))
        ):
            session[SESSION_HOST_KEY] = host
        return response


# Pages a person without a second factor may still reach: signing in and out, enrolling.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz")


def mfa_required(request) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    from .sso import signed_in_by_sso

    if signed_in_by_sso(request):  # the identity provider's own rules apply (its MFA)
        return False
    return mfa_required_for(getattr(request, "membership", None), tenant=request.tenant)


def mfa_required_for(membership, *, tenant) -> bool:
    """Whether acting as ``membership`` (of ``tenant``) needs a second factor: its role's rule or
    the vendor's switch. The platform page's inbox asks it of each vendor it reads."""
    if membership is None or not membership.is_active:
        return False
    return membership.role in MFA_REQUIRED_ROLES or tenant.require_mfa


class RequireMfaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            not getattr(request, "stateless", False)  # an API key: made by someone signed in with it
            and not request.path.startswith(_OPEN_PREFIXES)
            and mfa_required(request)
            and not Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
        ):
            messages.warning(
                request, gettext("Your role requires two-factor sign-in. Set up an authenticator app to go on.")
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
