"""Isolation cases of lead distribution: the intake part (tests/leads/isolation.py merges them), with
its form views for the hostile-input fuzz (tests/hostile/test_fuzz_forms.py).

Every staff role manages leads (``LEADS_MANAGE``: admin, channel manager, marketing); partner users
get a 404 in the back office, another tenant's staff a 404 for acme's leads and imports. A
referral is its company's: acme partner 2's admin gets a 404 for partner 1's. The public form is
on each tenant's host (the bare domain has none)."""

from __future__ import annotations

from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leads.models import ImportStatus, Lead, LeadImport, LeadSource, LeadStatus
from leads.services.imports import lead_import_upload
from prm.tenancy.scope import platform_scope, tenant_scope

from ..isolation import OK, PUBLIC, STAFF, Case, in_platform, office_page, office_write, portal_page, portal_write
from .factories import LeadFactory

LEAD = lambda ctx: [ctx.lead.pk]  # noqa: E731
IMPORT = lambda ctx: [ctx.lead_import.pk]  # noqa: E731
PUBLIC_EXPECT = {"anonymous": 200, "anonymous@platform": 404}

LEADS_CSV = (
    "Company,Contact name,E-mail,Country,Product line\n"
    "Matrix Leads GmbH,Ada Lovelace,ada@matrix-leads.de,DE,\n"
    "Matrix Other AG,Grace Hopper,grace@matrix-other.de,Germany,\n"
    "Broken Row Ltd,,,Atlantis,\n"
)


