"""The isolation matrix: every URL of the project, requested by every kind of visitor.

For tenant A (acme) and its partner 1, each URL is requested by

* ``anonymous``             nobody signed in, on acme's host          -> sign-in page
* ``anonymous@platform``    nobody signed in, on the bare domain      -> 404 (no portal there)
* ``admin`` / ``manager`` / ``marketing``   acme's vendor staff
* ``partner_admin`` / ``sales``             users of acme partner 1
* ``other_partner_admin``   the admin of acme partner 2               -> 404 for partner 1's objects
* ``other_tenant@own_host`` globex's member, on globex's host, naming acme's object ids -> 404
* ``other_tenant@host``     globex's member on acme's host            -> 404

A member in the right area who lacks the capability gets a 403; a member in the wrong area
(a partner user in the back office, staff in the portal) a 404. Every write is checked for its
effect: done when allowed, not done otherwise.

``test_every_url_has_a_case`` fails when a URL pattern is added without a case here (or an
exemption with a reason).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from partners.models import Partner, PartnerContact, PartnerStatus
from prm.accounts.models import Invitation, Membership
from prm.accounts.roles import Role
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope

from .conftest import PLATFORM_HOST, body, make_client
from .deals import office_setup, portal_setup, pricing_setup
from .factories import ContactFactory, InvitationFactory, NotificationFactory, PartnerMembershipFactory
from .programs import policy_setup, tier_setup

OFFICE, PORTAL, TENANT, PUBLIC = "office", "portal", "tenant", "public"

# Expected outcomes besides a status code.
OK = "ok"  # the case's success status (200 for a page, 302 for a write) and, for writes, the effect
LOGIN = "login"  # a redirect to the sign-in page that comes back here

STAFF = ("admin", "manager", "marketing")
PARTNER_USERS = ("partner_admin", "sales")


@dataclass(frozen=True)
class Case:
    area: str
    method: str = "get"
    args: Callable = lambda ctx: []
    data: Callable = lambda ctx: {}
    allowed: tuple = ()
    refused: dict = field(default_factory=dict)  # role in the right area -> 403
    setup: Callable | None = None  # ctx -> None; adds the objects the request names to ctx
    effect: Callable | None = None  # ctx -> bool: did the write happen?
    object_scoped: bool = False  # the URL names an object of acme / acme partner 1
    expect: dict = field(default_factory=dict)  # explicit outcomes for special pages
    xfail: dict = field(default_factory=dict)  # role -> reason (a known app bug)
    contains: Callable | None = None  # ctx -> text an allowed GET must show

    @property
    def success_status(self) -> int:
        return 200 if self.method == "get" else 302


def _in_platform(fn):
    def wrapper(ctx):
        with platform_scope():
            return fn(ctx)

    return wrapper


# --- set-ups and effects --------------------------------------------------------------------------


def _target_member(ctx):
    """A third user of acme partner 1: the one the people actions act on."""
    ctx.target = PartnerMembershipFactory(
        partner=ctx.side.partner, role=Role.TECHNICAL, user__email="target@p1.acme.example"
    )


def _target_member_deactivated(ctx):
    _target_member(ctx)
    with platform_scope():
        Membership.objects.filter(pk=ctx.target.pk).update(is_active=False)


@_in_platform
def _target_active(ctx):
    return Membership.objects.get(pk=ctx.target.pk).is_active


def _pending_partner_invitation(ctx):
    ctx.invitation = InvitationFactory(partner=ctx.side.partner, invited_by=ctx.side.partner_admin)


@_in_platform
def _invitation_revoked(ctx):
    return Invitation.objects.get(pk=ctx.invitation.pk).revoked_at is not None


def _contact(ctx):
    ctx.contact = ContactFactory(partner=ctx.side.partner, name="Doomed Contact")


@_in_platform
def _contact_gone(ctx):
    return not PartnerContact.objects.filter(pk=ctx.contact.pk).exists()


@_in_platform
def _contact_added(ctx):
    return PartnerContact.objects.filter(partner_id=ctx.side.partner.pk, name="Matrix Contact").exists()


@_in_platform
def _partner_suspended(ctx):
    return Partner.objects.get(pk=ctx.side.partner.pk).status == PartnerStatus.SUSPENDED


@_in_platform
def _staff_invited(ctx):
    return Invitation.objects.filter(email="new.staff@acme.example", partner__isnull=True).exists()


@_in_platform
def _partner_user_invited(ctx):
    return Invitation.objects.filter(email="new.user@p1.acme.example", partner_id=ctx.side.partner.pk).exists()


def _logo(ctx):
    tenant = ctx.side.tenant
    tenant.logo.save("logo.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"0" * 64), save=True)


def _invitation_token(ctx):
    _pending_partner_invitation(ctx)


def _notification(ctx):
    ctx.notification = NotificationFactory(recipient=ctx.side.partner_admin, title="Matrix note")


PARTNER_ID = lambda ctx: [ctx.side.partner.pk]  # noqa: E731

CASES: dict[str, Case] = {
    # --- shell ---------------------------------------------------------------------------------
    "home": Case(
        area=PUBLIC,
        expect={
            "anonymous": LOGIN,
            "anonymous@platform": 200,  # the platform page
            "admin": ("redirect", "/office/"),
            "manager": ("redirect", "/office/"),
            "marketing": ("redirect", "/office/"),
            "partner_admin": ("redirect", "/portal/"),
            "sales": ("redirect", "/portal/"),
            "other_tenant@host": 403,  # "no access to this portal", not a crash nor a way in
        },
    ),
    "healthz": Case(area=PUBLIC, expect={"anonymous": 200, "anonymous@platform": 200}),
    "invitation_accept": Case(
        area=PUBLIC,
        setup=_invitation_token,
        args=lambda ctx: [ctx.invitation.token],
        object_scoped=True,
        expect={
            "anonymous": 200,
            "anonymous@platform": 404,
            "other_tenant@own_host": 404,  # acme's invitation link on globex's host
            "partner_admin": 200,
        },
        contains=lambda ctx: ctx.invitation.email,
    ),
    "tenant_logo": Case(
        area=PUBLIC,
        setup=_logo,
        object_scoped=True,
        expect={"anonymous": 200, "anonymous@platform": 404, "other_tenant@own_host": 404},
    ),
    # --- notifications (any member, either area) -----------------------------------------------
    "notifications:list": Case(area=TENANT, allowed=STAFF + PARTNER_USERS),
    "notifications:bell": Case(area=TENANT, allowed=STAFF + PARTNER_USERS),
    "notifications:mark_read": Case(
        area=TENANT,
        method="post",
        allowed=STAFF + PARTNER_USERS,
        setup=_notification,
        # The partner admin's own note is read only when the partner admin asks.
        effect=_in_platform(lambda ctx: Notification.objects.get(pk=ctx.notification.pk).read_at is not None),
        expect={role: ("redirect", "/notifications/") for role in ("admin", "manager", "marketing", "sales")},
    ),
    "notifications:preferences": Case(area=TENANT, allowed=STAFF + PARTNER_USERS),
    # --- back office -----------------------------------------------------------------------------
    "office:dashboard": Case(area=OFFICE, allowed=STAFF),
    "office:partner_list": Case(area=OFFICE, allowed=STAFF, contains=lambda ctx: ctx.side.partner.display_name),
    "office:partner_export": Case(area=OFFICE, allowed=STAFF, contains=lambda ctx: ctx.side.partner.display_name),
    "office:partner_create": Case(area=OFFICE, allowed=("admin",), refused={"manager": 403, "marketing": 403}),
    "office:partner_detail": Case(
        area=OFFICE,
        allowed=STAFF,
        args=PARTNER_ID,
        object_scoped=True,
        contains=lambda ctx: ctx.side.partner.display_name,
    ),
    "office:partner_people": Case(
        area=OFFICE,
        allowed=STAFF,
        args=PARTNER_ID,
        object_scoped=True,
        contains=lambda ctx: ctx.side.partner_admin.user.email,
    ),
    "office:partner_timeline": Case(area=OFFICE, allowed=STAFF, args=PARTNER_ID, object_scoped=True),
    "office:partner_edit": Case(
        area=OFFICE, allowed=("admin", "manager"), refused={"marketing": 403}, args=PARTNER_ID, object_scoped=True
    ),
    "office:partner_status": Case(
        area=OFFICE,
        method="post",
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        args=PARTNER_ID,
        object_scoped=True,
        data=lambda ctx: {"to_status": PartnerStatus.SUSPENDED, "reason": "Matrix"},
        effect=_partner_suspended,
    ),
    "office:contact_create": Case(
        area=OFFICE,
        method="post",
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        args=PARTNER_ID,
        object_scoped=True,
        data=lambda ctx: {"name": "Matrix Contact", "role": "primary"},
        effect=_contact_added,
    ),
    "office:contact_delete": Case(
        area=OFFICE,
        method="post",
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        setup=_contact,
        args=lambda ctx: [ctx.side.partner.pk, ctx.contact.pk],
        object_scoped=True,
        effect=_contact_gone,
    ),
    "office:settings": Case(area=OFFICE, allowed=("admin",), refused={"manager": 403, "marketing": 403}),
    "office:staff": Case(area=OFFICE, allowed=STAFF, contains=lambda ctx: ctx.side.marketing.user.email),
    "office:staff_invite": Case(
        area=OFFICE,
        method="post",
        allowed=("admin",),
        refused={"manager": 403, "marketing": 403},
        data=lambda ctx: {"email": "new.staff@acme.example", "role": Role.MARKETING},
        effect=_staff_invited,
    ),
    "office:partner_invite": Case(
        area=OFFICE,
        method="post",
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        args=PARTNER_ID,
        object_scoped=True,
        data=lambda ctx: {"email": "new.user@p1.acme.example", "role": Role.SALES},
        effect=_partner_user_invited,
    ),
    "office:membership_deactivate": Case(
        area=OFFICE,
        method="post",
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        setup=_target_member,
        args=lambda ctx: [ctx.target.pk],
        object_scoped=True,
        effect=lambda ctx: not _target_active(ctx),
    ),
    "office:membership_reactivate": Case(
        area=OFFICE,
        method="post",
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        setup=_target_member_deactivated,
        args=lambda ctx: [ctx.target.pk],
        object_scoped=True,
        effect=_target_active,
    ),
    "office:invitation_revoke": Case(
        area=OFFICE,
        method="post",
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        setup=_pending_partner_invitation,
        args=lambda ctx: [ctx.invitation.pk],
        object_scoped=True,
        effect=_invitation_revoked,
    ),
    # --- partner portal --------------------------------------------------------------------------
    "portal:home": Case(area=PORTAL, allowed=PARTNER_USERS, contains=lambda ctx: ctx.side.partner.display_name),
    "portal:company": Case(area=PORTAL, allowed=PARTNER_USERS, contains=lambda ctx: ctx.side.partner.legal_name),
    "portal:company_edit": Case(area=PORTAL, allowed=("partner_admin",), refused={"sales": 403}),
    "portal:people": Case(area=PORTAL, allowed=PARTNER_USERS, contains=lambda ctx: ctx.side.sales_rep.user.email),
    "portal:people_invite": Case(
        area=PORTAL,
        method="post",
        allowed=("partner_admin",),
        refused={"sales": 403},
        data=lambda ctx: {"email": "new.user@p1.acme.example", "role": Role.SALES},
        effect=_partner_user_invited,
    ),
    "portal:membership_deactivate": Case(
        area=PORTAL,
        method="post",
        allowed=("partner_admin",),
        refused={"sales": 403},
        setup=_target_member,
        args=lambda ctx: [ctx.target.pk],
        object_scoped=True,
        effect=lambda ctx: not _target_active(ctx),
    ),
    "portal:membership_reactivate": Case(
        area=PORTAL,
        method="post",
        allowed=("partner_admin",),
        refused={"sales": 403},
        setup=_target_member_deactivated,
        args=lambda ctx: [ctx.target.pk],
        object_scoped=True,
        effect=_target_active,
    ),
    "portal:invitation_revoke": Case(
        area=PORTAL,
        method="post",
        allowed=("partner_admin",),
        refused={"sales": 403},
        setup=_pending_partner_invitation,
        args=lambda ctx: [ctx.invitation.pk],
        object_scoped=True,
        effect=_invitation_revoked,
    ),
    # --- programs: tiers --------------------------------------------------------------------------
    "portal:program": Case(
        area=PORTAL, allowed=PARTNER_USERS, setup=tier_setup.tier_ladder, contains=lambda ctx: "8,000 USD more"
    ),
    "office:tier_reviews": Case(
        area=OFFICE, allowed=STAFF, setup=tier_setup.tier_proposal, contains=lambda ctx: ctx.side.partner.display_name
    ),
    "office:proposal_decide": Case(
        area=OFFICE,
        method="post",
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        setup=tier_setup.tier_proposal,
        args=lambda ctx: [ctx.proposal.pk],
        object_scoped=True,
        data=lambda ctx: {"decision": "approve", "note": "Matrix"},
        effect=tier_setup.proposal_approved,
    ),
    "office:partner_programs": Case(
        area=OFFICE,
        allowed=STAFF,
        setup=tier_setup.tier_ladder,
        args=PARTNER_ID,
        object_scoped=True,
        contains=lambda ctx: "Towards Gold",
    ),
    "office:tier_override": Case(
        area=OFFICE,
        method="post",
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        setup=tier_setup.tier_ladder,
        args=lambda ctx: [ctx.side.partner.pk, ctx.enrollment.pk],
        object_scoped=True,
        data=lambda ctx: {"tier": str(ctx.gold.pk), "reason": "Matrix"},
        effect=lambda ctx: tier_setup.enrollment_tier(ctx) == ctx.gold.pk,
    ),
    "office:metric_record": Case(
        area=OFFICE,
        method="post",
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        setup=tier_setup.manual_metric,
        args=PARTNER_ID,
        object_scoped=True,
        data=lambda ctx: {"metric": str(ctx.metric.pk), "value": "7", "effective_on": "2020-01-01", "note": "Matrix"},
        effect=tier_setup.metric_recorded,
    ),
    "office:metric_evidence": Case(
        area=OFFICE,
        allowed=STAFF,
        setup=tier_setup.manual_value_with_evidence,
        args=lambda ctx: [ctx.value.pk],
        object_scoped=True,
    ),
    # --- programs: policies -----------------------------------------------------------------------
    # --- deals: portal -------------------------------------------------------------------------------
    "portal:deal_list": Case(
        area=PORTAL, allowed=PARTNER_USERS, setup=portal_setup.draft_deal, contains=lambda ctx: "Matrix Customer"
    ),
    "portal:deal_create": Case(area=PORTAL, allowed=PARTNER_USERS, setup=portal_setup.draft_deal),
    "portal:deal_conflict_hint": Case(area=PORTAL, allowed=PARTNER_USERS),
    "portal:deal_detail": Case(
        area=PORTAL,
        allowed=PARTNER_USERS,
        setup=portal_setup.draft_deal,
        args=lambda ctx: [ctx.deal.pk],
        object_scoped=True,
        contains=lambda ctx: "Matrix Customer",
    ),
    "portal:deal_edit": Case(
        area=PORTAL,
        allowed=PARTNER_USERS,
        setup=portal_setup.draft_deal,
        args=lambda ctx: [ctx.deal.pk],
        object_scoped=True,
        contains=lambda ctx: "Matrix Customer",
    ),
    "portal:deal_submit": Case(
        area=PORTAL,
        method="post",
        allowed=PARTNER_USERS,
        setup=portal_setup.draft_deal,
        args=lambda ctx: [ctx.deal.pk],
        object_scoped=True,
        effect=portal_setup.status_is("submitted"),
    ),
    "portal:deal_withdraw": Case(
        area=PORTAL,
        method="post",
        allowed=PARTNER_USERS,
        setup=portal_setup.draft_deal,
        args=lambda ctx: [ctx.deal.pk],
        object_scoped=True,
        data=lambda ctx: {"withdraw-reason": "Matrix"},
        effect=portal_setup.status_is("withdrawn"),
    ),
    "portal:deal_stage": Case(
        area=PORTAL,
        method="post",
        allowed=PARTNER_USERS,
        setup=portal_setup.approved_deal,
        args=lambda ctx: [ctx.deal.pk],
        object_scoped=True,
        data=lambda ctx: {"stage-stage": "negotiate"},
        effect=portal_setup.stage_is("negotiate"),
    ),
    "portal:deal_extension": Case(
        area=PORTAL,
        method="post",
        allowed=PARTNER_USERS,
        setup=portal_setup.approved_deal,
        args=lambda ctx: [ctx.deal.pk],
        object_scoped=True,
        data=lambda ctx: {"extension-days": "30", "extension-reason": "Matrix"},
        effect=portal_setup.extension_requested,
    ),
    "portal:deal_won": Case(
        area=PORTAL,
        method="post",
        allowed=PARTNER_USERS,
        setup=portal_setup.approved_deal,
        args=lambda ctx: [ctx.deal.pk],
        object_scoped=True,
        data=lambda ctx: {"won-amount": "9000", "won-won_on": "2020-01-01"},
        effect=portal_setup.won,
    ),
    "portal:deal_lost": Case(
        area=PORTAL,
        method="post",
        allowed=PARTNER_USERS,
        setup=portal_setup.approved_deal,
        args=lambda ctx: [ctx.deal.pk],
        object_scoped=True,
        data=lambda ctx: {"lost-reason": "Matrix"},
        effect=portal_setup.status_is("lost"),
    ),
    "portal:deal_message": Case(
        area=PORTAL,
        method="post",
        allowed=PARTNER_USERS,
        setup=portal_setup.draft_deal,
        args=lambda ctx: [ctx.deal.pk],
        object_scoped=True,
        data=lambda ctx: {"body": "Matrix message"},
        effect=portal_setup.message_posted,
    ),
    "portal:deal_attachment_add": Case(
        area=PORTAL,
        method="post",
        allowed=PARTNER_USERS,
        setup=portal_setup.draft_deal,
        args=lambda ctx: [ctx.deal.pk],
        object_scoped=True,
        data=lambda ctx: {"file": portal_setup.pdf_upload(), "name": "Matrix"},
        effect=portal_setup.attachment_added,
    ),
    "portal:deal_attachment": Case(
        area=PORTAL,
        allowed=PARTNER_USERS,
        setup=portal_setup.deal_with_attachment,
        args=lambda ctx: [ctx.deal.pk, ctx.attachment.pk],
        object_scoped=True,
    ),
    # --- deals: office -------------------------------------------------------------------------------
    "office:deal_reviews": Case(
        area=OFFICE, allowed=STAFF, setup=office_setup.conflicting, contains=lambda ctx: ctx.deal.reference
    ),
    "office:deal_pipeline": Case(
        area=OFFICE, allowed=STAFF, setup=office_setup.approved, contains=lambda ctx: "Firewalls"
    ),
    "office:deal_export": Case(
        area=OFFICE, allowed=STAFF, setup=office_setup.approved, contains=lambda ctx: ctx.deal.reference
    ),
    "office:deal_register": Case(
        area=OFFICE, allowed=("admin", "manager"), refused={"marketing": 403}, setup=office_setup.catalogue
    ),
    "office:deal_detail": Case(
        area=OFFICE,
        allowed=STAFF,
        setup=office_setup.conflicting,
        args=lambda ctx: [ctx.deal.pk],
        object_scoped=True,
        contains=lambda ctx: "Initech GmbH",
    ),
    "office:deal_approve": Case(
        area=OFFICE,
        method="post",
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        setup=office_setup.conflicting,
        args=lambda ctx: [ctx.deal.pk],
        object_scoped=True,
        data=lambda ctx: {"note": "Matrix"},
        effect=lambda ctx: office_setup.status_of(ctx) == "approved",
    ),
    "office:deal_reject": Case(
        area=OFFICE,
        method="post",
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        setup=office_setup.conflicting,
        args=lambda ctx: [ctx.deal.pk],
        object_scoped=True,
        data=lambda ctx: {"reason_code": "conflict", "message": "Matrix"},
        effect=lambda ctx: office_setup.status_of(ctx) == "rejected",
    ),
    "office:deal_request_info": Case(
        area=OFFICE,
        method="post",
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        setup=office_setup.conflicting,
        args=lambda ctx: [ctx.deal.pk],
        object_scoped=True,
        data=lambda ctx: {"fields_requested": ["customer_website"], "message": "Matrix"},
        effect=lambda ctx: office_setup.status_of(ctx) == "info_requested",
    ),
    "office:deal_duplicate": Case(
        area=OFFICE,
        method="post",
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        setup=office_setup.conflicting,
        args=lambda ctx: [ctx.deal.pk],
        object_scoped=True,
        data=lambda ctx: {"original": str(ctx.original.pk)},
        effect=lambda ctx: office_setup.status_of(ctx) == "duplicate",
    ),
    "office:extension_decide": Case(
        area=OFFICE,
        method="post",
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        setup=office_setup.pending_extension,
        args=lambda ctx: [ctx.deal.pk, ctx.extension.pk],
        object_scoped=True,
        data=lambda ctx: {"decision": "approve", "note": "Matrix"},
        effect=lambda ctx: office_setup.extension_status(ctx) == "approved",
    ),
    "office:deal_win": Case(
        area=OFFICE,
        method="post",
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        setup=office_setup.won_pending,
        args=lambda ctx: [ctx.deal.pk],
        object_scoped=True,
        data=lambda ctx: {"decision": "confirm"},
        effect=lambda ctx: office_setup.status_of(ctx) == "won",
    ),
    "office:deal_message": Case(
        area=OFFICE,
        method="post",
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        setup=office_setup.conflicting,
        args=lambda ctx: [ctx.deal.pk],
        object_scoped=True,
        data=lambda ctx: {"body": "Matrix message"},
        effect=office_setup.message_posted,
    ),
    "office:deal_attachment_add": Case(
        area=OFFICE,
        method="post",
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        setup=office_setup.conflicting,
        args=lambda ctx: [ctx.deal.pk],
        object_scoped=True,
        data=lambda ctx: {"file": portal_setup.pdf_upload(), "name": "Vendor quote"},
        effect=portal_setup.attachment_added,
    ),
    "office:deal_attachment": Case(
        area=OFFICE,
        allowed=STAFF,
        setup=office_setup.with_attachment,
        args=lambda ctx: [ctx.deal.pk, ctx.attachment.pk],
        object_scoped=True,
    ),
    # --- deals: special pricing ------------------------------------------------------------------------
    "portal:deal_pricing": Case(
        area=PORTAL,
        method="post",
        allowed=PARTNER_USERS,
        setup=portal_setup.approved_deal,
        args=lambda ctx: [ctx.deal.pk],
        object_scoped=True,
        data=lambda ctx: {"pricing-discount_percent": "8", "pricing-justification": "Matrix"},
        effect=pricing_setup.requested,
    ),
    "portal:deal_pricing_withdraw": Case(
        area=PORTAL,
        method="post",
        allowed=PARTNER_USERS,
        setup=pricing_setup.pending,
        args=lambda ctx: [ctx.deal.pk, ctx.pricing.pk],
        object_scoped=True,
        effect=lambda ctx: pricing_setup.status_of(ctx) == "withdrawn",
    ),
    "office:pricing_queue": Case(
        area=OFFICE,
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        setup=pricing_setup.pending,
        contains=lambda ctx: ctx.deal.reference,
    ),
    "office:pricing_decide": Case(
        area=OFFICE,
        method="post",
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        setup=pricing_setup.pending,
        args=lambda ctx: [ctx.deal.pk, ctx.pricing.pk],
        object_scoped=True,
        data=lambda ctx: {"decision": "approve", "note": "Matrix", "step": "channel_manager"},
        effect=lambda ctx: pricing_setup.status_of(ctx) == "approved",
    ),
    "portal:products": Case(
        area=PORTAL, allowed=PARTNER_USERS, setup=policy_setup.product_line, contains=lambda ctx: "Matrix Product"
    ),
    "portal:licences": Case(
        area=PORTAL, allowed=PARTNER_USERS, setup=policy_setup.pending_licence, contains=lambda ctx: "MATRIX-1"
    ),
    "portal:licence_document": Case(
        area=PORTAL,
        allowed=PARTNER_USERS,
        setup=policy_setup.pending_licence,
        args=lambda ctx: [ctx.licence.pk],
        object_scoped=True,
    ),
    "office:licence_queue": Case(
        area=OFFICE, allowed=STAFF, setup=policy_setup.pending_licence, contains=lambda ctx: "MATRIX-1"
    ),
    "office:licence_decide": Case(
        area=OFFICE,
        method="post",
        allowed=("admin", "manager"),
        refused={"marketing": 403},
        setup=policy_setup.pending_licence,
        args=lambda ctx: [ctx.licence.pk],
        object_scoped=True,
        data=lambda ctx: {"decision": "verify"},
        effect=policy_setup.licence_verified,
    ),
    "office:licence_document": Case(
        area=OFFICE,
        allowed=STAFF,
        setup=policy_setup.pending_licence,
        args=lambda ctx: [ctx.licence.pk],
        object_scoped=True,
    ),
    "office:policy_check": Case(
        area=OFFICE, allowed=STAFF, setup=policy_setup.product_line, contains=lambda ctx: "Matrix Line"
    ),
}

# Patterns without a case, each with the reason.
EXEMPT_PREFIXES = {
    "accounts/": "allauth's own pages (sign-in, sign-out, password, two-factor): they show no tenant "
    "data, and RequireMfaMiddleware keeps them open on purpose; sign-in is covered by the LOGIN "
    "expectations above.",
    "admin/": "the Django admin: covered by the admin tests below (tenant A's admin sees only "
    "tenant A's rows; nobody else gets in).",
}
EXEMPT_NAMES: dict[str, str] = {
    "portal_open": "platform-host only (404 on tenant hosts): tests/accounts/test_handoff.py covers who may open "
    "which portal",
    "portal_handoff": "a signed single-use ticket, not a member page: tests/accounts/test_handoff.py covers forged, "
    "reused, other-tenant and deactivated cases",
}


def _patterns(resolver=None, prefix="", namespace=None):
    """(route, full name) of every URL pattern, recursively, with namespaces."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _patterns(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield prefix + str(pattern.pattern), name


