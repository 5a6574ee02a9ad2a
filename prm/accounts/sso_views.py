"""The single sign-on page: the person types their work address, the provider of its domain
takes over (``/accounts/sso/``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from prm.web.security import HEADER as CSP_HEADER
from prm.web.security import policy_header

from .sso import active_providers, provider_for_email, social_app


class SsoForm(forms.Form):
    email = forms.EmailField(label=_("Work e-mail"), max_length=254)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _allowing_providers(response):
    """The page's form leads, through our redirect, to the tenant's identity providers: browsers
    check that redirect against the policy's form-action, so the providers' origins are added to
    it on this page only."""
    policy = dict(getattr(settings, "PRM_CSP", None) or {})
    if policy:
        origins = {_origin(p.server_url or p.idp_sso_url) for p in active_providers()} - {""}
        policy["form-action"] = [*policy.get("form-action", []), *sorted(origins)]
        response[CSP_HEADER] = policy_header(policy)
    return response


@require_http_methods(["GET", "POST"])
def sso_start(request):
    """GET: the form (the address may come pre-filled); POST: on to the provider whose verified
    domains include the address, or the form again saying there is none."""
    if getattr(request, "tenant", None) is None:
        from django.http import Http404

        raise Http404
    if request.method == "GET":
        form = SsoForm(initial={"email": request.GET.get("email", "")[:254]})
        return _allowing_providers(render(request, "account/sso.html", {"form": form}))
    form = SsoForm(request.POST)
    if form.is_valid():
        provider = provider_for_email(form.cleaned_data["email"])
        if provider is not None:
            app = social_app(provider, request)
            return app.get_provider(request).redirect_from_request(request)
        form.add_error(
            "email", gettext("No single sign-on is set up for this address here: sign in with your password.")
        )
    messages.error(request, gettext("Single sign-on did not start: see the form below."))
    return _allowing_providers(render(request, "account/sso.html", {"form": form}))
