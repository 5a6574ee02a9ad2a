"""Reads about people: who someone is in a tenant, and whom an actor may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.http import Http404
from django.utils.crypto import constant_time_compare

from prm.memo import tenant_memo
from prm.tenancy.scope import platform_scope

from .models import Invitation, Membership, User
from .permissions import VIEW, invitation_require, membership_require
from .roles import CAPABILITIES, MembershipKind, Role, capabilities_for


def person_name(path: str):
    """A person's name as lists show it, in SQL: first and last name, or the e-mail address when
    both are blank. ``path``: the membership's path from the rows (``"joined_by"``)."""
    user = f"{path}__user"
    full = Trim(Concat(f"{user}__first_name", Value(" "), f"{user}__last_name"))
    return Coalesce(NullIf(full, Value("")), f"{user}__email", output_field=CharField())


def partner_admin_list(*, partner_id: int, exclude_id: int | None = None) -> list[Membership]:
    """A partner's active partner admins (who hear about their company), oldest first."""
    return partner_admins_by_partner(partner_ids=[partner_id], exclude_id=exclude_id).get(partner_id, [])


def partner_admins_by_partner(*, partner_ids, exclude_id: int | None = None) -> dict[int, list[Membership]]:
    """Active partner admins of several partners in one query: {partner id: [memberships]}."""
    admins: dict[int, list[Membership]] = {}
    queryset = Membership.objects.filter(
        partner_id__in=list(partner_ids), role=Role.PARTNER_ADMIN, is_active=True
    ).select_related("user")
    for member in queryset.exclude(pk=exclude_id).order_by("pk"):
        admins.setdefault(member.partner_id, []).append(member)
    return admins


def vendor_admin_list(*, exclude_id: int | None = None) -> list[Membership]:
    """The tenant's active vendor admins (escalations, fallbacks), oldest first. A partner user's
    transaction cannot read staff memberships: read it inside ``step_out_to_tenant()``."""
    return list(
        Membership.objects.filter(partner__isnull=True, role=Role.ADMIN, is_active=True)
        .exclude(pk=exclude_id)
        .select_related("user")
        .order_by("pk")
    )


def membership_for_user(*, user: User, tenant) -> Membership | None:
    """The user's membership in the current tenant (active or not), with its partner."""
    return Membership.objects.select_related("partner", "user").filter(user=user).first()


def portals_for_user(*, user: User) -> list[Membership]:
    """Every tenant where the user holds an active membership: the platform page lists them.

    Platform code: the one place a person's memberships are read across tenants.
    """
    from prm.tenancy.models import Tenant

    with platform_scope():
        memberships = list(
            Membership.objects.filter(user=user, is_active=True).select_related("partner").order_by("tenant_id")
        )
        tenants = Tenant.objects.in_bulk({m.tenant_id for m in memberships})
    for membership in memberships:
        membership.tenant_obj = tenants[membership.tenant_id]
    return [m for m in memberships if m.tenant_obj.is_active]


def people_list_for_actor(*, actor: Membership, partner) -> QuerySet[Membership]:
    """The portal users of one partner, as the actor may see them (another company's: 404)."""
    membership_require(actor, partner, VIEW)
    return (
        Membership.objects.filter(partner=partner, kind=MembershipKind.PARTNER)
        .select_related("user")
        .order_by("-is_active", "user__last_name", "user__email")
    )


def staff_list_for_actor(*, actor: Membership) -> QuerySet[Membership]:
    """The vendor's staff (a partner user: 404)."""
    membership_require(actor, None, VIEW)
    return (
        Membership.objects.filter(kind=MembershipKind.STAFF)
        .select_related("user")
        .order_by("-is_active", "user__last_name", "user__email")
    )


def membership_get_for_actor(*, actor: Membership, membership_id: int) -> Membership:
    """A membership the actor may see; 404 for anything else (other partner, other tenant, staff
    for a partner user)."""
    membership = Membership.objects.select_related("user", "partner").filter(pk=membership_id).first()
    if membership is None:
        raise Http404
    membership_require(actor, membership, VIEW)
    return membership


def invitations_pending_for_actor(*, actor: Membership, partner=None) -> QuerySet[Invitation]:
    """The pending invitations of ``partner``'s users, or of the staff (None), as the actor may
    see them: another company's, or the staff's for a partner user, are a 404."""
    invitation_require(actor, partner, VIEW)
    queryset = Invitation.objects.pending().order_by("-created_at")
    if partner is None:
        return queryset.filter(partner__isnull=True)
    return queryset.filter(partner=partner)


def invitation_get_for_actor(*, actor: Membership, invitation_id: int) -> Invitation:
    """An invitation the actor may see (pending or not); 404 for anything else."""
    invitation = Invitation.objects.select_related("partner").filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404
    invitation_require(actor, invitation, VIEW)
    return invitation


def user_exists_for_email(*, email: str) -> bool:
    """Whether someone has an account with this e-mail address (in any case), in any tenant:
    an invitee with one signs in to accept rather than creating another."""
    return User.objects.filter(email__iexact=email).exists()


def invitation_from_token(*, token: str) -> Invitation | None:
    """The invitation a link names, in the current tenant, if the link is genuine."""
    parsed = Invitation.parse_token(token)
    if parsed is None:
        return None
    pk, nonce = parsed
    invitation = Invitation.objects.select_related("partner").filter(pk=pk).first()
    if invitation is None or not constant_time_compare(invitation.nonce, nonce):
        return None
    return invitation


@dataclass(frozen=True)
class StaffMember:
    """A staff membership as lists show and filter by it: the person's name, the role."""

    id: int
    label: str  # the person's name, else e-mail
    role: str
    is_active: bool

    @property
    def pk(self) -> int:
        return self.id

    def __str__(self) -> str:
        return self.label

    def can(self, capability: str) -> bool:
        """As ``Membership.can``: an undeclared capability (a typo) raises."""
        CAPABILITIES.require(capability)
        return self.is_active and capability in capabilities_for(self.role)


def _staff_members() -> tuple[StaffMember, ...]:
    staff = Membership.objects.filter(kind=MembershipKind.STAFF).select_related("user").order_by("user__email", "id")
    return tuple(StaffMember(m.pk, str(m.user), m.role, m.is_active) for m in staff)


def staff_members() -> tuple[StaffMember, ...]:
    """Every staff membership of the tenant (former ones too: a partner's account manager may
    have left), by e-mail: the names list pages show for owners and reviewers, and the filters'
    options (the active ones). Reference data, memoised per tenant (``prm.memo``): the services
    and the admin that change memberships call ``reference_changed``. Staff pages only: a partner
    user's transaction reads no staff memberships."""
    return tenant_memo("staff", _staff_members)
