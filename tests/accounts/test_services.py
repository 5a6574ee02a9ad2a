"""People: invitations (e-mail, link, acceptance, revocation) and access (deactivation)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from partners.models import Partner, PartnerStatus
from prm.accounts.models import Invitation, Membership, User
from prm.accounts.roles import MembershipKind, Role
from prm.accounts.services import (
    invitation_accept,
    invitation_create,
    invitation_revoke,
    membership_deactivate,
    membership_reactivate,
)
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.models import Event, OutboxMessage
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope

from ..conftest import make_client
from ..factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-Passphrase-42"


def _invite(side, *, email="newbie@example.com", role=Role.SALES, partner="default", actor=None, capture):
    """Invite through the service, committing so the outbox sends the e-mail."""
    partner = side.partner if partner == "default" else partner
    actor = actor or side.manager
    with capture(execute=True), tenant_scope(side.tenant, partner=actor.partner_id):
        return invitation_create(actor=actor, email=email, role=role, partner=partner)


def _link_in(message) -> str:
    [url] = re.findall(r"https?://\S+", message.body)
    return url


def _follow(url: str):
    """A visitor's browser opening a link from an e-mail: the link's host and path."""
    parts = urlsplit(url)
    return make_client(None, host=parts.hostname), parts.path


# --- invitations -----------------------------------------------------------------------------


def test_invitation_e_mail_carries_a_link_that_opens_the_acceptance_page(world, django_capture_on_commit_callbacks):
    # given acme's channel manager inviting a sales rep to partner 1
    invitation = _invite(world.acme, email="New.Person@Example.com", capture=django_capture_on_commit_callbacks)
    # then one e-mail goes to the (normalised) address, naming the portal, role and company
    [message] = mail.outbox
    assert message.to == ["new.person@example.com"]
    assert "Acme" in message.subject
    assert "Sales rep of Acme Partner 1" in message.body
    # and its link opens the acceptance form on acme's host
    url = _link_in(message)
    assert urlsplit(url).hostname == "acme.localhost"
    client, path = _follow(url)
    page = client.get(path)
    assert page.status_code == 200
    assert "new.person@example.com" in page.content.decode()
    assert "Create my account" in page.content.decode()
    # and the invitation is pending with a "sent" event
    with tenant_scope(world.acme.tenant):
        assert Invitation.objects.get(pk=invitation.pk).is_pending
        assert Event.objects.filter(verb="invitation.sent", object_id=invitation.pk).count() == 1


def test_invitation_link_works_only_on_its_own_tenants_host(world, django_capture_on_commit_callbacks):
    invitation = _invite(world.acme, capture=django_capture_on_commit_callbacks)
    client = make_client(None, host=world.globex.host)
    assert client.get(f"/invitations/{invitation.token}/").status_code == 404


def test_a_tampered_link_is_not_found(world, django_capture_on_commit_callbacks):
    invitation = _invite(world.acme, capture=django_capture_on_commit_callbacks)
    client = make_client(None, host=world.acme.host)
    token = invitation.token
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert client.get(f"/invitations/{forged}/").status_code == 404


def test_following_the_link_creates_the_account_and_a_second_use_is_gone(world, django_capture_on_commit_callbacks):
    # given an invitation e-mail
    acme = world.acme
    invitation = _invite(acme, capture=django_capture_on_commit_callbacks)
    client, path = _follow(_link_in(mail.outbox[0]))
    # when the invitee fills in the form
    response = client.post(
        path, {"first_name": "Nia", "last_name": "Newbie", "password1": PASSWORD, "password2": PASSWORD}
    )
    # then their account exists, they are signed in and land in the portal as a sales rep of partner 1
    assert response.status_code == 302
    assert client.get("/", follow=True).request["PATH_INFO"] == "/portal/"
    user = User.objects.get(email="newbie@example.com")
    assert user.check_password(PASSWORD)
    with tenant_scope(acme.tenant):
        member = Membership.objects.get(user=user)
        assert (member.kind, member.role, member.partner_id) == (MembershipKind.PARTNER, Role.SALES, acme.partner.pk)
        assert Invitation.objects.get(pk=invitation.pk).accepted_at is not None
        assert Event.objects.filter(verb="membership.created", object_id=member.pk).count() == 1
        # and the inviter hears of it
        assert Notification.objects.filter(recipient=acme.manager, kind="invitation.accepted").count() == 1
    # when the link is used again, by anyone
    again = make_client(None, host=acme.host).get(path)
    # then it says the invitation is gone
    assert again.status_code == 410
    assert "can no longer be used" in again.content.decode()


def test_invitation_accept_turns_the_invitation_into_a_membership(world, django_capture_on_commit_callbacks):
    acme = world.acme
    invitation = _invite(acme, capture=django_capture_on_commit_callbacks)
    user = UserFactory(email="newbie@example.com")
    with tenant_scope(acme.tenant):
        member = invitation_accept(invitation=invitation, user=user)
        assert member.partner_id == acme.partner.pk
        with pytest.raises(InvalidTransition):
            invitation_accept(invitation=invitation, user=user)


def test_an_invitation_is_for_its_address_only(world, django_capture_on_commit_callbacks):
    acme = world.acme
    invitation = _invite(acme, capture=django_capture_on_commit_callbacks)
    intruder = UserFactory(email="someone.else@example.com")
    with tenant_scope(acme.tenant):
        with pytest.raises(PolicyViolation, match=r"newbie@example\.com"):
            invitation_accept(invitation=invitation, user=intruder)
        assert not Membership.objects.filter(user=intruder).exists()


def test_revoked_and_expired_links_show_the_gone_page(world, django_capture_on_commit_callbacks):
    # given two invitations: one revoked, one expired
    acme = world.acme
    revoked = _invite(acme, email="a@example.com", capture=django_capture_on_commit_callbacks)
    expired = _invite(acme, email="b@example.com", capture=django_capture_on_commit_callbacks)
    with tenant_scope(acme.tenant):
        invitation_revoke(actor=acme.manager, invitation=revoked)
        Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    client = make_client(None, host=acme.host)
    # when their links are opened
    for invitation in (revoked, expired):
        response = client.get(f"/invitations/{invitation.token}/")
        # then the page says the invitation can no longer be used
        assert response.status_code == 410
        assert "Create my account" not in response.content.decode()


def test_revoking_twice_is_an_invalid_transition_with_one_event(world, django_capture_on_commit_callbacks):
    acme = world.acme
    invitation = _invite(acme, capture=django_capture_on_commit_callbacks)
    with tenant_scope(acme.tenant):
        invitation_revoke(actor=acme.manager, invitation=invitation)
        with pytest.raises(InvalidTransition):
            invitation_revoke(actor=acme.manager, invitation=invitation)
        assert Event.objects.filter(verb="invitation.revoked", object_id=invitation.pk).count() == 1


def test_a_revoked_invitation_sends_no_e_mail_even_if_its_task_runs_late(
    world, django_capture_on_commit_callbacks, deliver
):
    # given an invitation whose e-mail task has not run yet (held back at commit)
    acme = world.acme
    with django_capture_on_commit_callbacks(execute=False), tenant_scope(acme.tenant):
        invitation = invitation_create(
            actor=acme.manager, email="late@example.com", role=Role.SALES, partner=acme.partner
        )
        [message] = OutboxMessage.objects.filter(kwargs__invitation_id=invitation.pk)
        invitation_revoke(actor=acme.manager, invitation=invitation)
    # when the task finally runs
    deliver(message)
    # then no e-mail goes out for the dead invitation
    assert mail.outbox == []


def test_a_new_invitation_replaces_the_pending_one_to_the_same_address(world, django_capture_on_commit_callbacks):
    acme = world.acme
    first = _invite(acme, role=Role.SALES, capture=django_capture_on_commit_callbacks)
    second = _invite(acme, role=Role.TECHNICAL, capture=django_capture_on_commit_callbacks)
    with tenant_scope(acme.tenant):
        assert not Invitation.objects.get(pk=first.pk).is_pending
        assert list(Invitation.objects.pending().filter(email="newbie@example.com")) == [second]
    assert make_client(None, host=acme.host).get(f"/invitations/{first.token}/").status_code == 410


def test_inviting_someone_who_already_has_access_is_refused(world, django_capture_on_commit_callbacks):
    acme = world.acme
    with pytest.raises(PolicyViolation, match="already has access"):
        _invite(acme, email=acme.sales[1].user.email, capture=django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_a_suspended_partner_gets_no_new_users(world, django_capture_on_commit_callbacks):
    acme = world.acme
    with platform_scope():
        Partner.objects.filter(pk=acme.partner.pk).update(status=PartnerStatus.SUSPENDED)
        suspended = Partner.objects.get(pk=acme.partner.pk)
    with pytest.raises(PolicyViolation, match=r"(?i)suspended"):
        _invite(acme, partner=suspended, capture=django_capture_on_commit_callbacks)
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("who", "partner", "role"),
    [
        ("sales", "own", Role.SALES),  # a sales rep may not invite
        ("partner_admin", "other", Role.SALES),  # a partner admin invites to its own company only
        ("partner_admin", None, Role.ADMIN),  # ... and never staff
        ("manager", None, Role.ADMIN),  # a channel manager may not invite staff
        ("marketing", "own", Role.SALES),  # marketing may not invite partner users
        ("manager", "own", Role.ADMIN),  # a staff role is not a partner user's role
    ],
)
def test_who_may_invite_whom(world, who, partner, role, django_capture_on_commit_callbacks):
    acme = world.acme
    actor = {
        "sales": acme.sales_rep,
        "partner_admin": acme.partner_admin,
        "manager": acme.manager,
        "marketing": acme.marketing,
    }[who]
    target = {"own": acme.partner, "other": acme.partners[1], None: None}[partner]
    with pytest.raises(NotAllowed):
        _invite(acme, actor=actor, partner=target, role=role, capture=django_capture_on_commit_callbacks)
    with tenant_scope(acme.tenant):
        assert not Invitation.objects.filter(email="newbie@example.com").exists()
    assert mail.outbox == []


def test_partner_admin_invites_a_colleague(world, django_capture_on_commit_callbacks):
    acme = world.acme
    invitation = _invite(acme, actor=acme.partner_admin, capture=django_capture_on_commit_callbacks)
    assert invitation.partner_id == acme.partner.pk
    assert invitation.invited_by_id == acme.partner_admin.pk
    assert [m.to for m in mail.outbox] == [["newbie@example.com"]]


# --- access --------------------------------------------------------------------------------------


def test_deactivating_twice_fails_the_second_time_and_records_one_event(world):
    # given acme partner 1's sales rep
    acme = world.acme
    with tenant_scope(acme.tenant, partner=acme.partner):
        # when the partner admin deactivates them, and then (another tab) once more
        membership_deactivate(actor=acme.partner_admin, membership=acme.sales_rep, reason="Left the company")
        with pytest.raises(InvalidTransition, match="already deactivated"):
            membership_deactivate(actor=acme.partner_admin, membership=acme.sales_rep)
        # then they are inactive, with exactly one event
        assert Membership.objects.get(pk=acme.sales_rep.pk).is_active is False
        [event] = Event.objects.filter(verb="membership.deactivated", object_id=acme.sales_rep.pk)
        assert (event.from_state, event.to_state, event.text) == ("active", "inactive", "Left the company")
    # and the sales rep is shut out of the portal
    assert make_client(acme.sales_rep).get("/portal/").status_code == 404


def test_nobody_deactivates_themselves(world):
    acme = world.acme
    with tenant_scope(acme.tenant, partner=acme.partner), pytest.raises(PolicyViolation):
        membership_deactivate(actor=acme.partner_admin, membership=acme.partner_admin)


@pytest.mark.parametrize(
    ("actor", "target"),
    [
        ("sales", "partner_admin"),  # no people.manage
        ("other_partner_admin", "sales"),  # another company's user
        ("manager", "marketing"),  # staff need staff.manage
        ("partner_admin", "manager"),  # partner users never touch staff
    ],
)
def test_who_may_deactivate_whom(world, actor, target):
    acme = world.acme
    people = {
        "sales": acme.sales_rep,
        "partner_admin": acme.partner_admin,
        "other_partner_admin": acme.partner_admins[1],
        "manager": acme.manager,
        "marketing": acme.marketing,
    }
    with tenant_scope(acme.tenant):
        with pytest.raises(NotAllowed):
            membership_deactivate(actor=people[actor], membership=people[target])
        assert Membership.objects.get(pk=people[target].pk).is_active


def test_deactivation_notifies_the_partners_other_admins(world):
    # given a second admin at acme partner 1
    acme = world.acme
    from ..factories import PartnerMembershipFactory

    second_admin = PartnerMembershipFactory(partner=acme.partner, role=Role.PARTNER_ADMIN)
    with tenant_scope(acme.tenant):
        # when the channel manager deactivates the sales rep
        membership_deactivate(actor=acme.manager, membership=acme.sales_rep)
        # then both partner admins are told; nobody at partner 2 is
        kind = "membership.deactivated"
        assert Notification.objects.filter(kind=kind, recipient__in=[acme.partner_admin, second_admin]).count() == 2
        assert not Notification.objects.filter(kind=kind, partner_id=acme.partners[1].pk).exists()


def test_staff_deactivation_notifies_the_other_vendor_admins(world):
    # given a second vendor admin at acme
    acme = world.acme
    from ..factories import StaffMembershipFactory

    second_admin = StaffMembershipFactory(tenant=acme.tenant, role=Role.ADMIN)
    with tenant_scope(acme.tenant):
        # when the first admin deactivates the marketing user
        membership_deactivate(actor=acme.admin, membership=acme.marketing)
        # then the other admin is told, the acting one is not, and the user has lost access
        kind = "membership.deactivated"
        assert Notification.objects.filter(kind=kind, recipient=second_admin).count() == 1
        assert not Notification.objects.filter(kind=kind, recipient=acme.admin).exists()
        assert Membership.objects.get(pk=acme.marketing.pk).is_active is False


def test_reactivation_restores_access_once(world):
    acme = world.acme
    with tenant_scope(acme.tenant, partner=acme.partner):
        membership_deactivate(actor=acme.partner_admin, membership=acme.sales_rep)
        membership_reactivate(actor=acme.partner_admin, membership=acme.sales_rep)
        assert Membership.objects.get(pk=acme.sales_rep.pk).is_active
        with pytest.raises(InvalidTransition):
            membership_reactivate(actor=acme.partner_admin, membership=acme.sales_rep)
        assert Event.objects.filter(verb="membership.reactivated", object_id=acme.sales_rep.pk).count() == 1
    assert make_client(acme.sales_rep).get("/portal/").status_code == 200


def test_invitation_e_mail_goes_through_the_outbox_once(world, django_capture_on_commit_callbacks, deliver):
    # given an invitation whose e-mail was delivered
    acme = world.acme
    invitation = _invite(acme, capture=django_capture_on_commit_callbacks)
    with tenant_scope(acme.tenant):
        [message] = OutboxMessage.objects.filter(task_name="prm.accounts.invitation_email")
    # when the broker delivers the same message again
    assert deliver(message) is None
    # then still one e-mail, and the outbox row is marked delivered
    assert len(mail.outbox) == 1
    with tenant_scope(acme.tenant):
        [message] = OutboxMessage.objects.filter(task_name="prm.accounts.invitation_email")
        assert message.kwargs == {"invitation_id": invitation.pk}
        assert message.delivered_at is not None
