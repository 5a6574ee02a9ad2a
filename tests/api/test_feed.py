"""The change feed never skips an event: one committed late by a slow transaction that began
first is served before anything after it, not lost behind a cursor that moved on."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from partners import events as partner_events
from prm.events.services import event_record
from prm.tenancy.scope import tenant_scope

from .support import api_client, issue_key

pytestmark = pytest.mark.django_db(transaction=True)


def _record(side, note: str) -> None:
    event_record(actor=side.admin, target=side.partner, verb=partner_events.PROFILE_UPDATED, note=note)


def _notes(client, after=None) -> tuple[list[str], str | None]:
    page = client.get("/api/v1/events/", {"after": after} if after else {}).json()
    return [e["message"] for e in page["results"]], page["next"]


def test_an_event_committed_late_is_not_skipped(world):
    acme = world.acme
    client = api_client(issue_key(acme.admin, scopes=["events:read"]), acme.tenant)
    _, start = _notes(client)
    written, release = threading.Event(), threading.Event()

    def slow():
        try:
            with tenant_scope(acme.tenant):
                _record(acme, "slow")  # its transaction began first
                written.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=slow)
    thread.start()
    assert written.wait(timeout=30)
    with tenant_scope(acme.tenant):
        _record(acme, "fast")  # committed while the slow one is still running

    # While the slow transaction runs, the feed holds back everything after it began
    notes, cursor = _notes(client, start)
    assert not any(n.endswith("fast") or n.endswith("slow") for n in notes)

    release.set()
    thread.join(timeout=30)
    notes, cursor = _notes(client, cursor or start)
    assert [n.rsplit(" ", 1)[-1] for n in notes if n.endswith(("fast", "slow"))] == ["slow", "fast"]