def _exemption(route: str, name: str | None) -> str | None:
    for prefix, reason in EXEMPT_PREFIXES.items():
        if route.startswith(prefix):
            return reason
    return EXEMPT_NAMES.get(name or route)


def test_every_url_has_a_case():
    # given every pattern the project serves
    patterns = list(_patterns())
    # when we look each one up in the matrix
    missing = sorted(
        name or route for route, name in patterns if (name or route) not in CASES and not _exemption(route, name)
    )
    # then none is left without a case or a reasoned exemption, and no case is stale
    assert missing == [], f"URL patterns without an isolation case: {missing}"
    names = {name for _, name in patterns}
    assert set(CASES) <= names, f"cases for URLs that no longer exist: {sorted(set(CASES) - names)}"


# --- the matrix ---------------------------------------------------------------------------------


def _roles_for(case: Case) -> list[str]:
    roles = ["anonymous", "anonymous@platform"]
    if case.area == PUBLIC:
        return [*roles, *(r for r in case.expect if r not in roles)]
    roles += [*STAFF, *PARTNER_USERS, "other_tenant@host"]
    if case.object_scoped:
        roles.append("other_tenant@own_host")
        if case.area in (PORTAL, OFFICE):
            roles.append("other_partner_admin")
    return roles


def _expected(case: Case, role: str):
    if role in case.expect:
        return case.expect[role]
    if role == "anonymous":
        return LOGIN
    if role in ("anonymous@platform", "other_tenant@host", "other_tenant@own_host", "other_partner_admin"):
        return 404
    if role in case.allowed:
        return OK
    if role in case.refused:
        return case.refused[role]
    # the wrong area: partner users in the back office, staff in the portal
    return 404


