"""Partner referrals: a partner refers a lead (the contact's details given or withheld), the vendor's
lead managers hear of it and accept (routed, or waiting for the details) or decline with a reason
the referrer reads; only the referrer shares withheld details; other partners never see a
referral; the referrer sees its status in words."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leads import notifications
from leads.models import Lead, LeadSource, LeadStatus
from leads.services.intake import lead_receive
from leads.services.referrals import lead_referral_accept, lead_referral_contact_add, lead_referral_decline
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope

from ..conftest import body, make_client
from ..query_budget import assert_list_page, cost

pytestmark = pytest.mark.django_db


def refer(client, **changes):
    data = {
        "company": "Umbrella Corp",
        "website": "umbrella-corp.de",
        "description": "A new lab wing needs networking.",
        "country": "DE",
        "city": "Hamburg",
        "estimated_value": "25000",
        "currency": "EUR",
        "contact_name": "Alice Abernathy",
        "email": "alice@umbrella-corp.de",
    }
    data.update(changes)
    return client.post(reverse("portal:lead_refer"), data)


def the_referral(side) -> Lead:
    with platform_scope():
        return Lead.objects.filter(tenant=side.tenant, source=LeadSource.REFERRAL).latest("pk")


def test_a_withheld_referral_waits_for_the_referrer_and_is_then_routed(world, django_capture_on_commit_callbacks):
    acme = world.acme
    # given a referral whose contact's details the partner keeps
    response = refer(make_client(acme.sales_rep), contact_withheld="on", contact_name="", email="")
    assert response.status_code == 302
    lead = the_referral(acme)
    assert (lead.status, lead.contact_withheld, lead.email, lead.source_partner_id) == (
        LeadStatus.PENDING_REVIEW,
        True,
        "",
        acme.partner.pk,
    )
    with platform_scope():  # the lead managers heard of it
        told = set(
            Notification.objects.filter(kind=notifications.REFERRAL_RECEIVED).values_list("recipient_id", flat=True)
        )
    assert {acme.admin.pk, acme.manager.pk, acme.marketing.pk} <= told
    # when the vendor accepts it: no routing yet, the referrer is asked for the details
    with tenant_scope(acme.tenant):
        lead = lead_referral_accept(actor=acme.manager, lead=lead)
        assert lead.status == LeadStatus.AWAITING_CONTACT
        # the vendor cannot fill them in: only the referring company shares them
        with pytest.raises((NotAllowed, PolicyViolation)):
            lead_referral_contact_add(actor=acme.manager, lead=lead, contact_name="X", email="x@umbrella-corp.de")
        with pytest.raises((NotAllowed, PolicyViolation)):
            lead_referral_contact_add(
                actor=acme.partner_admins[1], lead=lead, contact_name="X", email="x@umbrella-corp.de"
            )
    page = body(make_client(acme.sales_rep).get(reverse("portal:lead_referrals")))
    assert "share the contact" in page and "Umbrella Corp" in page
    # another company of the tenant sees nothing of it, and cannot post its details
    other = make_client(acme.partner_admins[1])
    assert "Umbrella Corp" not in body(other.get(reverse("portal:lead_referrals")))
    url = reverse("portal:lead_referral_contact", args=[lead.pk])
    details = {f"lead{lead.pk}-contact_name": "Alice Abernathy", f"lead{lead.pk}-email": "alice@umbrella-corp.de"}
    assert other.post(url, details).status_code == 404
    # when the referrer shares them, the lead is routed
    with django_capture_on_commit_callbacks(execute=True):
        assert make_client(acme.partner_admin).post(url, details).status_code == 302
    lead = the_referral(acme)
    assert lead.email == "alice@umbrella-corp.de" and not lead.contact_withheld
    assert lead.status in (LeadStatus.OFFERED, LeadStatus.QUEUED)
    assert "Accepted and routed" in body(make_client(acme.sales_rep).get(reverse("portal:lead_referrals")))


def test_a_declined_referral_shows_the_vendors_reason_to_the_referrer(world):
    acme = world.acme
    refer(make_client(acme.sales_rep))
    lead = the_referral(acme)
    with tenant_scope(acme.tenant):
        with pytest.raises(PolicyViolation):
            lead_referral_decline(actor=acme.manager, lead=lead, reason=" ")
        lead_referral_decline(actor=acme.manager, lead=lead, reason="Umbrella already buys from us directly.")
        with pytest.raises(InvalidTransition):  # decided once
            lead_referral_accept(actor=acme.admin, lead=lead)
    page = body(make_client(acme.sales_rep).get(reverse("portal:lead_referrals")))
    assert "Declined: Umbrella already buys from us directly." in page
    with platform_scope():
        assert Notification.objects.filter(kind=notifications.REFERRAL_DECIDED, recipient=acme.sales_rep).exists()


def test_a_referral_with_the_contact_is_routed_once_accepted(world, django_capture_on_commit_callbacks):
    acme = world.acme
    refer(make_client(acme.partner_admin))
    lead = the_referral(acme)
    client = make_client(acme.manager)
    assert "Alice Abernathy" in body(client.get(reverse("office:lead_review", args=[lead.pk])))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("office:lead_referral_accept", args=[lead.pk]), {"note": ""})
    assert response.status_code == 302
    assert the_referral(acme).status in (LeadStatus.OFFERED, LeadStatus.QUEUED)


def test_the_referral_form_requires_the_contact_unless_withheld_and_keeps_what_was_typed(world):
    response = refer(make_client(world.acme.sales_rep), contact_name="", email="")
    page = body(response)
    assert response.status_code == 200 and 'value="Umbrella Corp"' in page
    with platform_scope():
        assert not Lead.objects.filter(source=LeadSource.REFERRAL).exists()


def test_staff_do_not_refer_and_partners_do_not_enter_leads(world):
    acme = world.acme
    with tenant_scope(acme.tenant):
        with pytest.raises((NotAllowed, PolicyViolation)):
            lead_receive(actor=acme.manager, source=LeadSource.REFERRAL, source_partner=acme.partner, company="X")
        with pytest.raises((NotAllowed, PolicyViolation)):
            lead_receive(
                actor=acme.partner_admin, source=LeadSource.REFERRAL, source_partner=acme.partners[1], company="X"
            )


# The session's user, the savepoint and its release, the count, the page's rows, the decline
# reasons, the lead settings (whether referring is on).
PINNED_REFERRALS = 7


def test_the_referral_list_costs_the_same_with_many_rows(world, no_queries_from_templates):
    acme = world.acme
    path = reverse("portal:lead_referrals")
    with tenant_scope(acme.tenant):
        first = lead_receive(
            actor=acme.sales_rep,
            source=LeadSource.REFERRAL,
            source_partner=acme.partner,
            company="First",
            email="a@first.de",
            contact_name="A",
        )
        lead_referral_decline(actor=acme.manager, lead=first.lead, reason="No")
    few = cost(acme.sales_rep, path)
    with tenant_scope(acme.tenant):
        for n in range(30):
            result = lead_receive(
                actor=acme.sales_rep,
                source=LeadSource.REFERRAL,
                source_partner=acme.partner,
                company=f"Many {n}",
                email=f"a@many{n}.de",
                contact_name="A",
            )
            if n % 3 == 0:
                lead_referral_decline(actor=acme.manager, lead=result.lead, reason="No")
    many = cost(acme.sales_rep, path)
    assert_list_page(few, many, pinned=PINNED_REFERRALS, row=r'<li class="list-group-item" id="referral-', rows=(1, 25))


def test_the_referrer_is_reminded_once_to_share_a_withheld_contact(acme):
    from datetime import timedelta

    from django.utils import timezone

    from leads.services.offers import offers_sweep

    from .factories import LeadFactory

    # given an accepted referral whose contact the referrer withheld, waiting for 4 days, and
    # one accepted yesterday
    with tenant_scope(acme.tenant):
        waiting, recent = (
            LeadFactory(
                tenant=acme.tenant,
                company=company,
                source=LeadSource.REFERRAL,
                source_partner=acme.partner,
                created_by=acme.partner_admin,
                status=LeadStatus.AWAITING_CONTACT,
                contact_withheld=True,
                contact_name="",
                email="",
            )
            for company in ("Withheld Waiting GmbH", "Withheld Recent GmbH")
        )
        Lead.objects.filter(pk=waiting.pk).update(updated_at=timezone.now() - timedelta(days=4))
        Lead.objects.filter(pk=recent.pk).update(updated_at=timezone.now() - timedelta(days=1))
        # when the sweep runs twice
        first, second = offers_sweep(), offers_sweep()
    # then the referrer is reminded once, of the one that has waited 3 days or more
    assert (first.contact_reminders, second.contact_reminders) == (1, 0)
    with platform_scope():
        reminders = list(Notification.objects.filter(kind=notifications.REFERRAL_DECIDED, recipient=acme.partner_admin))
        assert [n.title for n in reminders] == [
            "Your referral of Withheld Waiting GmbH waits for the contact's details"
        ]
        assert Lead.objects.get(pk=waiting.pk).status == LeadStatus.AWAITING_CONTACT
