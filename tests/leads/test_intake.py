"""Leads in: ``lead_receive`` cleans a lead, merges or flags a repeat of an earlier one (same
e-mail or company domain within the window; free mail is no evidence), records it and routes a
new lead after commit; a flagged duplicate waits for a person (release, discard)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leads import events
from leads.models import Lead, LeadSettings, LeadSource, LeadStatus, RoutingDecision
from leads.services.intake import LeadInput, lead_receive, lead_receive_many
from leads.services.referrals import lead_duplicate_discard, lead_duplicate_release
from prm.errors import InvalidTransition, NotAllowed
from prm.events.models import Event, OutboxMessage
from prm.tenancy.scope import tenant_scope

from .factories import LeadFactory

pytestmark = pytest.mark.django_db


def receive(actor, **values):
    values.setdefault("source", LeadSource.MANUAL)
    values.setdefault("company", "Initech GmbH")
    return lead_receive(actor=actor, **values)


def settings_of(merge: bool, days: int = 30):
    LeadSettings.objects.update_or_create(defaults={"merge_duplicates": merge, "duplicate_window_days": days})


def test_a_lead_entered_by_staff_is_cleaned_recorded_and_routed_after_commit(acme, django_capture_on_commit_callbacks):
    with tenant_scope(acme.tenant), django_capture_on_commit_callbacks(execute=True):
        result = receive(
            acme.manager,
            company="  Initech   GmbH ",
            website="https://www.sales.initech.de/contact",
            email="Peter@Initech.DE",
            country="de",
            estimated_value=None,
        )
    with tenant_scope(acme.tenant):
        lead = Lead.objects.get(pk=result.lead.pk)
        assert result.created and not result.merged
        assert (lead.company, lead.email, lead.domain, lead.country) == (
            "Initech GmbH",
            "peter@initech.de",
            "initech.de",
            "DE",
        )
        assert lead.reference == f"LD-{lead.pk:06d}" and lead.created_by == acme.manager
        assert Event.objects.filter(object_id=lead.pk, verb=events.RECEIVED).exists()
        # routed by the task the outbox ran after commit (the routing engine decides where)
        assert RoutingDecision.objects.filter(lead=lead).count() == 1
        assert lead.status in (LeadStatus.OFFERED, LeadStatus.QUEUED)


def test_a_repeat_by_email_is_merged_into_the_earlier_lead_and_not_routed_again(acme):
    with tenant_scope(acme.tenant):
        settings_of(merge=True)
        first = receive(acme.manager, email="peter@initech.de").lead
        repeat = receive(acme.manager, company="Initech", email="PETER@initech.de", description="Call me back")
        # then no new lead; the earlier lead counts the repeat and its timeline holds what it said
        assert repeat.merged and not repeat.created and repeat.lead.pk == first.pk
        assert Lead.objects.count() == 1
        assert Lead.objects.get(pk=first.pk).duplicate_count == 1
        merged = Event.objects.get(object_id=first.pk, verb=events.MERGED)
        assert merged.data["repeat"]["description"] == "Call me back"
        # one routing message: the first lead's
        assert OutboxMessage.objects.filter(task_name="leads.route").count() == 1


def test_a_repeat_by_company_domain_is_flagged_out_of_routing_when_merging_is_off(acme):
    with tenant_scope(acme.tenant):
        settings_of(merge=False)
        first = receive(acme.manager, website="initech.de").lead
        repeat = receive(acme.manager, company="Initech AG", email="milton@initech.de")
        assert repeat.flagged and repeat.lead.duplicate_of_id == first.pk
        assert repeat.lead.status == LeadStatus.DUPLICATE
        assert OutboxMessage.objects.filter(task_name="leads.route").count() == 1


def test_free_mail_is_no_domain_match(acme):
    with tenant_scope(acme.tenant):
        settings_of(merge=True)
        receive(acme.manager, company="Alpha", email="anna@gmail.com")
        other = receive(acme.manager, company="Beta", email="bert@gmail.com")
        assert other.created and not other.merged and other.lead.domain == ""
        assert Lead.objects.count() == 2


def test_a_lead_older_than_the_window_is_not_a_duplicate(acme):
    with tenant_scope(acme.tenant):
        settings_of(merge=True, days=30)
        old = LeadFactory(tenant=acme.tenant, email="peter@initech.de", domain="initech.de")
        Lead.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
        again = receive(acme.manager, email="peter@initech.de")
        assert again.created and again.lead.duplicate_of_id is None


def test_other_tenants_leads_are_never_duplicates(acme, globex):
    with tenant_scope(globex.tenant):
        receive(globex.manager, email="peter@initech.de")
    with tenant_scope(acme.tenant):
        assert receive(acme.manager, email="peter@initech.de").created


def test_a_batch_merges_repeats_of_its_own_rows_in_a_fixed_number_of_queries(acme, django_assert_max_num_queries):
    with tenant_scope(acme.tenant):
        settings_of(merge=True)
        receive(acme.manager, company="Known", email="known@known.example")
        items = [LeadInput(company=f"Bulk {n}", email=f"p{n}@bulk{n}.de").clean() for n in range(200)]
        items += [
            LeadInput(company="Bulk 0 again", email="other@bulk0.de").clean(),  # same domain as row 1
            LeadInput(company="Known again", email="known@known.example").clean(),  # an earlier lead
        ]
        with django_assert_max_num_queries(16):
            results = lead_receive_many(items=items, source=LeadSource.IMPORT, created_by=acme.admin)
        assert sum(r.created for r in results) == 200 and sum(r.merged for r in results) == 2
        assert results[200].lead.pk == results[0].lead.pk
        assert Lead.objects.count() == 201


def test_who_may_enter_a_lead(acme):
    with tenant_scope(acme.tenant):
        with pytest.raises(NotAllowed):
            receive(acme.partner_admin)
        # marketing manages leads
        assert receive(acme.marketing, email="m@initech.de").created


def test_a_flagged_duplicate_is_released_into_routing_or_discarded_once(acme):
    with tenant_scope(acme.tenant):
        settings_of(merge=False)
        receive(acme.manager, email="a@initech.de")
        one = receive(acme.manager, email="b@initech.de").lead
        two = receive(acme.manager, email="c@initech.de").lead
        released = lead_duplicate_release(actor=acme.manager, lead=one)
        assert released.status == LeadStatus.NEW
        assert OutboxMessage.objects.filter(task_name="leads.route", kwargs__lead_id=one.pk).exists()
        with pytest.raises(InvalidTransition):
            lead_duplicate_discard(actor=acme.manager, lead=one)
        assert lead_duplicate_discard(actor=acme.manager, lead=two).status == LeadStatus.DISQUALIFIED
        with pytest.raises(NotAllowed):
            lead_duplicate_release(actor=acme.sales_rep, lead=two)
