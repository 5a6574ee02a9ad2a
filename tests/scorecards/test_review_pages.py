"""Relationship reviews through their pages: a channel manager opens and schedules one, downloads
the invitation, holds it with ratings and action items, the worker writes the summary both sides
download; the partner completes its action item; the list's filters; the menus, the homes' action
items; the demo."""

from __future__ import annotations

import io
import re
import zoneinfo
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from pypdf import PdfReader

from partners.models import Partner
from prm.events.models import OutboxMessage
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import tenant_today
from prm.web.demo_kit import Demo
from scorecards.demo_parts import reviews as demo_reviews
from scorecards.models import ActionItem, ActionStatus, RelationshipReview, ReviewRating, ReviewStatus
from scorecards.services.reviews import REVIEW_SUMMARY_TASK, action_add, review_create, review_hold
from tests.conftest import body, make_client

from ..factories import EnrollmentFactory, ProgramFactory, TierFactory, refresh

pytestmark = pytest.mark.django_db


def _day(acme, days: int) -> str:
    with tenant_scope(acme.tenant):
        return (tenant_today() + timedelta(days=days)).isoformat()


def _zone(side):
    return zoneinfo.ZoneInfo(side.tenant.time_zone)


def _review(partner) -> RelationshipReview:
    with platform_scope():
        return RelationshipReview.objects.filter(partner=partner).order_by("-pk").first()


def messages_of(html: str) -> str:
    return " ".join(re.findall(r'role="alert">\s*(.*?)\s*<', html, re.S))


def test_a_manager_schedules_holds_and_both_sides_get_the_summary(acme, deliver):
    manager, partner_admin = make_client(acme.manager), make_client(acme.partner_admin)
    # given the manager opens a review with acme partner 1, scheduled at once
    page = manager.get(reverse("office:review_create") + f"?partner={acme.partner.pk}")
    assert page.status_code == 200 and f'value="{acme.partner.pk}" selected' in body(page)
    response = manager.post(
        reverse("office:review_create"),
        {
            "partner": acme.partner.pk,
            "title": "Spring review",
            "day": _day(acme, 8),
            "time": "14:30",
            "duration_minutes": "60",
            "location": "Berlin office",
        },
    )
    review = _review(acme.partner)
    assert response.status_code == 302 and response["Location"] == f"/office/reviews/{review.pk}/"
    assert review.status == ReviewStatus.SCHEDULED
    # then 14:30 is the vendor's time
    local = timezone.localtime(review.starts_at, _zone(acme))
    assert (local.hour, local.minute) == (14, 30)
    # and the page shows the review, the agenda, and the invitation both sides download
    detail = body(manager.get(response["Location"]))
    assert "Spring review" in detail and 'id="agenda"' in detail and "Add to calendar (.ics)" in detail
    ics = partner_admin.get(reverse("portal:review_ics", args=[review.pk]))
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    event = next(iter(Calendar.from_ical(ics.content).walk("VEVENT")))
    assert str(event["LOCATION"]) == "Berlin office"
    assert str(event["URL"]).endswith(f"/portal/reviews/{review.pk}/")
    # when the manager assigns an action item to the partner's admin and holds the review with ratings
    assert (
        manager.post(
            reverse("office:review_action_add", args=[review.pk]),
            {"title": "Certify a third engineer", "owner": acme.partner_admin.pk, "due_on": _day(acme, 30)},
        ).status_code
        == 302
    )
    response = manager.post(
        reverse("office:review_hold", args=[review.pk]),
        {
            "notes": "Strong quarter.",
            "rating_quality": "4",
            "comment_quality": "Clean installs",
            "rating_delivery": "3",
            "rating_satisfaction": "",
            "rating_collaboration": "5",
        },
    )
    assert response.status_code == 302
    review = refresh(review)
    assert review.status == ReviewStatus.HELD
    with platform_scope():
        assert dict(ReviewRating.objects.filter(review=review).values_list("criterion", "rating")) == {
            "quality": 4,
            "delivery": 3,
            "collaboration": 5,
        }
    # until the worker has written it, the page says so and the PDF is a 404
    assert "The summary is being written." in body(manager.get(reverse("office:review_detail", args=[review.pk])))
    assert manager.get(reverse("office:review_pdf", args=[review.pk])).status_code == 404
    with platform_scope():
        message = OutboxMessage.objects.get(task_name=REVIEW_SUMMARY_TASK)
    deliver(message)
    # then both sides download the summary, which names the partner
    for client, name in ((manager, "office:review_pdf"), (partner_admin, "portal:review_pdf")):
        pdf = client.get(reverse(name, args=[review.pk]))
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages)
        assert "Acme Partner 1" in text and "Certify a third engineer" in text
    # and the partner sees the ratings and completes its action item on the review's page
    portal_page = body(partner_admin.get(reverse("portal:review_detail", args=[review.pk])))
    assert "Clean installs" in portal_page and "Mark done" in portal_page
    with platform_scope():
        item = ActionItem.objects.get(review=review)
    done = partner_admin.post(reverse("portal:action_complete", args=[item.pk]), {"note": "Booked the exam"})
    assert done.status_code == 302 and done["Location"] == f"/portal/reviews/{review.pk}/"
    assert refresh(item).status == ActionStatus.DONE
    # a second completion (a stale page) is told who did it
    again = partner_admin.post(reverse("portal:action_complete", args=[item.pk]), {"note": ""})
    assert again.status_code == 200 and "already completed by" in messages_of(body(again))


