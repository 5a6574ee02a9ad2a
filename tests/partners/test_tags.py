"""A partner's tags (``Partner.tags``): the vendor's own labels, e.g. "invest" for a partner
marked for investment. Staff see and edit them on the record and filter the directory by them;
partners never see them, nor hear of a change."""

from __future__ import annotations

import re

import pytest

from partners.models import INVEST_TAG, Partner
from partners.selectors import partner_tag_options
from partners.services import partner_update
from prm.errors import NotAllowed
from prm.events.models import Event
from prm.notifications.models import Notification
from prm.tenancy.scope import tenant_scope

from ..conftest import csv_rows

pytestmark = pytest.mark.django_db


def _names(response) -> list[str]:
    return re.findall(r'<td><a href="/office/partners/\d+/">([^<]+)</a>', response.content.decode())


def _tag(side, partner, *tags):
    with tenant_scope(side.tenant):
        partner_update(actor=side.manager, partner=partner, changes={"tags": list(tags)})


def test_staff_tag_a_partner_on_its_record_and_only_staff_ever_see_it(world, client_for):
    # given acme partner 1 and its channel manager on the record's edit form
    acme = world.acme
    manager = client_for(acme.manager)
    form = manager.get(f"/office/partners/{acme.partner.pk}/edit/").content.decode()
    assert 'name="tags"' in form
    # when the manager tags it for investment (typed any case, twice)
    with tenant_scope(acme.tenant):
        partner_update(actor=acme.manager, partner=acme.partner, changes={"tags": ["Invest", " invest", "EMEA-focus"]})
        partner = Partner.objects.get(pk=acme.partner.pk)
        # then the tags are stored once each, in lower case, with a vendor-internal event and no
        # "profile updated" (nothing the partner may see changed) and nobody at the partner told
        assert partner.tags == [INVEST_TAG, "emea-focus"]
        [event] = Event.objects.filter(object_id=partner.pk, content_type__model="partner", verb="partner.tags_changed")
        assert event.internal and event.data["added"] == [INVEST_TAG, "emea-focus"]
        assert not Event.objects.filter(object_id=partner.pk, verb="partner.profile_updated").exists()
        assert not Notification.objects.filter(recipient__partner=partner).exists()
    # and the record shows them as badges (the investment tag by its name) and the timeline the change
    record = manager.get(f"/office/partners/{acme.partner.pk}/").content.decode()
    assert re.search(r'<span class="badge [^"]*partner-tag" data-tag="invest">.*Investment</span>', record)
    assert 'data-tag="emea-focus"' in record
    assert "Tags changed" in manager.get(f"/office/partners/{acme.partner.pk}/timeline/").content.decode()
    # but the partner's own pages never show them
    for path in ("/portal/company/", "/portal/company/edit/", "/portal/"):
        page = client_for(acme.partner_admin).get(path).content.decode()
        assert "emea-focus" not in page and "partner-tag" not in page and 'name="tags"' not in page, path
        assert "Tags changed" not in page


def test_a_partner_admin_may_not_set_its_tags(world, client_for):
    # given acme partner 1's admin
    acme = world.acme
    # when they post tags with their company's profile, then they are ignored
    response = client_for(acme.partner_admin).post(
        "/portal/company/edit/", {"display_name": "Acme One", "tags": "invest"}
    )
    assert response.status_code == 302
    with tenant_scope(acme.tenant, partner=acme.partner):
        assert Partner.objects.get(pk=acme.partner.pk).tags == []
        # and the service refuses them outright
        with pytest.raises(NotAllowed, match="tags"):
            partner_update(actor=acme.partner_admin, partner=acme.partner, changes={"tags": ["invest"]})
    assert "tags" not in Partner.PARTNER_EDITABLE_FIELDS


