"""The content library, its services and selectors: an asset in versions (the new one is what
downloads get, the history stays), terms of use accepted once before a download, full-text search
ranked by where the words are, the filters, the audience (a Silver partner does not see a
Gold-only asset, and gets a 404 by its id), the validity period, "new since your last visit",
views and downloads recorded per person and partner, and who may do what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from marketing import events, notifications
from marketing.models import (
    Asset,
    AssetActivity,
    AssetActivityKind,
    AssetTermsAcceptance,
    AssetVersion,
    LibraryVisit,
    PublishStatus,
)
from marketing.selectors.library import (
    asset_get_for_actor,
    library_facets_for_actor,
    library_for_actor,
    office_asset_list,
)
from marketing.services.audience import AudienceChoice
from marketing.services.library import (
    VISIT_GAP,
    asset_archive,
    asset_create,
    asset_download_record,
    asset_publish,
    asset_terms_accept,
    asset_update,
    asset_version_add,
    asset_view_record,
    folder_create,
    folder_rename,
    library_visit_record,
)
from partners.models import Partner
from prm.accounts.models import Membership
from prm.accounts.roles import Role
from prm.errors import NotAllowed, PolicyViolation
from prm.events.models import Event
from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import tenant_today
from tests.factories import EnrollmentFactory, PartnerMembershipFactory, PartnerTypeFactory, TierFactory

from .isolation_library import make_asset
from .world import pdf, tier_held_by

pytestmark = pytest.mark.django_db


def fresh(member) -> Membership:
    """The member as a request would load it (its partner read now, not a cached copy)."""
    return Membership.objects.select_related("partner").get(pk=member.pk)


def titles(actor, **filters) -> list[str]:
    rows, _counted = library_for_actor(actor=fresh(actor), today=tenant_today(), **filters)
    return [row["title"] for row in rows]


# --- versions ----------------------------------------------------------------------------------------------


def test_a_new_version_becomes_what_downloads_get_and_the_history_stays(acme):
    with tenant_scope(acme.tenant):
        # given a published brochure (version 1), downloaded by partner 1's rep
        brochure = make_asset(acme, "Storage brochure", file=pdf("Brochure 2025.pdf", "v1"), notes="First")
        first = asset_download_record(actor=acme.sales_rep, asset=brochure)
        assert (first.number, first.filename) == (1, "Brochure 2025.pdf")
        # when marketing adds version 2
        second = asset_version_add(
            actor=acme.marketing, asset=brochure, file=pdf("Brochure 2026.pdf", "v2"), notes="New prices"
        )
        brochure = Asset.objects.get(pk=brochure.pk)
        # then it is the current version, the next download gets it, and version 1 stays
        assert brochure.current_version_id == second.pk and second.number == 2
        assert asset_download_record(actor=acme.sales_rep, asset=brochure).pk == second.pk
        assert list(AssetVersion.objects.filter(asset=brochure).values_list("number", "notes")) == [
            (2, "New prices"),
            (1, "First"),
        ]
        assert second.file.read().startswith(b"%PDF-") and second.file.name.endswith(".pdf")
        # ... the rep sees it marked as updated until the download, which it recorded per version
        downloads = AssetActivity.objects.filter(asset=brochure, kind=AssetActivityKind.DOWNLOAD)
        assert sorted(downloads.values_list("version__number", flat=True)) == [1, 2]
        assert Event.objects.filter(verb=events.ASSET_VERSIONED, object_id=brochure.pk).count() == 1


def test_the_updated_badge_shows_a_version_newer_than_the_persons_last_download(acme):
    with tenant_scope(acme.tenant):
        brochure = make_asset(acme, "Brochure")
        asset_download_record(actor=acme.sales_rep, asset=brochure)
        rows = lambda: {  # noqa: E731
            row["title"]: row for row in library_for_actor(actor=fresh(acme.sales_rep), today=tenant_today())[0]
        }
        row = rows()["Brochure"]
        assert row["version_at"] <= row["last_download"]
        asset_version_add(actor=acme.marketing, asset=brochure, file=pdf())
        row = rows()["Brochure"]
        assert row["version"] == 2 and row["version_at"] > row["last_download"]
        # someone who never downloaded it has no last download (no badge)
        assert library_for_actor(actor=fresh(acme.partner_admin), today=tenant_today())[0][0]["last_download"] is None


def test_only_documents_are_uploaded_and_links_must_be_web_addresses(acme):
    with tenant_scope(acme.tenant):
        script = SimpleUploadedFile("brochure.pdf", b"<script>alert(1)</script>", "application/pdf")
        with pytest.raises(PolicyViolation, match="PDF, PNG or JPEG"):
            asset_create(actor=acme.marketing, title="Fake", kind="file", file=script)
        with pytest.raises(PolicyViolation, match="Choose the file"):
            asset_create(actor=acme.marketing, title="Nothing", kind="file")
        for address in ("javascript:alert(1)", "ftp://files.example.com/a", "not an address"):
            with pytest.raises(PolicyViolation, match="https://"):
                asset_create(actor=acme.marketing, title="Link", kind="link", url=address)
        assert not Asset.objects.exists()
        video = asset_create(actor=acme.marketing, title="Demo", kind="video", url="https://youtu.be/aqz-KE-bpKQ")
        assert video.current_version.url == "https://youtu.be/aqz-KE-bpKQ" and video.status == PublishStatus.DRAFT


# --- terms of use ------------------------------------------------------------------------------------------


def test_terms_are_accepted_once_before_the_first_download_and_again_when_they_change(acme):
    with tenant_scope(acme.tenant):
        logos = make_asset(acme, "Logo kit", requires_terms=True, terms="Use unchanged.")
        # a download before accepting is refused, saying why, and recorded as nothing
        with pytest.raises(PolicyViolation, match="Accept the terms of use first"):
            asset_download_record(actor=acme.sales_rep, asset=logos)
        assert not AssetActivity.objects.filter(kind=AssetActivityKind.DOWNLOAD).exists()
        # accepting twice is one acceptance and one event; a new version does not ask again
        asset_terms_accept(actor=acme.sales_rep, asset=logos)
        asset_terms_accept(actor=acme.sales_rep, asset=logos)
        assert AssetTermsAcceptance.objects.filter(asset=logos).count() == 1
        assert Event.objects.filter(verb=events.ASSET_TERMS_ACCEPTED, partner_id=acme.partner.pk).count() == 1
        asset_version_add(actor=acme.marketing, asset=logos, file=pdf())
        assert asset_download_record(actor=acme.sales_rep, asset=logos).number == 2
        # the partner admin has not accepted: still refused
        with pytest.raises(PolicyViolation):
            asset_download_record(actor=acme.partner_admin, asset=logos)
        # when the terms change, everyone accepts the new ones
        change = asset_update(
            actor=acme.marketing, asset=logos, title="Logo kit", requires_terms=True, terms="New terms."
        )
        assert change.acceptances_cleared == 1 and "terms" in change.changed
        with pytest.raises(PolicyViolation):
            asset_download_record(actor=acme.sales_rep, asset=Asset.objects.get(pk=logos.pk))


def test_terms_required_without_text_are_refused(acme):
    with tenant_scope(acme.tenant), pytest.raises(PolicyViolation, match="Write the terms"):
        make_asset(acme, "Kit", requires_terms=True, terms="  ")


# --- search and filters ------------------------------------------------------------------------------------


def test_search_ranks_title_over_tags_over_description_and_matches_a_prefix(acme):
    with tenant_scope(acme.tenant):
        make_asset(acme, "Price list", description="Storage prices for partners")
        make_asset(acme, "Battlecard", tags=["storage"])
        make_asset(acme, "Storage brochure")
        make_asset(acme, "Webinar", description="Nothing about disks")
        # then the words in the title rank first, then the tags, then the description
        assert titles(acme.sales_rep, q="storage") == ["Storage brochure", "Battlecard", "Price list"]
        # ... the last word is also a prefix ("stor" finds "storage"), and case does not matter
        assert titles(acme.sales_rep, q="STOR") == ["Storage brochure", "Battlecard", "Price list"]
        assert titles(acme.sales_rep, q="storage brochure") == ["Storage brochure"]
        # ... a web search's syntax: a word to leave out, a quoted phrase, "or"
        assert titles(acme.sales_rep, q="storage -brochure") == ["Battlecard", "Price list"]
        assert titles(acme.sales_rep, q='"storage prices"') == ["Price list"]
        assert set(titles(acme.sales_rep, q="webinar or battlecard")) == {"Webinar", "Battlecard"}
        # ... and what reads as nothing is no error
        for text in ('"', "-", "or", "a & | ! :* ()", "'", "\\"):
            titles(acme.sales_rep, q=text)


def test_the_search_vector_follows_an_edit(acme):
    with tenant_scope(acme.tenant):
        asset = make_asset(acme, "Old name")
        asset_update(actor=acme.marketing, asset=asset, title="Brand new", tags=["kit"], description="Shiny")
        assert titles(acme.sales_rep, q="old") == []
        assert titles(acme.sales_rep, q="brand") == titles(acme.sales_rep, q="kit") == ["Brand new"]
        assert titles(acme.sales_rep, q="shiny") == ["Brand new"]


def test_filters_folder_with_its_subfolders_kind_and_tag_and_the_facets(acme):
    with tenant_scope(acme.tenant):
        brochures = folder_create(actor=acme.marketing, name="Brochures")
        this_year = folder_create(actor=acme.marketing, name="2026", parent=brochures)
        make_asset(acme, "Top brochure", folder=brochures, tags=["print"])
        make_asset(acme, "New brochure", folder=this_year, tags=["print", "2026"])
        make_asset(acme, "Configurator", kind="link", tags=["tools"])
        assert set(titles(acme.sales_rep, folder_id=brochures.pk)) == {"Top brochure", "New brochure"}
        assert titles(acme.sales_rep, folder_id=this_year.pk) == ["New brochure"]
        assert titles(acme.sales_rep, kind="link") == ["Configurator"]
        assert set(titles(acme.sales_rep, tag="print")) == {"Top brochure", "New brochure"}
        facets = library_facets_for_actor(actor=fresh(acme.sales_rep), today=tenant_today())
        # a folder counts its subfolders' assets; tags by how many assets carry them
        assert [(f["folder"].path, f["count"]) for f in facets.folders] == [("Brochures", 2), ("Brochures / 2026", 1)]
        assert facets.tags == [("print", 2), ("2026", 1), ("tools", 1)]
        # the office's list filters the same way, and by status
        make_asset(acme, "Draft brochure", folder=brochures, publish=False)
        rows, _counted = office_asset_list(actor=acme.marketing, folder_id=brochures.pk, status=PublishStatus.DRAFT)
        assert [row["title"] for row in rows] == ["Draft brochure"]


def test_folder_names_are_unique_where_they_stand(acme):
    with tenant_scope(acme.tenant):
        brochures = folder_create(actor=acme.marketing, name="Brochures")
        folder_create(actor=acme.marketing, name="Brochures", parent=brochures)  # another place: fine
        with pytest.raises(PolicyViolation, match="already a folder called"):
            folder_create(actor=acme.marketing, name="brochures")
        other = folder_create(actor=acme.marketing, name="Videos")
        with pytest.raises(PolicyViolation):
            folder_rename(actor=acme.marketing, folder=other, name="BROCHURES")
        assert folder_rename(actor=acme.marketing, folder=other, name="Films").name == "Films"


# --- the audience and the validity -------------------------------------------------------------------------


def test_a_gold_only_asset_is_seen_by_gold_partners_and_a_404_for_a_silver_one(acme):
    with tenant_scope(acme.tenant):
        gold = tier_held_by(acme.partner)
        silver = TierFactory(tenant=acme.tenant, program=gold.program, name="Silver")
        EnrollmentFactory(tenant=acme.tenant, partner=acme.partners[1], tier=silver, program=gold.program)
        prices = make_asset(acme, "Gold price list", audience=AudienceChoice(tier_ids=(gold.pk,)))
        make_asset(acme, "For everyone")
        silver_admin = fresh(acme.partner_admins[1])
        assert titles(acme.partner_admin, q="") == ["For everyone", "Gold price list"]
        assert titles(silver_admin) == ["For everyone"]
        assert asset_get_for_actor(actor=fresh(acme.sales_rep), asset_id=prices.pk, today=tenant_today()) == prices
        with pytest.raises(Http404):
            asset_get_for_actor(actor=silver_admin, asset_id=prices.pk, today=tenant_today())
        # ... and the services refuse the Silver partner's use of it too
        with pytest.raises(NotAllowed):
            asset_view_record(actor=silver_admin, asset=prices)
        with pytest.raises(NotAllowed):
            asset_download_record(actor=silver_admin, asset=prices)


def test_each_audience_list_narrows_and_they_all_must_match(acme):
    with tenant_scope(acme.tenant):
        distributor = PartnerTypeFactory(tenant=acme.tenant, name="Distributor")
    with platform_scope():
        Partner.objects.filter(pk=acme.partner.pk).update(regions_served=["EMEA"])
        Partner.objects.filter(pk=acme.partners[1].pk).update(regions_served=["APAC"], partner_type=distributor)
    with tenant_scope(acme.tenant):
        gold = tier_held_by(acme.partner)
        make_asset(acme, "EMEA", audience=AudienceChoice(regions=("EMEA",)))
        make_asset(acme, "Reps", audience=AudienceChoice(roles=(Role.SALES,)))
        make_asset(acme, "Distributors", audience=AudienceChoice(partner_type_ids=(distributor.pk,)))
        make_asset(acme, "Program", audience=AudienceChoice(program_ids=(gold.program_id,)))
        make_asset(acme, "EMEA reps", audience=AudienceChoice(regions=("EMEA",), roles=(Role.SALES,)))
        make_asset(acme, "APAC reps", audience=AudienceChoice(regions=("APAC",), roles=(Role.SALES,)))
        other_rep = PartnerMembershipFactory(tenant=acme.tenant, partner=acme.partners[1], role=Role.SALES)
        seen = {
            "admin 1": set(titles(acme.partner_admin)),
            "rep 1": set(titles(acme.sales_rep)),
            "admin 2": set(titles(acme.partner_admins[1])),
            "rep 2": set(titles(other_rep)),
        }
        assert seen == {
            "admin 1": {"EMEA", "Program"},
            "rep 1": {"EMEA", "Reps", "Program", "EMEA reps"},
            "admin 2": {"Distributors"},
            "rep 2": {"Reps", "Distributors", "APAC reps"},
        }


def test_an_asset_is_seen_within_its_validity_only(acme):
    with tenant_scope(acme.tenant):
        today = tenant_today()
        make_asset(acme, "Current", valid_from=today, valid_until=today)
        later = make_asset(acme, "Later", valid_from=today + timedelta(days=1))
        ended = make_asset(acme, "Ended", valid_until=today + timedelta(days=3))
        Asset.objects.filter(pk=ended.pk).update(valid_until=today - timedelta(days=1))
        assert titles(acme.sales_rep) == ["Current"]
        with pytest.raises(Http404):
            asset_get_for_actor(actor=fresh(acme.sales_rep), asset_id=later.pk, today=today)
        # tomorrow, "Later" is there and "Current" has gone
        rows, _ = library_for_actor(actor=fresh(acme.sales_rep), today=today + timedelta(days=1))
        assert [row["title"] for row in rows] == ["Later"]
        # an asset whose validity ended is not published again until it is extended
        asset_archive(actor=acme.marketing, asset=ended)
        with pytest.raises(PolicyViolation, match="extend it"):
            asset_publish(actor=acme.marketing, asset=ended)
        with pytest.raises(PolicyViolation, match="on or after"):
            make_asset(acme, "Backwards", valid_from=today, valid_until=today - timedelta(days=1))


def test_drafts_and_archived_assets_are_not_in_the_portal(acme):
    with tenant_scope(acme.tenant):
        draft = make_asset(acme, "Draft", publish=False)
        gone = make_asset(acme, "Gone")
        asset_archive(actor=acme.marketing, asset=gone)
        asset_archive(actor=acme.marketing, asset=gone)  # twice: nothing more
        assert titles(acme.sales_rep) == []
        for asset in (draft, gone):
            with pytest.raises(Http404):
                asset_get_for_actor(actor=fresh(acme.sales_rep), asset_id=asset.pk, today=tenant_today())
        assert Event.objects.filter(verb=events.ASSET_ARCHIVED).count() == 1
        # published again, it is back
        asset_publish(actor=acme.marketing, asset=gone)
        assert titles(acme.sales_rep) == ["Gone"]


# --- new since the last visit, activity ----------------------------------------------------------------------


def test_new_since_the_last_visit_survives_paging_and_moves_on_at_the_next_visit(acme):
    with tenant_scope(acme.tenant):
        start = timezone.now()
        old = make_asset(acme, "Old")
        Asset.objects.filter(pk=old.pk).update(published_at=start - timedelta(days=10))
        # the first visit: nothing to compare with
        first = library_visit_record(actor=acme.sales_rep, now=start - timedelta(days=2))
        assert first.previous_at is None
        make_asset(acme, "Fresh")
        # when the rep comes back two days later, "Fresh" is new, and stays new while paging
        visit = library_visit_record(actor=acme.sales_rep, now=start)
        assert visit.previous_at == start - timedelta(days=2)
        again = library_visit_record(actor=acme.sales_rep, now=start + VISIT_GAP - timedelta(seconds=1))
        assert again.previous_at == visit.previous_at
        assert titles(acme.sales_rep, new_since=again.previous_at) == ["Fresh"]
        # the next visit (after the gap) compares with this one
        later = library_visit_record(actor=acme.sales_rep, now=start + VISIT_GAP)
        assert later.previous_at == start
        assert LibraryVisit.objects.filter(membership=acme.sales_rep).count() == 1
        assert library_visit_record(actor=acme.marketing) is None  # staff have no visits


def test_views_and_downloads_are_recorded_per_person_and_partner(acme):
    with tenant_scope(acme.tenant):
        asset = make_asset(acme, "Brochure")
        asset_view_record(actor=acme.sales_rep, asset=asset)
        asset_view_record(actor=acme.sales_rep, asset=asset)
        asset_download_record(actor=acme.partner_admin, asset=asset)
        rows = AssetActivity.objects.order_by("id").values_list("kind", "membership_id", "partner_id", "version_id")
        assert list(rows) == [
            ("view", acme.sales_rep.pk, acme.partner.pk, asset.current_version_id),
            ("view", acme.sales_rep.pk, acme.partner.pk, asset.current_version_id),
            ("download", acme.partner_admin.pk, acme.partner.pk, asset.current_version_id),
        ]


# --- who may --------------------------------------------------------------------------------------------------


def test_only_the_vendors_admins_and_marketing_manage_the_library(acme):
    with tenant_scope(acme.tenant):
        for someone in (acme.manager, acme.partner_admin):
            with pytest.raises(NotAllowed):
                asset_create(actor=someone, title="Mine", kind="link", url="https://www.example.com")
            with pytest.raises(NotAllowed):
                folder_create(actor=someone, name="Mine")
        asset = make_asset(acme, "Ours", publish=False, kind="link")
        for write in (asset_publish, asset_archive):
            with pytest.raises(NotAllowed):
                write(actor=acme.manager, asset=asset)
        make_asset(acme, "By the admin", kind="link")  # the admin may (as may marketing, above)
        asset_create(actor=acme.admin, title="Admin's", kind="link", url="https://www.example.com")
        # staff do not accept terms or download as partners
        with pytest.raises(NotAllowed):
            asset_view_record(actor=acme.marketing, asset=asset)


def test_publishing_tells_the_people_in_the_audience_when_asked(acme):
    with tenant_scope(acme.tenant):
        gold = tier_held_by(acme.partner)
        quiet = make_asset(acme, "Quiet")
        assert not Notification.objects.exists() and quiet.status == PublishStatus.PUBLISHED
        loud = make_asset(acme, "Gold news", publish=False, audience=AudienceChoice(tier_ids=(gold.pk,)))
        published = asset_publish(actor=acme.marketing, asset=loud, notify_audience=True)
        told = set(Notification.objects.filter(kind=notifications.ASSET_NEW).values_list("recipient_id", flat=True))
        assert told == {acme.partner_admin.pk, acme.sales_rep.pk} and published.notified == 2
        # an asset valid from tomorrow is published but tells nobody yet
        later = make_asset(acme, "Tomorrow", publish=False, valid_from=tenant_today() + timedelta(days=1), kind="link")
        published = asset_publish(actor=acme.marketing, asset=later, notify_audience=True)
        assert published.visible_from == tenant_today() + timedelta(days=1) and published.notified == 0
        assert Notification.objects.filter(kind=notifications.ASSET_NEW).count() == 2
