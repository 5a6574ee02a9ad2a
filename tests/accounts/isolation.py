"""Isolation cases of the foundation's front door and people: the start page, the health check,
an invitation link, and the staff and partner people pages with their actions."""

from __future__ import annotations

from prm.accounts.models import Invitation, Membership
from prm.accounts.roles import Role
from prm.tenancy.scope import platform_scope

from ..factories import InvitationFactory, PartnerMembershipFactory
from ..isolation import LOGIN, PUBLIC, Case, in_platform, office_page, office_write, portal_page, portal_write

# --- set-ups and effects --------------------------------------------------------------------------


def target_member(ctx):
    """A third user of acme partner 1: the one the people actions act on."""
    ctx.target = PartnerMembershipFactory(
        partner=ctx.side.partner, role=Role.TECHNICAL, user__email="target@p1.acme.example"
    )


def target_member_deactivated(ctx):
    target_member(ctx)
    with platform_scope():
        Membership.objects.filter(pk=ctx.target.pk).update(is_active=False)


@in_platform
def target_active(ctx):
    return Membership.objects.get(pk=ctx.target.pk).is_active


def target_inactive(ctx):
    return not target_active(ctx)


@in_platform
def target_erased(ctx):
    from prm.accounts.models import User

    return User.objects.get(pk=ctx.target.user_id).email.endswith("@erased.invalid")


def pending_partner_invitation(ctx):
    ctx.invitation = InvitationFactory(partner=ctx.side.partner, invited_by=ctx.side.partner_admin)


@in_platform
def invitation_revoked(ctx):
    return Invitation.objects.get(pk=ctx.invitation.pk).revoked_at is not None


@in_platform
def staff_invited(ctx):
    return Invitation.objects.filter(email="new.staff@acme.example", partner__isnull=True).exists()


@in_platform
def partner_user_invited(ctx):
    return Invitation.objects.filter(email="new.user@p1.acme.example", partner_id=ctx.side.partner.pk).exists()


NEW_PARTNER_USER = {"email": "new.user@p1.acme.example", "role": Role.SALES}
TARGET = lambda ctx: [ctx.target.pk]  # noqa: E731
INVITATION = lambda ctx: [ctx.invitation.pk]  # noqa: E731

CASES: dict[str, Case] = {
    # --- the shell -----------------------------------------------------------------------------
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
    # Load balancers' probes (prm/operations/health.py): anyone, any host, nothing of a tenant's.
    "health_live": Case(area=PUBLIC, expect={"anonymous": 200, "anonymous@platform": 200}),
    "health_ready": Case(area=PUBLIC, expect={"anonymous": 200, "anonymous@platform": 200}),
    # Prometheus's (prm/operations/metrics.py): the token or a platform superuser; to anyone else,
    # a vendor's admin included, a page that does not exist (tests/operations/test_metrics.py).
    "metrics": Case(
        area=PUBLIC, expect={"anonymous": 404, "anonymous@platform": 404, "admin": 404, "partner_admin": 404}
    ),
    "invitation_accept": Case(
        area=PUBLIC,
        setup=pending_partner_invitation,
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
    # --- staff, in the back office -------------------------------------------------------------
    "office:staff": office_page(contains=lambda ctx: ctx.side.marketing.user.email),
    "office:staff_invite": office_write(
        allowed=("admin",), data={"email": "new.staff@acme.example", "role": Role.MARKETING}, effect=staff_invited
    ),
    "office:membership_deactivate": office_write(setup=target_member, args=TARGET, effect=target_inactive),
    "office:membership_reactivate": office_write(setup=target_member_deactivated, args=TARGET, effect=target_active),
    "office:invitation_revoke": office_write(
        setup=pending_partner_invitation, args=INVITATION, effect=invitation_revoked
    ),
    # --- personal data requests (vendor admins) ------------------------------------------------
    "office:privacy": office_page(allowed=("admin",)),
    "office:privacy_export": office_page(
        allowed=("admin",), setup=target_member, args=TARGET, contains=lambda ctx: "target@p1.acme.example"
    ),
    "office:privacy_erase": office_write(
        allowed=("admin",),
        setup=target_member,
        args=TARGET,
        data={"confirm_email": "target@p1.acme.example"},
        effect=target_erased,
    ),
    # --- a partner's people, in the portal -----------------------------------------------------
    "portal:people": portal_page(contains=lambda ctx: ctx.side.sales_rep.user.email),
    "portal:people_invite": portal_write(
        allowed=("partner_admin",), data=NEW_PARTNER_USER, effect=partner_user_invited
    ),
    "portal:membership_deactivate": portal_write(
        allowed=("partner_admin",), setup=target_member, args=TARGET, effect=target_inactive
    ),
    "portal:membership_reactivate": portal_write(
        allowed=("partner_admin",), setup=target_member_deactivated, args=TARGET, effect=target_active
    ),
    "portal:invitation_revoke": portal_write(
        allowed=("partner_admin",), setup=pending_partner_invitation, args=INVITATION, effect=invitation_revoked
    ),
}
