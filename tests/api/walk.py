"""The REST API's isolation cases: what tests/api/test_api_isolation.py requests for each route.

Each route of the ``api:`` namespace has a case (``"api:deal-detail"``; a second method of one
route as ``"api:deal-detail PATCH"``): the method, the ids it names (a set-up adds acme partner 1's
objects to ``ctx``), the body, who gets its success, and whether it names an object of acme
partner 1 (then the other partner's key and globex's key on its own host get a 404).

The callers (``test_api_isolation.CALLERS``): ``staff`` (acme's vendor admin's key),
``partner`` (acme partner 1's admin's key), ``other_partner`` (acme partner 2's admin's key),
``other_tenant@host`` (globex's admin's key on acme's host: not a credential there),
``other_tenant@own_host`` (the same key on globex's host, naming acme's ids), ``anonymous`` (no
key) and ``no_scope`` (acme's admin's key with a scope the route does not take).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from prm.tenancy.scope import tenant_scope

from ..deals.deal_setup import draft, make_catalogue, submitted

STAFF, PARTNER = "staff", "partner"


@dataclass(frozen=True)
class ApiCase:
    method: str = "GET"
    args: Callable = lambda ctx: []
    data: Callable = lambda ctx: {}
    setup: Callable | None = None
    allowed: tuple = (STAFF, PARTNER)
    status: int = 200
    object_scoped: bool = False  # names an object of acme partner 1: another partner's key gets a 404
    names_acme: bool = False  # names acme's objects (URL or body): globex's key on its own host gets a 404
    public: bool = False  # no key needed (the schema, the docs, the event types)
    scope: str = ""  # a scope the route takes (no_scope gets a key without it)
    other_side: int = 404  # what a caller of the wrong side (staff-only route, partner key) gets
    multipart: bool = False  # the body is a form with files (an upload), not JSON


def catalogue(ctx) -> None:
    if not hasattr(ctx, "cat"):
        ctx.cat = make_catalogue(ctx.side)


def draft_deal(ctx) -> None:
    catalogue(ctx)
    ctx.deal = draft(ctx.side.partner_admin, ctx.cat, customer_name="Matrix Customer")


def submitted_deal(ctx) -> None:
    catalogue(ctx)
    ctx.deal = submitted(ctx.side.partner_admin, ctx.cat, customer_name="Matrix Customer")


def approved_deal(ctx) -> None:
    from deals.services import deal_approve

    submitted_deal(ctx)
    with tenant_scope(ctx.side.tenant):
        if ctx.deal.status == "submitted":
            ctx.deal = deal_approve(actor=ctx.side.manager, deal=ctx.deal)


def won_deal(ctx) -> None:
    from deals.services import deal_mark_won

    approved_deal(ctx)
    with tenant_scope(ctx.side.tenant, partner=ctx.side.partner.pk):
        ctx.deal = deal_mark_won(
            actor=ctx.side.partner_admin, deal=ctx.deal, amount=ctx.deal.amount, won_on=timezone.localdate()
        )


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from prm.web.files import minimal_pdf

    return SimpleUploadedFile("quote.pdf", minimal_pdf("Quote"), "application/pdf")


def deal_with_attachment(ctx) -> None:
    """Acme partner 1's submitted deal with a quote attached."""
    from deals.services import attachment_add

    submitted_deal(ctx)
    with tenant_scope(ctx.side.tenant, partner=ctx.side.partner.pk):
        ctx.attachment = attachment_add(actor=ctx.side.partner_admin, deal=ctx.deal, file=_pdf(), name="Quote")


def endpoint(ctx) -> None:
    """A webhook endpoint of acme partner 1 with one delivered message."""
    from api.models import MessageStatus, WebhookMessage
    from api.webhooks import endpoint_create

    with tenant_scope(ctx.side.tenant, partner=ctx.side.partner.pk):
        ctx.endpoint, _secret = endpoint_create(
            actor=ctx.side.partner_admin, url="http://127.0.0.1:9/hooks", event_types=["deal.created"]
        )
        ctx.message = WebhookMessage.objects.create(
            endpoint=ctx.endpoint,
            partner=ctx.side.partner,
            msg_id="msg_walk",
            event_type="deal.created",
            payload={},
            status=MessageStatus.DELIVERED,
        )


DEAL = lambda ctx: [ctx.deal.pk]  # noqa: E731
PARTNER_1 = lambda ctx: [ctx.side.partner.pk]  # noqa: E731
ENDPOINT = lambda ctx: [ctx.endpoint.pk]  # noqa: E731


