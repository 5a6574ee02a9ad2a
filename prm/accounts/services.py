"""Every write about people: invitations, acceptance, deactivation.

Each service takes the acting membership, checks what it may do with the guards of
``permissions.py`` (views checked too; services re-check), locks what it changes, writes an event
and notifies after commit via the outbox.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from prm.errors import InvalidTransition, NotAllowed, PolicyViolation, assert_same_tenant
from prm.events.services import event_record, outbox_enqueue
from prm.events.texts import label
from prm.memo import reference_changed
from prm.notifications.services import notify

from . import events, notifications
from .hooks import partner_users_changed
from .models import Invitation, Membership, User
from .permissions import INVITE, MANAGE, REVOKE, invitation_may, invitation_require, membership_require
from .roles import PARTNER_ROLES, STAFF_ROLES, MembershipKind, Role
from .selectors import partner_admin_list, user_exists_for_email, vendor_admin_list

INVITATION_EMAIL_TASK = "prm.accounts.invitation_email"


def _roles_for(partner) -> list[str]:
    """The roles an invitation hands out: a partner's user's, or (partner None) staff's."""
    return sorted(STAFF_ROLES if partner is None else PARTNER_ROLES)


def roles_invitable_by(*, actor: Membership, partner=None) -> list[str]:
    """The roles the actor may hand out: to staff (partner None) or to users of ``partner``."""
    return _roles_for(partner) if invitation_may(actor, partner, INVITE) else []