def test_a_time_that_has_passed_is_refused_with_what_was_typed(acme):
    with tenant_scope(acme.tenant):
        review = review_create(actor=acme.manager, partner=acme.partner, title="To schedule")
    manager = make_client(acme.manager)
    response = manager.post(
        reverse("office:review_schedule", args=[review.pk]),
        {"day": _day(acme, -2), "time": "09:00", "duration_minutes": "60", "location": "Typed place"},
    )
    assert response.status_code == 200
    html = body(response)
    assert "Choose a time ahead" in html and 'value="Typed place"' in html
    assert refresh(review).status == ReviewStatus.DUE
    # a second review for the same partner is refused with the reason
    response = manager.post(reverse("office:review_create"), {"partner": acme.partner.pk, "duration_minutes": "60"})
    assert response.status_code == 200 and "already has an open review" in messages_of(body(response))


def test_the_office_list_filters_by_status_and_mine_and_htmx_gets_the_results_only(acme, globex):
    with tenant_scope(acme.tenant):
        mine = review_create(actor=acme.manager, partner=acme.partner, title="Mine to do")
        other = review_create(actor=acme.admin, partner=acme.partners[1], title="Not mine")
        review_hold(actor=acme.admin, review=other)
    with platform_scope():  # partner 2 is someone else's
        Partner.objects.filter(pk=acme.partners[1].pk).update(account_manager=acme.admin)
    client = make_client(acme.manager)
    open_list = body(client.get(reverse("office:reviews")))
    assert "Mine to do" in open_list and "Not mine" not in open_list
    held = body(client.get(reverse("office:reviews") + "?status=held"))
    assert "Not mine" in held and "Mine to do" not in held
    everything_mine = body(client.get(reverse("office:reviews") + "?status=all&mine=on"))
    assert "Mine to do" in everything_mine and "Not mine" not in everything_mine
    partial = body(client.get(reverse("office:reviews") + "?status=all", HTTP_HX_REQUEST="true"))
    assert partial.lstrip().startswith('<div id="results">') and "<html" not in partial
    assert f'id="review-{mine.pk}"' in partial
    # nonsense filters fall back to the open list
    assert client.get(reverse("office:reviews") + "?status=%00&mine=zzz").status_code == 200


def test_the_portal_lists_the_companys_action_items_and_mine(acme):
    with tenant_scope(acme.tenant):
        review = review_create(
            actor=acme.manager, partner=acme.partner, starts_at=timezone.now() + timedelta(days=3), duration_minutes=60
        )
        due_on = tenant_today() + timedelta(days=9)
        action_add(actor=acme.manager, review=review, title="Admin's item", owner=acme.partner_admin, due_on=due_on)
        rep_item = action_add(
            actor=acme.manager, review=review, title="Rep's item", owner=acme.sales_rep, due_on=due_on
        )
        action_add(actor=acme.manager, review=review, title="Vendor's item", owner=acme.marketing, due_on=due_on)
    rep = make_client(acme.sales_rep)
    company = body(rep.get(reverse("portal:action_items")))
    assert "Admin&#x27;s item" in company and "Rep&#x27;s item" in company and "Vendor&#x27;s item" in company
    # the rep may complete only its own item
    assert company.count("Mark done") == 1
    mine = body(rep.get(reverse("portal:action_items") + "?show=mine"))
    assert "Rep&#x27;s item" in mine and "Admin&#x27;s item" not in mine
    done = rep.post(reverse("portal:action_complete", args=[rep_item.pk]) + "?back=list", {"note": ""})
    assert done.status_code == 302 and done["Location"] == reverse("portal:action_items")
    assert f'id="action-{rep_item.pk}"' not in body(rep.get(reverse("portal:action_items")))
    assert f'id="action-{rep_item.pk}"' in body(rep.get(reverse("portal:action_items") + "?done=on"))
    # the reviews list counts the open ones
    assert "2 open action items" in body(rep.get(reverse("portal:reviews")))


