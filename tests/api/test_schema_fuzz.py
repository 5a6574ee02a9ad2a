"""Schemathesis against the live schema: generated requests to every operation of the API, as a
vendor's admin's key and a partner's admin's key, find no server error and no response that
breaks the schema. Bounded: a few examples per operation (``PRM_SCHEMATHESIS_EXAMPLES``)."""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from ..conftest import host_of
from ..deals.deal_setup import make_catalogue
from .support import issue_key

EXAMPLES = int(os.environ.get("PRM_SCHEMATHESIS_EXAMPLES", "8"))


@pytest.fixture
def api_schema(db, world):
    """The schema, read from the app itself (WSGI, in this process and this test's transaction:
    the requests see the world). As Django's test client does, requests do not close the
    database connection when they finish."""
    from prm.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(
            "/api/v1/schema/?format=json", application, headers={"Host": host_of(world.acme.tenant)}
        )
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def staff_key(world):
    make_catalogue(world.acme)
    return issue_key(world.acme.admin)


@pytest.fixture
def partner_key(world):
    make_catalogue(world.acme)
    return issue_key(world.acme.partner_admin)


FUZZ = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)


def _fuzz(schema, key: str, tenant) -> tuple[list[str], Counter]:
    """Every operation, ``EXAMPLES`` generated requests each; the failures found and the
    statuses answered (so a run that only ever got refused shows)."""
    failures, statuses = [], Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20, "the schema lists the API's operations"
    for operation in operations:

        @given(case=operation.as_strategy())
        @FUZZ
        def check(case):
            response = case.call(headers={"Authorization": f"Bearer {key}", "Host": host_of(tenant)})
            statuses[response.status_code] += 1
            case.validate_response(response, checks=(not_a_server_error, response_schema_conformance))

        try:
            check()
        except Exception as error:
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    return failures, statuses


def test_the_api_keeps_its_schema_for_a_vendors_key(api_schema, staff_key, world):
    failures, statuses = _fuzz(api_schema, staff_key, world.acme.tenant)
    assert failures == []
    assert statuses[200] and statuses[400] and statuses[404], statuses


def test_the_api_keeps_its_schema_for_a_partners_key(api_schema, partner_key, world):
    failures, statuses = _fuzz(api_schema, partner_key, world.acme.tenant)
    assert failures == []
    assert statuses[200] and statuses[400] and statuses[404], statuses
