"""The partner import in a real Celery worker: confirmed in the back office, its batches run one
after the other in the worker (each sends the next through the outbox) until it is done."""

from __future__ import annotations

import pytest
from django.urls import reverse

from partners.models import Partner
from prm.accounts.models import Invitation
from prm.tenancy.scope import platform_scope
from recruitment.models import ImportStatus, PartnerImport
from tests.faults.conftest import (  # noqa: F401  (the fault tests' fixtures: a private Redis, workers)
    Workers,
    celery_on_private_redis,
    mail_dir,
    private_redis,
    wait_for,
    workers,
)

from ..conftest import make_client
from .test_imports import as_csv, confirm, good_rows, latest_import, upload

pytestmark = pytest.mark.worker


@pytest.fixture
def media_on_disk(settings, tmp_path, monkeypatch):
    """Uploads on disk, for this process and the worker alike."""
    media = tmp_path / "media"
    media.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}},
    }
    environment = Workers.environment

    def with_media(self):
        env = environment(self)
        env.update(DJANGO_SETTINGS_MODULE="tests.recruitment.imports_worker_settings", PRM_IMPORT_TEST_MEDIA=str(media))
        return env

    monkeypatch.setattr(Workers, "environment", with_media)
    return media


def _status(partner_import) -> str:
    with platform_scope():
        return PartnerImport.objects.get(pk=partner_import.pk).status


def test_a_confirmed_import_runs_its_batches_in_the_worker(
    media_on_disk,
    workers,  # noqa: F811
    celery_on_private_redis,  # noqa: F811
    acme,
):
    # given a checked file of 1,200 rows (600 partners: three batches) and a worker
    upload(acme.admin, as_csv(good_rows(600)))
    partner_import = latest_import(acme)
    assert partner_import.valid_rows == 1200
    workers.start()
    # when the admin confirms it
    assert confirm(acme.admin, partner_import).status_code == 302
    # then the worker imports every batch, and the page shows the summary
    wait_for(lambda: _status(partner_import) == ImportStatus.DONE, timeout=90, what="the import to finish")
    partner_import = latest_import(acme)
    assert (partner_import.processed_rows, partner_import.partners_created, partner_import.users_created) == (
        1200,
        600,
        1200,
    )
    with platform_scope():
        assert Partner.objects.filter(tenant=acme.tenant).count() == 2 + 600
        assert Invitation.objects.filter(tenant=acme.tenant).count() == 1200
    page = make_client(acme.admin).get(reverse("office:recruitment_import_progress", args=[partner_import.pk]))
    assert "hx-trigger" not in page.content.decode()
