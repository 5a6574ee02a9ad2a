"""The policy half's writes: territory grants that keep exclusivity (countries, regions, every
line, periods), revocation, licence uploads judged by content, and licence decisions made once."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.models import Event
from prm.notifications.models import Notification
from prm.tenancy.models import Tenant
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.web.files import document_kind
from programs.models import LicenceStatus, PartnerLicence, TerritoryGrant
from programs.services import catalogue
from programs.services.catalogue import (
    licence_reject,
    licence_upload,
    licence_verify,
    territory_grant,
    territory_revoke,
    territory_update,
)
from programs.services.policy import policy_decide

from ..factories import (
    LicenceTypeFactory,
    PartnerLicenceFactory,
    ProductLineFactory,
    RegionFactory,
    TerritoryGrantFactory,
    refresh,
)
from .documents import image, small_pdf

pytestmark = pytest.mark.django_db

START = date(2025, 1, 1)


@pytest.fixture
def line(world):
    return ProductLineFactory(tenant=world.acme.tenant, name="Cloud Security", slug="cloud-security")


def grant(side, **kwargs):
    """territory_grant as acme's channel manager, for partner 1 unless another is given."""
    kwargs.setdefault("partner", side.partner)
    kwargs.setdefault("valid_from", START)
    with tenant_scope(side.tenant):
        return territory_grant(actor=kwargs.pop("actor", side.manager), **kwargs)


def _events(partner, verb):
    with platform_scope():
        return list(Event.objects.filter(object_id=partner.pk, content_type__model="partner", verb=verb))


# --- territories -------------------------------------------------------------------------------


def test_a_grant_is_recorded_on_the_partners_timeline(world, line):
    # given acme's channel manager
    # when they grant Germany exclusively for Cloud Security to partner 1
    made = grant(world.acme, product_line=line, country="de", exclusive=True, note="Launch")
    # then the grant exists as given, and the partner's timeline says so in words
    assert (made.country, made.exclusive, made.granted_by_id) == ("DE", True, world.acme.manager.pk)
    [event] = _events(world.acme.partner, "territory.granted")
    assert event.text == "Germany granted for Cloud Security (exclusive), from 1 January 2025, open-ended"


@pytest.mark.parametrize(
    ("existing", "new", "clash"),
    [
        # an exclusive grant may overlap nobody else's grant ...
        ({"country": "DE"}, {"country": "DE", "exclusive": True}, "already granted to Acme Partner 2"),
        (
            {"country": "DE", "exclusive": True},
            {"country": "DE", "exclusive": True},
            "already granted to Acme Partner 2",
        ),
        ({"region": ["DE", "AT"]}, {"country": "AT", "exclusive": True}, "Austria is already granted"),
        ({"country": "AT"}, {"region": ["DE", "AT"], "exclusive": True}, "Austria is already granted"),
        ({"country": "DE", "every_line": True}, {"country": "DE", "exclusive": True}, "every product line"),
        ({"country": "DE"}, {"country": "DE", "exclusive": True, "every_line": True}, "already granted"),
        # ... a shared grant may not enter another's exclusive territory ...
        ({"country": "DE", "exclusive": True}, {"country": "DE"}, "exclusive territory of Acme Partner 2"),
        ({"region": ["DE", "AT"], "exclusive": True}, {"country": "AT"}, "exclusive territory"),
        ({"country": "DE", "exclusive": True, "every_line": True}, {"country": "DE"}, "exclusive territory"),
        ({"country": "DE", "exclusive": True}, {"country": "DE", "every_line": True}, "exclusive territory"),
        # ... and these do not clash
        ({"country": "DE"}, {"country": "DE"}, None),  # shared beside shared
        ({"country": "DE", "exclusive": True}, {"country": "FR"}, None),
        ({"country": "DE", "exclusive": True}, {"country": "DE", "other_line": True}, None),
        ({"region": ["DE", "AT"], "exclusive": True}, {"country": "FR", "exclusive": True}, None),
        ({"country": "DE", "exclusive": True, "ended": True}, {"country": "DE"}, None),  # periods apart
        # an exclusive grant that ended leaves the country free for a new exclusive holder
        ({"country": "DE", "exclusive": True, "ended": True}, {"country": "DE", "exclusive": True}, None),
        ({"country": "DE", "ended": True}, {"region": ["DE"], "exclusive": True}, None),
        ({"country": "DE", "exclusive": True, "later": True}, {"country": "DE", "until_later": True}, None),
    ],
)
def test_exclusive_territories_stay_exclusive(world, line, existing, new, clash):
    # given partner 2's grant
    acme = world.acme
    other_line = ProductLineFactory(tenant=acme.tenant)

    def shape(spec, partner):
        kwargs = {"partner": partner, "exclusive": bool(spec.get("exclusive")), "product_line": line}
        if "region" in spec:
            kwargs["region"] = RegionFactory(tenant=acme.tenant, countries=spec["region"])
        else:
            kwargs["country"] = spec["country"]
        if spec.get("every_line"):
            kwargs["product_line"] = None
        if spec.get("other_line"):
            kwargs["product_line"] = other_line
        if spec.get("ended"):
            kwargs |= {"valid_from": date(2020, 1, 1), "valid_until": date(2021, 1, 1)}
        if spec.get("later"):
            kwargs["valid_from"] = date(2026, 1, 1)
        if spec.get("until_later"):
            kwargs["valid_until"] = date(2026, 1, 1)  # ends where the other begins
        return kwargs

    grant(acme, **shape(existing, acme.partners[1]))
    # when partner 1 is granted the new territory
    if clash is None:
        made = grant(acme, **shape(new, acme.partner))
        # then it is granted
        assert made.pk
    else:
        # then it is refused, saying with whom it clashes (staff may know), and nothing is written
        with pytest.raises(PolicyViolation, match=clash):
            grant(acme, **shape(new, acme.partner))
        with platform_scope():
            assert not TerritoryGrant.objects.filter(partner=acme.partner).exists()


