"""The master partner record's writes: lifecycle, profile edits, contacts."""

from __future__ import annotations

import itertools

import pytest

from partners.models import PARTNER_TRANSITIONS, Partner, PartnerContact, PartnerStatus
from partners.services import contact_create, contact_delete, partner_change_status, partner_create, partner_update
from prm.accounts.models import Membership
from prm.accounts.roles import Role
from prm.errors import CrossTenantReference, InvalidTransition, NotAllowed, PolicyViolation
from prm.events.models import Event
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope

from ..factories import ContactFactory, PartnerFactory, PartnerMembershipFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db

INACTIVE = {PartnerStatus.SUSPENDED, PartnerStatus.TERMINATED}


def _events(partner, verb):
    return list(Event.objects.filter(object_id=partner.pk, verb=verb, content_type__model="partner"))


def _notifications(member, kind):
    return list(Notification.objects.filter(recipient=member, kind=kind))


# --- lifecycle ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [
        pytest.param(a, b, id=f"{a}->{b}")
        for a, b in itertools.product(PartnerStatus.values, PartnerStatus.values)
        if a != b
    ],
)
def test_status_change_follows_the_lifecycle_table(from_status, to_status):
    # given a partner in one status and its channel manager
    manager = StaffMembershipFactory(role=Role.CHANNEL_MANAGER)
    partner = PartnerFactory(tenant=manager.tenant, status=from_status)
    allowed = to_status in PARTNER_TRANSITIONS[from_status]
    with tenant_scope(manager.tenant):
        # when the manager moves it to another status
        if allowed:
            changed = partner_change_status(actor=manager, partner=partner, to_status=to_status, reason="Because")
            # then it moves, with its time stamp and one event row saying from where to where
            assert changed.status == to_status
            assert Partner.objects.get(pk=partner.pk).status == to_status
            assert changed.status_changed_at is not None
            [event] = _events(partner, "partner.status_changed")
            assert (event.from_state, event.to_state, event.actor_id, event.text) == (
                from_status,
                to_status,
                manager.pk,
                "Because",
            )
        else:
            # then an illegal move is refused and leaves no trace
            with pytest.raises(InvalidTransition):
                partner_change_status(actor=manager, partner=partner, to_status=to_status, reason="Because")
            assert Partner.objects.get(pk=partner.pk).status == from_status
            assert _events(partner, "partner.status_changed") == []


def test_moving_to_the_current_status_is_an_invalid_transition(world):
    # given an active partner
    acme = world.acme
    with tenant_scope(acme.tenant):
        # when someone "activates" it again (a double click, or two managers at once)
        with pytest.raises(InvalidTransition, match="already active"):
            partner_change_status(actor=acme.manager, partner=acme.partner, to_status=PartnerStatus.ACTIVE)
        # then no event is written
        assert _events(acme.partner, "partner.status_changed") == []


def test_suspending_a_partner_ends_its_users_access_and_only_theirs(world):
    # given acme partner 1 with two users, and partner 2 with two users
    acme = world.acme
    with tenant_scope(acme.tenant):
        # when the manager suspends partner 1
        partner_change_status(actor=acme.manager, partner=acme.partner, to_status="suspended", reason="Unpaid invoices")
        # then partner 1's users lose access, partner 2's keep it
        for member in (acme.partner_admin, acme.sales_rep):
            member = Membership.objects.get(pk=member.pk)
            assert member.is_active is False
            assert member.deactivated_at is not None
        for member in (acme.partner_admins[1], acme.sales[1]):
            assert Membership.objects.get(pk=member.pk).is_active is True
        # and the event says how many lost access, and why
        [event] = _events(acme.partner, "partner.status_changed")
        assert event.data["memberships_deactivated"] == 2
        assert sorted(event.data["membership_ids"]) == sorted([acme.partner_admin.pk, acme.sales_rep.pk])
        assert event.text == "Unpaid invoices"


@pytest.mark.parametrize("reason", ["", "   "])
def test_suspending_needs_a_reason(world, reason):
    acme = world.acme
    with tenant_scope(acme.tenant):
        # when the manager suspends a partner without saying why
        with pytest.raises(PolicyViolation, match="reason"):
            partner_change_status(actor=acme.manager, partner=acme.partner, to_status="suspended", reason=reason)
        # then nothing changes
        assert Partner.objects.get(pk=acme.partner.pk).status == PartnerStatus.ACTIVE
        assert Membership.objects.get(pk=acme.partner_admin.pk).is_active


def test_marketing_may_not_change_a_partners_status(world):
    acme = world.acme
    with tenant_scope(acme.tenant):
        with pytest.raises(NotAllowed):
            partner_change_status(actor=acme.marketing, partner=acme.partner, to_status="suspended", reason="x")
        assert Partner.objects.get(pk=acme.partner.pk).status == PartnerStatus.ACTIVE


