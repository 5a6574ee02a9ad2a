"""Development: `make run`. DEBUG on, e-mails written to var/mail."""

from prm.env import env_bool, env_str
from prm.operations.logs import logging_config

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS

DEBUG = True
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "127.0.0.1"]
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
PRM_URL_SCHEME = env_str("PRM_URL_SCHEME", "http")
PRM_URL_PORT = env_str("PRM_URL_PORT", ":8000")
# Development: webhooks may go to a receiver on this machine (http, loopback).
PRM_WEBHOOK_ALLOW_PRIVATE = env_bool("PRM_WEBHOOK_ALLOW_PRIVATE", True)
# Readable log lines, with the same keys as production's JSON (PRM_LOG_FORMAT=json to see those).
PRM_LOG_FORMAT = env_str("PRM_LOG_FORMAT", "console")
LOGGING = logging_config(fmt=PRM_LOG_FORMAT, level=env_str("DJANGO_LOG_LEVEL", "INFO"))