def leads_file(name: str = "leads.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, LEADS_CSV.encode(), content_type="text/csv")


def uploaded(ctx):
    with tenant_scope(ctx.side.tenant):
        ctx.lead_import = lead_import_upload(actor=ctx.side.admin, upload=leads_file())


def referral(ctx, *, status=LeadStatus.PENDING_REVIEW, withheld=False):
    ctx.lead = LeadFactory(
        tenant=ctx.side.tenant,
        company="Matrix Referral GmbH",
        source=LeadSource.REFERRAL,
        source_partner=ctx.side.partner,
        created_by=ctx.side.partner_admin,
        status=status,
        contact_withheld=withheld,
        **({"contact_name": "", "email": ""} if withheld else {}),
    )


def awaiting_contact(ctx):
    referral(ctx, status=LeadStatus.AWAITING_CONTACT, withheld=True)


def flagged(ctx):
    original = LeadFactory(tenant=ctx.side.tenant, company="Matrix Original GmbH", email="x@matrix-dup.de")
    ctx.lead = LeadFactory(
        tenant=ctx.side.tenant,
        company="Matrix Duplicate GmbH",
        email="y@matrix-dup.de",
        status=LeadStatus.DUPLICATE,
        duplicate_of=original,
    )


def _status_is(*statuses):
    @in_platform
    def check(ctx) -> bool:
        return Lead.objects.get(pk=ctx.lead.pk).status in statuses

    return check


def _imports() -> int:
    with platform_scope():
        return LeadImport.objects.count()


def _counted(ctx):
    ctx.before = _imports()


@in_platform
def _import_status(ctx) -> str:
    return LeadImport.objects.get(pk=ctx.lead_import.pk).status


@in_platform
def _mapping(ctx) -> dict:
    return LeadImport.objects.get(pk=ctx.lead_import.pk).mapping


MAPPING = {"company": "0", "email": "2", "country": "3"}
ROUTED = (LeadStatus.NEW, LeadStatus.OFFERED, LeadStatus.QUEUED)

CASES: dict[str, Case] = {
    "office:leads": office_page(allowed=STAFF, setup=flagged, contains="Matrix Duplicate GmbH"),
    # the partner record's Leads tab: partner 1's referral is listed there
    "office:partner_leads": office_page(
        allowed=STAFF, args=lambda ctx: [ctx.side.partner.pk], setup=referral, contains="Matrix Referral"
    ),
    "office:lead_create": office_page(allowed=STAFF, contains="Enter a lead"),
    "office:lead_review": office_page(allowed=STAFF, setup=referral, args=LEAD, contains="Matrix Referral GmbH"),
    "office:lead_referral_accept": office_write(
        allowed=STAFF, setup=referral, args=LEAD, data={"note": ""}, effect=_status_is(*ROUTED)
    ),
    "office:lead_referral_decline": office_write(
        allowed=STAFF,
        setup=referral,
        args=LEAD,
        data={"reason": "Already our customer"},
        effect=_status_is(LeadStatus.DISQUALIFIED),
    ),
    "office:lead_duplicate_release": office_write(allowed=STAFF, setup=flagged, args=LEAD, effect=_status_is(*ROUTED)),
    "office:lead_duplicate_discard": office_write(
        allowed=STAFF, setup=flagged, args=LEAD, data={"note": ""}, effect=_status_is(LeadStatus.DISQUALIFIED)
    ),
    "office:lead_imports": office_page(allowed=STAFF, contains="Import leads"),
    "office:lead_import_upload": office_write(
        allowed=STAFF,
        setup=_counted,
        data=lambda ctx: {"document": leads_file()},
        effect=lambda ctx: _imports() == ctx.before + 1,
    ),
    "office:lead_import": office_page(allowed=STAFF, setup=uploaded, args=IMPORT, contains="Matrix Leads GmbH"),
    "office:lead_import_validate": office_write(
        allowed=STAFF,
        setup=uploaded,
        args=IMPORT,
        data=MAPPING,
        effect=lambda ctx: _mapping(ctx) == {key: int(value) for key, value in MAPPING.items()},
    ),
    "office:lead_import_confirm": office_write(
        allowed=STAFF,
        setup=uploaded,
        args=IMPORT,
        data={"campaign": "Spring", "route": ""},
        effect=lambda ctx: _import_status(ctx) in (ImportStatus.IMPORTING, ImportStatus.DONE),
    ),
    "office:lead_import_progress": office_page(allowed=STAFF, setup=uploaded, args=IMPORT),
    "office:lead_import_rejected": office_page(allowed=STAFF, setup=uploaded, args=IMPORT),
    # A company's referrals: its admin and sales reps refer; another company's users never see them.
    "portal:lead_referrals": portal_page(setup=referral, contains="Matrix Referral GmbH"),
    "portal:lead_refer": portal_page(contains="Refer a lead"),
    "portal:lead_referral_contact": portal_write(
        setup=awaiting_contact,
        args=LEAD,
        data=lambda ctx: {
            f"lead{ctx.lead.pk}-contact_name": "Ada Prospect",
            f"lead{ctx.lead.pk}-email": "ada@matrix-referral.de",
        },
        effect=_status_is(*ROUTED),
    ),
    "lead_web_form": Case(area=PUBLIC, expect=PUBLIC_EXPECT, contains=lambda ctx: "Talk to Acme"),
    "lead_web_form_sent": Case(area=PUBLIC, expect=PUBLIC_EXPECT, contains=lambda ctx: "Thank you"),
}


# --- for tests/hostile/test_fuzz_forms.py (merged into its FORM_VIEWS): name -> (who, path, valid data)


def _world_ctx(world, name: str, setup):
    key = f"_leads_intake_{name}"
    ctx = getattr(world, key, None)
    if ctx is None:
        ctx = SimpleNamespace(side=world.acme)
        setup(ctx)
        setattr(world, key, ctx)
    return ctx


def _lead_data():
    return {
        "company": "Fuzz Prospect GmbH",
        "website": "fuzz-prospect.de",
        "contact_name": "Ada Fuzz",
        "email": "ada@fuzz-prospect.de",
        "phone": "+49 30 1234",
        "country": "DE",
        "city": "Berlin",
        "description": "Twenty access points",
        "estimated_value": "12000",
        "currency": "EUR",
    }


FORM_VIEWS: dict = {
    "office:lead_create": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:lead_create"),
        lambda w: {**_lead_data(), "route": ""},
    ),
    "office:lead_referral_decline": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:lead_referral_decline", args=[_world_ctx(w, "decline", referral).lead.pk]),
        lambda w: {"reason": "Already our customer"},
    ),
    "office:lead_referral_accept": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:lead_referral_accept", args=[_world_ctx(w, "accept", referral).lead.pk]),
        lambda w: {"note": "Welcome"},
    ),
    "office:lead_duplicate_discard": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:lead_duplicate_discard", args=[_world_ctx(w, "discard", flagged).lead.pk]),
        lambda w: {"note": "Spam"},
    ),
    "office:lead_import_upload": (
        lambda w: w.acme.admin,
        lambda w: reverse("office:lead_import_upload"),
        lambda w: {"document": leads_file()},
    ),
    "office:lead_import_validate": (
        lambda w: w.acme.admin,
        lambda w: reverse("office:lead_import_validate", args=[_world_ctx(w, "import", uploaded).lead_import.pk]),
        lambda w: dict(MAPPING),
    ),
    "office:lead_import_confirm": (
        lambda w: w.acme.admin,
        lambda w: reverse("office:lead_import_confirm", args=[_world_ctx(w, "import", uploaded).lead_import.pk]),
        lambda w: {"campaign": "Spring", "route": "on"},
    ),
    "portal:lead_refer": (
        lambda w: w.acme.partner_admin,
        lambda w: reverse("portal:lead_refer"),
        lambda w: {
            "company": "Fuzz Referral GmbH",
            "description": "A new branch office",
            "country": "DE",
            "city": "Berlin",
            "contact_withheld": "on",
        },
    ),
    "portal:lead_referral_contact": (
        lambda w: w.acme.partner_admin,
        lambda w: reverse("portal:lead_referral_contact", args=[_world_ctx(w, "contact", awaiting_contact).lead.pk]),
        lambda w: {
            f"lead{_world_ctx(w, 'contact', awaiting_contact).lead.pk}-contact_name": "Ada Prospect",
            f"lead{_world_ctx(w, 'contact', awaiting_contact).lead.pk}-email": "ada@fuzz-referral.de",
        },
    ),
    "lead_web_form": (
        lambda w: None,
        lambda w: reverse("lead_web_form"),
        lambda w: {
            "company": "Fuzz Web GmbH",
            "contact_name": "Ada Web",
            "email": "ada@fuzz-web.de",
            "country": "DE",
            "consent": "on",
        },
    ),
}
# POSTs without input (a button).
NO_INPUT: set[str] = {"office:lead_duplicate_release"}

__all__ = ["CASES", "FORM_VIEWS", "NO_INPUT", "OK"]
