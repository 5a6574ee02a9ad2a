"""Security headers Django 5.2 does not set itself: the Content-Security-Policy.

SecurityMiddleware already sends HSTS, nosniff, Referrer-Policy and the cross-origin opener
policy; XFrameOptionsMiddleware sends X-Frame-Options. What is left is the CSP, which is what
makes an escaping slip (or a stored payload that got through) inert: no inline script, no
``on*=`` handler, no ``eval`` runs, whatever a page contains.
"""

from __future__ import annotations

from django.conf import settings

HEADER = "Content-Security-Policy"


def policy_header(policy: dict[str, list[str] | tuple[str, ...]]) -> str:
    """``{"default-src": ["'self'"], ...}`` as a header value: ``default-src 'self'; ...``."""
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


class ContentSecurityPolicyMiddleware:
    """Sets ``Content-Security-Policy`` from ``settings.PRM_CSP`` on every response.

    Every response, not only HTML: a file served with the wrong type, or an error page, is
    covered too. A view that sends its own policy keeps it. An empty ``PRM_CSP`` turns it off.
    The setting is read per response (a dict join costs microseconds), so tests may override it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PRM_CSP", None)
        if policy and HEADER not in response:
            response[HEADER] = policy_header(policy)
        return response