def test_a_partner_cannot_hold_the_same_exclusive_territory_twice_at_once(world, line):
    # given partner 1's exclusive Germany for the line
    acme = world.acme
    grant(acme, product_line=line, country="DE", exclusive=True)
    # when the same grant is made again
    # then it is refused as a duplicate, and the partner still holds one
    with pytest.raises(PolicyViolation, match="already holds Germany exclusively"):
        grant(acme, product_line=line, country="DE", exclusive=True)
    with platform_scope():
        assert TerritoryGrant.objects.filter(partner=acme.partner).count() == 1


def test_the_database_constraint_is_the_backstop_for_a_race_the_check_missed(world, line):
    # given an exclusive grant of Germany (as if written by a racing transaction after our check)
    acme = world.acme
    TerritoryGrantFactory(partner=acme.partners[1], product_line=line, country="DE", exclusive=True)
    row = TerritoryGrant(partner=acme.partner, product_line=line, country="DE", exclusive=True, valid_from=START)
    with tenant_scope(acme.tenant):
        # when the second insert reaches the database
        # then the exclusion constraint's violation becomes a message, not a server error
        with pytest.raises(PolicyViolation, match="just recorded"):
            catalogue._insert_or_explain(row.save)
        assert TerritoryGrant.objects.filter(partner=acme.partner).count() == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"country": "DE", "region": "dach"}, "either a country or a region"),
        ({}, "either a country or a region"),
        ({"country": "Germany"}, "two-letter"),
        ({"region": "empty"}, "lists no countries"),
        ({"country": "DE", "valid_until": START}, "end date must come after"),
    ],
)
def test_a_malformed_grant_is_refused_with_a_reason(world, line, kwargs, message):
    acme = world.acme
    regions = {"dach": RegionFactory(tenant=acme.tenant), "empty": RegionFactory(tenant=acme.tenant, countries=[])}
    if "region" in kwargs:
        kwargs = {**kwargs, "region": regions[kwargs["region"]]}
    with pytest.raises(PolicyViolation, match=message):
        grant(acme, product_line=line, **kwargs)


@pytest.mark.parametrize("who", ["marketing", "partner_admin"])
def test_only_staff_who_edit_partners_grant_territories(world, line, who):
    actor = getattr(world.acme, who)
    with pytest.raises(NotAllowed):
        grant(world.acme, actor=actor, product_line=line, country="DE")


