"""Announcements' pages as people use them: channel marketing writes one for Gold partners in the
back office; a Gold partner's user finds it on the portal home (unread first) and opens it, which
records the read, and the back office shows who read it; a Silver partner's user gets a 404; the
e-mail settings; mark all read; pin and withdraw; what each role may do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marketing.models import Announcement, AnnouncementPreference, AnnouncementReceipt, DigestFrequency
from marketing.services.announcements import announcement_create
from marketing.services.audience import AudienceChoice
from prm.tenancy.scope import tenant_scope
from tests.conftest import body, make_client

from .world import page_text, tier_held_by

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return page_text(response)


@pytest.fixture
def gold(acme):
    """Acme partner 1 is Gold; partner 2 is in no tier."""
    return tier_held_by(acme.partner)


def _publish(side, title, **kwargs) -> Announcement:
    with tenant_scope(side.tenant):
        return announcement_create(actor=side.marketing, title=title, body=kwargs.pop("body", "Text."), **kwargs)


def test_marketing_publishes_for_gold_partners_and_sees_who_read_it(acme, gold):
    office, portal = make_client(acme.marketing), make_client(acme.sales_rep)
    # given channel marketing's form, which offers the tenant's tiers
    form = _text(office.get(reverse("office:announcement_create")))
    assert "Gold" in form and "Audience" in form
    # when it publishes an announcement for Gold partners only
    response = office.post(
        reverse("office:announcement_create"),
        {
            "title": "Gold early access",
            "body": "Demo units six weeks early.\nAsk your manager.",
            "publish_at": "",
            "expires_at": "",
            "send_email": "on",
            "audience_tier_ids": [str(gold.pk)],
        },
    )
    with tenant_scope(acme.tenant):
        news = Announcement.objects.get(title="Gold early access")
    assert response.status_code == 302 and response["Location"] == reverse("office:announcement", args=[news.pk])
    page = _text(office.get(response["Location"]))
    assert "Tiers:</span> " in page and "Nobody has read it yet." in page and "0 of the 2 people" in page
    # then partner 1's sales rep finds it on the portal home, unread
    home = _text(portal.get(reverse("portal:home")))
    assert "Gold early access" in home and "1 unread" in home
    # ... opens it (the text with its line break), which records the read
    detail = _text(portal.get(reverse("portal:announcement", args=[news.pk])))
    assert "Demo units six weeks early.<br>Ask your manager." in detail
    assert "1 unread" not in _text(portal.get(reverse("portal:announcements")))
    # and the back office shows who read it
    page = _text(office.get(reverse("office:announcement", args=[news.pk])))
    assert acme.sales_rep.user.email in page and "1 of the 2 people" in page
    listing = _text(office.get(reverse("office:announcements")))
    assert "1 of 2" in listing
    # partner 2's people (no tier) do not see it: not listed, a 404 by URL
    other = make_client(acme.partner_admins[1])
    assert "Gold early access" not in _text(other.get(reverse("portal:announcements")))
    assert other.get(reverse("portal:announcement", args=[news.pk])).status_code == 404


def test_an_invalid_announcement_shows_the_form_again_with_what_was_typed(acme):
    office = make_client(acme.marketing)
    later = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    sooner = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = office.post(
        reverse("office:announcement_create"),
        {"title": "Typed title", "body": "Typed text", "publish_at": later, "expires_at": sooner},
    )
    page = _text(response)
    assert "It expires after it is published" in page and "Typed title" in page
    with tenant_scope(acme.tenant):
        assert not Announcement.objects.exists()


def test_the_text_is_shown_as_typed_never_as_markup(acme):
    news = _publish(acme, "<b>Bold</b> title", body="<script>alert(1)</script>")
    raw = body(make_client(acme.sales_rep).get(reverse("portal:announcement", args=[news.pk])))
    assert "<script>alert(1)</script>" not in raw and "&lt;script&gt;" in raw and "<b>Bold</b>" not in raw


def test_the_portal_home_shows_unread_ones_first_with_the_count(acme):
    now = timezone.now()
    first = _publish(acme, "Pinned and read", pinned=True, publish_at=now - timedelta(days=2))
    for days, title in ((3, "Older news"), (1, "Newer news"), (4, "Oldest news")):
        _publish(acme, title, publish_at=now - timedelta(days=days))
    portal = make_client(acme.sales_rep)
    portal.get(reverse("portal:announcement", args=[first.pk]))
    home = _text(portal.get(reverse("portal:home")))
    card = home[home.index('id="announcements-card"') :]
    positions = [card.find(title) for title in ("Newer news", "Older news", "Oldest news")]
    assert positions == sorted(positions) and -1 not in positions
    assert "Pinned and read" not in card[: card.find("Every announcement")]  # three shown: the unread ones
    assert "3 unread" in card


def test_no_card_without_announcements(acme):
    assert 'id="announcements-card"' not in _text(make_client(acme.sales_rep).get(reverse("portal:home")))


def test_mark_all_read(acme):
    for title in ("One", "Two"):
        _publish(acme, title)
    portal = make_client(acme.sales_rep)
    assert "2 unread" in _text(portal.get(reverse("portal:announcements")))
    response = portal.post(reverse("portal:announcements_read_all"))
    assert response.status_code == 302
    page = _text(portal.get(response["Location"]))
    assert "2 announcements marked as read." in page and 'id="announcements-unread"' not in page
    with tenant_scope(acme.tenant):
        assert AnnouncementReceipt.objects.filter(membership=acme.sales_rep).count() == 2


def test_the_e_mail_settings(acme):
    portal = make_client(acme.sales_rep)
    page = _text(portal.get(reverse("portal:announcement_settings")))
    assert 'value="immediate" class="form-check-input" id="id_frequency_0" required checked' in page
    response = portal.post(reverse("portal:announcement_settings"), {"frequency": DigestFrequency.WEEKLY})
    assert response.status_code == 302
    assert "Saved: A weekly digest." in _text(portal.get(response["Location"]))
    with tenant_scope(acme.tenant):
        assert AnnouncementPreference.objects.get(membership=acme.sales_rep).frequency == DigestFrequency.WEEKLY
    # an unknown choice is refused with the form again
    assert "Select a valid choice" in _text(portal.post(reverse("portal:announcement_settings"), {"frequency": "x"}))


def test_pin_edit_and_withdraw_from_the_back_office(acme):
    news = _publish(acme, "Summit")
    office = make_client(acme.admin)
    detail = reverse("office:announcement", args=[news.pk])
    assert office.post(reverse("office:announcement_pin", args=[news.pk]))["Location"] == detail
    assert "Unpin" in _text(office.get(detail))
    form = _text(office.get(reverse("office:announcement_edit", args=[news.pk])))
    assert 'name="pinned" class="form-check-input" id="id_pinned" checked' in form
    response = office.post(
        reverse("office:announcement_edit", args=[news.pk]),
        {"title": "Summit 2027", "body": "Lisbon.", "publish_at": "", "expires_at": "", "pinned": "on"},
    )
    assert response["Location"] == detail
    response = office.post(reverse("office:announcement_withdraw", args=[news.pk]))
    page = _text(office.get(response["Location"]))
    assert "Withdrawn: partners no longer see it." in page and "Expired" in page
    # a second withdrawal is refused with a message, on the page
    assert "already expired" in _text(office.post(reverse("office:announcement_withdraw", args=[news.pk])))
    with tenant_scope(acme.tenant):
        news = Announcement.objects.get(pk=news.pk)
    assert news.title == "Summit 2027" and news.pinned and news.expires_at is not None
    assert "Summit 2027" not in _text(make_client(acme.sales_rep).get(reverse("portal:announcements")))


def test_the_channel_manager_reads_but_does_not_write(acme):
    news = _publish(acme, "Summit")
    manager = make_client(acme.manager)
    listing = _text(manager.get(reverse("office:announcements")))
    assert "Summit" in listing and "New announcement" not in listing
    assert "Withdraw" not in _text(manager.get(reverse("office:announcement", args=[news.pk])))
    assert manager.post(reverse("office:announcement_withdraw", args=[news.pk])).status_code == 403


def test_the_office_list_filters_by_state(acme):
    now = timezone.now()
    _publish(acme, "Today's news")
    _publish(acme, "Next week", publish_at=now + timedelta(days=7))
    _publish(acme, "A draft", is_draft=True)
    office = make_client(acme.marketing)
    scheduled = _text(office.get(reverse("office:announcements") + "?state=scheduled"))
    assert "Next week" in scheduled and "Today's news" not in scheduled and "A draft" not in scheduled
    every = _text(office.get(reverse("office:announcements") + "?state=bogus"))
    assert all(title in every for title in ("Today's news", "Next week", "A draft"))


def test_an_audience_by_role(acme):
    news = _publish(acme, "For admins", audience=AudienceChoice(roles=("partner_admin",)))
    assert make_client(acme.sales_rep).get(reverse("portal:announcement", args=[news.pk])).status_code == 404
    assert "For admins" in _text(make_client(acme.partner_admin).get(reverse("portal:announcement", args=[news.pk])))