def deal_body(ctx) -> dict:
    catalogue(ctx)
    return {
        "customer_name": "Walk Customer",
        "customer_country": "DE",
        "currency": "USD",
        "expected_close_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "lines": [{"product": ctx.cat.firewall.pk, "quantity": 1}],
        "partner": ctx.side.partner.pk,
    }


def program_id(ctx) -> list:
    catalogue(ctx)
    return [ctx.cat.program.pk]


def product_id(ctx) -> list:
    catalogue(ctx)
    return [ctx.cat.firewall.pk]


def deal_action(setup, data=None, allowed=(PARTNER,), status=200) -> ApiCase:
    return ApiCase(
        method="POST",
        setup=setup,
        args=DEAL,
        data=data or (lambda ctx: {}),
        allowed=allowed,
        status=status,
        object_scoped=True,
        scope="deals:write",
    )


CASES: dict[str, ApiCase] = {
    "api:schema": ApiCase(public=True),
    "api:docs": ApiCase(public=True),
    "api:event_types": ApiCase(public=True),
    "api:events": ApiCase(setup=draft_deal, scope="events:read"),
    "api:customer_accounts": ApiCase(
        method="POST",
        data=lambda ctx: {
            "accounts": [{"name": "Walk Account", "domain": "walk-industries.com", "external_id": "W-1"}]
        },
        allowed=(STAFF,),
        scope="accounts:write",
    ),
    "api:deal-list": ApiCase(setup=draft_deal, scope="deals:read"),
    "api:deal-list POST": ApiCase(method="POST", data=deal_body, status=201, scope="deals:write", names_acme=True),
    "api:deal-detail": ApiCase(setup=submitted_deal, args=DEAL, object_scoped=True, scope="deals:read"),
    "api:deal-detail PATCH": ApiCase(
        method="PATCH",
        setup=draft_deal,
        args=DEAL,
        data=lambda ctx: {"title": "Walked"},
        allowed=(PARTNER,),
        object_scoped=True,
        scope="deals:write",
    ),
    "api:deal-submit": deal_action(draft_deal),
    "api:deal-approve": deal_action(submitted_deal, lambda ctx: {"note": "ok"}, allowed=(STAFF,)),
    "api:deal-reject": deal_action(
        submitted_deal, lambda ctx: {"reason_code": "other", "message": "No"}, allowed=(STAFF,)
    ),
    "api:deal-request_info": deal_action(
        submitted_deal, lambda ctx: {"fields": ["title"], "message": "Which?"}, allowed=(STAFF,)
    ),
    "api:deal-withdraw": deal_action(submitted_deal, lambda ctx: {"reason": "Lost interest"}, allowed=(STAFF, PARTNER)),
    "api:deal-mark_won": deal_action(
        approved_deal,
        lambda ctx: {"amount": "100.00", "won_on": timezone.localdate().isoformat()},
        allowed=(STAFF, PARTNER),
    ),
    "api:deal-mark_lost": deal_action(approved_deal, lambda ctx: {"reason": "Price"}, allowed=(STAFF, PARTNER)),
    "api:deal-confirm_win": deal_action(won_deal, allowed=(STAFF,)),
    "api:deal-refuse_win": deal_action(won_deal, lambda ctx: {"reason": "No invoice"}, allowed=(STAFF,)),
    "api:deal-stage": deal_action(approved_deal, lambda ctx: {"stage": "propose"}, allowed=(STAFF, PARTNER)),
    "api:deal-attachments": ApiCase(
        setup=deal_with_attachment, args=DEAL, allowed=(STAFF, PARTNER), object_scoped=True, scope="deals:read"
    ),
    "api:deal-attachments POST": ApiCase(
        method="POST",
        setup=draft_deal,
        args=DEAL,
        data=lambda ctx: {"file": _pdf(), "name": "Quote"},
        multipart=True,
        allowed=(PARTNER,),
        status=201,
        object_scoped=True,
        scope="deals:write",
    ),
    "api:deal-attachment": ApiCase(
        setup=deal_with_attachment,
        args=lambda ctx: [ctx.deal.pk, ctx.attachment.pk],
        allowed=(STAFF, PARTNER),
        object_scoped=True,
        scope="deals:read",
    ),
    "api:partner-list": ApiCase(scope="partners:read"),
    "api:partner-detail": ApiCase(args=PARTNER_1, object_scoped=True, scope="partners:read"),
    "api:partner-contacts": ApiCase(args=PARTNER_1, object_scoped=True, scope="partners:read"),
    "api:partner-programs": ApiCase(setup=catalogue, args=PARTNER_1, object_scoped=True, scope="partners:read"),
    "api:program-list": ApiCase(setup=catalogue, scope="programs:read"),
    "api:program-detail": ApiCase(args=program_id, scope="programs:read", names_acme=True),
    "api:product-list": ApiCase(setup=catalogue, scope="programs:read"),
    "api:product-detail": ApiCase(args=product_id, scope="programs:read", names_acme=True),
    "api:webhook_endpoint-list": ApiCase(setup=endpoint, scope="webhooks:manage"),
    "api:webhook_endpoint-list POST": ApiCase(
        method="POST", data=lambda ctx: {"url": "http://127.0.0.1:9/walk"}, status=201, scope="webhooks:manage"
    ),
    "api:webhook_endpoint-detail": ApiCase(
        setup=endpoint, args=ENDPOINT, allowed=(PARTNER,), object_scoped=True, scope="webhooks:manage"
    ),
    "api:webhook_endpoint-detail PATCH": ApiCase(
        method="PATCH",
        setup=endpoint,
        args=ENDPOINT,
        data=lambda ctx: {"description": "walked"},
        allowed=(PARTNER,),
        object_scoped=True,
        scope="webhooks:manage",
    ),
    "api:webhook_endpoint-disable": ApiCase(
        method="POST", setup=endpoint, args=ENDPOINT, allowed=(PARTNER,), object_scoped=True, scope="webhooks:manage"
    ),
    "api:webhook_endpoint-enable": ApiCase(
        method="POST",
        setup=lambda ctx: _disabled_endpoint(ctx),
        args=ENDPOINT,
        allowed=(PARTNER,),
        object_scoped=True,
        scope="webhooks:manage",
    ),
    "api:webhook_endpoint-messages": ApiCase(
        setup=endpoint, args=ENDPOINT, allowed=(PARTNER,), object_scoped=True, scope="webhooks:manage"
    ),
    "api:webhook_endpoint-replay": ApiCase(
        method="POST",
        setup=endpoint,
        args=lambda ctx: [ctx.endpoint.pk, ctx.message.pk],
        allowed=(PARTNER,),
        status=202,
        object_scoped=True,
        scope="webhooks:manage",
    ),
    "api:webhook_endpoint-rotate_secret": ApiCase(
        method="POST", setup=endpoint, args=ENDPOINT, allowed=(PARTNER,), object_scoped=True, scope="webhooks:manage"
    ),
}