def test_a_grant_for_every_line_locks_every_line(world, line):
    # given a grant for every line being made
    acme = world.acme
    with tenant_scope(acme.tenant):
        # when it runs, every line of the tenant is locked (FOR UPDATE) before the check
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            territory_grant(actor=acme.manager, partner=acme.partner, country="DE", valid_from=START)
    locks = [q["sql"] for q in captured.captured_queries if "FOR UPDATE" in q["sql"]]
    # then one statement locked the tenant's product lines, all of them (no filter by line)
    assert len(locks) == 1 and '"programs_productline"' in locks[0] and " IN (" not in locks[0]


def test_revoking_a_grant_ends_it_today_and_the_policy_follows(world, line):
    # given partner 1's grant of Germany for a line sold only in granted territories
    acme = world.acme
    with platform_scope():
        line.requires_territory = True
        line.save(update_fields=["requires_territory"])
    made = grant(acme, product_line=line, country="DE")
    with tenant_scope(acme.tenant):
        assert policy_decide(partner=acme.partner, action="sell", product_line=line, country="DE").allowed
        # when the manager revokes it
        territory_revoke(actor=acme.manager, grant=made, reason="Moved to a distributor")
        # then it ends today: the partner may no longer sell there, and its timeline says why
        assert refresh(made).valid_until == timezone.localdate()
        decision = policy_decide(partner=acme.partner, action="sell", product_line=line, country="DE")
        assert decision.codes == ("territory_missing",)
        [event] = _events(acme.partner, "territory.revoked")
        assert event.text == "Territory Germany for Cloud Security revoked: Moved to a distributor"
        # and revoking it again is refused
        with pytest.raises(InvalidTransition, match="already ended"):
            territory_revoke(actor=acme.manager, grant=made, reason="Again")
        with pytest.raises(PolicyViolation, match="reason"):
            territory_revoke(actor=acme.manager, grant=grant(acme, product_line=line, country="FR"), reason=" ")


def test_a_revocation_outside_a_request_ends_the_grant_on_the_tenants_today(world, line):
    # given a vendor whose today is not the server's now (a zone a day ahead of UTC, or behind it)
    acme = world.acme
    now = timezone.now()
    zone = "Pacific/Kiritimati" if now.hour >= 10 else "Etc/GMT+12"
    with platform_scope():
        Tenant.objects.filter(pk=acme.tenant.pk).update(time_zone=zone)
    vendor_today = now.astimezone(ZoneInfo(zone)).date()
    assert vendor_today != now.astimezone(UTC).date()
    made = grant(acme, product_line=line, country="DE")
    # when a task revokes it (no request: no time zone is active)
    with timezone.override(None), tenant_scope(acme.tenant):
        territory_revoke(actor=acme.manager, grant=made, reason="Moved to a distributor")
    # then it ends on the vendor's today, not the server's
    assert refresh(made).valid_until == vendor_today


def test_changing_a_grant_keeps_the_rules(world, line):
    # given partner 2's exclusive Germany and partner 1's shared France
    acme = world.acme
    grant(acme, partner=acme.partners[1], product_line=line, country="DE", exclusive=True)
    mine = grant(acme, product_line=line, country="FR")
    with tenant_scope(acme.tenant):
        # when partner 1's grant is moved to Germany
        # then it is refused
        with pytest.raises(PolicyViolation, match="exclusive territory"):
            territory_update(actor=acme.manager, grant=mine, changes={"country": "DE"})
        # and an end date is fine, recorded with what changed
        territory_update(actor=acme.manager, grant=mine, changes={"valid_until": date(2030, 1, 1)})
        assert refresh(mine).valid_until == date(2030, 1, 1)
        [event] = _events(acme.partner, "territory.changed")
        assert "valid until" in event.text
        with pytest.raises(NotAllowed):
            territory_update(actor=acme.manager, grant=mine, changes={"partner": acme.partners[1]})


# --- documents ----------------------------------------------------------------------------------


