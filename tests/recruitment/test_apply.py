"""The public application: the form, the e-mailed verification, the duplicate guard, the status
page, requests to join an existing partner, abuse guards and the expiry sweep."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from partners.models import Partner
from prm.accounts.models import Invitation
from prm.accounts.roles import Role
from prm.events.models import Event
from prm.memo import reference_changed
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.web.files import minimal_pdf
from recruitment import events
from recruitment.models import (
    Application,
    ApplicationAttachment,
    ApplicationCheck,
    ApplicationDuplicate,
    ApplicationScore,
    ApplicationStatus,
    DuplicateMatch,
    JoinRequest,
    JoinRequestStatus,
    RecruitmentSettings,
)
from recruitment.services.apply import application_expire_due, status_token, verification_token

from ..conftest import host_of, make_client
from ..factories import PartnerMembershipFactory
from .factories import ApplicationFactory, DiligenceItemFactory, SelectionCriterionFactory
from .isolation_apply import application_data

pytestmark = pytest.mark.django_db


def public(side, ip: str = "203.0.113.7") -> Client:
    """An anonymous visitor on the tenant's host, from one address."""
    return Client(HTTP_HOST=host_of(side.tenant), REMOTE_ADDR=ip)


def applications(side):
    with tenant_scope(side.tenant):
        return list(Application.objects.order_by("pk"))


def link_in(message, name: str) -> str:
    """The path of the link to ``name`` (a URL prefix such as "/apply/verify/") in an e-mail."""
    found = re.search(rf"https?://[^/\s]+({re.escape(name)}[^\s]+)", message.body)
    assert found, message.body
    return found.group(1)


def apply(client, world, *, capture, **changes):
    data = {**application_data(world), **changes}
    with capture(execute=True):
        return client.post(reverse("recruitment_apply"), data)


def verify(client, path, *, capture):
    with capture(execute=True):
        return client.post(path)


# --- the happy path --------------------------------------------------------------------------------


def test_an_application_reaches_the_queue_once_its_contact_confirms_the_address(
    world, django_capture_on_commit_callbacks
):
    # given the vendor's introduction, a due-diligence item, and a visitor on acme's host
    acme = world.acme
    with platform_scope():
        RecruitmentSettings.objects.create(tenant=acme.tenant, intro="We look for resellers in Europe.")
    DiligenceItemFactory(tenant=acme.tenant, name="Security questionnaire", evidence_required=True)
    client = public(acme)
    form = client.get(reverse("recruitment_apply"))
    assert form.status_code == 200
    assert "We look for resellers in Europe." in form.content.decode()

    # when they apply
    response = apply(client, world, capture=django_capture_on_commit_callbacks)

    # then they are asked to check their inbox, and an unverified application waits
    assert response.status_code == 302 and response["Location"] == reverse("recruitment_apply_sent")
    (application,) = applications(acme)
    assert application.status == ApplicationStatus.UNVERIFIED
    assert re.fullmatch(r"APP-[2-9A-Z]{6}", application.reference)
    assert application.email_domains == ["fuzz-systems.de"]
    assert application.submitted_ip == "203.0.113.7"
    assert application.expires_at > timezone.now() + timedelta(hours=71)
    (message,) = mail.outbox
    assert message.to == ["fritz@fuzz-systems.de"]
    verify_path = link_in(message, "/apply/verify/")

    # when the link is opened (as a mail scanner would): a button, and nothing changes yet
    page = client.get(verify_path)
    assert page.status_code == 200 and "Confirm and send the application" in page.content.decode()
    assert applications(acme)[0].status == ApplicationStatus.UNVERIFIED

    # when the contact presses the button
    confirmed = verify(client, verify_path, capture=django_capture_on_commit_callbacks)

    # then the application is in the queue with a deadline and its checklist; reviewers are told;
    # the applicant lands on its status page and gets its link by e-mail
    application = applications(acme)[0]
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.verified_at is not None and application.due_at > application.verified_at
    with tenant_scope(acme.tenant):
        assert ApplicationCheck.objects.filter(application=application).count() == 1
        told = set(Notification.objects.filter(kind="application.submitted").values_list("recipient_id", flat=True))
    assert {acme.admin.pk, acme.manager.pk} <= told and acme.marketing.pk not in told
    status_path = reverse("recruitment_apply_status", args=[status_token(application)])
    assert confirmed["Location"] == status_path
    (status_mail,) = [m for m in mail.outbox[1:] if m.to == ["fritz@fuzz-systems.de"]]
    assert link_in(status_mail, "/apply/status/") == status_path
    status = client.get(status_path).content.decode()
    assert application.reference in status and "Submitted" in status
    assert "We need: Security questionnaire" in status