def test_menus_and_the_homes_show_reviews_and_the_action_items_waiting(acme):
    with tenant_scope(acme.tenant):
        held = review_hold(actor=acme.admin, review=review_create(actor=acme.admin, partner=acme.partner))
        action_add(
            actor=acme.admin,
            review=held,
            title="Prepare the forecast",
            owner=acme.manager,
            due_on=tenant_today() - timedelta(days=1),
        )
        due = review_create(actor=acme.admin, partner=acme.partner, title="Due one")
        scheduled = review_create(
            actor=acme.manager,
            partner=acme.partners[1],
            starts_at=timezone.now() + timedelta(days=3),
            duration_minutes=60,
        )
        action_add(
            actor=acme.manager,
            review=scheduled,
            title="Update the logo",
            owner=acme.partner_admins[1],
            due_on=tenant_today() + timedelta(days=5),
        )
    office = body(make_client(acme.manager).get(reverse("office:dashboard")))
    assert 'href="/office/reviews/"' in office
    assert "Prepare the forecast" in office and "Relationship reviews to schedule" in office
    portal = body(make_client(acme.partner_admins[1]).get(reverse("portal:home")))
    assert 'href="/portal/reviews/"' in portal and "Update the logo" in portal
    # the due review is not the partner's business yet
    assert make_client(acme.partner_admin).get(reverse("portal:review_detail", args=[due.pk])).status_code == 404


def test_the_demo_holds_one_review_and_schedules_the_next_once(acme):
    # given acme's demo partner Northwind enrolled in a program's top tier (no cadence yet), and
    # partner 2 in its middle tier
    with platform_scope():
        Partner.objects.filter(pk=acme.partner.pk).update(display_name="Northwind")
    program = ProgramFactory(tenant=acme.tenant)
    TierFactory(program=program, rank=1)
    middle = TierFactory(program=program, rank=2)
    top = TierFactory(program=program, rank=3)
    EnrollmentFactory(tenant=acme.tenant, partner=acme.partner, tier=top)
    EnrollmentFactory(tenant=acme.tenant, partner=acme.partners[1], tier=middle)
    loaded = Demo(tenant=acme.tenant, seed=1, staff={"admin": acme.admin, "cam": acme.manager})
    # when the demo loads twice
    with tenant_scope(acme.tenant):
        demo_reviews.load(loaded)
        demo_reviews.load(loaded)
        today = tenant_today()
        reviews = list(RelationshipReview.objects.order_by("pk"))
        held = reviews[0]
        actions = sorted(ActionItem.objects.filter(review=held).values_list("status", flat=True))
        ratings = ReviewRating.objects.filter(review=held).count()
        cadences = dict(program.tiers.values_list("rank", "review_every_months"))
    # then Northwind has one held review (ratings, one action done, one open, a summary) and one
    # scheduled in two weeks; partner 2's review is due; the tiers have their cadence
    by_partner = [(r.partner_id, r.status) for r in reviews]
    assert by_partner == [
        (acme.partner.pk, ReviewStatus.HELD),
        (acme.partner.pk, ReviewStatus.SCHEDULED),
        (acme.partners[1].pk, ReviewStatus.DUE),
    ]
    assert (actions, ratings, bool(held.summary_pdf)) == ([ActionStatus.DONE, ActionStatus.OPEN], 4, True)
    assert timezone.localtime(reviews[1].starts_at, _zone(acme)).date() == today + timedelta(days=14)
    assert cadences == {1: 0, 2: 6, 3: 3}
