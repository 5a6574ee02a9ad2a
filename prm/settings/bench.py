"""The benchmark (`make bench`): production settings served over plain http on loopback.

Only `python -m bench` uses this module. It changes what plain http on 127.0.0.1 needs (no
HTTPS redirect, no secure-only cookies, no HSTS) and adds the bench's floor pages through its
own URLconf (bench/urls.py), so they never exist under production settings.
"""

import os
import tempfile
from pathlib import Path

# The bench database holds generated data only; `python -m bench` passes a random key.
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret")
# Its authenticators, if any, guard generated people: a fixed Fernet key that is no secret.
os.environ.setdefault("PRM_MFA_KEYS", "YmVuY2gtb25seS1ub3QtYS1zZWNyZXQtMzItYnl0ZXM=")

from prm.env import env_bool, env_str

from .production import *  # noqa: F403
from .production import INSTALLED_APPS, STORAGES

ROOT_URLCONF = "bench.urls"
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # its templates (the query floor)

# Plain http on loopback: production's HTTPS-only settings would redirect every request.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_HSTS_PRELOAD = False
PRM_URL_SCHEME = "http"

# collectstatic writes here (a temporary directory per run), and whitenoise serves it.
STATIC_ROOT = Path(env_str("PRM_BENCH_STATIC_ROOT", str(Path(tempfile.gettempdir()) / "prm-bench-static")))
# Production's manifest (hashed names, the same {% static %} lookups) without whitenoise's
# gzip/brotli pre-compression: that takes most of a minute on 2 cores and changes only how
# /static/ files are sent, which no scenario requests. PRM_BENCH_COMPRESS_STATIC=1 keeps it.
if not env_bool("PRM_BENCH_COMPRESS_STATIC", False):
    STORAGES = {
        **STORAGES,
        "staticfiles": {"BACKEND": "prm.web.static.UncompressedStaticStorage"},
    }
