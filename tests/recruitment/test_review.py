"""Defects found in the review of recruitment, each pinned by a test that failed before its fix."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from prm.accounts.models import User
from prm.errors import DomainError
from prm.tenancy import request_cache
from prm.tenancy.models import Tenant
from prm.tenancy.scope import platform_scope, tenant_scope
from recruitment.models import (
    AgreementAcceptance,
    AgreementVersion,
    Application,
    ApplicationAttachment,
    ApplicationCheck,
    ApplicationDuplicate,
    ApplicationScore,
    ApplicationStatus,
    JoinRequest,
    PartnerImport,
)
from recruitment.services.apply import join_request_create

from ..concurrency import race
from ..conftest import make_client
from .factories import ApplicationFactory, DiligenceItemFactory, SelectionCriterionFactory
from .isolation_apply import application_data
from .test_agreements import program_with_agreement
from .test_apply import applications, apply, joiner, link_in, public

pytestmark = pytest.mark.django_db


def test_a_signed_in_partner_user_may_apply_and_confirm_on_the_public_pages(world, django_capture_on_commit_callbacks):
    # given a partner user of acme, signed in on acme's host (a colleague applying for another company)
    client = make_client(world.acme.sales[0])
    # when they apply and confirm the e-mailed link
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("recruitment_apply"), application_data(world))
    assert sent.status_code == 302
    path = link_in(mail.outbox[0], "/apply/verify/")
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(path)
    # then the application is in the queue and they land on its status page
    assert confirmed.status_code == 302
    with tenant_scope(world.acme.tenant):
        (application,) = Application.objects.all()
    assert application.status == ApplicationStatus.SUBMITTED
    assert client.get(confirmed["Location"]).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_requests_to_join_at_once_from_one_address_make_one_request(world):
    # given two verified applications of one person at acme partner 1's domain (applied twice)

    acme = world.acme
    first = joiner(acme)
    second = ApplicationFactory(
        tenant=acme.tenant,
        company_name="P1 Company",
        contact_first_name="Jane",
        contact_last_name="Joiner",
        contact_email=first.contact_email,
    )
    # when both ask to join at the same moment (two tabs)
    outcomes = race(
        {
            name: (lambda a=application: join_request_create(application=a, partner_id=acme.partner.pk))
            for name, application in (("first", first), ("second", second))
        },
        tenant=acme.tenant,
    )
    # then neither fails with a database error: one request waits, both applications are withdrawn
    assert all(outcome == "done" or isinstance(outcome, DomainError) for outcome in outcomes.values()), outcomes
    with tenant_scope(acme.tenant):
        assert JoinRequest.objects.filter(partner=acme.partner).count() == 1


def test_plus_addressed_variants_of_one_mailbox_share_its_limit(world, django_capture_on_commit_callbacks):
    # given one mailbox written four ways ("+tags" and capitals reach the same inbox), from four
    # client addresses

    addresses = [
        "fritz@fuzz-systems.de",
        "fritz+1@fuzz-systems.de",
        "Fritz+b@Fuzz-Systems.de",
        "fritz+c@fuzz-systems.de",
    ]
    statuses = [
        apply(
            public(world.acme, ip=f"192.0.2.{n}"),
            world,
            capture=django_capture_on_commit_callbacks,
            contact_email=email,
        ).status_code
        for n, email in enumerate(addresses, start=1)
    ]
    # then the fourth is refused: the verification e-mails cannot be multiplied into one inbox
    assert statuses == [302, 302, 302, 429]
    assert len(applications(world.acme)) == 3


def test_a_malformed_content_length_is_not_a_server_error(world):
    # given a request whose Content-Length is not a number

    response = public(world.acme).post(reverse("recruitment_apply"), application_data(world), CONTENT_LENGTH="lots")
    # then the form answers (a 4xx or the form again), never a 500
    assert response.status_code < 500


def test_a_partner_users_transaction_reads_no_application_vetting_or_import_rows(world):
    # given an application with a document, a duplicate flag, a score and a check, and an import
    acme = world.acme
    application = ApplicationFactory(tenant=acme.tenant)
    with tenant_scope(acme.tenant):
        ApplicationAttachment.objects.create(application=application, document="x.pdf", name="x", kind="pdf", size=1)
        ApplicationDuplicate.objects.create(application=application, partner=acme.partner, matched_on="name", value="x")
        ApplicationScore.objects.create(
            application=application,
            reviewer=acme.admin,
            criterion=SelectionCriterionFactory(tenant=acme.tenant),
            score=3,
        )
        ApplicationCheck.objects.create(application=application, item=DiligenceItemFactory(tenant=acme.tenant))
        PartnerImport.objects.create(created_by=acme.admin, document="i.csv", file_name="i.csv", file_format="csv")
    models = [
        Application,
        ApplicationAttachment,
        ApplicationDuplicate,
        ApplicationScore,
        ApplicationCheck,
        PartnerImport,
    ]
    # when a partner user's transaction reads the tables directly (as an injection would)
    with tenant_scope(acme.tenant, partner=acme.partner), connection.cursor() as cursor:
        counts = {}
        for model in models:
            cursor.execute(f"SELECT count(*) FROM {model._meta.db_table}")
            counts[model.__name__] = cursor.fetchone()[0]
    # then row-level security shows it none of them: they are the vendor's
    assert counts == dict.fromkeys(counts, 0)


def test_behind_the_proxy_an_acceptance_records_the_clients_address_not_the_proxys(acme, settings):
    # given the deployment's proxy in front (one trusted proxy, as in production)

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    _agreement, version = program_with_agreement(acme)
    # when the partner admin accepts through it
    response = make_client(acme.partner_admin).post(
        reverse("portal:recruitment_agreement_accept", args=[version.pk]),
        {"confirm": "on"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.23",
    )
    # then the record keeps where the person was, as the proxy reported it
    assert response.status_code == 302
    with tenant_scope(acme.tenant):
        assert AgreementAcceptance.objects.get().ip_address == "198.51.100.23"


def test_the_agreements_page_says_a_deadline_passed_on_the_vendors_calendar_like_the_sweep(acme):
    # given a vendor 25 hours ahead of its partner admin (its day is always a later one), and a
    # version due by the partner admin's today

    _agreement, version = program_with_agreement(acme)
    readers_today = timezone.now().astimezone(ZoneInfo("Pacific/Pago_Pago")).date()
    with platform_scope():
        Tenant.objects.filter(pk=acme.tenant.pk).update(time_zone="Pacific/Kiritimati")
        User.objects.filter(pk=acme.partner_admin.user_id).update(time_zone="Pacific/Pago_Pago")
        AgreementVersion.objects.filter(pk=version.pk).update(accept_by=readers_today)
    request_cache.tenants_changed()
    assert datetime.now(ZoneInfo("Pacific/Kiritimati")).date() > readers_today
    # when the partner admin reads the agreements
    page = make_client(acme.partner_admin).get(reverse("portal:recruitment_agreements")).content.decode()
    # then the deadline has passed there as it has for the vendor's sweep (which flags it today)
    assert "The deadline has passed." in page
