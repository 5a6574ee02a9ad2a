"""The offers sweep: reminders at half time (once), expiry at the deadline with the lead routed on,
messages that carry nothing of the lead, and a cost that does not grow with the offers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads import notifications
from leads.models import Lead, LeadOffer, LeadStatus, OfferStatus
from leads.services.offers import offers_sweep
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope

from .offers_setup import make_catalogue, offered, reload

pytestmark = pytest.mark.django_db


@pytest.fixture
def cat(acme):
    return make_catalogue(acme)


def _set(offer, **fields):
    with platform_scope():
        LeadOffer.objects.filter(pk=offer.pk).update(**fields)


def sweep(side):
    with tenant_scope(side.tenant):
        return offers_sweep()


def notes_of(kind) -> list[Notification]:
    with platform_scope():
        return list(Notification.objects.filter(kind=kind).select_related("recipient"))


def test_a_reminder_goes_once_at_half_time_to_the_company_s_receivers(acme, cat):
    # given an offer half way to its deadline
    lead, offer = offered(acme, company="Initech Secret GmbH", contact_name="Ada Secret", email="ada@initech.example")
    _set(offer, remind_at=timezone.now() - timedelta(minutes=1))
    # when the sweep runs twice
    first, second = sweep(acme), sweep(acme)
    # then partner 1's admin and sales rep were reminded once
    assert (first.reminded, second.reminded) == (1, 0)
    assert reload(offer).reminded_at is not None
    sent = notes_of(notifications.OFFER_REMINDER)
    assert {n.recipient_id for n in sent} == {acme.partner_admin.pk, acme.sales_rep.pk}
    # and the message names the reference and the deadline, nothing of the lead
    for note in sent:
        shown = f"{note.title} {note.body}"
        assert lead.reference in shown
        for secret in ("Initech", "Ada", "ada@initech.example", "Berlin"):
            assert secret not in shown
        assert note.url == f"/portal/leads/offers/{offer.pk}/"


def test_an_offer_past_its_deadline_expires_and_the_lead_goes_to_the_next_partner(
    acme, cat, django_capture_on_commit_callbacks
):
    lead, offer = offered(acme, company="Initech Secret GmbH")
    _set(offer, due_at=timezone.now() - timedelta(minutes=1))
    # when the sweep runs (and its routing after commit)
    with django_capture_on_commit_callbacks(execute=True):
        summary = sweep(acme)
    # then the offer timed out, partner 1 was told (without the lead's details) and partner 2 is offered it
    assert summary.expired == 1
    assert reload(offer).status == OfferStatus.EXPIRED
    lead = reload(lead)
    assert (lead.status, lead.offered_to_id) == (LeadStatus.OFFERED, acme.partners[1].pk)
    told = notes_of(notifications.OFFER_EXPIRED)
    assert {n.recipient_id for n in told} == {acme.partner_admin.pk, acme.sales_rep.pk}
    assert all("Initech" not in f"{n.title} {n.body}" for n in told)
    # and a second sweep changes nothing
    assert sweep(acme).expired == 0


def test_the_sweep_leaves_offers_not_yet_due_and_other_tenants_alone(acme, globex, cat):
    _lead, offer = offered(acme)
    make_catalogue(globex)
    _other_lead, other = offered(globex)
    _set(other, due_at=timezone.now() - timedelta(minutes=1), remind_at=timezone.now() - timedelta(hours=1))
    assert (sweep(acme).reminded, sweep(acme).expired) == (0, 0)
    assert reload(offer).status == OfferStatus.PENDING and reload(other).status == OfferStatus.PENDING


def _due_offers(side, count: int) -> None:
    for _ in range(count):
        _lead, offer = offered(side)
        _set(
            offer,
            remind_at=timezone.now() - timedelta(hours=2),
            due_at=timezone.now() - timedelta(minutes=1),
        )


def _queries_of_a_sweep(side) -> int:
    with tenant_scope(side.tenant):
        ContentType.objects.get_for_model(Lead)  # the content type cache, warm as in a worker
        with CaptureQueriesContext(connection) as queries:
            offers_sweep()
    return len(queries)


def test_the_sweep_s_queries_do_not_grow_with_the_number_of_offers(acme, cat):
    # given a first sweep (the tenant's lead settings row, where the queue digest's time is kept)
    _queries_of_a_sweep(acme)
    # and 2 offers due for a reminder, then (after a sweep) 6 more
    _due_offers(acme, 2)
    with platform_scope():
        LeadOffer.objects.filter(tenant=acme.tenant).update(due_at=timezone.now() + timedelta(hours=1))
    few = _queries_of_a_sweep(acme)
    _due_offers(acme, 6)
    with platform_scope():
        LeadOffer.objects.filter(tenant=acme.tenant, reminded_at__isnull=True).update(
            due_at=timezone.now() + timedelta(hours=1)
        )
    many = _queries_of_a_sweep(acme)
    # then reminding 6 costs what reminding 2 cost
    assert few == many
    # and expiring 2 costs what expiring 6 costs
    with platform_scope():
        LeadOffer.objects.filter(tenant=acme.tenant, status=OfferStatus.PENDING).update(
            due_at=timezone.now() - timedelta(minutes=1)
        )
        some = list(
            LeadOffer.objects.filter(tenant=acme.tenant, status=OfferStatus.PENDING).values_list("pk", flat=True)
        )
        LeadOffer.objects.filter(pk__in=some[2:]).update(due_at=timezone.now() + timedelta(days=30))
    expire_few = _queries_of_a_sweep(acme)
    with platform_scope():
        LeadOffer.objects.filter(pk__in=some[2:]).update(due_at=timezone.now() - timedelta(minutes=1))
    expire_many = _queries_of_a_sweep(acme)
    assert expire_few == expire_many


def test_an_accepted_lead_nobody_works_is_pulled_back_and_offered_on(acme, cat):
    from leads.models import LeadProgramSettings, QueueReason
    from leads.services.work import lead_message_post
    from prm.events.models import Event

    from .offers_setup import accepted

    # given a program that pulls back accepted leads left unchanged for 14 days
    stale = accepted(acme)
    worked = accepted(acme)
    with tenant_scope(acme.tenant):
        LeadProgramSettings.objects.update_or_create(program_id=stale.program_id, defaults={"stale_after_days": 14})
    with platform_scope():
        Lead.objects.filter(pk__in=[stale.pk, worked.pk]).update(updated_at=timezone.now() - timedelta(days=15))
    # and the partner wrote about the other one today (its word counts as work)
    with tenant_scope(acme.tenant, partner=acme.partner):
        lead_message_post(actor=acme.partner_admin, lead=worked, body="Called them; meeting on Friday.")
    # when the sweep runs (twice)
    assert sweep(acme).pulled_back == 1
    assert sweep(acme).pulled_back == 0
    # then the stale lead left the company for the queue (routed on after the commit), the company's
    # offer is marked returned so it is not offered it again, and the company is told why
    stale, worked = reload(stale), reload(worked)
    assert (stale.status, stale.partner_id, stale.queue_reason) == (LeadStatus.QUEUED, None, QueueReason.STALE)
    assert worked.status == LeadStatus.ACCEPTED and worked.partner_id == acme.partner.pk
    with platform_scope():
        assert LeadOffer.objects.get(lead=stale, partner=acme.partner).status == OfferStatus.RETURNED
        assert Event.objects.filter(object_id=stale.pk, verb="lead.pulled_back").exists()
    told = [n for n in notes_of(notifications.QUEUED) if n.recipient.partner_id == acme.partner.pk]
    assert told and "no change for 14 days" in told[0].title
