"""Isolation cases of e-learning: certification (tests/learning/isolation.py merges them).

The certificate every case names belongs to acme partner 1's sales rep (``ctx.certificate``),
with its PDF already rendered (the cases test who gets it, not weasyprint)."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from learning.models import Certificate, CertificateStatus
from learning.services.certification import certificate_code
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.web.files import minimal_pdf

from ..isolation import MANAGERS, PUBLIC, Case, office_page, office_write, portal_page
from .factories import CertificateFactory, CertificationFactory

CERTIFICATE = lambda ctx: [ctx.certificate.pk]  # noqa: E731


def certificate(ctx):
    side = ctx.side
    certification = CertificationFactory(tenant=side.tenant, name="Matrix Certified Engineer")
    ctx.certificate = CertificateFactory(
        certification=certification, holder=side.sales_rep, holder_name="Matrix Holder", code=certificate_code()
    )
    with tenant_scope(side.tenant):
        ctx.certificate.pdf.save("matrix.pdf", ContentFile(minimal_pdf("Matrix certificate")), save=False)
        ctx.certificate.pdf_rendered_at = timezone.now()
        ctx.certificate.save(update_fields=["pdf", "pdf_rendered_at"])


def revoked(ctx) -> bool:
    with platform_scope():
        return Certificate.objects.get(pk=ctx.certificate.pk).status == CertificateStatus.REVOKED


CASES: dict[str, Case] = {
    # Anyone with the code, on the vendor's host only (another host does not know the code).
    "learning_verify": Case(
        area=PUBLIC,
        setup=certificate,
        args=lambda ctx: [ctx.certificate.code],
        object_scoped=True,
        expect={"anonymous": 200, "anonymous@platform": 404, "other_tenant@own_host": 404},
        contains=lambda ctx: "Matrix Holder",
    ),
    "portal:learning_certificates": portal_page(setup=certificate, contains="Matrix Certified Engineer"),
    # The holder (the sales rep) and their company's admin; the other partner's admin: 404.
    "portal:learning_certificate_pdf": portal_page(setup=certificate, args=CERTIFICATE),
    "office:learning_certificates": office_page(setup=certificate, contains="Matrix Holder"),
    "office:learning_certificate": office_page(setup=certificate, args=CERTIFICATE, contains="Matrix Holder"),
    "office:learning_certificate_pdf": office_page(setup=certificate, args=CERTIFICATE),
    "office:learning_certificate_revoke": office_write(
        allowed=MANAGERS, setup=certificate, args=CERTIFICATE, data={"reason": "Matrix fraud"}, effect=revoked
    ),
}


# --- for tests/hostile/test_fuzz_forms.py ---------------------------------------------------------


def _world_ctx(world):
    ctx = getattr(world, "_learning_certificate", None)
    if ctx is None:
        from types import SimpleNamespace

        ctx = SimpleNamespace(side=world.acme)
        certificate(ctx)
        world._learning_certificate = ctx
    return ctx


FORM_VIEWS = {
    "office:learning_certificate_revoke": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:learning_certificate_revoke", args=[_world_ctx(w).certificate.pk]),
        lambda w: {"reason": "Exam fraud"},
    ),
}
