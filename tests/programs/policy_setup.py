"""What the policy pages name, for the isolation matrix and the hostile-input tests.

``product_line(ctx)``: a "Matrix Line" of ``ctx.side`` (a ``conftest.Side``) with one product;
``pending_licence(ctx)``: a licence of its partner 1 awaiting verification (``ctx.licence``);
``licence_for(world)``: the same for acme, made once per world (the fuzzed forms post to it).
"""

from __future__ import annotations

from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile

from prm.tenancy.scope import platform_scope
from programs.models import LicenceStatus, PartnerLicence

from ..factories import LicenceTypeFactory, PartnerLicenceFactory, ProductFactory, ProductLineFactory
from .documents import small_pdf


def product_line(ctx) -> None:
    ctx.line = ProductLineFactory(tenant=ctx.side.tenant, name="Matrix Line")
    ProductFactory(line=ctx.line, name="Matrix Product")


def pending_licence(ctx) -> None:
    ctx.licence_type = LicenceTypeFactory(tenant=ctx.side.tenant, name="Matrix licence")
    ctx.licence = PartnerLicenceFactory(
        partner=ctx.side.partner,
        licence_type=ctx.licence_type,
        number="MATRIX-1",
        status=LicenceStatus.PENDING,
        document__data=small_pdf(),
        document__filename="licence.pdf",
    )


def licence_verified(ctx) -> bool:
    with platform_scope():
        return PartnerLicence.objects.get(pk=ctx.licence.pk).status == LicenceStatus.VERIFIED


def licence_for(world):
    """acme partner 1's pending licence and its type (made once per world)."""
    if not hasattr(world, "policies"):
        world.policies = SimpleNamespace(side=world.acme)
        pending_licence(world.policies)
    return world.policies


def licence_upload_data(world) -> dict:
    """Valid fields of the portal's licence upload, with a real PDF."""
    return {
        "licence_type": str(licence_for(world).licence_type.pk),
        "number": "EX-1",
        "issued_on": "2020-01-01",
        "expires_on": "2099-01-01",
        "document": SimpleUploadedFile("licence.pdf", small_pdf(), "application/pdf"),
    }