def test_verifying_twice_changes_nothing_more(world, django_capture_on_commit_callbacks):
    # given an application whose contact already confirmed
    acme = world.acme
    client = public(acme)
    apply(client, world, capture=django_capture_on_commit_callbacks)
    path = link_in(mail.outbox[0], "/apply/verify/")
    verify(client, path, capture=django_capture_on_commit_callbacks)
    # when the link is used again
    again = verify(client, path, capture=django_capture_on_commit_callbacks)
    # then it just leads to the status page: one verification event, one notification each
    assert again.status_code == 302
    with tenant_scope(acme.tenant):
        assert Event.objects.filter(verb=events.APPLICATION_VERIFIED).count() == 1
        assert Notification.objects.filter(kind="application.submitted", recipient=acme.admin).count() == 1
    assert "already confirmed" in client.get(path).content.decode()


def test_a_bad_verification_link_says_so(world):
    # given a link with a changed character
    application = ApplicationFactory(tenant=world.acme.tenant, status=ApplicationStatus.UNVERIFIED, verified_at=None)
    token = verification_token(application)
    # when it is opened and posted
    bad = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    page = public(world.acme).get(reverse("recruitment_apply_verify", args=[bad]))
    posted = public(world.acme).post(reverse("recruitment_apply_verify", args=[bad]))
    # then a page says the link does not work; the application stays unverified
    assert page.status_code == 404 and "This link does not work" in page.content.decode()
    assert posted.status_code == 404
    assert applications(world.acme)[0].status == ApplicationStatus.UNVERIFIED


# --- bad input --------------------------------------------------------------------------------------


def test_invalid_input_keeps_what_was_typed(world):
    # given a visitor who forgets the company name and the consent
    client = public(world.acme)
    data = {**application_data(world), "company_name": "", "consent": ""}
    # when they send the form
    response = client.post(reverse("recruitment_apply"), data)
    # then the form comes back with what they typed and says what is missing; nothing is stored
    page = response.content.decode()
    assert response.status_code == 200
    assert "fritz@fuzz-systems.de" in page and "DACH, Benelux" in page and "Twenty engineers." in page
    assert "This field is required." in page
    assert applications(world.acme) == []


def test_a_file_that_is_not_a_document_is_refused(world):
    # given a script named like a PDF
    client = public(world.acme)
    fake = SimpleUploadedFile("profile.pdf", b"#!/bin/sh\necho owned\n", "application/pdf")
    # when it is sent with the application
    response = client.post(reverse("recruitment_apply"), {**application_data(world), "documents": fake})
    # then the form says which types it takes, keeps the typed values, and nothing is stored
    page = response.content.decode()
    assert response.status_code == 200
    assert "Upload a PDF, PNG or JPEG file." in page and "Fuzz Systems GmbH" in page
    assert applications(world.acme) == []


