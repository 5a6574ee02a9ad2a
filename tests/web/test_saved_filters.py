"""Saved filters (prm/web/saved_filters.py), through the deal list that declares its page: a
staff member saves the list's filters under a name and applies them in one click; shares one;
deletes only their own; what is saved is what the page's filter form accepts, nothing else."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import reverse

from deals.models import DealStatus
from prm.errors import NotAllowed, PolicyViolation
from prm.events.models import Event
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.web.models import SavedFilter
from prm.web.saved_filters import saved_filter_delete, saved_filter_list_for_actor, saved_filter_save
from tests.conftest import make_client
from tests.factories import DealFactory
from tests.query_budget import cost

from . import saved_filter_setup

pytestmark = pytest.mark.django_db
S = DealStatus
SAVE = reverse("office:saved_filter_save", args=["deals"])
LIST = reverse("office:deal_list")


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_a_manager_saves_the_lists_filters_and_gets_them_back_in_one_click(acme):
    # given an approved and a submitted registration
    DealFactory(partner=acme.partner, status=S.APPROVED, customer_name="Kept Ltd")
    DealFactory(partner=acme.partner, status=S.SUBMITTED, customer_name="Waiting Ltd")
    client = make_client(acme.manager)
    # when the manager filters by status and saves the filters (with junk the form does not accept)
    page = html(client.get(LIST, {"status": "approved"}))
    assert f'action="{SAVE}"' in page and 'value="status=approved"' in page
    query = "status=approved&close_from=not-a-date&line=99999999999999999999&bogus=1&page=3"
    response = client.post(SAVE, {"name": "  Approved   deals ", "query": query})
    # then they come back to the list, filtered, with a link named after the filters
    assert response.status_code == 302 and response["Location"] == f"{LIST}?status=approved"
    with tenant_scope(acme.tenant):
        saved = SavedFilter.objects.get()
    assert (saved.name, saved.query, saved.shared) == ("Approved deals", "status=approved", False)
    page = html(client.get(LIST))
    assert f'href="{LIST}?status=approved"' in page and ">Approved deals</a>" in page
    # and the link shows the approved registration only
    page = html(client.get(f"{LIST}?{saved.query}"))
    assert "Kept Ltd" in page and "Waiting Ltd" not in page
    with platform_scope():
        event = Event.objects.get(verb="saved_filter.saved")
    assert event.data == {"page": "deals", "name": "Approved deals", "query": "status=approved", "shared": False}


def test_nothing_valid_to_save_is_refused_with_a_message(acme):
    client = make_client(acme.manager)
    response = client.post(SAVE, {"name": "Nothing", "query": "status=hacked&bogus=1"}, follow=True)
    assert "Choose at least one filter before saving it." in html(response)
    response = client.post(SAVE, {"name": "", "query": "status=approved"}, follow=True)
    assert "Give the filter a name." in html(response)
    with tenant_scope(acme.tenant):
        assert not SavedFilter.objects.exists()


def test_saving_under_the_same_name_again_replaces_the_filters(acme):
    with tenant_scope(acme.tenant):
        saved_filter_save(actor=acme.manager, page="deals", name="Mine", query="status=approved")
        saved_filter_save(actor=acme.manager, page="deals", name="Mine", query="stage=negotiate", shared=True)
        assert list(SavedFilter.objects.values_list("query", "shared")) == [("stage=negotiate", True)]


def test_a_shared_filter_is_offered_to_colleagues_and_only_its_owner_deletes_it(acme):
    # given the manager's shared filter and their private one
    ctx = SimpleNamespace(side=acme)
    saved_filter_setup.managers_filter(ctx, shared=True)
    with tenant_scope(acme.tenant):
        private = saved_filter_save(actor=acme.manager, page="deals", name="Private", query="status=submitted")
    # then the vendor admin is offered the shared one only, without a delete button
    page = html(make_client(acme.admin).get(LIST))
    assert ">Approved</a>" in page and ">Private</a>" not in page
    assert reverse("office:saved_filter_delete", args=[ctx.saved.pk]) not in page
    # and deleting it is refused (another's private one is not even there)
    response = make_client(acme.admin).post(reverse("office:saved_filter_delete", args=[ctx.saved.pk]), follow=True)
    assert "Only the person who saved a filter may delete it." in html(response)
    delete_private = reverse("office:saved_filter_delete", args=[private.pk])
    assert make_client(acme.admin).post(delete_private).status_code == 404
    with tenant_scope(acme.tenant), pytest.raises(NotAllowed):
        saved_filter_delete(actor=acme.admin, saved_filter=ctx.saved)
    # when the owner deletes it, it is gone for everyone
    response = make_client(acme.manager).post(reverse("office:saved_filter_delete", args=[ctx.saved.pk]))
    assert response.status_code == 302 and response["Location"] == LIST
    assert saved_filter_setup.gone(ctx)
    with tenant_scope(acme.tenant):
        assert [row["name"] for row in saved_filter_list_for_actor(actor=acme.admin, page="deals")] == []


def test_another_tenants_filters_are_never_offered(acme, globex):
    saved_filter_setup.managers_filter(SimpleNamespace(side=acme), shared=True)
    with tenant_scope(globex.tenant):
        assert saved_filter_list_for_actor(actor=globex.admin, page="deals") == []
    assert ">Approved</a>" not in html(make_client(globex.admin).get(LIST))


def test_a_page_nobody_declared_is_refused(acme):
    with tenant_scope(acme.tenant), pytest.raises(NotAllowed):
        saved_filter_save(actor=acme.manager, page="nowhere", name="X", query="status=approved")
    with tenant_scope(acme.tenant), pytest.raises(PolicyViolation):
        saved_filter_save(actor=acme.manager, page="deals", name="x" * 61, query="status=approved")


def test_the_list_reads_its_saved_filters_in_one_query_however_many(acme, no_queries_from_templates):
    # given the deal list with one saved filter, and then with twelve (some shared by a colleague)
    with tenant_scope(acme.tenant):
        saved_filter_save(actor=acme.manager, page="deals", name="Filter 0", query="status=approved")
    one = cost(acme.manager, LIST)
    with tenant_scope(acme.tenant):
        for n in range(1, 12):
            owner = acme.manager if n % 2 else acme.admin
            saved_filter_save(actor=owner, page="deals", name=f"Filter {n}", query=f"q=n{n}", shared=True)
    many = cost(acme.manager, LIST)
    # then the page costs the same (the deal list's pinned count holds), showing each filter
    assert (
        one.rows(r'class="list-inline-item saved-filter"'),
        many.rows(r'class="list-inline-item saved-filter"'),
    ) == (
        1,
        12,
    )
    assert one.queries == many.queries