def _disabled_endpoint(ctx) -> None:
    from api.webhooks import endpoint_set_active

    endpoint(ctx)
    with tenant_scope(ctx.side.tenant, partner=ctx.side.partner.pk):
        ctx.endpoint = endpoint_set_active(actor=ctx.side.partner_admin, endpoint=ctx.endpoint, active=False)


# --- leads, e-learning, incentives ---------------------------------------------------------------


def offered_lead(ctx) -> None:
    """A lead offered to acme partner 1 (partner 2 never sees it)."""
    from ..leads.offers_setup import offered

    catalogue(ctx)
    ctx.lead, ctx.offer = offered(ctx.side, company="Matrix Prospect AG")


def published_course(ctx) -> None:
    from ..learning.factories import learning_course

    ctx.course = learning_course(ctx.side.tenant, title="Matrix Course")


def certificate(ctx) -> None:
    """A certificate of acme partner 1's sales rep (its admin reads its people's)."""
    from ..learning.isolation_certification import certificate as certificate_setup

    certificate_setup(ctx)


def competency_held(ctx) -> None:
    from learning.models import CompetencyHolding

    from ..learning.factories import CompetencyFactory

    competency = CompetencyFactory(tenant=ctx.side.tenant, name="Matrix Competency")
    with tenant_scope(ctx.side.tenant):
        ctx.holding = CompetencyHolding.objects.create(
            tenant=ctx.side.tenant,
            competency=competency,
            partner=ctx.side.partner,
            gained_at=timezone.now(),
            gained_reason="Matrix",
        )


def approved_claim(ctx) -> None:
    """A SPIFF claim of acme partner 1's sales rep approved: lines on the ledger."""
    from ..incentives.isolation import claim_approved

    claim_approved(ctx)