def test_documents_are_kept_with_the_application(world, django_capture_on_commit_callbacks):
    # given a real PDF
    pdf = SimpleUploadedFile("profile.pdf", minimal_pdf("Company profile"), "application/pdf")
    # when it is sent with the application
    apply(public(world.acme), world, capture=django_capture_on_commit_callbacks, documents=pdf)
    # then it is stored as a PDF under its name
    with tenant_scope(world.acme.tenant):
        (attachment,) = ApplicationAttachment.objects.all()
    assert (attachment.name, attachment.kind) == ("profile.pdf", "pdf")


def test_the_honeypot_answers_like_a_success_and_keeps_nothing(world, django_capture_on_commit_callbacks):
    # given a bot that fills every field, the hidden one too
    client = public(world.acme)
    # when it sends the form
    response = apply(client, world, capture=django_capture_on_commit_callbacks, referral_code="SPAM-123")
    # then it is told to check its inbox, as a person would be, and nothing is stored or sent
    assert response.status_code == 302 and response["Location"] == reverse("recruitment_apply_sent")
    assert applications(world.acme) == []
    assert mail.outbox == []


# --- rate limits ----------------------------------------------------------------------------------------


def test_a_burst_from_one_address_is_limited(world, django_capture_on_commit_callbacks):
    # given one client address sending seven applications (each for another contact)
    client = public(world.acme, ip="198.51.100.9")
    statuses = [
        apply(
            client, world, capture=django_capture_on_commit_callbacks, contact_email=f"c{n}@fuzz-systems.de"
        ).status_code
        for n in range(7)
    ]
    # then the first five are taken, the rest refused with a 429 that says when to try again
    assert statuses == [302] * 5 + [429] * 2
    assert len(applications(world.acme)) == 5
    refused = apply(client, world, capture=django_capture_on_commit_callbacks, contact_email="late@fuzz-systems.de")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Please try again in" in refused.content.decode()
    # and another address is not held back
    other = apply(public(world.acme, ip="198.51.100.10"), world, capture=django_capture_on_commit_callbacks)
    assert other.status_code == 302


def test_one_contact_address_applies_three_times_a_day_at_most(world, django_capture_on_commit_callbacks):
    # given the same contact address sent from four client addresses
    statuses = [
        apply(public(world.acme, ip=f"192.0.2.{n}"), world, capture=django_capture_on_commit_callbacks).status_code
        for n in range(1, 5)
    ]
    # then the fourth is refused, and three applications are kept
    assert statuses == [302, 302, 302, 429]
    assert len(applications(world.acme)) == 3


def test_invalid_attempts_do_not_use_up_the_limit(world):
    # given a person who gets the form wrong six times
    client = public(world.acme, ip="198.51.100.77")
    for _ in range(6):
        assert client.post(reverse("recruitment_apply"), {**application_data(world), "consent": ""}).status_code == 200
    # when they finally get it right
    response = client.post(reverse("recruitment_apply"), application_data(world))
    # then it is taken
    assert response.status_code == 302


# --- the duplicate guard ---------------------------------------------------------------------------------


def test_verification_flags_an_existing_partner_and_another_open_application(world, django_capture_on_commit_callbacks):
    # given a partner at fuzz-systems.de and an open application with the same e-mail domain
    acme = world.acme
    with platform_scope():
        Partner.objects.filter(pk=acme.partner.pk).update(website="https://www.fuzz-systems.de/en")
    other = ApplicationFactory(
        tenant=acme.tenant, company_name="Fuzz Sales", website="", email_domains=["sales.fuzz-systems.de"]
    )
    unrelated = ApplicationFactory(tenant=acme.tenant, company_name="Other Co", email_domains=["other.de"])
    client = public(acme)
    apply(client, world, capture=django_capture_on_commit_callbacks)
    # when the contact confirms
    response = verify(client, link_in(mail.outbox[0], "/apply/verify/"), capture=django_capture_on_commit_callbacks)
    # then both are flagged for the vendor, with what matched
    application = next(a for a in applications(acme) if a.pk not in (other.pk, unrelated.pk))
    with tenant_scope(acme.tenant):
        flags = {
            (d.partner_id, d.other_application_id, d.matched_on, d.value)
            for d in ApplicationDuplicate.objects.filter(application=application)
        }
        assert Event.objects.filter(verb=events.APPLICATION_DUPLICATE, object_id=application.pk).count() == 1
    assert (acme.partner.pk, None, DuplicateMatch.WEBSITE, "fuzz-systems.de") in flags
    assert {(flag[1], flag[3]) for flag in flags if flag[1]} == {(other.pk, "fuzz-systems.de")}
    assert not any(flag[1] == unrelated.pk for flag in flags)
    # and the applicant is told nothing of it (the partner's domain is not in its e-mail domains)
    status = client.get(response["Location"]).content.decode()
    assert acme.partner.display_name not in status


