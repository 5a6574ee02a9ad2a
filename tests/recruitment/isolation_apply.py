"""Isolation cases of recruitment: the apply part (tests/recruitment/isolation.py merges them).

The public pages live on each tenant's host: a signed link of acme's opened on globex's host
names nothing there (404), and the bare domain has no application form."""

from __future__ import annotations

from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partners.models import Partner
from prm.tenancy.scope import platform_scope
from prm.web.files import minimal_pdf
from recruitment.models import ApplicationAttachment, ApplicationStatus, JoinRequest, JoinRequestStatus
from recruitment.services.apply import status_token, verification_token

from ..isolation import OK, PUBLIC, Case, in_platform, portal_page, portal_write
from .factories import ApplicationFactory

PUBLIC_EXPECT = {"anonymous": 200, "anonymous@platform": 404}
LINK_EXPECT = {**PUBLIC_EXPECT, "other_tenant@own_host": 404}
WRITE_EXPECT = {"anonymous": OK, "anonymous@platform": 404, "other_tenant@own_host": 404}
JOIN = lambda ctx: [ctx.join.pk]  # noqa: E731


def unverified(ctx):
    ctx.application = ApplicationFactory(
        tenant=ctx.side.tenant,
        status=ApplicationStatus.UNVERIFIED,
        verified_at=None,
        due_at=None,
        company_name="Matrix Applicant GmbH",
    )
    ctx.token = verification_token(ctx.application)


def submitted(ctx):
    ctx.application = ApplicationFactory(tenant=ctx.side.tenant, company_name="Matrix Applicant GmbH")
    ctx.token = status_token(ctx.application)


def joiner(ctx):
    """A verified applicant whose address is at acme partner 1's e-mail domain."""
    partner = ctx.side.partner
    with platform_scope():
        Partner.objects.filter(pk=partner.pk).update(email_domains=["matrix-p1.de"])
    ctx.application = ApplicationFactory(
        tenant=ctx.side.tenant,
        company_name="Matrix Joiner",
        contact_first_name="Jane",
        contact_last_name="Joiner",
        contact_email="jane@matrix-p1.de",
    )
    ctx.token = status_token(ctx.application)


def join_request(ctx):
    with platform_scope():
        ctx.join = JoinRequest.objects.create(
            tenant=ctx.side.tenant,
            partner=ctx.side.partner,
            first_name="Jane",
            last_name="Joiner",
            email="jane.joiner@matrix-p1.de",
        )


def pdf_upload(ctx=None):
    return {"documents": SimpleUploadedFile("profile.pdf", minimal_pdf("Company profile"), "application/pdf")}


@in_platform
def documents_added(ctx) -> bool:
    return ApplicationAttachment.objects.filter(application_id=ctx.application.pk).exists()


def _status_is(status):
    @in_platform
    def check(ctx) -> bool:
        return type(ctx.application).objects.get(pk=ctx.application.pk).status == status

    return check


def _join_is(status):
    @in_platform
    def check(ctx) -> bool:
        return JoinRequest.objects.get(pk=ctx.join.pk).status == status

    return check


CASES: dict[str, Case] = {
    "recruitment_apply": Case(area=PUBLIC, expect=PUBLIC_EXPECT, contains=lambda ctx: "Become a partner of Acme"),
    "recruitment_apply_sent": Case(area=PUBLIC, expect=PUBLIC_EXPECT, contains=lambda ctx: "Check your inbox"),
    # A link of acme's on globex's host finds nothing: a page that says so, 404.
    "recruitment_apply_verify": Case(
        area=PUBLIC,
        setup=unverified,
        args=lambda ctx: [ctx.token],
        object_scoped=True,
        expect=LINK_EXPECT,
        contains=lambda ctx: "Matrix Applicant GmbH",
    ),
    "recruitment_apply_status": Case(
        area=PUBLIC,
        setup=submitted,
        args=lambda ctx: [ctx.token],
        object_scoped=True,
        expect=LINK_EXPECT,
        contains=lambda ctx: "Matrix Applicant GmbH",
    ),
    "recruitment_apply_documents": Case(
        area=PUBLIC,
        method="post",
        setup=submitted,
        args=lambda ctx: [ctx.token],
        data=pdf_upload,
        object_scoped=True,
        expect=WRITE_EXPECT,
        effect=documents_added,
    ),
    "recruitment_apply_withdraw": Case(
        area=PUBLIC,
        method="post",
        setup=submitted,
        args=lambda ctx: [ctx.token],
        object_scoped=True,
        expect=WRITE_EXPECT,
        effect=_status_is(ApplicationStatus.WITHDRAWN),
    ),
    "recruitment_apply_join": Case(
        area=PUBLIC,
        method="post",
        setup=joiner,
        args=lambda ctx: [ctx.token],
        data=lambda ctx: {"partner": str(ctx.side.partner.pk), "message": "I sell for them"},
        object_scoped=True,
        expect=WRITE_EXPECT,
        effect=_status_is(ApplicationStatus.WITHDRAWN),
    ),
    # The partner admin of the company asked; its sales reps: 403; another company's admin: 404.
    "portal:recruitment_join_requests": portal_page(allowed=("partner_admin",), setup=join_request, contains="Joiner"),
    "portal:recruitment_join_approve": portal_write(
        allowed=("partner_admin",), setup=join_request, args=JOIN, effect=_join_is(JoinRequestStatus.APPROVED)
    ),
    "portal:recruitment_join_decline": portal_write(
        allowed=("partner_admin",), setup=join_request, args=JOIN, effect=_join_is(JoinRequestStatus.DECLINED)
    ),
}


# --- for tests/hostile/test_fuzz_forms.py (merged into its FORM_VIEWS): name -> (who, path, valid data)


def application_data(world) -> dict:
    """What a person types into the application form (no documents)."""
    return {
        "company_name": "Fuzz Systems GmbH",
        "website": "https://fuzz-systems.de",
        "country": "DE",
        "partner_type": str(world.acme.partner_type.pk),
        "regions_served": "DACH, Benelux",
        "industries": "Manufacturing, Retail",
        "capabilities": ["sales", "services"],
        "capability_notes": "Twenty engineers.",
        "references": "Initech, Umbrella",
        "contact_first_name": "Fritz",
        "contact_last_name": "Fuzz",
        "contact_email": "fritz@fuzz-systems.de",
        "contact_title": "CEO",
        "contact_phone": "+49 30 1234",
        "email_domains": "fuzz-systems.de",
        "consent": "on",
    }


def _world_ctx(world, setup):
    cache = world.__dict__.setdefault("_recruitment_apply", {})
    if setup not in cache:
        ctx = SimpleNamespace(side=world.acme)
        setup(ctx)
        cache[setup] = ctx
    return cache[setup]


FORM_VIEWS = {
    "recruitment_apply": (lambda w: None, lambda w: reverse("recruitment_apply"), application_data),
    "recruitment_apply_join": (
        lambda w: None,
        lambda w: reverse("recruitment_apply_join", args=[_world_ctx(w, joiner).token]),
        lambda w: {"partner": str(w.acme.partner.pk), "message": "Let me in"},
    ),
    "recruitment_apply_documents": (
        lambda w: None,
        lambda w: reverse("recruitment_apply_documents", args=[_world_ctx(w, submitted).token]),
        lambda w: {"documents": SimpleUploadedFile("p.pdf", minimal_pdf("Profile"), "application/pdf")},
    ),
}
# POSTs without input (a button).
NO_INPUT: set[str] = {
    "recruitment_apply_verify",
    "recruitment_apply_withdraw",
    "portal:recruitment_join_approve",
    "portal:recruitment_join_decline",
}
