"""Isolation cases of recruitment: the imports part (tests/recruitment/isolation.py merges them).

Only vendor admins import partners (``PARTNERS_IMPORT``): the other staff get a 403, partner users
a 404 (a back-office page), another tenant's admin a 404 for acme's import (``ctx.partner_import``,
a small CSV uploaded and checked by acme's admin)."""

from __future__ import annotations

from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from prm.tenancy.scope import platform_scope, tenant_scope
from recruitment.models import ImportStatus, PartnerImport
from recruitment.services.imports import partner_import_upload

from ..isolation import Case, office_page, office_write

ADMINS = ("admin",)
IMPORT = lambda ctx: [ctx.partner_import.pk]  # noqa: E731

MATRIX_CSV = (
    "Legal name,Partner type,Country,User e-mail,First name,Last name\n"
    "Matrix Imports GmbH,reseller,DE,ada@matrix-imports.example,Ada,Lovelace\n"
    "Matrix Imports GmbH,reseller,DE,grace@matrix-imports.example,Grace,Hopper\n"
    "Broken Row Ltd,nonsense-type,DE,,,\n"
)


def matrix_file(name: str = "matrix.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, MATRIX_CSV.encode(), content_type="text/csv")


def uploaded(ctx):
    side = ctx.side
    with tenant_scope(side.tenant):
        ctx.partner_import = partner_import_upload(actor=side.admin, upload=matrix_file())


def _imports() -> int:
    with platform_scope():
        return PartnerImport.objects.count()


def _status(ctx) -> str:
    with platform_scope():
        return PartnerImport.objects.get(pk=ctx.partner_import.pk).status


def _counted(ctx):
    ctx.before = _imports()


MAPPING = {"legal_name": "0", "partner_type": "1", "country": "2", "user_email": "3"}

CASES: dict[str, Case] = {
    "office:recruitment_imports": office_page(allowed=ADMINS, contains="Import partners"),
    "office:recruitment_import_upload": office_write(
        allowed=ADMINS,
        setup=_counted,
        data=lambda ctx: {"document": matrix_file()},
        effect=lambda ctx: _imports() == ctx.before + 1,
    ),
    "office:recruitment_import": office_page(
        allowed=ADMINS, setup=uploaded, args=IMPORT, contains="Matrix Imports GmbH"
    ),
    "office:recruitment_import_validate": office_write(
        allowed=ADMINS,
        setup=uploaded,
        args=IMPORT,
        # Without the names: the mapping stored changes.
        data=MAPPING,
        effect=lambda ctx: _mapping(ctx) == {key: int(value) for key, value in MAPPING.items()},
    ),
    "office:recruitment_import_confirm": office_write(
        allowed=ADMINS,
        setup=uploaded,
        args=IMPORT,
        data={"invite_users": ""},
        effect=lambda ctx: _status(ctx) == ImportStatus.IMPORTING,
    ),
    "office:recruitment_import_progress": office_page(allowed=ADMINS, setup=uploaded, args=IMPORT),
    "office:recruitment_import_rejected": office_page(allowed=ADMINS, setup=uploaded, args=IMPORT),
}


def _mapping(ctx) -> dict:
    with platform_scope():
        return PartnerImport.objects.get(pk=ctx.partner_import.pk).mapping


# --- for tests/hostile/test_fuzz_forms.py (merged into its FORM_VIEWS): name -> (who, path, valid data)


def _world_ctx(world):
    ctx = getattr(world, "_recruitment_import", None)
    if ctx is None:
        ctx = SimpleNamespace(side=world.acme)
        uploaded(ctx)
        world._recruitment_import = ctx
    return ctx


FORM_VIEWS: dict = {
    "office:recruitment_import_upload": (
        lambda w: w.acme.admin,
        lambda w: reverse("office:recruitment_import_upload"),
        lambda w: {"document": matrix_file()},
    ),
    "office:recruitment_import_validate": (
        lambda w: w.acme.admin,
        lambda w: reverse("office:recruitment_import_validate", args=[_world_ctx(w).partner_import.pk]),
        lambda w: dict(MAPPING),
    ),
    "office:recruitment_import_confirm": (
        lambda w: w.acme.admin,
        lambda w: reverse("office:recruitment_import_confirm", args=[_world_ctx(w).partner_import.pk]),
        lambda w: {"invite_users": "on"},
    ),
}
# POSTs without input (a button).
NO_INPUT: set[str] = set()
