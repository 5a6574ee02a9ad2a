"""The public web-to-lead form: a lead arrives (routed after commit), a honeypot is answered like a
success and nothing is kept, the rate limits answer 429 with Retry-After, bad input comes back as
typed, and a tenant that turned the form off has none."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from leads.models import Lead, LeadSettings, LeadSource, LeadStatus
from prm.tenancy.scope import tenant_scope

from ..conftest import body, host_of

pytestmark = pytest.mark.django_db


def public(side, ip: str = "203.0.113.9") -> Client:
    return Client(HTTP_HOST=host_of(side.tenant), REMOTE_ADDR=ip)


def form_data(**changes) -> dict:
    data = {
        "company": "Initrode AG",
        "contact_name": "Bill Lumbergh",
        "email": "bill@initrode.de",
        "phone": "+49 89 1234",
        "country": "DE",
        "city": "Munich",
        "postal_code": "80331",
        "industry": "Manufacturing",
        "description": "We need Wi-Fi in three plants.",
        "consent": "on",
    }
    data.update(changes)
    return data


def leads(side) -> list[Lead]:
    with tenant_scope(side.tenant):
        return list(Lead.objects.order_by("pk"))


def test_a_visitor_sends_a_lead_that_is_routed_with_its_campaign(world, django_capture_on_commit_callbacks):
    acme = world.acme
    with django_capture_on_commit_callbacks(execute=True):
        response = public(acme).post(reverse("lead_web_form") + "?campaign=spring-fair", form_data())
    assert response.status_code == 302 and response["Location"] == reverse("lead_web_form_sent")
    [lead] = leads(acme)
    assert (lead.source, lead.company, lead.email, lead.campaign) == (
        LeadSource.WEB_FORM,
        "Initrode AG",
        "bill@initrode.de",
        "spring-fair",
    )
    assert lead.status in (LeadStatus.OFFERED, LeadStatus.QUEUED)  # the routing task ran after commit
    assert "Thank you" in body(public(acme).get(reverse("lead_web_form_sent")))


def test_the_form_is_in_the_tenants_name_and_absent_on_the_bare_domain(world):
    assert "Talk to Acme" in body(public(world.acme).get(reverse("lead_web_form")))
    assert Client(HTTP_HOST="localhost").get(reverse("lead_web_form")).status_code == 404


def test_a_filled_honeypot_gets_the_success_answer_and_nothing_is_kept(world):
    response = public(world.acme).post(reverse("lead_web_form"), form_data(company_code="http://spam.example"))
    assert response.status_code == 302 and response["Location"] == reverse("lead_web_form_sent")
    assert leads(world.acme) == []


def test_bad_input_comes_back_as_typed_with_the_errors(world):
    response = public(world.acme).post(
        reverse("lead_web_form"), form_data(email="not-an-address", company="Initrode AG", consent="")
    )
    page = body(response)
    assert response.status_code == 200
    assert 'value="Initrode AG"' in page and 'value="not-an-address"' in page
    assert "Nothing was changed" in page
    assert leads(world.acme) == []


def test_overlong_input_is_refused_not_cut(world):
    response = public(world.acme).post(reverse("lead_web_form"), form_data(company="x" * 201))
    assert response.status_code == 200 and leads(world.acme) == []


@override_settings(PRM_LEAD_FORM_RATE_PER_IP="2/h")
def test_a_client_over_its_limit_gets_429_with_retry_after(world):
    client = public(world.acme, ip="198.51.100.77")
    answers = [client.post(reverse("lead_web_form"), form_data(email=f"p@initrode{n}.de")) for n in range(3)]
    assert [a.status_code for a in answers] == [302, 302, 429]
    assert int(answers[2]["Retry-After"]) > 0
    assert "Too many requests" in body(answers[2])
    assert len(leads(world.acme)) == 2


@override_settings(PRM_LEAD_FORM_RATE_PER_ADDRESS="1/d")
def test_one_address_is_limited_whatever_the_client(world):
    first = public(world.acme, ip="198.51.100.1").post(reverse("lead_web_form"), form_data())
    second = public(world.acme, ip="198.51.100.2").post(
        reverse("lead_web_form"), form_data(email="Bill+again@initrode.de")
    )
    assert (first.status_code, second.status_code) == (302, 429)


def test_a_tenant_that_turned_the_form_off_has_none(world):
    with tenant_scope(world.acme.tenant):
        LeadSettings.objects.create(web_form_enabled=False)
    client = public(world.acme)
    assert client.get(reverse("lead_web_form")).status_code == 404
    assert client.post(reverse("lead_web_form"), form_data()).status_code == 404
    assert leads(world.acme) == []