@transaction.atomic
def invitation_create(*, actor: Membership, email: str, role: str, partner=None) -> Invitation:
    """Invite someone by e-mail. A newer invitation to the same address replaces the older one."""
    email = User.objects.normalize_email(email).strip().lower()
    if partner is not None:
        assert_same_tenant(actor, partner)
    invitation_require(actor, partner, INVITE)
    if role not in _roles_for(partner):
        raise NotAllowed(gettext("You may not invite people with that role."))
    if partner is not None:
        partner = type(partner).objects.get(pk=partner.pk)  # judge by the stored status, not the caller's copy
    if partner is not None and not partner.is_operational:
        raise PolicyViolation(
            gettext("%(partner)s is not active (%(status)s): it cannot get new users.")
            % {"partner": partner, "status": partner.get_status_display()}
        )
    existing = Membership.objects.filter(user__email=email).select_related("partner").first()
    if existing is not None and existing.is_active:
        raise PolicyViolation(gettext("%(email)s already has access to this portal.") % {"email": email})
    if existing is not None and (existing.partner_id != (partner.pk if partner else None)):
        raise PolicyViolation(
            gettext("%(email)s belonged to another company here; a vendor admin must move them.") % {"email": email}
        )
    Invitation.objects.pending().filter(email=email).update(revoked_at=timezone.now())
    invitation = Invitation.objects.create(
        email=email,
        kind=MembershipKind.PARTNER if partner else MembershipKind.STAFF,
        role=role,
        partner=partner,
        invited_by=actor,
    )
    event_record(actor=actor, target=invitation, verb=events.INVITATION_SENT, to_state=role, data={"email": email})
    outbox_enqueue(task_name=INVITATION_EMAIL_TASK, invitation_id=invitation.pk)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: Membership, invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    invitation_require(actor, invitation, REVOKE)
    if not invitation.is_pending:
        raise InvalidTransition(gettext("This invitation is no longer pending."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    event_record(actor=actor, target=invitation, verb=events.INVITATION_REVOKED)
    return invitation


def user_create_for_invitation(*, invitation: Invitation, first_name: str, last_name: str, password: str) -> User:
    """A new account for an invitee. Following the e-mailed link proved the address."""
    from allauth.account.models import EmailAddress

    if user_exists_for_email(email=invitation.email):
        raise PolicyViolation(gettext("An account with this e-mail address exists: sign in to accept."))
    user = User(email=invitation.email, first_name=first_name.strip(), last_name=last_name.strip())
    validate_password(password, user)
    user.set_password(password)
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@transaction.atomic
def invitation_accept_new_user(*, invitation: Invitation, first_name: str, last_name: str, password: str) -> Membership:
    """An invitee without an account: the account and the membership together, so that a refused
    acceptance (a suspended company, a spent link) leaves no account behind."""
    user = user_create_for_invitation(
        invitation=invitation, first_name=first_name, last_name=last_name, password=password
    )
    return invitation_accept(invitation=invitation, user=user)


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Turn a pending invitation into a membership (or restore a deactivated one)."""
    invitation = Invitation.objects.select_for_update(of=("self",)).select_related("partner").get(pk=invitation.pk)
    if not invitation.is_pending:
        raise InvalidTransition(gettext("This invitation has already been used, revoked or has expired."))
    if user.email.lower() != invitation.email.lower():
        raise PolicyViolation(
            gettext("This invitation is for %(invited)s; you are signed in as %(user)s.")
            % {"invited": invitation.email, "user": user.email}
        )
    if invitation.partner is not None and not invitation.partner.is_operational:
        raise PolicyViolation(gettext("This company's access to the portal is suspended."))
    membership = Membership.objects.select_for_update().filter(user=user).first()
    if membership is None:
        membership = Membership.objects.create(
            user=user, kind=invitation.kind, role=invitation.role, partner=invitation.partner
        )
    else:
        if membership.is_active:
            raise PolicyViolation(gettext("You already have access to this portal."))
        membership.role, membership.kind, membership.partner = invitation.role, invitation.kind, invitation.partner
        membership.is_active, membership.deactivated_at = True, None
        membership.save()
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    event = event_record(
        actor=membership,
        target=membership,
        verb=events.MEMBERSHIP_CREATED,
        to_state=membership.role,
        data={"invitation": invitation.pk},
    )
    notify(
        recipients=[invitation.invited_by],
        kind=notifications.INVITATION_ACCEPTED,
        title=gettext_noop("%(person)s accepted your invitation"),
        body=gettext_noop("%(person)s (%(email)s) joined as %(role)s."),
        params={"person": str(user), "email": user.email, "role": label(Role(membership.role).label)},
        url=_people_url(membership),
        event=event,
    )
    _people_changed(membership)
    return membership


def _people_changed(membership: Membership) -> None:
    """Tell the apps above (a partner's number of active users is a tier metric); a staff
    member's arrival or departure changes the tenant's reference data (owners and reviewers in
    the lists' filters, ``staff_members``)."""
    if membership.partner_id:
        partner_users_changed.send(partner_ids=[membership.partner_id])
    else:
        reference_changed(tenant_id=membership.tenant_id)


def _people_url(membership: Membership) -> str:
    if membership.partner_id:
        return reverse("office:partner_people", kwargs={"partner_id": membership.partner_id})
    return reverse("office:staff")


@transaction.atomic
def membership_deactivate(*, actor: Membership, membership: Membership, reason: str = "") -> Membership:
    """Take someone's access away. Two people doing it at once: one succeeds, one is told."""
    assert_same_tenant(actor, membership)
    membership = Membership.objects.select_for_update(of=("self",)).select_related("user").get(pk=membership.pk)
    membership_require(actor, membership, MANAGE)
    if membership.pk == actor.pk:
        raise PolicyViolation(gettext("You cannot deactivate yourself."))
    if not membership.is_active:
        raise InvalidTransition(gettext("%(person)s is already deactivated.") % {"person": membership.user})
    membership.is_active = False
    membership.deactivated_at = timezone.now()
    membership.save(update_fields=["is_active", "deactivated_at"])
    event = event_record(
        actor=actor,
        target=membership,
        verb=events.MEMBERSHIP_DEACTIVATED,
        from_state="active",
        to_state="inactive",
        note=reason,
    )
    _notify_people_admins(
        membership, event, notifications.MEMBERSHIP_DEACTIVATED, gettext_noop("%(person)s's access was deactivated")
    )
    _people_changed(membership)
    return membership


@transaction.atomic
def membership_reactivate(*, actor: Membership, membership: Membership) -> Membership:
    assert_same_tenant(actor, membership)
    membership = (
        Membership.objects.select_for_update(of=("self",)).select_related("user", "partner").get(pk=membership.pk)
    )
    membership_require(actor, membership, MANAGE)
    if membership.is_active:
        raise InvalidTransition(gettext("%(person)s is already active.") % {"person": membership.user})
    if membership.partner is not None and not membership.partner.is_operational:
        raise PolicyViolation(
            gettext("%(partner)s is not active (%(status)s).")
            % {"partner": membership.partner, "status": membership.partner.get_status_display()}
        )
    membership.is_active = True
    membership.deactivated_at = None
    membership.save(update_fields=["is_active", "deactivated_at"])
    event = event_record(
        actor=actor, target=membership, verb=events.MEMBERSHIP_REACTIVATED, from_state="inactive", to_state="active"
    )
    _notify_people_admins(
        membership, event, notifications.MEMBERSHIP_REACTIVATED, gettext_noop("%(person)s's access was restored")
    )
    _people_changed(membership)
    return membership


def _notify_people_admins(membership: Membership, event, kind: str, title: str) -> None:
    if membership.partner_id:
        recipients = partner_admin_list(partner_id=membership.partner_id, exclude_id=event.actor_id)
        url = reverse("portal:people")
    else:
        recipients = vendor_admin_list(exclude_id=event.actor_id)
        url = reverse("office:staff")
    notify(recipients=recipients, kind=kind, title=title, params={"person": str(membership.user)}, url=url, event=event)
