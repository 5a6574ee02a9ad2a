"""The test-only admin endpoints the fixture calls (a bearer token guards them), and a landing page."""

import hmac
import json
import secrets
from functools import wraps

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.models import Application

from .validators import UNVERIFIED_GROUP


def admin_endpoint(view):
    @csrf_exempt
    @require_POST
    @wraps(view)
    def wrapper(request):
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(token, settings.ADMIN_TOKEN):
            return HttpResponseForbidden("bad admin token")
        return view(request, json.loads(request.body))

    return wrapper


@admin_endpoint
def add_user(request, data):
    """Create or update the user ``email`` (the username is the e-mail address)."""
    email = data["email"]
    user, _ = User.objects.get_or_create(username=email)
    user.email = email
    user.first_name = data.get("first_name", "")
    user.last_name = data.get("last_name", "")
    user.is_active = data.get("is_active", True)
    user.set_password(data["password"])
    user.save()
    group, _ = Group.objects.get_or_create(name=UNVERIFIED_GROUP)
    if data.get("email_verified", True):
        user.groups.remove(group)
    else:
        user.groups.add(group)
    return JsonResponse({"id": user.pk})


@admin_endpoint
def add_client(request, data):
    """A confidential authorization-code client, no consent screen, RS256 ID tokens."""
    secret = secrets.token_urlsafe(32)
    app = Application.objects.create(
        name=data.get("name") or "test client",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(data["redirect_uris"]),
        skip_authorization=True,
        algorithm=Application.RS256_ALGORITHM,
        client_secret=secret,  # hashed on save: the plain one is only returned here
    )
    return JsonResponse({"client_id": app.client_id, "client_secret": secret})


def home(request):
    who = request.user.username if request.user.is_authenticated else "nobody"
    return HttpResponse(f"<!doctype html><title>Test OIDC provider</title><p>Signed in as {who}</p>")
