"""The lead reports' query strings, fed hostile input (tests/hostile/support.py's strategies): never
a server error, the filters echoed back inert, and the CSV exports still answer."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ..conftest import make_client
from ..hostile.support import HOSTILE, hostile_id, hostile_text
from ..hostile.test_fuzz_forms import survived
from .reports_setup import lead_report_world

pytestmark = pytest.mark.django_db

_FILTERS = ["period", "start", "end", "program", "sort", "page", "format"]
_VALUES = st.one_of(
    hostile_id,
    hostile_text,
    st.sampled_from(["custom", "30", "90", "month", "below", "csv", "0000-00-00", "9999-12-31", "0001-01-01"]),
    st.lists(hostile_text, min_size=2, max_size=3),
)


@pytest.fixture
def reports(world):
    ctx = SimpleNamespace(side=world.acme, world=world)
    lead_report_world(ctx)
    return ctx


@HOSTILE
@given(query=st.dictionaries(st.sampled_from(_FILTERS), _VALUES, min_size=1))
@example(query={"period": "custom", "start": "0001-01-01", "end": "9999-12-31", "program": str(2**70)})
@example(query={"period": "custom", "start": "2026-02-30", "end": "\x00", "page": "-1", "sort": "name; DROP"})
@example(query={"page": str(2**70), "program": "-1", "format": "csv", "sort": "below"})
def test_fairness_filters(reports, query):
    client = make_client(reports.side.manager)
    response = survived(client.get("/office/leads/fairness/", query))
    assert response.status_code == 200


@HOSTILE
@given(query=st.dictionaries(st.sampled_from(["page", "format"]), _VALUES, min_size=1))
@example(query={"page": str(2**70)})
def test_aging_and_share_query_strings(reports, query):
    assert survived(make_client(reports.side.manager).get("/office/leads/aging/", query)).status_code == 200
    assert survived(make_client(reports.side.partner_admin).get("/portal/leads/share/", query)).status_code == 200