def upload_file(content: bytes, name="licence.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    ("content", "name", "kind"),
    [
        (small_pdf(), "licence.pdf", "pdf"),
        (small_pdf(), "scan.png", "pdf"),  # the content decides, not the name
        (image("PNG"), "scan.png", "png"),
        (image("JPEG"), "scan.jpeg", "jpg"),
    ],
)
def test_documents_are_judged_by_their_content(content, name, kind):
    assert document_kind(upload_file(content, name)) == kind


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"<html><script>alert(1)</script></html>", "PDF, PNG or JPEG"),
        (b"MZ\x90\x00 an executable", "PDF, PNG or JPEG"),
        (image("GIF"), "PDF, PNG or JPEG"),
        (image("BMP"), "PDF, PNG or JPEG"),
        (b"\x89PNG\r\n\x1a\n<html>not really</html>", "PDF, PNG or JPEG"),
        (b"\xff\xd8\xff<?php system($_GET['c']); ?>", "PDF, PNG or JPEG"),
        (b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), "under 10 MB"),
    ],
    ids=["empty", "html", "exe", "gif", "bmp", "fake-png", "fake-jpeg", "too-large"],
)
def test_documents_that_are_not_pdf_png_or_jpeg_are_refused(content, message):
    with pytest.raises(PolicyViolation, match=message):
        document_kind(upload_file(content, "licence.pdf"))


# --- licences -----------------------------------------------------------------------------------


@pytest.fixture
def export(world):
    return LicenceTypeFactory(tenant=world.acme.tenant, name="Export licence", code="export")


def upload(side, member, licence_type, *, content=None, name="licence.pdf", **kwargs):
    kwargs.setdefault("expires_on", timezone.localdate() + timedelta(days=365))
    partner = member.partner or side.partner
    with tenant_scope(side.tenant, partner=member.partner_id):
        return licence_upload(
            actor=member,
            partner=partner,
            licence_type=licence_type,
            document=upload_file(content or small_pdf(), name),
            **kwargs,
        )


def test_a_partner_admin_uploads_a_licence_for_verification(world, export):
    # given acme partner 1's admin, in its own transaction
    acme = world.acme
    # when they upload a PDF named like an image
    licence = upload(acme, acme.partner_admin, export, name="scan.png", number=" EX-1 ")
    # then it awaits verification, stored as the PDF it is, on the partner's timeline, and its
    # account manager is asked to verify it
    with platform_scope():
        licence = PartnerLicence.objects.get(pk=licence.pk)
        assert (licence.status, licence.number, licence.uploaded_by_id) == ("pending", "EX-1", acme.partner_admin.pk)
        assert licence.document.name.endswith(".pdf") and "scan" not in licence.document.name
        assert licence.document.read().startswith(b"%PDF-")
        [note] = Notification.objects.filter(kind="licence.uploaded")
    assert note.recipient_id == acme.manager.pk and "Export licence" in note.title
    [event] = _events(acme.partner, "licence.uploaded")
    assert event.text.startswith("Uploaded Export licence EX-1, valid until")


@pytest.mark.parametrize("who", ["sales", "other_partner_admin", "marketing"])
def test_only_the_partners_admin_or_staff_upload_its_licences(world, export, who):
    acme = world.acme
    member = {"sales": acme.sales_rep, "other_partner_admin": acme.partner_admins[1], "marketing": acme.marketing}[who]
    with tenant_scope(acme.tenant, partner=member.partner_id), pytest.raises(NotAllowed):
        licence_upload(
            actor=member,
            partner=acme.partner,
            licence_type=export,
            document=upload_file(small_pdf()),
            expires_on=date(2099, 1, 1),
        )


def test_staff_may_upload_on_a_partners_behalf(world, export):
    licence = upload(world.acme, world.acme.manager, export)
    assert refresh(licence).status == LicenceStatus.PENDING


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"expires_on": date(2020, 1, 1)}, "already expired"),
        ({"content": b"<html></html>"}, "PDF, PNG or JPEG"),
        ({"issued_on": date(2099, 1, 1)}, "in the future"),
    ],
)
def test_an_unusable_licence_is_refused_and_nothing_is_kept(world, export, kwargs, message):
    acme = world.acme
    with pytest.raises(PolicyViolation, match=message):
        upload(acme, acme.partner_admin, export, **kwargs)
    with platform_scope():
        assert not PartnerLicence.objects.exists()