def test_a_matching_company_name_is_flagged(world):
    # given an open application under the partner's name, in other case
    from recruitment.services.apply import duplicates_find

    acme = world.acme
    application = ApplicationFactory(tenant=acme.tenant, company_name=acme.partner.display_name.upper())
    # when the guard looks
    with tenant_scope(acme.tenant):
        found = duplicates_find(application)
    # then the partner is found by name
    assert [(d.partner_id, d.matched_on) for d in found] == [(acme.partner.pk, DuplicateMatch.NAME)]


# --- the status page -------------------------------------------------------------------------------------


def test_a_tampered_status_link_is_not_found(world):
    application = ApplicationFactory(tenant=world.acme.tenant)
    token = status_token(application)
    tampered = token.replace(token.split(":")[0], token.split(":")[0][:-1] + "x", 1)
    assert public(world.acme).get(reverse("recruitment_apply_status", args=[tampered])).status_code == 404


def test_a_status_link_of_one_tenant_is_not_found_on_another_tenants_host(world):
    # given acme's application and its genuine link
    application = ApplicationFactory(tenant=world.acme.tenant, company_name="Acme Applicant")
    path = reverse("recruitment_apply_status", args=[status_token(application)])
    # when it is opened on globex's host
    response = public(world.globex).get(path)
    # then nothing is found there
    assert response.status_code == 404 and "Acme Applicant" not in response.content.decode()
    assert public(world.acme).get(path).status_code == 200


def test_the_status_page_shows_the_criteria_and_the_scores_only_when_the_vendor_allows(world):
    # given a criterion with guidance, a score on it, and the decision
    acme = world.acme
    criterion = SelectionCriterionFactory(
        tenant=acme.tenant, name="Market reach", description="How many customers you reach.", level_5="Nationwide"
    )
    application = ApplicationFactory(
        tenant=acme.tenant,
        status=ApplicationStatus.REJECTED,
        rejection_reason="territory",
        decision_message="We have enough resellers in Bavaria.",
        decided_at=timezone.now(),
    )
    with platform_scope():
        ApplicationScore.objects.create(
            tenant=acme.tenant, application=application, reviewer=acme.manager, criterion=criterion, score=4
        )
    path = reverse("recruitment_apply_status", args=[status_token(application)])
    # when the applicant opens its page
    page = public(acme).get(path).content.decode()
    # then it sees the criterion and what each level means, the decision and its reason, no score
    assert "Market reach" in page and "Nationwide" in page
    assert "Territory already covered" in page and "We have enough resellers in Bavaria." in page
    assert "Score 4" not in page
    # and with scores shown, the average per criterion
    with platform_scope():
        RecruitmentSettings.objects.create(tenant=acme.tenant, show_scores_to_applicant=True)
    reference_changed(tenant_id=acme.tenant.pk)  # what the settings' admin does
    assert "Score 4.0 of 5" in public(acme).get(path).content.decode()


