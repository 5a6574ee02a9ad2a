"""Production: DEBUG off, HTTPS only, secrets from the environment (passes check --deploy)."""

from django.core.exceptions import ImproperlyConfigured

from prm.env import env_bool, env_int, env_list, env_str

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY")  # no default: refuse to start without one
# Nor for the keys of two-factor secrets: never one derived from SECRET_KEY here (rotating the
# signing key must not make every authenticator unreadable, nor leaking it expose them).
PRM_MFA_KEYS = env_list("PRM_MFA_KEYS")
if not PRM_MFA_KEYS:
    raise ImproperlyConfigured("Set the PRM_MFA_KEYS environment variable.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind that proxy every request comes from its address: rate limits must count the client's
# (the last X-Forwarded-For entry, which the proxy appends), or ten failed sign-ins a minute
# anywhere would throttle everybody's.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("PRM_TRUSTED_PROXY_COUNT", 1)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Load balancers and Prometheus ask the processes directly, over HTTP (prm/operations/middleware.py
# answers them before this redirect anyway).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^health/(live|ready)$", r"^metrics$"]