@pytest.fixture
def pending(world, export):
    return PartnerLicenceFactory(partner=world.acme.partner, licence_type=export, status=LicenceStatus.PENDING)


def test_verifying_a_licence_tells_the_partner_admins(world, pending):
    # given a pending licence
    acme = world.acme
    with tenant_scope(acme.tenant):
        # when the channel manager verifies it
        licence_verify(actor=acme.manager, licence=pending)
    # then it is verified by them, on the timeline, and the partner's admins are told
    licence = refresh(pending)
    assert (licence.status, licence.verified_by_id) == (LicenceStatus.VERIFIED, acme.manager.pk)
    assert licence.verified_at is not None
    [event] = _events(acme.partner, "licence.verified")
    assert (event.from_state, event.to_state, event.text) == ("pending", "verified", "Export licence verified")
    with platform_scope():
        [note] = Notification.objects.filter(kind="licence.decided")
    assert note.recipient_id == acme.partner_admin.pk and note.title == "Your Export licence was verified"


def test_rejecting_a_licence_needs_a_reason_and_passes_it_on(world, pending):
    acme = world.acme
    with tenant_scope(acme.tenant):
        with pytest.raises(PolicyViolation, match="Give a reason"):
            licence_reject(actor=acme.manager, licence=pending, reason="  ")
        assert refresh(pending).status == LicenceStatus.PENDING
        licence_reject(actor=acme.manager, licence=pending, reason="The scan is unreadable")
    licence = refresh(pending)
    assert (licence.status, licence.rejection_reason) == (LicenceStatus.REJECTED, "The scan is unreadable")
    with platform_scope():
        [note] = Notification.objects.filter(kind="licence.decided")
    assert "The scan is unreadable" in note.body


@pytest.mark.parametrize(
    ("first", "second"),
    [(licence_verify, licence_verify), (licence_verify, licence_reject), (licence_reject, licence_verify)],
    ids=["verify-verify", "verify-reject", "reject-verify"],
)
def test_a_licence_is_decided_once_and_a_second_decision_is_an_invalid_transition(world, pending, first, second):
    # given a licence one reviewer has decided
    acme = world.acme
    other = world.acme.admin

    def call(decide, actor):
        kwargs = {"reason": "Unreadable"} if decide is licence_reject else {}
        return decide(actor=actor, licence=pending, **kwargs)

    with tenant_scope(acme.tenant):
        call(first, acme.manager)
        status = refresh(pending).status
        # when a second reviewer decides it too (they saw it pending a moment ago)
        # then they are told it was already decided, and nothing changes
        with pytest.raises(InvalidTransition, match="already"):
            call(second, other)
    assert refresh(pending).status == status
    assert len(_events(acme.partner, "licence.verified")) + len(_events(acme.partner, "licence.rejected")) == 1


def test_an_expired_licence_cannot_be_verified(world, export):
    acme = world.acme
    old = PartnerLicenceFactory(
        partner=acme.partner, licence_type=export, status=LicenceStatus.PENDING, expires_on=date(2020, 1, 1)
    )
    with tenant_scope(acme.tenant), pytest.raises(PolicyViolation, match="expired"):
        licence_verify(actor=acme.manager, licence=old)


def test_staff_without_the_capability_cannot_decide(world, pending):
    with tenant_scope(world.acme.tenant), pytest.raises(NotAllowed):
        licence_verify(actor=world.acme.marketing, licence=pending)
    assert refresh(pending).status == LicenceStatus.PENDING


def test_a_verified_licence_opens_the_line_that_needs_it(world, pending, export):
    # given a line needing the export licence, and the partner's pending one
    from ..factories import AuthorizationRuleFactory

    acme = world.acme
    line = ProductLineFactory(tenant=acme.tenant, name="Defence")
    AuthorizationRuleFactory(product_line=line, required_licence_type=export)
    with tenant_scope(acme.tenant):
        before = policy_decide(partner=acme.partner, action="sell", product_line=line)
        # when it is verified
        licence_verify(actor=acme.manager, licence=pending)
        after = policy_decide(partner=acme.partner, action="sell", product_line=line)
    # then the line opens
    assert before.codes == ("licence_pending",) and after.allowed