def test_the_applicant_withdraws_an_open_application(world):
    application = ApplicationFactory(tenant=world.acme.tenant)
    client = public(world.acme)
    response = client.post(reverse("recruitment_apply_withdraw", args=[status_token(application)]))
    assert response.status_code == 302
    assert applications(world.acme)[0].status == ApplicationStatus.WITHDRAWN
    # a decided one cannot be: the page says so
    decided = ApplicationFactory(tenant=world.acme.tenant, status=ApplicationStatus.APPROVED)
    client.post(reverse("recruitment_apply_withdraw", args=[status_token(decided)]), follow=True)
    with tenant_scope(world.acme.tenant):
        assert Application.objects.get(pk=decided.pk).status == ApplicationStatus.APPROVED


def test_more_documents_from_the_status_page(world):
    application = ApplicationFactory(tenant=world.acme.tenant)
    path = reverse("recruitment_apply_documents", args=[status_token(application)])
    client = public(world.acme)
    wrong = client.post(path, {"documents": SimpleUploadedFile("x.png", b"GIF89a....", "image/png")})
    assert wrong.status_code == 200 and "Upload a PDF, PNG or JPEG file." in wrong.content.decode()
    ok = client.post(path, {"documents": SimpleUploadedFile("cert.pdf", minimal_pdf("ISO"), "application/pdf")})
    assert ok.status_code == 302
    with tenant_scope(world.acme.tenant):
        assert list(ApplicationAttachment.objects.values_list("name", flat=True)) == ["cert.pdf"]
        assert Event.objects.filter(verb=events.APPLICATION_DOCUMENTS_ADDED, object_id=application.pk).exists()


# --- expiry ------------------------------------------------------------------------------------------------


def test_unverified_applications_expire_once_past_their_time(world, django_capture_on_commit_callbacks):
    # given one unverified application past its time, one not yet, and a verified one
    acme = world.acme
    now = timezone.now()
    late = ApplicationFactory(
        tenant=acme.tenant, status=ApplicationStatus.UNVERIFIED, verified_at=None, expires_at=now - timedelta(hours=1)
    )
    fresh = ApplicationFactory(
        tenant=acme.tenant, status=ApplicationStatus.UNVERIFIED, verified_at=None, expires_at=now + timedelta(hours=1)
    )
    done = ApplicationFactory(tenant=acme.tenant, expires_at=now - timedelta(hours=1))
    # when the sweep runs, twice
    with tenant_scope(acme.tenant):
        first, second = application_expire_due(), application_expire_due()
    # then only the late one expired, once, with its event
    assert (first, second) == (1, 0)
    statuses = {a.pk: a.status for a in applications(acme)}
    assert statuses == {
        late.pk: ApplicationStatus.EXPIRED,
        fresh.pk: ApplicationStatus.UNVERIFIED,
        done.pk: ApplicationStatus.SUBMITTED,
    }
    with tenant_scope(acme.tenant):
        expired = Event.objects.filter(
            verb=events.APPLICATION_EXPIRED, content_type=ContentType.objects.get_for_model(Application)
        )
        assert list(expired.values_list("object_id", flat=True)) == [late.pk]
    # and its link no longer verifies it
    path = reverse("recruitment_apply_verify", args=[verification_token(late)])
    response = verify(public(acme), path, capture=django_capture_on_commit_callbacks)
    assert response.status_code in (200, 404)
    assert applications(acme)[0].status == ApplicationStatus.EXPIRED


def test_the_hourly_fan_out_expires_every_tenants_applications(world):
    from recruitment.tasks import applications_expire_all_task

    for side in (world.acme, world.globex):
        ApplicationFactory(
            tenant=side.tenant,
            status=ApplicationStatus.UNVERIFIED,
            verified_at=None,
            expires_at=timezone.now() - timedelta(minutes=5),
        )
    applications_expire_all_task.apply()
    for side in (world.acme, world.globex):
        assert [a.status for a in applications(side)] == [ApplicationStatus.EXPIRED]


# --- requests to join ----------------------------------------------------------------------------------