def test_a_partner_of_another_tenant_is_never_changed(world):
    # given globex's manager, acting in globex, handed acme's partner object
    # when it tries to suspend it
    with tenant_scope(world.globex.tenant), pytest.raises(CrossTenantReference):
        partner_change_status(actor=world.globex.manager, partner=world.acme.partner, to_status="suspended", reason="x")
    # then acme's partner is untouched
    with platform_scope():
        assert Partner.objects.get(pk=world.acme.partner.pk).status == PartnerStatus.ACTIVE


def test_status_change_notifies_the_partner_admins_and_the_account_manager(world):
    # given an onboarding partner whose account manager is acme's channel manager
    acme = world.acme
    with platform_scope():
        Partner.objects.filter(pk=acme.partner.pk).update(status=PartnerStatus.ONBOARDING)
    with tenant_scope(acme.tenant):
        # when the vendor admin activates it
        partner_change_status(actor=acme.admin, partner=acme.partner, to_status="active")
        # then its admin and its account manager hear of it; its sales rep and other partners do not
        kind = "partner.status_changed"
        assert [n.title for n in _notifications(acme.partner_admin, kind)] == ["Acme Partner 1 is now active"]
        assert len(_notifications(acme.manager, kind)) == 1
        assert _notifications(acme.sales_rep, kind) == []
        assert _notifications(acme.partner_admins[1], kind) == []
        assert _notifications(acme.admin, kind) == []


# --- profile ---------------------------------------------------------------------------------


def test_partner_admin_edits_the_fields_partners_may_edit_and_the_change_is_recorded():
    # given a partner admin and a partner with no account manager
    admin = PartnerMembershipFactory(role=Role.PARTNER_ADMIN, partner__display_name="Old Name", partner__phone="")
    partner = admin.partner
    with tenant_scope(admin.tenant, partner=partner):
        # when they change the display name and phone
        updated = partner_update(
            actor=admin, partner=partner, changes={"display_name": "New Name", "phone": "+49 30 1"}
        )
        # then the record holds the new values
        assert (updated.display_name, updated.phone) == ("New Name", "+49 30 1")
        assert Partner.objects.get(pk=partner.pk).display_name == "New Name"
        # and one event carries the before/after of each changed field
        [event] = _events(partner, "partner.profile_updated")
        assert event.data["changes"] == {
            "display_name": {"from": "Old Name", "to": "New Name"},
            "phone": {"from": "", "to": "+49 30 1"},
        }
        assert event.actor_id == admin.pk


def test_partner_admins_edit_notifies_the_account_manager(world):
    # given acme partner 1, managed by acme's channel manager
    acme = world.acme
    # when its admin edits the profile, in the partner scope a portal request runs in
    with tenant_scope(acme.tenant, partner=acme.partner):
        partner_update(actor=acme.partner_admin, partner=acme.partner, changes={"phone": "+1 555 0100"})
    # then the account manager is told, with a link to the record in the back office
    with tenant_scope(acme.tenant):
        [note] = _notifications(acme.manager, "partner.profile_updated")
        assert note.url == f"/office/partners/{acme.partner.pk}/"
        assert "phone" in note.body


@pytest.mark.parametrize(
    "field", ["legal_name", "country", "account_manager", "external_crm_id", "partner_type", "status"]
)
def test_partner_admin_may_not_change_vendor_fields(world, field):
    # given acme partner 1's admin
    acme = world.acme
    value = {"account_manager": acme.admin, "partner_type": acme.partner_type, "country": "FR", "status": "active"}.get(
        field, "Changed"
    )
    with tenant_scope(acme.tenant, partner=acme.partner):
        # when they try to change a field that belongs to the vendor
        with pytest.raises(NotAllowed, match=field):
            partner_update(actor=acme.partner_admin, partner=acme.partner, changes={field: value, "phone": "+1"})
        # then nothing is saved, not even the allowed field sent along, and nothing is recorded
        partner = Partner.objects.get(pk=acme.partner.pk)
        assert partner.phone == ""
        assert _events(acme.partner, "partner.profile_updated") == []


def test_partner_admin_may_not_edit_another_partner(world):
    acme = world.acme
    with tenant_scope(acme.tenant):
        with pytest.raises(NotAllowed):
            partner_update(actor=acme.partner_admin, partner=acme.partners[1], changes={"phone": "+1"})
        assert Partner.objects.get(pk=acme.partners[1].pk).phone == ""


def test_sales_rep_may_not_edit_the_company(world):
    acme = world.acme
    with tenant_scope(acme.tenant, partner=acme.partner), pytest.raises(NotAllowed):
        partner_update(actor=acme.sales_rep, partner=acme.partner, changes={"phone": "+1"})