def test_the_directory_filters_by_tag_and_shows_the_tags(world, client_for):
    # given acme partner 2 marked for investment and partner 1 tagged otherwise
    acme = world.acme
    _tag(acme, acme.partners[1], INVEST_TAG)
    _tag(acme, acme.partner, "emea-focus")
    client = client_for(acme.manager)
    # when the manager filters the directory by a tag
    invest = client.get("/office/partners/", {"tag": INVEST_TAG})
    # then only the tagged partners are listed, each with its tags
    assert _names(invest) == ["Acme Partner 2"]
    assert _names(client.get("/office/partners/", {"tag": "emea-focus"})) == ["Acme Partner 1"]
    assert '<span class="badge text-bg-info partner-tag">Investment</span>' in invest.content.decode()
    # and the filter offers the tags in use, the investment tag by its name; an unknown tag is ignored
    page = client.get("/office/partners/").content.decode()
    assert '<option value="invest">Investment</option>' in page
    assert '<option value="emea-focus">emea-focus</option>' in page
    assert _names(client.get("/office/partners/", {"tag": "nobody-has-it"})) == ["Acme Partner 1", "Acme Partner 2"]
    # and the export, filtered the same way, has the tags column
    header, *rows = csv_rows(client.get("/office/partners/export.csv", {"tag": INVEST_TAG}))
    [row] = [dict(zip(header, row, strict=True)) for row in rows]
    assert (row["display_name"], row["tags"]) == ("Acme Partner 2", INVEST_TAG)


def test_the_tag_options_are_the_tenants_and_follow_changes(world):
    # given acme with no tag in use: the investment tag is offered all the same
    acme, globex = world.acme, world.globex
    with tenant_scope(acme.tenant):
        assert partner_tag_options() == (INVEST_TAG,)
    # when globex tags a partner, and acme another (through the service, which says the list changed)
    _tag(globex, globex.partner, "globex-only")
    _tag(acme, acme.partner, "emea-focus")
    # then each tenant is offered its own tags, at once
    with tenant_scope(acme.tenant):
        assert partner_tag_options() == ("emea-focus", INVEST_TAG)
    with tenant_scope(globex.tenant):
        assert partner_tag_options() == ("globex-only", INVEST_TAG)


def test_a_partners_data_export_leaves_its_tags_out():
    # given the tables of a data export (api.exports), the vendor's and a partner's
    from api.exports import export_tables

    def partner_columns(*, for_partner):
        [table] = [t for t in export_tables(for_partner=for_partner) if t.model == "partners.Partner"]
        return table.columns

    # then the vendor's export has the partners' tags, a partner's its own record without them
    assert "tags" in partner_columns(for_partner=False)
    assert "tags" not in partner_columns(for_partner=True) and "display_name" in partner_columns(for_partner=True)


def test_a_staff_key_reads_and_filters_by_tags_a_partner_key_never_sees_them(world):
    # given acme partner 2 marked for investment, and keys of acme's admin and of partner 2's admin
    from ..api.support import api_client, issue_key

    acme = world.acme
    _tag(acme, acme.partners[1], INVEST_TAG)
    staff = api_client(issue_key(acme.admin), acme.tenant)
    partner = api_client(issue_key(acme.partner_admins[1]), acme.tenant)
    # when the staff key reads the partners, filtered by the tag, and partner 2
    listed = staff.get("/api/v1/partners/", {"tag": INVEST_TAG}).json()["results"]
    # then it gets the tagged partner with its tags
    assert [(row["id"], row["tags"]) for row in listed] == [(acme.partners[1].pk, [INVEST_TAG])]
    assert staff.get(f"/api/v1/partners/{acme.partners[1].pk}/").json()["tags"] == [INVEST_TAG]
    # but partner 2's own key reads its company without them
    own = partner.get(f"/api/v1/partners/{acme.partners[1].pk}/")
    assert own.status_code == 200 and "tags" not in own.json()
    assert all("tags" not in row for row in partner.get("/api/v1/partners/").json()["results"])