def joiner(side, email="jane@p1-company.de"):
    with platform_scope():
        Partner.objects.filter(pk=side.partner.pk).update(email_domains=["p1-company.de"])
    return ApplicationFactory(
        tenant=side.tenant,
        company_name="P1 Company",
        contact_first_name="Jane",
        contact_last_name="Joiner",
        contact_email=email,
    )


def test_a_verified_colleague_is_offered_to_join_and_the_partner_admin_approves(
    world, django_capture_on_commit_callbacks
):
    # given a verified applicant whose address is at acme partner 1's domain
    acme = world.acme
    application = joiner(acme)
    status_path = reverse("recruitment_apply_status", args=[status_token(application)])
    client = public(acme)
    page = client.get(status_path).content.decode()
    assert f"Request to join {acme.partner.display_name}" in page
    # when they ask to join
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(
            reverse("recruitment_apply_join", args=[status_token(application)]),
            {"partner": str(acme.partner.pk), "message": "I run their Munich office."},
        )
    # then the application is withdrawn, a request waits, and the partner admin is told
    assert asked.status_code == 302
    assert applications(acme)[0].status == ApplicationStatus.WITHDRAWN
    with tenant_scope(acme.tenant):
        join = JoinRequest.objects.get()
        assert Notification.objects.filter(kind="join.requested", recipient=acme.partner_admin).exists()
    assert join.status == JoinRequestStatus.PENDING and join.partner_id == acme.partner.pk
    admin = make_client(acme.partner_admin)
    listed = admin.get(reverse("portal:recruitment_join_requests")).content.decode()
    assert "Jane Joiner" in listed and "I run their Munich office." in listed
    assert "Requests to join" in admin.get(reverse("portal:home")).content.decode()
    # when the partner admin approves
    with django_capture_on_commit_callbacks(execute=True):
        approved = admin.post(reverse("portal:recruitment_join_approve", args=[join.pk]))
    # then an invitation as a sales rep of the company goes out
    assert approved.status_code == 302
    with tenant_scope(acme.tenant):
        invitation = Invitation.objects.get(email="jane@p1-company.de")
        assert JoinRequest.objects.get().status == JoinRequestStatus.APPROVED
    assert (invitation.partner_id, invitation.role) == (acme.partner.pk, Role.SALES)
    assert any("jane@p1-company.de" in m.to for m in mail.outbox)


def test_a_declined_request_sends_no_invitation_but_a_polite_e_mail(world, django_capture_on_commit_callbacks):
    acme = world.acme
    with platform_scope():
        join = JoinRequest.objects.create(
            tenant=acme.tenant, partner=acme.partner, first_name="Jo", last_name="Nope", email="jo@p1-company.de"
        )
    with django_capture_on_commit_callbacks(execute=True):
        response = make_client(acme.partner_admin).post(reverse("portal:recruitment_join_decline", args=[join.pk]))
    assert response.status_code == 302
    with tenant_scope(acme.tenant):
        assert JoinRequest.objects.get().status == JoinRequestStatus.DECLINED
        assert not Invitation.objects.filter(email="jo@p1-company.de").exists()
    (message,) = mail.outbox
    assert message.to == ["jo@p1-company.de"] and acme.partner.display_name in message.body


def test_of_two_admins_deciding_at_once_the_second_is_told(world):
    # given a pending request and two admins of the company
    acme = world.acme
    second = PartnerMembershipFactory(partner=acme.partner, role=Role.PARTNER_ADMIN)
    with platform_scope():
        join = JoinRequest.objects.create(
            tenant=acme.tenant, partner=acme.partner, first_name="Jo", last_name="Both", email="jo@p1-company.de"
        )
    # when one approves and the other then declines the page they had open
    make_client(acme.partner_admin).post(reverse("portal:recruitment_join_approve", args=[join.pk]))
    late = make_client(second).post(reverse("portal:recruitment_join_decline", args=[join.pk]))
    # then the second is told it was decided, and the approval stands
    assert late.status_code == 200
    assert "This request was already approved by someone else." in late.content.decode()
    with tenant_scope(acme.tenant):
        assert JoinRequest.objects.get().status == JoinRequestStatus.APPROVED