def test_staff_edit_notifies_the_partner_admins_and_records_related_objects_by_name(world):
    # given acme's channel manager editing partner 1's account manager
    acme = world.acme
    with tenant_scope(acme.tenant):
        partner_update(actor=acme.manager, partner=acme.partner, changes={"account_manager": acme.admin})
        # then the diff names the people, and partner 1's admin is notified with a portal link
        [event] = _events(acme.partner, "partner.profile_updated")
        assert event.data["changes"]["account_manager"] == {"from": str(acme.manager), "to": str(acme.admin)}
        [note] = _notifications(acme.partner_admin, "partner.profile_updated")
        assert note.url == "/portal/company/"
        assert _notifications(acme.partner_admins[1], "partner.profile_updated") == []


def test_an_edit_that_changes_nothing_records_nothing(world):
    acme = world.acme
    with tenant_scope(acme.tenant):
        partner_update(actor=acme.manager, partner=acme.partner, changes={"display_name": acme.partner.display_name})
        assert _events(acme.partner, "partner.profile_updated") == []


def test_a_partner_cannot_be_its_own_parent(world):
    acme = world.acme
    with tenant_scope(acme.tenant), pytest.raises(PolicyViolation):
        partner_update(actor=acme.manager, partner=acme.partner, changes={"parent": acme.partner})


def test_a_partner_cannot_get_a_parent_from_another_tenant(world):
    acme = world.acme
    with tenant_scope(acme.tenant):
        with pytest.raises(CrossTenantReference):
            partner_update(actor=acme.manager, partner=acme.partner, changes={"parent": world.globex.partner})
        assert Partner.objects.get(pk=acme.partner.pk).parent_id is None


def test_partner_create_records_an_applicant(world):
    acme = world.acme
    with tenant_scope(acme.tenant):
        partner = partner_create(actor=acme.admin, legal_name="Newco Ltd", partner_type=acme.partner_type, country="GB")
        assert (partner.status, partner.display_name, partner.tenant_id) == ("applicant", "Newco Ltd", acme.tenant.pk)
        [event] = _events(partner, "partner.created")
        assert event.to_state == "applicant"
        with pytest.raises(NotAllowed):
            partner_create(actor=acme.manager, legal_name="Other", partner_type=acme.partner_type, country="GB")
        with pytest.raises(CrossTenantReference):
            partner_create(actor=acme.admin, legal_name="X", partner_type=world.globex.partner_type, country="GB")


# --- contacts -------------------------------------------------------------------------------


def test_contacts_are_added_and_removed_with_events(world):
    acme = world.acme
    with tenant_scope(acme.tenant):
        contact = contact_create(actor=acme.manager, partner=acme.partner, name="Jane Signer", role="signatory")
        contact_delete(actor=acme.manager, contact=contact)
        assert not PartnerContact.objects.filter(pk=contact.pk).exists()
        verbs = sorted(
            e.verb for e in Event.objects.filter(object_id=acme.partner.pk, verb__startswith="partner.contact")
        )
        assert verbs == ["partner.contact_added", "partner.contact_removed"]


def test_partner_users_manage_contacts_of_their_own_company_only_with_company_edit(world):
    acme = world.acme
    other = ContactFactory(partner=acme.partners[1])
    with tenant_scope(acme.tenant, partner=acme.partner):
        contact_create(actor=acme.partner_admin, partner=acme.partner, name="Own Contact")
        with pytest.raises(NotAllowed):
            contact_create(actor=acme.sales_rep, partner=acme.partner, name="Sales Contact")
    with tenant_scope(acme.tenant):
        with pytest.raises(NotAllowed):
            contact_create(actor=acme.partner_admin, partner=acme.partners[1], name="Foreign Contact")
        with pytest.raises(NotAllowed):
            contact_delete(actor=acme.partner_admin, contact=other)
        assert PartnerContact.objects.filter(pk=other.pk).exists()
        assert not PartnerContact.objects.filter(name__in=["Sales Contact", "Foreign Contact"]).exists()


def test_lifting_a_suspension_restores_the_people_it_took_access_from(world):
    # given a partner with two active users and one an admin had already deactivated
    acme = world.acme
    with tenant_scope(acme.tenant):
        earlier = PartnerMembershipFactory(partner=acme.partner, role=Role.TECHNICAL, is_active=False)
        partner = partner_change_status(
            actor=acme.admin, partner=acme.partner, to_status=PartnerStatus.SUSPENDED, reason="Audit"
        )
        assert not Membership.objects.filter(partner=partner, is_active=True).exists()
        # when the suspension is lifted
        partner_change_status(actor=acme.admin, partner=partner, to_status=PartnerStatus.ACTIVE)
        # then the two who lost access with the suspension have it back, the earlier one not
        active = set(Membership.objects.filter(partner=partner, is_active=True).values_list("pk", flat=True))
        assert active == {acme.partner_admin.pk, acme.sales_rep.pk}
        assert not Membership.objects.get(pk=earlier.pk).is_active
