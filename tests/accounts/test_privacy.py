"""A person's rights: a vendor admin downloads everything the portal keeps about someone, and
erases them: anonymised everywhere, with ledgers, events and certificates intact."""

from __future__ import annotations

import json

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from partners.models import PartnerContact
from prm.accounts.models import ApiKey, Membership, User
from prm.accounts.privacy import person_erase
from prm.errors import NotAllowed
from prm.events.models import Event
from prm.tenancy.scope import platform_scope, tenant_scope

from ..api.support import issue_key
from ..deals.deal_setup import draft, make_catalogue


def _person(side):
    """Acme partner 1's sales rep, with a deal, a contact record and an API-key-less history."""
    catalogue = make_catalogue(side)
    deal = draft(side.sales_rep, catalogue)
    with tenant_scope(side.tenant):
        PartnerContact.objects.create(
            partner=side.partner, name="Sam Sales", email=side.sales_rep.user.email, phone="+49 1"
        )
        EmailAddress.objects.create(user=side.sales_rep.user, email=side.sales_rep.user.email, verified=True)
    return deal


def test_an_admin_downloads_what_the_portal_keeps_about_a_person(world, client_for):
    acme = world.acme
    deal = _person(acme)
    response = client_for(acme.admin).get(reverse("office:privacy_export", args=[acme.sales_rep.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["account"]["email"] == acme.sales_rep.user.email
    assert data["membership"]["role"] == "sales"
    assert [row["id"] for row in data["records"]["deals.deal"]] == [deal.pk]
    assert any(e["verb"] == "deal.created" for e in data["events_acted"])
    assert "password" not in json.dumps(data)


def test_erasure_anonymises_the_person_and_keeps_the_history(world, client_for):
    acme = world.acme
    deal = _person(acme)
    issue_key(acme.partner_admin)  # someone else's key stays
    rep = acme.sales_rep
    email = rep.user.email
    page = client_for(acme.admin).get(reverse("office:privacy"), {"email": email})
    assert email in page.content.decode()

    answer = client_for(acme.admin).post(reverse("office:privacy_erase", args=[rep.pk]), {"confirm_email": email})

    assert answer.status_code == 302
    with platform_scope():
        user = User.objects.get(pk=rep.user_id)
        assert user.email.endswith("@erased.invalid") and not user.has_usable_password()
        assert not user.is_active and email not in (user.first_name + user.last_name)
        assert not EmailAddress.objects.filter(user=user).exists()
        membership = Membership.objects.get(pk=rep.pk)
        assert not membership.is_active
        # the history stays, under the erased name
        created = Event.objects.get(object_id=deal.pk, verb="deal.created")
        assert created.actor_id == rep.pk and created.actor_label.startswith("Erased person")
        assert Event.objects.filter(verb="person.erased", object_id=rep.pk).exists()
        contact = PartnerContact.objects.get(partner=acme.partner, role="primary", name__startswith="Erased")
        assert contact.email == "" and contact.phone == ""
        assert ApiKey.objects.filter(revoked_at__isnull=True).count() == 1
    # and they cannot sign in any more
    assert client_for(None, host=acme.host).post(
        "/accounts/login/", {"login": email, "password": "correct-horse-battery-staple"}
    ).status_code in (200, 302)
    with platform_scope():
        assert User.objects.filter(email=email).count() == 0


def test_erasure_needs_the_address_typed_again(world, client_for):
    acme = world.acme
    rep = acme.sales_rep
    answer = client_for(acme.admin).post(reverse("office:privacy_erase", args=[rep.pk]), {"confirm_email": "nope"})
    assert answer.status_code == 200
    assert "Type the person" in answer.content.decode()
    with platform_scope():
        assert User.objects.get(pk=rep.user_id).email == rep.user.email


def test_a_person_of_another_portal_keeps_their_account(world):
    acme, globex = world.acme, world.globex
    from tests.factories import StaffMembershipFactory

    with platform_scope():
        StaffMembershipFactory(tenant=globex.tenant, user=acme.sales_rep.user, role="marketing")
    with tenant_scope(acme.tenant):
        person_erase(actor=acme.admin, membership=acme.sales_rep, confirm_email=acme.sales_rep.user.email)
    with platform_scope():
        assert User.objects.get(pk=acme.sales_rep.user_id).email == acme.sales_rep.user.email
        assert not Membership.objects.get(pk=acme.sales_rep.pk).is_active


@pytest.mark.parametrize("who", ["manager", "marketing"])
def test_only_admins_handle_requests(world, who):
    acme = world.acme
    with tenant_scope(acme.tenant), pytest.raises(NotAllowed):
        person_erase(actor=getattr(acme, who), membership=acme.sales_rep, confirm_email=acme.sales_rep.user.email)
    with platform_scope():
        assert Membership.objects.get(pk=acme.sales_rep.pk).is_active
