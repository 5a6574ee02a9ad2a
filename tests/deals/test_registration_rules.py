"""What a registration must be before anyone relies on it: an expected close date still to come,
products the partner's program lets it register (offered alone, the rest explained), an amount
that is the products' total; and a partner's draft stays the partner's until it is submitted."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from deals.models import Deal, DealStatus
from deals.permissions import DRAFT_PRIVATE
from deals.selectors.review import pipeline_figures
from deals.services import (
    attachment_add,
    deal_approve,
    deal_register,
    deal_submit,
    deal_update,
    deal_withdraw,
    message_post,
    pipeline_refresh,
)
from prm.errors import NotAllowed, PolicyViolation
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import tenant_today
from tests.conftest import csv_rows, make_client
from tests.factories import (
    AuthorizationRuleFactory,
    ProductFactory,
    ProductLineFactory,
    ProgramFactory,
    TierFactory,
    refresh,
)

from . import office_setup
from .deal_setup import as_partner, draft, submitted
from .portal_setup import pdf_upload
from .test_portal_views import registration

pytestmark = pytest.mark.django_db
S = DealStatus
PAST = "The expected close date cannot be in the past"


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _today(side):
    with tenant_scope(side.tenant):
        return tenant_today()


def _deals_of(partner) -> list[Deal]:
    with platform_scope():
        return list(Deal.objects.filter(partner=partner))


# --- the expected close date -------------------------------------------------------------------


def test_a_past_close_date_is_refused_on_the_field_and_what_was_typed_stays(acme, cat):
    yesterday = (_today(acme) - timedelta(days=1)).isoformat()
    # when a partner registers a deal closing yesterday
    page = html(
        make_client(acme.sales_rep).post(
            reverse("portal:deal_create"), registration(cat, expected_close_on=yesterday, intent="submit")
        )
    )
    # then the message stands under the date field, which is marked, and nothing is saved
    errors = re.search(r'<div id="id_expected_close_on_errors"[^>]*>([^<]*)</div>', page)
    assert errors and PAST in errors.group(1)
    assert re.search(r'<input[^>]*name="expected_close_on"[^>]*aria-invalid="true"', page)
    assert f'value="{yesterday}"' in page and 'value="Initech GmbH"' in page and "Met at the fair." in page
    assert _deals_of(acme.partner) == []
    # while today is fine
    response = make_client(acme.sales_rep).post(
        reverse("portal:deal_create"), registration(cat, expected_close_on=_today(acme).isoformat())
    )
    assert response.status_code == 302 and len(_deals_of(acme.partner)) == 1


def test_the_services_refuse_a_past_close_date_for_partners_and_for_staff(acme, cat):
    yesterday = _today(acme) - timedelta(days=1)
    values = dict(customer_name="Umbrella", customer_country="DE", currency="USD", lines=[(cat.firewall, 1, None)])
    with as_partner(acme.sales_rep), pytest.raises(PolicyViolation, match=PAST):
        deal_register(actor=acme.sales_rep, partner=acme.partner, expected_close_on=yesterday, **values)
    with tenant_scope(acme.tenant), pytest.raises(PolicyViolation, match=PAST):
        deal_register(actor=acme.manager, partner=acme.partner, expected_close_on=yesterday, submit=True, **values)
    # and an edit moving the date into the past
    deal = draft(acme.sales_rep, cat)
    with as_partner(acme.sales_rep), pytest.raises(PolicyViolation, match=PAST):
        deal_update(actor=acme.sales_rep, deal=deal, changes={"expected_close_on": yesterday})
    assert _deals_of(acme.partners[0]) == [deal]
    # and a draft whose day has gone by is not submitted as it is
    with platform_scope():
        Deal.objects.filter(pk=deal.pk).update(expected_close_on=yesterday)
    with as_partner(acme.sales_rep), pytest.raises(PolicyViolation, match=PAST):
        deal_submit(actor=acme.sales_rep, deal=deal)


def test_the_office_on_behalf_form_refuses_a_past_close_date_on_the_field(acme):
    ctx = SimpleNamespace(side=acme)
    yesterday = (_today(acme) - timedelta(days=1)).isoformat()
    data = {**office_setup.registration_data(ctx), "expected_close_on": yesterday}
    page = html(make_client(acme.manager).post(reverse("office:deal_register"), data))
    assert PAST in page and "Matrix Customer GmbH" in page
    assert _deals_of(acme.partner) == []


# --- the products offered ----------------------------------------------------------------------


@pytest.fixture
def rules(acme, cat):
    """Switches need the Gold tier of Resell (partner 1 is Silver, partner 2 Gold); routers are
    sold only in the Distribution program, in which nobody is enrolled."""
    AuthorizationRuleFactory(product_line=cat.switches, min_tier=cat.gold)
    routers = ProductLineFactory(tenant=acme.tenant, name="Routers", slug="routers")
    distribution = ProgramFactory(tenant=acme.tenant, name="Distribution", slug="distribution")
    AuthorizationRuleFactory(product_line=routers, min_tier=TierFactory(program=distribution, name="Member", rank=1))
    return SimpleNamespace(router=ProductFactory(line=routers, name="RT-9", list_price=300, currency="USD"))


def _options(page: str) -> str:
    return " ".join(re.findall(r"<option[^>]*>[^<]*</option>", page))


def test_the_picker_offers_only_the_products_the_policy_allows_and_says_why_not_the_rest(acme, cat, rules):
    # when partner 1's (Silver) rep opens "Register a deal"
    page = html(make_client(acme.sales_rep).get(reverse("portal:deal_create")))
    # then the firewall is offered; the switch and the router are not, and the page says why
    options = _options(page)
    assert "FW-100" in options and "SW-24" not in options and "RT-9" not in options
    assert "Not offered to your company:" in page
    assert "SW-24 — needs the Gold tier" in page
    assert "RT-9 — not in your program (Distribution)" in page
    # while partner 2's (Gold) rep is offered the switch too
    page = html(make_client(acme.sales[1]).get(reverse("portal:deal_create")))
    options = _options(page)
    assert "FW-100" in options and "SW-24" in options and "RT-9" not in options
    assert "SW-24 — needs the Gold tier" not in page


def test_a_product_posted_anyway_is_refused_on_its_row_and_nothing_typed_is_lost(acme, cat, rules):
    data = registration(cat, **{"lines-1-product": str(cat.switch.pk), "lines-1-quantity": "4"}, intent="save")
    page = html(make_client(acme.sales_rep).post(reverse("portal:deal_create"), data))
    # the switch's row is marked, with the reason on it; the firewall's row is not
    row = re.search(r'<tr id="line-1"([^>]*)>(.*?)</tr>', page, re.S)
    assert 'class="table-danger"' in row.group(1)
    assert "Not offered to your company: needs the Gold tier." in row.group(2)
    assert 'class="table-danger"' not in re.search(r'<tr id="line-0"([^>]*)>', page).group(1)
    # what was typed stays, and nothing was saved
    assert 'value="Initech GmbH"' in page and 'name="lines-1-quantity" value="4"' in page
    assert _deals_of(acme.partner) == []


def test_a_draft_holding_a_product_no_longer_offered_shows_it_and_refuses_it_on_its_row(acme, cat):
    # given a draft with a switch, saved before switches needed the Gold tier
    deal = draft(acme.sales_rep, cat, products=[cat.switch])
    AuthorizationRuleFactory(product_line=cat.switches, min_tier=cat.gold)
    client = make_client(acme.sales_rep)
    # when the rep edits it, the switch is still on its row (not silently dropped)
    page = html(client.get(reverse("portal:deal_edit", args=[deal.pk])))
    assert re.search(rf'<option value="{cat.switch.pk}" selected>SW-24 \(not offered to your company\)</option>', page)
    # and saving it as it is refuses that row, with the reason
    data = registration(
        cat,
        **{"lines-INITIAL_FORMS": "1", "lines-0-product": str(cat.switch.pk), "lines-0-unit_price": ""},
        intent="save",
    )
    page = html(client.post(reverse("portal:deal_edit", args=[deal.pk]), data))
    row = re.search(r'<tr id="line-0"([^>]*)>(.*?)</tr>', page, re.S)
    assert 'class="table-danger"' in row.group(1) and "needs the Gold tier" in row.group(2)


# --- the amount --------------------------------------------------------------------------------


def test_the_amount_is_the_products_total_on_both_sides(acme, cat):
    # when a partner registers two firewalls at 4,500 and one at list price, typing another amount
    lines = {"lines-0-unit_price": "4500", "lines-1-product": str(cat.firewall.pk), "lines-1-quantity": "1"}
    client = make_client(acme.sales_rep)
    page = html(client.get(reverse("portal:deal_create")))
    # (the form shows the total as the lines are typed, from the list prices it carries)
    assert re.search(r'<input[^>]*name="amount"[^>]*data-lines-total', page)
    assert f"&quot;{cat.firewall.pk}&quot;: &quot;5000.00&quot;" in page and "deals/lines" in page
    response = client.post(reverse("portal:deal_create"), registration(cat, amount="1", **lines, intent="submit"))
    assert response.status_code == 302
    # then the amount is the lines' total
    (deal,) = _deals_of(acme.partner)
    assert deal.amount == Decimal("14000.00")
    # and both deal pages say so
    assert "$14,000.00" in html(client.get(reverse("portal:deal_detail", args=[deal.pk])))
    assert "$14,000.00" in html(make_client(acme.manager).get(reverse("office:deal_detail", args=[deal.pk])))


def test_editing_the_products_of_a_draft_recomputes_its_amount(acme, cat):
    deal = draft(acme.sales_rep, cat)  # two firewalls: 10,000
    assert deal.amount == Decimal("10000.00")
    data = registration(
        cat, **{"lines-INITIAL_FORMS": "1", "lines-0-quantity": "3", "lines-0-unit_price": "100"}, intent="save"
    )
    response = make_client(acme.sales_rep).post(reverse("portal:deal_edit", args=[deal.pk]), data)
    assert response.status_code == 302
    (deal,) = _deals_of(acme.partner)
    assert deal.amount == Decimal("300.00")


# --- drafts are the partner's own --------------------------------------------------------------


def test_the_vendor_side_sees_nothing_of_a_partners_draft(acme, cat):
    # given a draft partner 1's rep saved
    deal = draft(acme.sales_rep, cat, customer_name="Private Draft AG", customer_website="private-draft.example")
    with tenant_scope(acme.tenant):
        pipeline_refresh()
    for member in (acme.admin, acme.manager):
        client = make_client(member)
        # the deal page is a 404, its actions too
        assert client.get(reverse("office:deal_detail", args=[deal.pk])).status_code == 404
        assert client.post(reverse("office:deal_message", args=[deal.pk]), {"body": "Hi"}).status_code == 404
        # no list holds it: every registration, the queue, the partner's tab, a search, the export
        for url in (
            reverse("office:deal_list"),
            f"{reverse('office:deal_list')}?q=Private",
            f"{reverse('office:deal_list')}?status=draft",
            reverse("office:deal_reviews"),
            reverse("office:partner_deals", args=[acme.partner.pk]),
        ):
            assert "Private Draft" not in html(client.get(url)), url
        export = csv_rows(client.get(reverse("office:deal_export")))
        assert not any("Private Draft AG" in row for row in export)
    # and the pipeline counts no draft
    with tenant_scope(acme.tenant):
        assert not any(row[0] == "Draft" for row in pipeline_figures()["by_status"])
    # while the partner keeps full use of it
    partner = make_client(acme.sales_rep)
    assert "Private Draft AG" in html(partner.get(reverse("portal:deal_detail", args=[deal.pk])))
    assert "Private Draft AG" in html(partner.get(reverse("portal:deal_list")))


def test_no_staff_service_writes_to_a_partners_draft(acme, cat):
    deal = draft(acme.sales_rep, cat, customer_name="Private Draft AG")
    calls = {
        "approve": lambda: deal_approve(actor=acme.manager, deal=deal),
        "message": lambda: message_post(actor=acme.manager, deal=deal, body="Hello"),
        "note": lambda: message_post(actor=acme.manager, deal=deal, body="Hm", internal=True),
        "attach": lambda: attachment_add(actor=acme.manager, deal=deal, file=pdf_upload(), name="Quote"),
        "withdraw": lambda: deal_withdraw(actor=acme.admin, deal=deal, reason="Cleanup"),
        "edit": lambda: deal_update(actor=acme.manager, deal=deal, changes={"notes": "Ours"}),
    }
    for name, call in calls.items():
        with tenant_scope(acme.tenant), pytest.raises(NotAllowed) as refused:
            call()
        assert refused.value.message == str(DRAFT_PRIVATE), name
    (kept,) = _deals_of(acme.partner)
    assert (kept.status, kept.notes) == (S.DRAFT, "")
    # once submitted, it is the vendor's to review
    response = make_client(acme.sales_rep).post(reverse("portal:deal_submit", args=[deal.pk]))
    assert response.status_code == 302
    assert "Private Draft AG" in html(make_client(acme.manager).get(reverse("office:deal_detail", args=[deal.pk])))


def test_the_django_admin_offers_vendor_admins_no_deal_changelist(acme, cat, client_for):
    # Registrations are read and written through the deal pages (which hide a partner's draft);
    # the admin configures accounts, rules and pricing bands, and holds no deal list to leak one.
    draft(acme.sales_rep, cat, customer_name="Private Draft AG")
    client = client_for(acme.admin)
    index = client.get("/admin/").content.decode()
    assert "/admin/deals/customeraccount/" in index and "/admin/deals/deal/" not in index
    assert client.get("/admin/deals/deal/").status_code == 404


def test_a_partners_draft_is_no_conflict_a_reviewer_is_shown(acme, cat):
    # given partner 2's draft for Initech
    draft(acme.sales[1], cat, customer_name="Initech GmbH", customer_website="initech.de")
    # when partner 1 submits the same customer
    deal = submitted(acme.sales_rep, cat, customer_name="Initech GmbH", customer_website="initech.de")
    # then the reviewer sees no conflict, nor anything of the draft
    assert not refresh(deal).has_conflict
    page = html(make_client(acme.manager).get(reverse("office:deal_detail", args=[deal.pk])))
    assert acme.partners[1].display_name not in page


def test_a_draft_the_partner_discarded_stays_the_partners(acme, cat):
    # given a draft the partner withdrew before ever submitting it
    deal = draft(acme.sales_rep, cat, customer_name="Discarded Draft AG")
    with tenant_scope(acme.tenant, partner=acme.partner):
        deal_withdraw(actor=acme.sales_rep, deal=deal, reason="we go direct")
    assert refresh(deal).status == S.WITHDRAWN
    # then the vendor's staff still see nothing of it: its page, the lists, the exports, the pipeline
    client = make_client(acme.manager)
    assert client.get(reverse("office:deal_detail", args=[deal.pk])).status_code == 404
    for url in (
        reverse("office:deal_list") + "?status=withdrawn",
        reverse("office:deal_reviews") + "?status=withdrawn",
        reverse("office:partner_deals", args=[acme.partner.pk]),
    ):
        assert "Discarded Draft" not in html(client.get(url)), url
    assert not any("Discarded Draft AG" in row for row in csv_rows(client.get(reverse("office:deal_export"))))
    with tenant_scope(acme.tenant):
        assert not any(row[0] == "Withdrawn" for row in pipeline_figures()["by_status"])
    # while the partner still finds it
    assert "Discarded Draft AG" in html(make_client(acme.sales_rep).get(reverse("portal:deal_detail", args=[deal.pk])))


def test_a_partner_writes_to_the_vendor_only_on_a_submitted_registration(acme, cat, mailoutbox):
    # given a draft: its page offers no message form, and says when it will
    deal = draft(acme.sales_rep, cat, customer_name="Quiet Draft AG")
    rep = make_client(acme.sales_rep)
    page = html(rep.get(reverse("portal:deal_detail", args=[deal.pk])))
    assert 'name="body"' not in page and "once you submit the registration" in page
    # and a message posted anyway is refused, and nobody at the vendor is told
    with (
        tenant_scope(acme.tenant, partner=acme.partner),
        pytest.raises(PolicyViolation, match="Submit the registration first"),
    ):
        message_post(actor=acme.sales_rep, deal=deal, body="Any discount possible?")
    with tenant_scope(acme.tenant):
        assert not deal.messages.exists()
    assert mailoutbox == []
