"""Production settings pass Django's deployment checklist with no warning."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
# docker-compose's three logins (nothing connects: the checks read the configuration only).
PRODUCTION_DATABASES = {
    "DATABASE_URL": "postgres://prm_app:secret@postgres:5432/prm",
    "DATABASE_PLATFORM_URL": "postgres://prm_platform:secret@postgres:5432/prm",
    "DATABASE_OWNER_URL": "postgres://prm_owner:secret@postgres:5432/prm",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PRM_", "DATABASE_"))
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def _check_deploy(*args: str, **env: str) -> subprocess.CompletedProcess:
    """``check --deploy`` under production settings with their secrets (a key, MFA keys) and
    ``env`` on top (the databases, or what a test breaks)."""
    production = {
        "DJANGO_SETTINGS_MODULE": "prm.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "PRM_MFA_KEYS": Fernet.generate_key().decode(),
    }
    return _manage("check", "--deploy", *args, **{**production, **env})


def test_production_settings_pass_check_deploy():
    result = _check_deploy("--fail-level", "WARNING", **PRODUCTION_DATABASES)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_refuses_the_single_connection_mode_and_serving_as_the_owner():
    # given the test suite's configuration: one URL, the owner's, and no platform connection
    result = _check_deploy(DATABASE_URL=PRODUCTION_DATABASES["DATABASE_OWNER_URL"])
    # then production refuses it: the runtime login could leave row-level security
    assert result.returncode != 0
    assert "prm.E001" in result.stderr and "DATABASE_PLATFORM_URL is not set" in result.stderr
    assert "prm.E003" in result.stderr and "DATABASE_URL logs in as the schema owner" in result.stderr


def test_check_deploy_refuses_a_platform_connection_that_is_the_runtime_login():
    result = _check_deploy(**{**PRODUCTION_DATABASES, "DATABASE_PLATFORM_URL": PRODUCTION_DATABASES["DATABASE_URL"]})
    assert result.returncode != 0
    assert "prm.E002" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_SETTINGS_MODULE="prm.settings.production")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_keys_for_two_factor_secrets():
    result = _manage(
        "check", DJANGO_SETTINGS_MODULE="prm.settings.production", DJANGO_SECRET_KEY=secrets.token_urlsafe(64)
    )
    assert result.returncode != 0
    assert "PRM_MFA_KEYS" in result.stderr


def test_production_stops_on_a_malformed_key_for_two_factor_secrets():
    result = _check_deploy(PRM_MFA_KEYS=f"{Fernet.generate_key().decode()},not-a-key")
    assert result.returncode != 0
    assert "accounts.E001" in result.stderr and "key 2" in result.stderr
