"""Settings of the Celery worker the partner import's worker test starts: the fault tests' worker
settings with uploads on disk (``PRM_IMPORT_TEST_MEDIA``), where the test process put the file;
the test settings keep uploads in memory, which another process cannot read."""

from prm.env import env_str
from tests.faults.worker_settings import *  # noqa: F403

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env_str("PRM_IMPORT_TEST_MEDIA", "")},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
