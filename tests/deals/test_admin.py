"""The deals admin as a vendor admin uses it: accounts with an all-or-nothing CSV import, and
auto-approval rules with product lines as checkboxes."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from deals.models import AutoApprovalRule, CustomerAccount
from prm.tenancy.scope import tenant_scope
from tests.factories import CustomerAccountFactory

from .deal_setup import make_catalogue

pytestmark = pytest.mark.django_db


def upload(client, text: str):
    csv_file = SimpleUploadedFile("accounts.csv", text.encode(), content_type="text/csv")
    return client.post("/admin/deals/customeraccount/import/", {"file": csv_file})


def accounts(side) -> list[tuple]:
    with tenant_scope(side.tenant):
        return list(
            CustomerAccount.objects.order_by("name").values_list(
                "name", "name_key", "domain", "country", "kind", "external_id"
            )
        )


def test_a_csv_import_upserts_by_external_id(acme, globex, client_for):
    # given an account from an earlier import, and another tenant's with the same external id
    CustomerAccountFactory(tenant=acme.tenant, name="Initech", external_id="CRM-1", kind="customer")
    CustomerAccountFactory(tenant=globex.tenant, name="Globex's own", external_id="CRM-1")
    client = client_for(acme.admin)
    assert "Import CSV" in client.get("/admin/deals/customeraccount/").content.decode()
    # when the admin imports a file that renames CRM-1 and adds two accounts
    response = upload(
        client,
        "name,domain,country,kind,external_id\n"
        "Initech GmbH,https://www.initech.de,de,direct_only,CRM-1\n"
        "Umbrella Corp.,umbrella.com,US,named,CRM-2\n"
        "Hooli,,,customer,\n",
    )
    # then it is back on the list with the accounts upserted, normalised, in acme only
    assert response.status_code == 302
    assert accounts(acme) == [
        ("Hooli", "hooli", "", "", "customer", ""),
        ("Initech GmbH", "initech", "initech.de", "DE", "direct_only", "CRM-1"),
        ("Umbrella Corp.", "umbrella", "umbrella.com", "US", "named", "CRM-2"),
    ]
    assert [a[0] for a in accounts(globex)] == ["Globex's own"]


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_error(acme, client_for):
    client = client_for(acme.admin)
    response = upload(
        client,
        "name,domain,country,kind,external_id\n"
        "Good Co,good.com,DE,customer,A-1\n"
        ",nobody.com,DE,customer,A-2\n"
        "Free Mail,gmail.com,Germany,partner,A-1\n",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "row 3: the name is empty" in page
    assert "row 4: &#x27;gmail.com&#x27; is not a company web domain" in page
    assert "row 4: the country must be a two-letter code" in page
    assert "row 4: the kind must be one of" in page
    assert "row 4: the external id &#x27;A-1&#x27; appears twice" in page
    assert accounts(acme) == []


def test_partner_users_and_staff_without_admin_access_cannot_import(acme, client_for):
    assert client_for(acme.manager).get("/admin/deals/customeraccount/import/").status_code in (302, 403, 404)
    assert client_for(acme.partner_admin).get("/admin/deals/customeraccount/import/").status_code in (302, 403, 404)


def test_an_auto_approval_rule_takes_product_lines_as_checkboxes(acme, client_for):
    cat = make_catalogue(acme)
    client = client_for(acme.admin)
    page = client.get("/admin/deals/autoapprovalrule/add/").content.decode()
    assert 'type="checkbox" name="product_lines"' in page and "Firewalls" in page
    data = {
        "program": str(cat.program.pk),
        "name": "Small firewall deals",
        "priority": "5",
        "is_active": "on",
        "require_no_conflict": "on",
        "max_amount": "20000",
        "min_tier": str(cat.gold.pk),
        "product_lines": [str(cat.firewalls.pk), str(cat.switches.pk)],
    }
    assert client.post("/admin/deals/autoapprovalrule/add/", data).status_code == 302
    with tenant_scope(acme.tenant):
        rule = AutoApprovalRule.objects.get()
    assert rule.product_line_ids == sorted([cat.firewalls.pk, cat.switches.pk])
    assert (rule.min_tier_id, rule.priority, rule.tenant_id) == (cat.gold.pk, 5, acme.tenant.pk)
    # the change page shows the lines checked
    change = client.get(f"/admin/deals/autoapprovalrule/{rule.pk}/change/")
    assert sorted(change.context["adminform"].form.initial["product_lines"]) == rule.product_line_ids
    # a minimum tier of another program is refused
    other = make_catalogue_tier(acme)
    refused = client.post("/admin/deals/autoapprovalrule/add/", data | {"min_tier": str(other.pk)})
    assert refused.status_code == 200 and "is not a tier of Resell" in refused.content.decode()


def make_catalogue_tier(side):
    from tests.factories import TierFactory

    return TierFactory(program__tenant=side.tenant, tenant=side.tenant, name="Other tier")
