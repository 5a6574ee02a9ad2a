"""Isolation cases of recruitment: the onboard part (tests/recruitment/isolation.py merges them).

Acme partner 1 is onboarding (``onboarding``): its checklist has a manual item, and it is enrolled
in a program whose agreement (version 1) it accepted; partner 2 is in no program, so the version
and the acceptance are a 404 to it."""

from __future__ import annotations

from types import SimpleNamespace

from django.urls import reverse

from partners.models import Partner, PartnerStatus
from prm.tenancy.scope import platform_scope, tenant_scope
from recruitment.models import AgreementAcceptance, Onboarding, OnboardingTask, TaskKind
from recruitment.services.onboard import agreement_accept, onboarding_start

from ..factories import EnrollmentFactory, ProgramFactory, TierFactory
from ..isolation import MANAGERS, PARTNER_ID, Case, office_page, office_write, portal_page, portal_write
from .factories import AgreementVersionFactory, OnboardingTemplateItemFactory


def onboarding(ctx, *, accepted: bool = True) -> None:
    side = ctx.side
    built = getattr(side, "_matrix_onboarding", None)
    if built is not None:  # several cases in one world (the page walks): built once per side
        ctx.onboarding, ctx.task, ctx.version = built
        if accepted:
            with platform_scope():
                ctx.acceptance = AgreementAcceptance.objects.filter(version=ctx.version).first()
            if ctx.acceptance is None:
                with tenant_scope(side.tenant, partner=side.partner.pk):
                    ctx.acceptance = agreement_accept(
                        actor=side.partner_admin, version=ctx.version, ip_address="192.0.2.1", user_agent="matrix"
                    )
        return
    with platform_scope():
        Partner.objects.filter(pk=side.partner.pk).update(status=PartnerStatus.ONBOARDING)
    side.partner.status = PartnerStatus.ONBOARDING
    OnboardingTemplateItemFactory(
        tenant=side.tenant, template__partner_type=side.partner_type, kind=TaskKind.MANUAL, title="Matrix kick-off"
    )
    program = ProgramFactory(tenant=side.tenant, name="Matrix program", slug="matrix-program")
    EnrollmentFactory(tenant=side.tenant, partner=side.partner, tier=TierFactory(program=program, name="Matrix tier"))
    ctx.version = AgreementVersionFactory(
        tenant=side.tenant, agreement__program=program, agreement__title="Matrix agreement", number=1
    )
    with tenant_scope(side.tenant):
        ctx.onboarding = onboarding_start(actor=side.manager, partner=side.partner)
        ctx.task = OnboardingTask.objects.get(onboarding=ctx.onboarding, title="Matrix kick-off")
    side._matrix_onboarding = (ctx.onboarding, ctx.task, ctx.version)
    if accepted:
        with tenant_scope(side.tenant, partner=side.partner.pk):
            ctx.acceptance = agreement_accept(
                actor=side.partner_admin, version=ctx.version, ip_address="192.0.2.1", user_agent="matrix"
            )


def not_onboarding_yet(ctx) -> None:
    side = ctx.side
    with platform_scope():
        Partner.objects.filter(pk=side.partner.pk).update(status=PartnerStatus.ONBOARDING)


def unaccepted(ctx) -> None:
    onboarding(ctx, accepted=False)


def started(ctx) -> bool:
    with platform_scope():
        return Onboarding.objects.filter(partner=ctx.side.partner).exists()


def ticked(ctx) -> bool:
    with platform_scope():
        return OnboardingTask.objects.get(pk=ctx.task.pk).done_at is not None


def accepted(ctx) -> bool:
    with platform_scope():
        return AgreementAcceptance.objects.filter(partner=ctx.side.partner, version=ctx.version).exists()


TASK = lambda ctx: [ctx.side.partner.pk, ctx.task.pk]  # noqa: E731
VERSION = lambda ctx: [ctx.version.pk]  # noqa: E731
ACCEPTANCE = lambda ctx: [ctx.acceptance.pk]  # noqa: E731

CASES: dict[str, Case] = {
    "office:recruitment_onboarding_board": office_page(setup=onboarding, contains="Acme Partner 1"),
    "office:partner_onboarding": office_page(setup=onboarding, args=PARTNER_ID, contains="Matrix kick-off"),
    "office:recruitment_onboarding_start": office_write(
        allowed=MANAGERS, setup=not_onboarding_yet, args=PARTNER_ID, effect=started
    ),
    "office:recruitment_onboarding_tick": office_write(
        allowed=MANAGERS, setup=onboarding, args=TASK, data={"done": "1"}, effect=ticked
    ),
    "office:recruitment_agreement_pdf": office_page(setup=onboarding, args=ACCEPTANCE),
    "portal:recruitment_onboarding": portal_page(setup=onboarding, contains="Matrix kick-off"),
    "portal:recruitment_agreements": portal_page(setup=onboarding, contains="Matrix agreement"),
    # Only the partner admin accepts; partner 2 (in no program) does not see the version: 404.
    "portal:recruitment_agreement_accept": portal_write(
        allowed=("partner_admin",), setup=unaccepted, args=VERSION, data={"confirm": "on"}, effect=accepted
    ),
    "portal:recruitment_agreement_pdf": portal_page(setup=onboarding, args=ACCEPTANCE),
}


# --- for tests/hostile/test_fuzz_forms.py (merged into its FORM_VIEWS): name -> (who, path, valid data)


def _world_ctx(world):
    ctx = getattr(world, "_recruitment_onboard", None)
    if ctx is None:
        ctx = SimpleNamespace(side=world.acme)
        unaccepted(ctx)
        world._recruitment_onboard = ctx
    return ctx


FORM_VIEWS: dict = {
    "office:recruitment_onboarding_tick": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:recruitment_onboarding_tick", args=TASK(_world_ctx(w))),
        lambda w: {"done": "1"},
    ),
    "portal:recruitment_agreement_accept": (
        lambda w: w.acme.partner_admin,
        lambda w: reverse("portal:recruitment_agreement_accept", args=VERSION(_world_ctx(w))),
        lambda w: {"confirm": "on"},
    ),
}
# POSTs without input (a button).
NO_INPUT: set[str] = {"office:recruitment_onboarding_start"}