def _matrix():
    for name, case in CASES.items():
        for role in _roles_for(case):
            marks = []
            if role in case.xfail:
                marks.append(pytest.mark.xfail(strict=True, reason=case.xfail[role]))
            yield pytest.param(name, role, id=f"{name}-{role}", marks=marks)


def _client(role: str, world, case: Case):
    acme, globex = world.acme, world.globex
    if role == "anonymous":
        return make_client(None, host=acme.host)
    if role == "anonymous@platform":
        return make_client(None, host=PLATFORM_HOST)
    if role.startswith("other_tenant"):
        # globex's member of the matching kind, on acme's host; on globex's own host, for a
        # public page, an anonymous visitor holding acme's link
        member = globex.partner_admin if case.area == PORTAL else globex.admin
        host = acme.host
        if role == "other_tenant@own_host":
            host = globex.host
            member = None if case.area == PUBLIC else member
        return make_client(member, host=host)
    member = {
        "admin": acme.admin,
        "manager": acme.manager,
        "marketing": acme.marketing,
        "partner_admin": acme.partner_admin,
        "sales": acme.sales_rep,
        "other_partner_admin": acme.partner_admins[1],
    }[role]
    return make_client(member, host=acme.host)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), list(_matrix()))
def test_access(name, role, world):
    # given tenant A (acme), the objects this URL names, and a visitor in the given role
    case = CASES[name]
    ctx = SimpleNamespace(side=world.acme)
    if case.setup:
        case.setup(ctx)
    client = _client(role, world, case)
    path = reverse(name, args=case.args(ctx))

    # when the visitor requests the URL
    response = getattr(client, case.method)(path, case.data(ctx))

    # then the answer is the one the role deserves, and a write happened only when allowed
    expected = _expected(case, role)
    status = response.status_code
    if expected == OK:
        assert status == case.success_status, f"{role} should be let in to {path}"
        if case.contains and case.method == "get":
            assert case.contains(ctx) in body(response)
    elif expected == LOGIN:
        assert status == 302
        location = urlsplit(response["Location"])
        assert location.path == "/accounts/login/"
        if path != "/":  # the start page sends you to sign in plainly; others bring you back
            assert parse_qs(location.query)["next"] == [path]
    elif isinstance(expected, tuple):
        assert status == 302
        assert response["Location"] == expected[1]
    else:
        assert status == expected, f"{role} got {status} for {path}, expected {expected}"
        if expected == 200 and case.contains and role != "anonymous@platform":
            assert case.contains(ctx) in body(response)
    if case.effect is not None:
        assert case.effect(ctx) is (expected == OK)


