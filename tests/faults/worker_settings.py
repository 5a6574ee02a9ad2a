"""Settings of the Celery worker processes the fault tests start: the test settings with
production's connections (tests/tenancy/split_settings.py), and the e-mail backend taken from the
environment.

``prm.settings.test`` pins the in-memory (locmem) backend, which a separate worker process
cannot share with the test; the fault tests need the worker to write its mail where the test can
read it (``DJANGO_EMAIL_BACKEND`` = the file-based backend, ``EMAIL_FILE_PATH`` = a temporary
directory). If ``prm.settings.test`` read ``DJANGO_EMAIL_BACKEND`` itself, this module could go.
"""

from prm.env import env_str
from tests.tenancy.split_settings import *  # noqa: F403
from tests.tenancy.split_settings import EMAIL_BACKEND, EMAIL_FILE_PATH

EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", EMAIL_BACKEND)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", EMAIL_FILE_PATH)
