"""Journey of a recruitment: a company applies on the vendor's public page, confirms its e-mail
address, is scored by two reviewers and approved in the back office; its contact accepts the
invitation, accepts the partner agreement (the PDF names the version and the acceptance), passes
the required course and registers a first deal, and the company ends active.

Set-up goes through factories (the vendor's configuration: criteria, a due-diligence item, a
program with its agreement, an onboarding template, a course, a catalogue); everything the journey
checks happens in the browser, as the applicant, the reviewers and the new partner admin see it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta
from io import BytesIO

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from partners.models import Partner, PartnerStatus
from prm.accounts.mfa_secrets import decrypt
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.tenancy.time import tenant_today, tenant_zone
from programs.models import Program
from recruitment.models import AgreementAcceptance, Onboarding, OnboardingStatus, TaskKind
from recruitment.services.onboard import onboarding_refresh
from tests.conftest import build_side
from tests.deals.deal_setup import make_catalogue
from tests.learning.factories import learning_course
from tests.recruitment.factories import (
    AgreementVersionFactory,
    DiligenceItemFactory,
    OnboardingTemplateFactory,
    OnboardingTemplateItemFactory,
    SelectionCriterionFactory,
)

from ..broker import reset_broker_pools
from .conftest import BLOCKING, axe_violations, can_sign_in, shot, sign_in, totp_code

pytestmark = pytest.mark.journey

COMPANY = "Fuzz Systems GmbH"
CONTACT = "fritz@fuzz-systems.de"
COURSE = "Partner essentials"
AGREEMENT = "Reseller agreement"
# (name, weight); the reviewers' scores below: the manager's and the admin's, per criterion.
CRITERIA = [("Market reach", 3), ("Technical skills", 2), ("Customer references", 1)]
MANAGER_SCORES = [4, 3, 5]  # weighted: (12 + 6 + 5) / 30 = 77
ADMIN_SCORES = [5, 5, 3]  # weighted: (15 + 10 + 3) / 30 = 93; over the means: 25.5 / 30 = 85


@pytest.fixture
def acme(live_server):
    """Acme recruits resellers: three weighted criteria, one due-diligence item, the Resell
    program (aimed at resellers, with a published agreement v1 and a catalogue to register deals
    in), and the reseller's onboarding: the agreement, the course, a first deal."""
    side = build_side("acme", "Acme")
    with platform_scope():
        for member, (first, last) in ((side.admin, ("Ada", "Admin")), (side.manager, ("Carl", "Channel"))):
            member.user.first_name, member.user.last_name = first, last
            member.user.save(update_fields=["first_name", "last_name"])
    for position, (name, weight) in enumerate(CRITERIA):
        SelectionCriterionFactory(
            tenant=side.tenant,
            name=name,
            weight=weight,
            position=position,
            level_1="Weak",
            level_3="Adequate",
            level_5="Excellent",
        )
    DiligenceItemFactory(tenant=side.tenant, name="Data protection agreement on file")
    cat = make_catalogue(side)
    with platform_scope():
        Program.objects.filter(pk=cat.program.pk).update(target_partner_type_ids=[side.partner_type.pk])
    version = AgreementVersionFactory(
        tenant=side.tenant,
        agreement__program=cat.program,
        agreement__title=AGREEMENT,
        number=1,
        text="The reseller sells Acme's products to its customers on these terms.",
    )
    course = learning_course(side.tenant, title=COURSE, lessons=1, questions=1)
    template = OnboardingTemplateFactory(tenant=side.tenant, partner_type=side.partner_type, name="Reseller onboarding")
    for position, (kind, title, extra) in enumerate(
        [
            (TaskKind.AGREEMENT_ACCEPTED, "Accept the reseller agreement", {}),
            (TaskKind.COURSE_PASSED, "Pass Partner essentials", {"course": course}),
            (TaskKind.FIRST_DEAL, "Register your first deal", {}),
        ]
    ):
        OnboardingTemplateItemFactory(
            tenant=side.tenant, template=template, kind=kind, title=title, position=position, **extra
        )
    side.cat, side.version = cat, version
    return side


@pytest.fixture(autouse=True)
def _fresh_broker_pools():
    """The e-mails and the checklist's refresh are sent after the commit through Celery's
    connection pools: a fault test earlier in this process may have closed them, so start fresh."""
    reset_broker_pools()


def assert_accessible(page: Page) -> None:
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert blocking == [], blocking