# --- the Django admin -------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_changelist_shows_a_vendor_admin_only_their_tenants_partners(world, client_for):
    # given acme's vendor admin, signed in on acme's host
    client = client_for(world.acme.admin)
    # when they open the partner list of the Django admin
    response = client.get("/admin/partners/partner/")
    # then they see acme's partners and none of globex's
    assert response.status_code == 200
    page = response.content.decode()
    for partner in world.acme.partners:
        assert partner.display_name in page
    for partner in world.globex.partners:
        assert partner.display_name not in page
    assert response.context["cl"].result_count == 2


@pytest.mark.django_db
def test_admin_change_page_of_another_tenants_partner_is_not_shown(world, client_for):
    # given acme's vendor admin and a globex partner's id
    client = client_for(world.acme.admin)
    other = world.globex.partner
    # when they open its change page on acme's host
    response = client.get(f"/admin/partners/partner/{other.pk}/change/")
    # then the admin says it does not exist (redirect to the index), showing nothing of it
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert other.display_name not in client.get("/admin/").content.decode()


@pytest.mark.django_db
def test_admin_hides_platform_models_from_vendor_admins(world, client_for):
    # given acme's vendor admin
    client = client_for(world.acme.admin)
    # when they open the admin index
    page = client.get("/admin/").content.decode()
    # then tenant configuration is there, platform-wide tenants and users are not
    assert "/admin/partners/partner/" in page
    assert "/admin/tenancy/tenant/" not in page
    assert "/admin/accounts/user/" not in page
    assert client.get("/admin/tenancy/tenant/").status_code in (302, 403)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "manager", "partner_admin", "globex_admin"])
