"""The test suite: real PostgreSQL and Redis (scripts/services.py finds or starts them)."""

import os
import tempfile
from pathlib import Path

from prm.env import env_str
from prm.operations.logs import logging_config

from .base import *  # noqa: F403
from .base import DATABASES, REDIS_URL

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A real worker process (fault tests) writes files: it sets PRM_TEST_EMAIL_BACKEND and PRM_EMAIL_FILE_PATH.
EMAIL_BACKEND = env_str("PRM_TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
DATABASES["default"]["CONN_MAX_AGE"] = 0
# A commit does not wait for its WAL to reach the disk (~3 ms each on this machine, ~0.1 ms
# without): what the suite writes needs no durability across a server crash, and other sessions
# see a commit at once either way. Transactional tests (journeys, workers, flushes) commit a lot.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"
# The suite runs in the single-connection mode (see base.py): a test's transaction must see what
# platform_scope() writes in it (factories, setup). tests/tenancy/split_settings.py brings the
# platform connection back for the tests of production's topology.
DATABASES.pop("platform", None)
DATABASES["default"]["TEST"] = {"NAME": env_str("PRM_TEST_DB_NAME", "test_prm")}
# Each xdist worker gets its own Redis database, so tests never see each other's keys.
CACHES = {
    "default": {
        "BACKEND": "prm.web.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "prm-test-" + env_str("PYTEST_XDIST_WORKER", "main"),
    }
}
ACCOUNT_RATE_LIMITS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Unpacked SCORM packages (learning/scorm.py) go to a temporary folder per test process, never
# to the development media folder (the default storage above is in memory; these are real files).
PRM_SCORM_ROOT = Path(tempfile.gettempdir()) / f"prm-test-scorm-{os.getpid()}"
CELERY_TASK_ALWAYS_EAGER = env_str("PRM_CELERY_EAGER", "1") == "1"
CELERY_TASK_EAGER_PROPAGATES = True
# Webhook receivers in the tests are real servers on loopback; retries a second apart at most.
PRM_WEBHOOK_ALLOW_PRIVATE = True
PRM_WEBHOOK_RETRY_SECONDS = [
    float(value) for value in env_str("PRM_WEBHOOK_RETRY_SECONDS", "0.2,0.2,0.2,0.2,0.2,0.2,0.2").split(",")
]
PRM_WEBHOOK_TIMEOUT = 5.0
PRM_API_RATE = env_str("PRM_API_RATE", "100000/min")
# Readable lines in a failed test's captured log; a real worker (tests/operations) asks for JSON.
PRM_LOG_FORMAT = env_str("PRM_LOG_FORMAT", "console")
LOGGING = logging_config(fmt=PRM_LOG_FORMAT, level=env_str("DJANGO_LOG_LEVEL", "INFO"))