def eventually(condition: Callable[[], object], *, fallback: Callable[[], None] | None = None):
    """What ``condition`` returns once it is truthy (the worker's eager tasks run after the
    request's commit, in the server's thread); when it stays false for 5 s, ``fallback`` (what the
    worker would have run) and a last look."""
    for _ in range(50):
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    if fallback is not None:
        fallback()
    found = condition()
    assert found, "the condition never held"
    return found


def link_in_mail(to: str, prefix: str) -> str:
    """The path of the link starting with ``prefix`` in the latest e-mail to ``to``."""

    def find():
        for message in reversed(mail.outbox):
            found = re.search(rf"https?://[^/\s]+({re.escape(prefix)}\S+)", message.body)
            if to in message.to and found:
                return found.group(1)
        return None

    return eventually(find)


def staff_page(open_page, base: str, member, *, totp: bool = False) -> Page:
    page = open_page(base)
    sign_in(page, can_sign_in(member).user.email)
    if totp:
        with platform_scope():
            secret = decrypt(Authenticator.objects.get(user=member.user, type=Authenticator.Type.TOTP).data["secret"])
        expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
        page.get_by_role("textbox").fill(totp_code(secret))
        page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/office/$"))
    return page


def score(page: Page, scores: list[int]) -> None:
    """Open the scoring form of the application's page, give each criterion its score, save."""
    page.get_by_text("Score this application").click()
    for (name, weight), value in zip(CRITERIA, scores, strict=True):
        group = page.get_by_role("group", name=f"{name} (weight {weight})")
        group.get_by_label(re.compile(rf"^{value}\b")).check()
    page.get_by_role("button", name="Save my scores").click()
    expect(page.get_by_role("alert").filter(has_text="Your scores are saved.")).to_be_visible()


def item(page: Page, title: str):
    return page.locator(".onboarding-item").filter(has_text=title)