def test_admin_is_closed_to_everyone_but_the_tenants_vendor_admins(world, who):
    # given someone who is not acme's vendor admin, on acme's host
    member = {
        "anonymous": None,
        "manager": world.acme.manager,
        "partner_admin": world.acme.partner_admin,
        "globex_admin": world.globex.admin,
    }[who]
    client = make_client(member, host=world.acme.host)
    # when they open the partner list of the admin
    response = client.get("/admin/partners/partner/")
    # then they are sent to sign in, and no partner is listed
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert world.acme.partner.display_name not in response.content.decode()


@pytest.mark.django_db
def test_vendor_admin_without_second_factor_is_sent_to_set_one_up(world, client_for):
    # given a vendor admin with no authenticator app
    from .factories import StaffMembershipFactory

    admin = StaffMembershipFactory(tenant=world.acme.tenant, role=Role.ADMIN)
    # when they open the back office
    response = client_for(admin).get("/office/partners/")
    # then they are sent to enrol a second factor first
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_suspended_partners_users_lose_the_portal(world, client_for):
    # given acme partner 1's users, then the partner is suspended (its memberships deactivated)
    from partners.services import partner_change_status
    from prm.tenancy.scope import tenant_scope

    with tenant_scope(world.acme.tenant):
        partner_change_status(
            actor=world.acme.manager, partner=world.acme.partner, to_status="suspended", reason="Audit"
        )
    client = client_for(world.acme.partner_admin)
    # when the partner admin comes back
    portal = client.get("/portal/")
    home = client.get("/")
    # then the portal is shut and the start page says why
    assert portal.status_code == 404
    assert home.status_code == 403
    assert "has been deactivated" in home.content.decode()


