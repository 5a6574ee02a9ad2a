"""The OpenAPI document: generated without a warning, valid, versioned, public, and the
documentation page serves it from our own static files."""

from __future__ import annotations

import yaml
from django.core.management import call_command
from django.test import Client

from ..conftest import host_of


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    document = yaml.safe_load(target.read_text())
    assert document["info"]["version"] == "1.0.0"
    assert "webhook-signature" in document["info"]["description"]
    assert "/api/v1/deals/{id}/submit/" in document["paths"]


def test_the_schema_and_its_documentation_are_public(world):
    client = Client(HTTP_HOST=host_of(world.acme.tenant))
    schema = client.get("/api/v1/schema/", {"format": "json"})
    assert schema.status_code == 200 and schema.json()["openapi"].startswith("3.")
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "vendor/swagger-ui/swagger-ui-bundle.js" in page and "<script>" not in page
    assert client.get("/api/v1/event-types/").json()["results"]
