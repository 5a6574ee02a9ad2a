"""Agreements: publishing a version (frozen and hashed), the partner admin's acceptance and its
record, the PDF both sides download, a new version asking again by a deadline, and the partner
that misses it flagged once."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from prm.errors import InvalidTransition, NotAllowed
from prm.events.models import Event
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope
from recruitment import events, notifications
from recruitment.models import AgreementAcceptance, AgreementVersion
from recruitment.services.onboard import agreement_accept, agreement_publish, agreement_version_save, onboarding_sweep
from tests.conftest import body, make_client

from ..factories import EnrollmentFactory, TierFactory
from .factories import AgreementFactory, AgreementVersionFactory

pytestmark = pytest.mark.django_db

TEXT = "1. The partner resells.\n2. Über alles: fair play."


def program_with_agreement(side, *, text=TEXT):
    """Partner 1 enrolled in a program whose agreement has version 1 published (partner 2 in none)."""
    tier = TierFactory(tenant=side.tenant)
    EnrollmentFactory(tenant=side.tenant, partner=side.partner, tier=tier)
    agreement = AgreementFactory(tenant=side.tenant, program=tier.program, title="Reseller terms")
    draft = AgreementVersionFactory(tenant=side.tenant, agreement=agreement, number=1, text=text, published_at=None)
    with tenant_scope(side.tenant):
        version = agreement_publish(actor=side.admin, version=draft)
    return agreement, version


def draft_version(side, agreement, number, text):
    return AgreementVersionFactory(
        tenant=side.tenant, agreement=agreement, number=number, text=text, published_at=None, text_sha256=""
    )


def test_publishing_freezes_and_hashes_the_exact_text_and_refuses_changes(acme):
    # given a published version 1
    agreement, version = program_with_agreement(acme)
    # then it carries the SHA-256 of its exact text, and an event
    assert version.text_sha256 == hashlib.sha256(TEXT.encode()).hexdigest()
    with platform_scope():
        assert Event.objects.filter(verb=events.AGREEMENT_PUBLISHED, object_id=version.pk).count() == 1
    with tenant_scope(acme.tenant):
        # and it is never published again nor changed
        with pytest.raises(InvalidTransition):
            agreement_publish(actor=acme.admin, version=version)
        version.text = "Changed afterwards"
        with pytest.raises(InvalidTransition):
            agreement_version_save(actor=acme.admin, version=version)
        # and only vendor admins publish
        with pytest.raises(NotAllowed):
            agreement_publish(actor=acme.manager, version=draft_version(acme, agreement, 2, "v2"))
    with platform_scope():
        assert AgreementVersion.objects.get(pk=version.pk).text == TEXT


def test_the_partner_admin_accepts_in_the_portal_and_the_record_keeps_who_when_where_and_the_hash(acme):
    # given version 1 of the program's agreement
    _agreement, version = program_with_agreement(acme)
    page = body(make_client(acme.partner_admin).get(reverse("portal:recruitment_agreements")))
    assert "Reseller terms" in page and "Not accepted yet." in page and "I accept on behalf of Acme Partner 1" in page
    # a sales rep reads it but is not offered the form
    rep_page = body(make_client(acme.sales_rep).get(reverse("portal:recruitment_agreements")))
    assert "fair play" in rep_page and "I accept on behalf" not in rep_page

    # when the partner admin posts the form without ticking the box, then nothing is recorded
    client = make_client(acme.partner_admin)
    url = reverse("portal:recruitment_agreement_accept", args=[version.pk])
    refused = client.post(url, {}, REMOTE_ADDR="203.0.113.9")
    assert refused.status_code == 200 and "Tick the box" in body(refused)
    # when they tick it
    response = client.post(url, {"confirm": "on"}, REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Browser/1.0")
    assert response.status_code == 302
    # then the acceptance records the person, the address, the version and the text's hash
    with platform_scope():
        acceptance = AgreementAcceptance.objects.get(partner=acme.partner)
        assert Event.objects.filter(verb=events.AGREEMENT_ACCEPTED, partner=acme.partner).count() == 1
    assert (acceptance.accepted_by_id, acceptance.ip_address, acceptance.version_id) == (
        acme.partner_admin.pk,
        "203.0.113.9",
        version.pk,
    )
    assert acceptance.text_sha256 == hashlib.sha256(TEXT.encode()).hexdigest()
    assert acceptance.user_agent == "Browser/1.0"
    # and accepting again keeps the first record
    client.post(url, {"confirm": "on"}, REMOTE_ADDR="203.0.113.10")
    with platform_scope():
        assert AgreementAcceptance.objects.filter(partner=acme.partner).count() == 1
    assert "Accepted by" in body(client.get(reverse("portal:recruitment_agreements")))


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_both_sides_download_the_pdf_of_the_accepted_text_with_its_record(acme):
    _agreement, version = program_with_agreement(acme)
    with tenant_scope(acme.tenant, partner=acme.partner.pk):
        acceptance = agreement_accept(actor=acme.partner_admin, version=version, ip_address="198.51.100.4")
    # when the partner's sales rep and the vendor's marketing download it
    portal = _pdf_text(
        make_client(acme.sales_rep).get(reverse("portal:recruitment_agreement_pdf", args=[acceptance.pk]))
    )
    office = _pdf_text(
        make_client(acme.marketing).get(reverse("office:recruitment_agreement_pdf", args=[acceptance.pk]))
    )
    # then each names the text, the person, the company, the address, the version and the hash
    for text in (portal, office):
        flat = " ".join(text.split())
        assert "The partner resells." in flat
        assert acme.partner_admin.user.email in flat and "Acme Partner 1" in flat
        assert "198.51.100.4" in flat and "version 1" in flat
        assert acceptance.text_sha256[:16] in flat.replace(" ", "")
    # and another partner's user gets a 404
    other = make_client(acme.partner_admins[1]).get(reverse("portal:recruitment_agreement_pdf", args=[acceptance.pk]))
    assert other.status_code == 404


def test_a_new_version_asks_again_by_its_deadline_and_a_partner_that_misses_it_is_flagged_once(acme):
    # given version 1 accepted
    agreement, v1 = program_with_agreement(acme)
    with tenant_scope(acme.tenant, partner=acme.partner.pk):
        agreement_accept(actor=acme.partner_admin, version=v1, ip_address="198.51.100.4")
    # when version 2 is published with a deadline
    deadline = timezone.localdate() + timedelta(days=14)
    with tenant_scope(acme.tenant):
        v2 = agreement_publish(
            actor=acme.admin, version=draft_version(acme, agreement, 2, TEXT + "\n3. New."), accept_by=deadline
        )
    # then the partner admin is asked to accept it by the deadline
    with platform_scope():
        asked = Notification.objects.filter(kind=notifications.AGREEMENT_NEW_VERSION)
        assert [n.recipient_id for n in asked] == [acme.partner_admin.pk]
    page = body(make_client(acme.partner_admin).get(reverse("portal:recruitment_agreements")))
    assert "Not accepted yet." in page and "Version 1 was accepted on" in page
    # and version 1 can no longer be accepted by anyone
    with tenant_scope(acme.tenant, partner=acme.partner.pk):
        AgreementAcceptance.objects.filter(version=v1).delete()
        with pytest.raises(InvalidTransition):
            agreement_accept(actor=acme.partner_admin, version=v1, ip_address=None)

    def sweep():
        with tenant_scope(acme.tenant):
            return onboarding_sweep().overdue

    # before the deadline the sweep flags nothing
    assert sweep() == 0
    # when the deadline passes without acceptance, the sweep flags the partner once
    with platform_scope():
        AgreementVersion.objects.filter(pk=v2.pk).update(accept_by=timezone.localdate() - timedelta(days=1))
    assert (sweep(), sweep()) == (1, 0)
    with platform_scope():
        overdue = Notification.objects.filter(kind=notifications.AGREEMENT_OVERDUE)
        assert [n.recipient_id for n in overdue] == [acme.manager.pk]
        assert Event.objects.filter(verb=events.AGREEMENT_OVERDUE, partner=acme.partner).count() == 1
    # and the record shows it, and the portal says the deadline passed
    tab = body(make_client(acme.manager).get(reverse("office:partner_onboarding", args=[acme.partner.pk])))
    assert "Not accepted in time:" in tab and "Reseller terms v2" in tab
    assert "The deadline has passed." in body(
        make_client(acme.partner_admin).get(reverse("portal:recruitment_agreements"))
    )
