"""The notification list and bell show a member their own notifications only."""

from __future__ import annotations

import pytest

from prm.notifications.models import Notification
from prm.tenancy.scope import platform_scope

from ..factories import NotificationFactory

pytestmark = pytest.mark.django_db


def test_the_list_shows_only_the_members_own_notifications(world, client_for):
    # given notifications for acme partner 1's admin, partner 2's admin, and globex's manager
    acme = world.acme
    NotificationFactory(recipient=acme.partner_admin, title="For partner one")
    NotificationFactory(recipient=acme.partner_admins[1], title="For partner two")
    NotificationFactory(recipient=world.globex.manager, title="For globex")
    NotificationFactory(recipient=acme.partner_admin, title="Hidden from the portal", show_in_portal=False)
    # when partner 1's admin opens the list
    page = client_for(acme.partner_admin).get("/notifications/").content.decode()
    # then only their own portal notifications are there
    assert "For partner one" in page
    for other in ("For partner two", "For globex", "Hidden from the portal"):
        assert other not in page


def test_mark_read_marks_the_members_own_notifications_only(world, client_for):
    # given an unread notification each for two partner admins
    acme = world.acme
    mine = NotificationFactory(recipient=acme.partner_admin)
    theirs = NotificationFactory(recipient=acme.partner_admins[1])
    client = client_for(acme.partner_admin)
    assert "1 unread" in client.get("/notifications/bell/").content.decode()
    # when partner 1's admin posts "mark read" naming both ids
    response = client.post("/notifications/read/", {"id": [mine.pk, theirs.pk]})
    # then theirs is read, the other admin's is not, and the bell drops to zero
    assert response.status_code == 302
    with platform_scope():
        assert Notification.objects.get(pk=mine.pk).read_at is not None
        assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert "0 unread" in client.get("/notifications/bell/").content.decode()


def test_mark_all_read(world, client_for):
    acme = world.acme
    for _ in range(3):
        NotificationFactory(recipient=acme.manager)
    client = client_for(acme.manager)
    response = client.post("/notifications/read/", follow=True)
    assert "Marked 3 notifications read." in response.content.decode()
    assert "0 unread" in client.get("/notifications/bell/").content.decode()


def test_the_list_is_paginated(world, client_for):
    acme = world.acme
    for n in range(30):
        NotificationFactory(recipient=acme.manager, title=f"Note number {n:02d}")
    client = client_for(acme.manager)
    first = client.get("/notifications/").content.decode()
    second = client.get("/notifications/?page=2").content.decode()
    # newest first, 25 a page
    assert "Note number 29" in first and "Note number 05" in first and "Note number 04" not in first
    assert "Note number 04" in second and "Note number 00" in second and "Page 2 of 2" in second