@pytest.mark.django_db
def test_contact_of_one_partner_cannot_be_deleted_through_another(world, client_for):
    # given a contact of acme partner 1
    contact = ContactFactory(partner=world.acme.partner)
    # when the manager posts its id under partner 2's URL
    response = client_for(world.acme.manager).post(
        reverse("office:contact_delete", args=[world.acme.partners[1].pk, contact.pk])
    )
    # then nothing is found and the contact stays
    assert response.status_code == 404
    with platform_scope():
        assert PartnerContact.objects.filter(pk=contact.pk).exists()


# --- hosts and people with several portals --------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("nope.localhost", 404),  # no such tenant
        ("a.acme.localhost", 404),  # slugs have no dots
        ("globex.localhost", 404),  # switched off, below
        ("acme.localhost.evil.example", 400),  # not our domain at all (ALLOWED_HOSTS)
    ],
)
def test_unknown_or_inactive_tenant_hosts_are_not_found(world, host, status):
    # given globex switched off
    from prm.tenancy.models import Tenant

    with platform_scope():
        Tenant.objects.filter(pk=world.globex.tenant.pk).update(is_active=False)
    # when anyone, even a member, asks a host that is no active tenant's
    response = make_client(world.globex.manager, host=host).get("/office/partners/")
    # then there is no portal there
    assert response.status_code == status
    assert "Partner 1" not in response.content.decode()