def test_a_company_applies_is_approved_onboards_and_ends_active(acme, open_page, tenant_url):
    base = tenant_url(acme.tenant)

    # --- Apply -------------------------------------------------------------------------------------
    # Given a stranger on Acme's application page
    applicant = open_page(base)
    applicant.goto(reverse("recruitment_apply"))
    expect(applicant.get_by_role("heading", level=1)).to_have_text("Become a partner of Acme")
    assert_accessible(applicant)

    # When they describe their company and themselves, and send the application
    applicant.get_by_label("Company name").fill(COMPANY)
    applicant.get_by_label("Website", exact=True).fill("https://fuzz-systems.de")
    applicant.get_by_label("Headquarters country").select_option(label="Germany")
    applicant.get_by_label("Partner type you apply for").select_option(label="Reseller")
    applicant.get_by_label("Regions served").fill("DACH")
    applicant.get_by_label("Industries").fill("Manufacturing")
    applicant.get_by_role("group", name="Capabilities").get_by_label("Sales").check()
    applicant.get_by_label("First name").fill("Fritz")
    applicant.get_by_label("Last name").fill("Fuzz")
    applicant.get_by_label("Business e-mail").fill(CONTACT)
    applicant.get_by_label("Job title").fill("Managing director")
    # ...(their company's e-mail domain is filled in from the address)
    expect(applicant.get_by_label("Your company's e-mail domains")).to_have_value("fuzz-systems.de")
    applicant.get_by_label(re.compile("I agree that my details are stored")).check()
    shot(applicant, "recruitment-apply-form")
    applicant.get_by_role("button", name="Send the application").click()

    # Then they are asked to confirm their address, and an e-mail brings the link
    expect(applicant).to_have_url(re.compile(r"/apply/sent/$"))
    verify_path = link_in_mail(CONTACT, "/apply/verify/")

    # When they open the link and confirm
    applicant.goto(verify_path)
    applicant.get_by_role("button", name="Confirm and send the application").click()

    # Then the status page says the application is with the partner team, and what it is judged on
    expect(applicant).to_have_url(re.compile(r"/apply/status/[^/]+/$"))
    expect(applicant.get_by_role("alert").filter(has_text="your e-mail address is confirmed")).to_be_visible()
    expect(applicant.locator("#status-badge")).to_have_text("Submitted")
    criteria = applicant.get_by_role("region", name="What we look at")
    expect(criteria.get_by_role("heading", level=3)).to_have_text([name for name, _ in CRITERIA])
    shot(applicant, "recruitment-apply-status")
    assert_accessible(applicant)

    # --- Select ------------------------------------------------------------------------------------
    # Given the channel manager in the applications queue
    manager = staff_page(open_page, base, acme.manager)
    manager.goto(reverse("office:recruitment_applications"))
    row = manager.get_by_role("row").filter(has_text=COMPANY)
    expect(row).to_contain_text("Submitted")
    shot(manager, "recruitment-queue")
    assert_accessible(manager)

    # When they open the application and score it
    row.get_by_role("link", name=re.compile(r"^APP-")).click()
    expect(manager.get_by_role("heading", level=1)).to_contain_text(COMPANY)
    score(manager, MANAGER_SCORES)

    # And the admin scores it too (and reviewers disagree on two criteria)
    admin = staff_page(open_page, base, acme.admin, totp=True)
    admin.goto(manager.url)
    score(admin, ADMIN_SCORES)

    # Then the page shows both reviewers (in the order they joined the vendor), each one's total,
    # the weighted total over the means and the spread
    scores = admin.get_by_role("region", name="Scores")
    expect(scores.locator("#weighted-total")).to_have_text("Weighted total: 85 of 100 (2 reviewers)")
    table = scores.get_by_role("table")
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Criterion", "Weight", "Ada Admin", "Carl Channel", "Mean", "Spread"]
    )
    expect(table.get_by_role("row", name=re.compile("^Market reach"))).to_contain_text(
        re.compile(r"Market reach\s*3\s*5\s*4\s*4\.5\s*1")
    )
    expect(table.get_by_role("row", name=re.compile("^Technical skills"))).to_contain_text("reviewers disagree")
    expect(table.locator(".reviewer-total")).to_have_text(["93", "77"])
    expect(scores).to_contain_text("Reviewers disagree on some criteria")
    shot(admin, "recruitment-application-two-reviewers")
    assert_accessible(admin)

    # When the admin approves it into Resell with the channel manager as account manager
    decision = admin.get_by_role("region", name="Decision")
    expect(decision.get_by_label("Program")).to_have_value(str(acme.cat.program.pk))
    decision.get_by_label("Channel account manager").select_option(label="Carl Channel")
    decision.get_by_role("button", name="Approve the application").click()

    # Then the application is approved and names the new partner
    expect(admin.get_by_role("alert").filter(has_text=f"{COMPANY} is approved")).to_be_visible()
    expect(admin.locator("#application-status")).to_have_text("Approved")
    expect(admin.get_by_role("region", name="Company")).to_contain_text(f"{COMPANY} · Resell")
    # ...and the onboarding board lists it, nothing done yet
    manager.goto(reverse("office:recruitment_onboarding_board"))
    expect(manager.get_by_role("row").filter(has_text=COMPANY)).to_contain_text("0 of 3")
    shot(manager, "recruitment-onboarding-board")
    assert_accessible(manager)

    # --- Onboard -----------------------------------------------------------------------------------
    # When the contact opens the invitation the approval e-mailed and creates their account
    invitation_path = link_in_mail(CONTACT, "/invitations/")
    partner_admin = open_page(base)
    partner_admin.goto(invitation_path)
    partner_admin.get_by_label("First name").fill("Fritz")
    partner_admin.get_by_label("Last name").fill("Fuzz")
    partner_admin.get_by_label(re.compile(r"^Password(?! again)")).fill("Fuzzy-Onboarding-2026")
    partner_admin.get_by_label("Password again").fill("Fuzzy-Onboarding-2026")
    partner_admin.get_by_role("button", name="Create my account").click()

    # Then they land in the portal, which asks them to finish onboarding
    expect(partner_admin).to_have_url(re.compile(r"/portal/$"))
    partner_admin.get_by_role("link", name="Finish onboarding").first.click()
    expect(partner_admin).to_have_url(re.compile(r"/portal/onboarding/$"))
    progress = partner_admin.get_by_role("progressbar", name="Onboarding progress")
    expect(progress).to_have_attribute("aria-valuenow", "0")
    expect(partner_admin.get_by_text("0 of 3 items done (0%)")).to_be_visible()
    shot(partner_admin, "recruitment-portal-onboarding")
    assert_accessible(partner_admin)
    with platform_scope():
        partner = Partner.objects.get(display_name=COMPANY)
    assert partner.status == PartnerStatus.ONBOARDING

    def done_items() -> int:
        with tenant_scope(acme.tenant):
            return Onboarding.objects.get(partner_id=partner.pk).tasks_done

    def refresh() -> None:
        # In a long run an earlier test may leave this process's relay publishing nowhere (the
        # refresh then waits for the outbox sweep): run what the worker runs.
        with tenant_scope(acme.tenant), transaction.atomic():
            onboarding_refresh(partner_ids=[partner.pk])

    # When they accept the agreement
    item(partner_admin, "Accept the reseller agreement").get_by_role("link", name=re.compile("Do it now")).click()
    agreement = partner_admin.get_by_role("region", name=re.compile(AGREEMENT))
    expect(agreement).to_contain_text("Not accepted yet.")
    assert_accessible(partner_admin)
    agreement.get_by_label(f"I accept on behalf of {COMPANY}").check()
    agreement.get_by_role("button", name="Accept").click()
    expect(partner_admin.get_by_role("alert").filter(has_text=f"You accepted {AGREEMENT} (version 1)")).to_be_visible()
    expect(agreement).to_contain_text("Accepted by Fritz Fuzz")

    # Then the PDF names the version and the acceptance: who, for whom, when, the text's hash
    with partner_admin.expect_download() as download:
        agreement.get_by_role("link", name="Download the PDF").click()
    pdf = PdfReader(BytesIO(download.value.path().read_bytes()))
    text = " ".join(page.extract_text() for page in pdf.pages)
    with platform_scope():
        acceptance = AgreementAcceptance.objects.get(partner_id=partner.pk)
    assert AGREEMENT in text and "Version 1" in text
    assert f"Accepted by Fritz Fuzz ({CONTACT}) for {COMPANY}" in " ".join(text.split())
    with tenant_scope(acme.tenant):
        zone = tenant_zone()
    when = date_format(timezone.localtime(acceptance.accepted_at, zone), "DATETIME_FORMAT")
    assert f"on {when} {zone}" in " ".join(text.split())
    assert acceptance.text_sha256 == acme.version.text_sha256
    assert acceptance.text_sha256 in re.sub(r"\s+", "", text)
    eventually(lambda: done_items() >= 1, fallback=refresh)

    # When they take the course and pass its quiz
    partner_admin.goto(reverse("portal:recruitment_onboarding"))
    item(partner_admin, "Pass Partner essentials").get_by_role("link", name=re.compile("Do it now")).click()
    partner_admin.get_by_role("button", name="Enrol").click()
    partner_admin.get_by_role("button", name="Mark as done").click()
    partner_admin.get_by_role("button", name="Start the quiz").click()
    partner_admin.locator("fieldset").first.get_by_label("Right", exact=True).check()
    partner_admin.get_by_role("button", name="Submit my answers").click()
    expect(partner_admin.get_by_text("Passed", exact=True)).to_be_visible()
    eventually(lambda: done_items() >= 2, fallback=refresh)

    # Then the checklist has two items done
    partner_admin.goto(reverse("portal:recruitment_onboarding"))
    expect(partner_admin.get_by_text("2 of 3 items done (67%)")).to_be_visible()
    expect(item(partner_admin, "Pass Partner essentials")).to_contain_text("Done on")

    # When they register and submit their first deal
    item(partner_admin, "Register your first deal").get_by_role("link", name=re.compile("Do it now")).click()
    expect(partner_admin.get_by_role("heading", level=1)).to_have_text("Register a deal")
    partner_admin.get_by_label("Company name").fill("Initech GmbH")
    partner_admin.get_by_label("Web domain").fill("initech.de")
    partner_admin.get_by_label(re.compile(r"^Country\b")).select_option(label="Germany")
    partner_admin.get_by_label("Contact name").fill("Peter Gibbons")
    partner_admin.get_by_label("Opportunity title").fill("Branch office firewalls")
    firewall = acme.cat.firewall
    partner_admin.get_by_label("Product 1", exact=True).select_option(
        label=f"{firewall.name} ({firewall.sku}) · USD {firewall.list_price:,.2f}"
    )
    partner_admin.get_by_label("Quantity 1", exact=True).fill("2")
    expect(partner_admin.get_by_label(re.compile(r"^Amount\b"))).to_have_value("10000.00")
    with tenant_scope(acme.tenant):
        close_on = tenant_today() + timedelta(days=45)
    partner_admin.get_by_label("Expected close date").fill(close_on.isoformat())
    partner_admin.get_by_role("button", name="Submit").click()
    expect(partner_admin).to_have_url(re.compile(r"/portal/deals/\d+/$"))
    expect(partner_admin.get_by_role("alert")).to_contain_text("was submitted for review")

    # Then the onboarding is complete, and the company is active
    eventually(lambda: done_items() >= 3, fallback=refresh)
    partner_admin.goto(reverse("portal:recruitment_onboarding"))
    expect(partner_admin.get_by_role("status")).to_contain_text("Onboarding completed on")
    expect(partner_admin.get_by_text("3 of 3 items done (100%)")).to_be_visible()
    shot(partner_admin, "recruitment-portal-onboarding-complete")
    with tenant_scope(acme.tenant):
        assert Onboarding.objects.get(partner_id=partner.pk).status == OnboardingStatus.COMPLETED
        assert Partner.objects.get(pk=partner.pk).status == PartnerStatus.ACTIVE