def test_another_partners_admin_cannot_decide_a_request(world):
    acme = world.acme
    with platform_scope():
        join = JoinRequest.objects.create(
            tenant=acme.tenant, partner=acme.partner, first_name="Jo", last_name="Else", email="jo@p1-company.de"
        )
    other = make_client(acme.partner_admins[1])
    assert other.post(reverse("portal:recruitment_join_approve", args=[join.pk])).status_code == 404
    assert "Jo Else" not in other.get(reverse("portal:recruitment_join_requests")).content.decode()
    with tenant_scope(acme.tenant):
        assert JoinRequest.objects.get().status == JoinRequestStatus.PENDING


def test_no_join_offer_without_the_proven_address(world):
    # given an applicant whose address is elsewhere, though it names the partner's domain
    acme = world.acme
    with platform_scope():
        Partner.objects.filter(pk=acme.partner.pk).update(email_domains=["p1-company.de"])
    application = ApplicationFactory(
        tenant=acme.tenant, contact_email="someone@elsewhere.de", email_domains=["p1-company.de"]
    )
    # when it opens its status page, or posts the join form anyway
    token = status_token(application)
    page = public(acme).get(reverse("recruitment_apply_status", args=[token])).content.decode()
    posted = public(acme).post(reverse("recruitment_apply_join", args=[token]), {"partner": str(acme.partner.pk)})
    # then the partner is neither named nor joinable
    assert acme.partner.display_name not in page
    assert posted.status_code == 200
    with tenant_scope(acme.tenant):
        assert not JoinRequest.objects.exists()


def test_the_join_requests_page_costs_the_same_with_many_rows(world, no_queries_from_templates):
    from ..query_budget import assert_list_page, cost

    acme = world.acme

    def add(count, start):
        with platform_scope():
            JoinRequest.objects.bulk_create(
                [
                    JoinRequest(
                        tenant=acme.tenant,
                        partner=acme.partner,
                        first_name="Person",
                        last_name=str(n),
                        email=f"p{n}@p1-company.de",
                    )
                    for n in range(start, start + count)
                ]
            )

    path = reverse("portal:recruitment_join_requests")
    add(2, 0)
    few = cost(acme.partner_admin, path)
    add(30, 2)
    many = cost(acme.partner_admin, path)
    assert_list_page(few, many, pinned=PINNED_JOIN_PAGE, row=r'class="join-row"', rows=(2, 25))


# The session's user, the count, the page's rows (and the savepoint around them).
PINNED_JOIN_PAGE = 5


@override_settings(PRM_APPLY_RATE_PER_IP="1/h")
def test_the_limits_come_from_the_settings(world, django_capture_on_commit_callbacks):
    client = public(world.acme, ip="198.51.100.200")
    first = apply(client, world, capture=django_capture_on_commit_callbacks)
    second = apply(client, world, capture=django_capture_on_commit_callbacks, contact_email="b@fuzz-systems.de")
    assert (first.status_code, second.status_code) == (302, 429)


def test_the_demo_applies_through_the_services_once(world):
    # given acme's world (its partners) as the demo finds it
    from prm.web.demo_kit import Demo
    from recruitment.demo_apply import load

    acme = world.acme
    demo = Demo(tenant=acme.tenant, seed=1, staff={})
    # when the demo loads twice
    with tenant_scope(acme.tenant):
        load(demo)
        load(demo)
        # then seven applications are there once: two unverified, five in the queue, one a duplicate
        statuses = sorted(Application.objects.values_list("status", flat=True))
        duplicates = set(ApplicationDuplicate.objects.values_list("partner_id", flat=True))
    assert statuses == [ApplicationStatus.SUBMITTED] * 5 + [ApplicationStatus.UNVERIFIED] * 2
    assert len(duplicates) == 1 and None not in duplicates