@pytest.mark.django_db
def test_the_host_is_case_and_port_insensitive(world):
    response = make_client(world.acme.manager, host="ACME.localhost:8000").get("/office/partners/")
    assert response.status_code == 200
    assert "Acme Partner 1" in response.content.decode()


@pytest.mark.django_db
def test_one_person_in_two_tenants_gets_each_tenants_own_front_door(world):
    # given a person who is a partner user at acme and a channel manager at globex
    from .factories import StaffMembershipFactory

    person = world.acme.sales_rep
    StaffMembershipFactory(tenant=world.globex.tenant, user=person.user, role=Role.CHANNEL_MANAGER)
    # when they go to each portal
    at_acme = make_client(person, host=world.acme.host)
    at_globex = make_client(person, host=world.globex.host)
    # then acme is the partner portal of their company, globex the back office, and neither leaks
    assert at_acme.get("/")["Location"] == "/portal/"
    assert at_acme.get("/office/partners/").status_code == 404
    assert at_globex.get("/")["Location"] == "/office/"
    directory = at_globex.get("/office/partners/").content.decode()
    assert "Globex Partner 1" in directory and "Acme Partner" not in directory
    assert at_globex.get(f"/office/partners/{world.acme.partner.pk}/").status_code == 404
    # and the platform page lists both portals, with their addresses
    platform = make_client(person, host=PLATFORM_HOST).get("/").content.decode()
    assert "acme.localhost" in platform and "globex.localhost" in platform