def approved_run(ctx) -> None:
    """An approved payout run paying acme partner 1's sales rep, its statement made."""
    from ..incentives.isolation import approved_run as approved_run_setup

    approved_run_setup(ctx)


LEAD = lambda ctx: [ctx.lead.pk]  # noqa: E731
COURSE = lambda ctx: [ctx.course.pk]  # noqa: E731
CERTIFICATE = lambda ctx: [ctx.certificate.pk]  # noqa: E731
PAYOUT = lambda ctx: [ctx.payout.pk]  # noqa: E731

CASES.update(
    {
        "api:lead-list": ApiCase(setup=offered_lead, scope="leads:read"),
        "api:lead-list POST": ApiCase(
            method="POST",
            data=lambda ctx: {"company": "Walk Prospect AG", "email": "ada@walk-prospect.de", "country": "DE"},
            allowed=(STAFF,),
            status=201,
            scope="leads:write",
        ),
        "api:lead-import": ApiCase(
            method="POST",
            data=lambda ctx: {
                "leads": [
                    {"company": "Walk One AG", "email": "a@walk-one.de", "country": "DE"},
                    {"company": "Walk Two SARL", "email": "b@walk-two.fr", "country": "FR"},
                ]
            },
            allowed=(STAFF,),
            status=201,
            scope="leads:write",
        ),
        "api:lead-detail": ApiCase(setup=offered_lead, args=LEAD, object_scoped=True, scope="leads:read"),
        "api:course-list": ApiCase(setup=published_course, scope="learning:read"),
        "api:course-detail": ApiCase(setup=published_course, args=COURSE, names_acme=True, scope="learning:read"),
        "api:certificate-list": ApiCase(setup=certificate, scope="learning:read"),
        "api:certificate-detail": ApiCase(
            setup=certificate, args=CERTIFICATE, object_scoped=True, scope="learning:read"
        ),
        "api:competency-list": ApiCase(setup=competency_held, scope="learning:read"),
        "api:ledger_entry-list": ApiCase(setup=approved_claim, scope="incentives:read"),
        "api:payout-list": ApiCase(setup=approved_run, scope="incentives:read"),
        "api:payout-detail": ApiCase(setup=approved_run, args=PAYOUT, object_scoped=True, scope="incentives:read"),
        "api:payout-statement": ApiCase(setup=approved_run, args=PAYOUT, object_scoped=True, scope="incentives:read"),
    }
)


# --- scorecards, business plans, relationship reviews ---------------------------------------------


def scorecard_world(ctx) -> None:
    """Acme's two partners measured on "Matrix scorecard" (a KPI partners see, one they do not),
    both enrolled in its program: each partner's key reads the scorecard and its own snapshots."""
    from ..scorecards.isolation_scoring import scorecard_world as scorecard_world_setup

    scorecard_world_setup(ctx)


def business_plans(ctx) -> None:
    """Acme partner 1's draft and agreed plans (partner 2 has none)."""
    from ..scorecards.isolation_plans import plans

    plans(ctx)


def reviews(ctx) -> None:
    """Acme partner 1's held review and its scheduled one (partner 2 has none)."""
    from ..scorecards.isolation_reviews import reviews as reviews_setup

    reviews_setup(ctx)


SCORECARD = lambda ctx: [ctx.scorecard.pk]  # noqa: E731
PLAN = lambda ctx: [ctx.plan.pk]  # noqa: E731
REVIEW = lambda ctx: [ctx.review.pk]  # noqa: E731

CASES.update(
    {
        "api:scorecard-list": ApiCase(setup=scorecard_world, scope="scorecards:read"),
        "api:scorecard-detail": ApiCase(
            setup=scorecard_world, args=SCORECARD, names_acme=True, scope="scorecards:read"
        ),
        "api:scorecard-snapshots": ApiCase(
            setup=scorecard_world, args=SCORECARD, names_acme=True, scope="scorecards:read"
        ),
        "api:business_plan-list": ApiCase(setup=business_plans, scope="scorecards:read"),
        "api:business_plan-detail": ApiCase(
            setup=business_plans, args=PLAN, object_scoped=True, scope="scorecards:read"
        ),
        "api:review-list": ApiCase(setup=reviews, scope="scorecards:read"),
        "api:review-detail": ApiCase(setup=reviews, args=REVIEW, object_scoped=True, scope="scorecards:read"),
    }
)
