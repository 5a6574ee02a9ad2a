"""Isolation cases of recruitment: the select part (tests/recruitment/isolation.py merges them).

Every case names acme's application "Matrix Applicant GmbH" (``ctx.application``), with a
document, one criterion and a due-diligence item (``ctx.check``) whose evidence is uploaded.
Applications are the vendor's: partner users get 404 everywhere; every staff member reads; the
vetters (admin, channel manager) write; only the admin (of the world's roles) decides."""

from __future__ import annotations

from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.urls import reverse

from prm.events.models import Event
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.web.files import minimal_pdf
from recruitment.models import (
    Application,
    ApplicationAttachment,
    ApplicationCheck,
    ApplicationScore,
    ApplicationStatus,
    CheckStatus,
)

from ..isolation import MANAGERS, Case, office_page, office_write
from .factories import ApplicationFactory, DiligenceItemFactory, SelectionCriterionFactory

APPLICATION = lambda ctx: [ctx.application.pk]  # noqa: E731


def application(ctx):
    """An application in acme's queue with a document, a criterion and a checked item."""
    side = ctx.side
    ctx.application = ApplicationFactory(
        tenant=side.tenant, partner_type=side.partner_type, company_name="Matrix Applicant GmbH"
    )
    ctx.criterion = SelectionCriterionFactory(tenant=side.tenant, name="Matrix fit", weight=3)
    item = DiligenceItemFactory(tenant=side.tenant, name="Matrix security review")
    with tenant_scope(side.tenant):
        ctx.attachment = ApplicationAttachment(
            application=ctx.application, name="Matrix brochure.pdf", kind="pdf", size=100
        )
        ctx.attachment.document.save("brochure.pdf", ContentFile(minimal_pdf("Matrix brochure")), save=False)
        ctx.attachment.save()
        ctx.check = ApplicationCheck(application=ctx.application, item=item, evidence_name="audit.pdf")
        ctx.check.evidence.save("audit.pdf", ContentFile(minimal_pdf("Matrix audit")), save=False)
        ctx.check.save()


def _application(ctx) -> Application:
    with platform_scope():
        return Application.objects.get(pk=ctx.application.pk)


def assigned(ctx) -> bool:
    return _application(ctx).assigned_to_id == ctx.side.manager.pk


def scored(ctx) -> bool:
    with platform_scope():
        return ApplicationScore.objects.filter(application_id=ctx.application.pk).exists()


def noted(ctx) -> bool:
    with platform_scope():
        return Event.objects.filter(object_id=ctx.application.pk, verb="application.noted").exists()


def checked(ctx) -> bool:
    with platform_scope():
        return ApplicationCheck.objects.get(pk=ctx.check.pk).status == CheckStatus.WAIVED


def approved(ctx) -> bool:
    return _application(ctx).status == ApplicationStatus.APPROVED


def rejected(ctx) -> bool:
    return _application(ctx).status == ApplicationStatus.REJECTED


CASES: dict[str, Case] = {
    "office:recruitment_applications": office_page(setup=application, contains="Matrix Applicant GmbH"),
    "office:recruitment_application": office_page(setup=application, args=APPLICATION, contains="Matrix brochure"),
    "office:recruitment_application_document": office_page(
        setup=application, args=lambda ctx: [ctx.application.pk, ctx.attachment.pk]
    ),
    "office:recruitment_check_evidence": office_page(
        setup=application, args=lambda ctx: [ctx.application.pk, ctx.check.pk]
    ),
    "office:recruitment_application_assign": office_write(
        allowed=MANAGERS,
        setup=application,
        args=APPLICATION,
        data=lambda ctx: {"assignee": ctx.side.manager.pk},
        effect=assigned,
    ),
    "office:recruitment_application_score": office_write(
        allowed=MANAGERS,
        setup=application,
        args=APPLICATION,
        data=lambda ctx: {f"score_{ctx.criterion.pk}": "4", f"comment_{ctx.criterion.pk}": "Matrix"},
        effect=scored,
    ),
    "office:recruitment_application_note": office_write(
        allowed=MANAGERS, setup=application, args=APPLICATION, data={"text": "Matrix note"}, effect=noted
    ),
    "office:recruitment_check": office_write(
        allowed=MANAGERS,
        setup=application,
        args=lambda ctx: [ctx.application.pk, ctx.check.pk],
        data={"status": "waived", "note": "Matrix waiver"},
        effect=checked,
    ),
    "office:recruitment_application_approve": office_write(
        allowed=("admin",),
        setup=application,
        args=APPLICATION,
        data={"display_name": "Matrix Partner"},
        effect=approved,
    ),
    "office:recruitment_application_reject": office_write(
        allowed=("admin",),
        setup=application,
        args=APPLICATION,
        data={"reason": "not_a_fit", "message": "Matrix: not now"},
        effect=rejected,
    ),
}


# --- for tests/hostile/test_fuzz_forms.py (merged into its FORM_VIEWS): name -> (who, path, valid data)


def _world_ctx(world):
    ctx = getattr(world, "_recruitment_select", None)
    if ctx is None:
        ctx = SimpleNamespace(side=world.acme)
        application(ctx)
        world._recruitment_select = ctx
    return ctx


def _path(name, *extra):
    return lambda w: reverse(name, args=[_world_ctx(w).application.pk, *(f(w) for f in extra)])


FORM_VIEWS: dict = {
    "office:recruitment_application_assign": (
        lambda w: w.acme.admin,
        _path("office:recruitment_application_assign"),
        lambda w: {"assignee": w.acme.manager.pk},
    ),
    "office:recruitment_application_score": (
        lambda w: w.acme.manager,
        _path("office:recruitment_application_score"),
        lambda w: {f"score_{_world_ctx(w).criterion.pk}": "3"},
    ),
    "office:recruitment_application_note": (
        lambda w: w.acme.manager,
        _path("office:recruitment_application_note"),
        lambda w: {"text": "A note"},
    ),
    "office:recruitment_check": (
        lambda w: w.acme.manager,
        _path("office:recruitment_check", lambda w: _world_ctx(w).check.pk),
        lambda w: {"status": "passed", "note": "Fine"},
    ),
    "office:recruitment_application_approve": (
        lambda w: w.acme.admin,
        _path("office:recruitment_application_approve"),
        lambda w: {"display_name": "Fuzz Partner"},
    ),
    "office:recruitment_application_reject": (
        lambda w: w.acme.admin,
        _path("office:recruitment_application_reject"),
        lambda w: {"reason": "other", "message": "Not now"},
    ),
}
# POSTs without input (a button).
NO_INPUT: set[str] = set()
