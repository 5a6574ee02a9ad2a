"""Journey of a SCORM 1.2 package: the vendor's channel marketing uploads the zip its training
team made (here: made by the test suite) and makes a course of it in the back office; a
partner's sales rep plays it in the portal, saves their place, finishes it inside the package's
frame, and the course counts as completed with the package's score; on another device the
player resumes where the package left off.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from learning.models import Enrollment
from prm.tenancy.scope import platform_scope
from tests.conftest import build_side
from tests.learning.scorm_package import make_scorm_zip

from .conftest import BLOCKING, axe_violations, can_sign_in, shot, sign_in

pytestmark = pytest.mark.journey

TITLE = "Firewall basics (SCORM)"


@pytest.fixture
def acme(live_server, settings, tmp_path):
    settings.PRM_SCORM_ROOT = tmp_path / "scorm"
    return build_side("acme", "Acme")


def sign_in_to(open_page, tenant_url, member, landing: str) -> Page:
    page = open_page(tenant_url(member.tenant))
    sign_in(page, can_sign_in(member).user.email)
    expect(page).to_have_url(re.compile(rf"/{landing}/$"))
    return page


def assert_accessible(page: Page) -> None:
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert blocking == [], blocking


def test_a_scorm_package_goes_from_zip_to_a_completed_course(acme, open_page, tenant_url):
    # given acme's channel marketing user in the back office
    office = sign_in_to(open_page, tenant_url, acme.marketing, "office")
    office.goto(reverse("office:learning_scorm_packages"))
    expect(office.get_by_role("heading", name="SCORM packages", level=1)).to_be_visible()

    # when they upload the package and make a course of it
    office.get_by_label("SCORM 1.2 package").set_input_files(
        files=[{"name": "firewall.zip", "mimeType": "application/zip", "buffer": make_scorm_zip(title=TITLE)}]
    )
    office.get_by_role("button", name="Upload and check").click()
    expect(office.get_by_role("alert").filter(has_text=f"{TITLE} was uploaded")).to_be_visible()
    row = office.locator("#scorm-packages tbody tr").filter(has_text=TITLE)
    row.get_by_label("Course code").fill("firewall-basics")
    row.get_by_role("button", name="Create course").click()
    # then they land on the new course's page in the editor, published
    expect(office.get_by_role("alert").filter(has_text="is published")).to_be_visible()
    expect(office.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    shot(office, "scorm-office-course")
    assert_accessible(office)

    # when acme partner 1's sales rep finds the course in the portal's catalogue and enrols
    rep = acme.sales_rep
    portal = sign_in_to(open_page, tenant_url, rep, "portal")
    portal.goto(reverse("portal:learning_catalogue"))
    portal.get_by_role("link", name=TITLE).click()
    portal.get_by_role("button", name="Enrol").click()
    # then the first lesson opens, and they open its player
    expect(portal.get_by_role("alert").filter(has_text="You are enrolled")).to_be_visible()
    portal.get_by_role("link", name="Open the interactive lesson").click()
    expect(portal).to_have_url(re.compile(r"/portal/learning/.*"))
    player_url = portal.url
    with platform_scope():
        enrollment = Enrollment.objects.get(tenant=acme.tenant, learner=rep, course__code="firewall-basics")

    # when the rep saves their place inside the package and finishes it
    expect(portal.locator("#scorm-status")).to_have_text("Not started")
    package = portal.frame_locator("#scorm-frame")
    expect(package.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(package.locator("#entry")).to_have_text("ab-initio")
    package.get_by_role("button", name="Save my place").click()
    expect(portal.locator("#scorm-status")).to_have_text("In progress")
    package.get_by_role("button", name="Finish").click()

    # then the player shows the lesson passed with its score and the course completed
    expect(package.locator("#done")).to_be_visible()
    expect(portal.locator("#scorm-status")).to_have_text("Passed")
    expect(portal.locator("#scorm-score-value")).to_have_text("90")
    expect(portal.locator("#scorm-course-done")).to_be_visible()
    shot(portal, "scorm-player-finished")
    assert_accessible(portal)
    # and the enrolment counts it like a passed quiz
    with platform_scope():
        enrollment = Enrollment.objects.get(pk=enrollment.pk)
    assert (enrollment.status, enrollment.progress_percent, enrollment.best_score) == (
        "completed",
        100,
        Decimal("90.00"),
    )

    # when the rep opens the player on another device (a fresh browser context)
    other_device = sign_in_to(open_page, tenant_url, rep, "portal")
    other_device.goto(player_url)
    # then the page still says completed, and the package is handed back what it saved
    expect(other_device.locator("#scorm-status")).to_have_text("Passed")
    expect(other_device.locator("#scorm-course-done")).to_be_visible()
    resumed = other_device.frame_locator("#scorm-frame")
    expect(resumed.locator("#entry")).to_have_text("resume")
    expect(resumed.locator("#status")).to_have_text("passed")
    expect(resumed.locator("#location")).to_have_text("page-2")
    expect(resumed.locator("#suspend")).to_have_text("step=2;answers=a,b")
    shot(other_device, "scorm-player-resumed")
    # and the course page and my learning count it as completed
    other_device.get_by_role("link", name=re.compile("Back to")).click()
    expect(other_device.get_by_text("You completed this course")).to_be_visible()
    other_device.goto(reverse("portal:learning_mine"))
    expect(other_device.get_by_text(TITLE)).to_be_visible()
