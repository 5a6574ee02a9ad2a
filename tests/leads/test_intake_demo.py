"""The intake part's demo: through the services, routed, and loaded once."""

from __future__ import annotations

import pytest

from leads.demo_intake import load
from leads.models import ImportStatus, Lead, LeadImport, LeadSource, LeadStatus
from prm.tenancy.scope import tenant_scope
from prm.web.demo_kit import Demo

from ..factories import ProductLineFactory

pytestmark = pytest.mark.django_db


def test_the_demo_imports_receives_and_refers_once(acme):
    # acme's catalogue as programs' demo makes it (the lines the file names)
    ProductLineFactory(tenant=acme.tenant, name="Core Networking", slug="core-networking")
    ProductLineFactory(tenant=acme.tenant, name="Cloud Security", slug="cloud-security")
    demo = Demo(tenant=acme.tenant, seed=1, staff={"admin": acme.admin, "cam": acme.manager})
    with tenant_scope(acme.tenant):
        load(demo)
        load(demo)
        [lead_import] = LeadImport.objects.all()
        assert lead_import.status == ImportStatus.DONE
        assert (lead_import.leads_created, lead_import.leads_merged, len(lead_import.rejected)) == (20, 1, 2)
        by_source = {source: Lead.objects.filter(source=source).count() for source in LeadSource.values}
        assert by_source[LeadSource.IMPORT] == 20 and by_source[LeadSource.WEB_FORM] == 2
        assert by_source[LeadSource.REFERRAL] == 2
        assert Lead.objects.filter(status=LeadStatus.DUPLICATE).count() == 1
        assert Lead.objects.filter(duplicate_count__gt=0).count() == 2
        assert Lead.objects.filter(status=LeadStatus.PENDING_REVIEW, contact_withheld=True).count() == 1
        # routed: none of the imported leads is left unrouted
        assert not Lead.objects.filter(source=LeadSource.IMPORT, status=LeadStatus.NEW).exists()
