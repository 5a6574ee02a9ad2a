"""The test settings with production's connections, for the processes the tests of production's
topology start (tests/tenancy/production.py): the runtime login of DATABASE_URL and the platform
connection of DATABASE_PLATFORM_URL, which ``prm.settings.test`` leaves out."""

from prm.env import env_str
from prm.settings.base import connection_settings
from prm.settings.test import *  # noqa: F403
from prm.settings.test import DATABASES

DATABASES["platform"] = {**connection_settings(env_str("DATABASE_PLATFORM_URL")), "CONN_MAX_AGE": 0}
