"""The back office's applications: the queue, vetting (scores, checks, notes, the vetter) and the
decision (approve, reject), as staff see them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from partners.models import Partner, PartnerStatus
from prm.accounts.models import Invitation
from prm.accounts.roles import Role
from prm.errors import InvalidTransition, NotAllowed
from prm.tenancy.scope import platform_scope, tenant_scope
from programs.models import Enrollment
from recruitment.models import Application, ApplicationStatus, Onboarding, OnboardingTask, SelectionCriterion
from recruitment.services.select import application_approve, application_reject
from recruitment.wiring.select import review_items
from tests.concurrency import race
from tests.conftest import body, make_client
from tests.factories import PartnerTypeFactory, ProgramFactory, TierFactory
from tests.query_budget import assert_list_page, cost

from .factories import (
    ApplicationFactory,
    OnboardingTemplateFactory,
    OnboardingTemplateItemFactory,
    SelectionCriterionFactory,
)

pytestmark = pytest.mark.django_db
S = ApplicationStatus


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return body(response)


def refresh(application) -> Application:
    with platform_scope():
        return Application.objects.get(pk=application.pk)


def page_of(member, application) -> str:
    return html(make_client(member).get(reverse("office:recruitment_application", args=[application.pk])))


# --- scores --------------------------------------------------------------------------------------------


def test_two_reviewers_scores_give_the_weighted_total_each_reviewers_total_and_the_spread(acme):
    # given an application and two criteria, "Sales reach" weighing 3 and "Vision" weighing 1
    application = ApplicationFactory(tenant=acme.tenant, partner_type=acme.partner_type)
    sales = SelectionCriterionFactory(tenant=acme.tenant, name="Sales reach", weight=3)
    vision = SelectionCriterionFactory(tenant=acme.tenant, name="Vision", weight=1)
    path = reverse("office:recruitment_application_score", args=[application.pk])
    # when the admin scores 5 and 3, and the channel manager 3 and 4
    for member, scores in ((acme.admin, (5, 3)), (acme.manager, (3, 4))):
        response = make_client(member).post(path, {f"score_{sales.pk}": scores[0], f"score_{vision.pk}": scores[1]})
        assert response.status_code == 302
    # then the page shows each reviewer's total (90 and 65 of 100), the total over the means
    # (3 x 4 + 1 x 3.5 of 20: 78), the spread of Sales reach (2) flagged as a disagreement
    page = page_of(acme.admin, application)
    assert '<td class="reviewer-total">90</td>' in page and '<td class="reviewer-total">65</td>' in page
    assert "Weighted total: <strong>78</strong> of 100 (2 reviewers)" in page
    assert "reviewers disagree" in page
    # and the first score started the review
    assert refresh(application).status == S.IN_REVIEW
    assert "Review started" in page


def test_a_criterion_retired_after_it_was_scored_still_counts_on_the_page(acme):
    # given an application scored on "Sales reach" (weight 3) and "Vision" (weight 1)
    application = ApplicationFactory(tenant=acme.tenant, partner_type=acme.partner_type)
    sales = SelectionCriterionFactory(tenant=acme.tenant, name="Sales reach", weight=3)
    vision = SelectionCriterionFactory(tenant=acme.tenant, name="Vision", weight=1)
    path = reverse("office:recruitment_application_score", args=[application.pk])
    response = make_client(acme.manager).post(path, {f"score_{sales.pk}": 5, f"score_{vision.pk}": 1})
    assert response.status_code == 302
    # when "Vision" is retired
    with platform_scope():
        SelectionCriterion.objects.filter(pk=vision.pk).update(is_active=False)
    # then the page still shows its row and counts it: (3 x 5 + 1 x 1) of 20 is 80
    page = page_of(acme.admin, application)
    assert '<th scope="row">Vision</th>' in page
    assert "Weighted total: <strong>80</strong> of 100 (1 reviewer)" in page


def test_scoring_again_replaces_the_reviewers_own_scores(acme):
    application = ApplicationFactory(tenant=acme.tenant, partner_type=acme.partner_type)
    fit = SelectionCriterionFactory(tenant=acme.tenant, name="Fit", weight=2)
    client = make_client(acme.manager)
    path = reverse("office:recruitment_application_score", args=[application.pk])
    client.post(path, {f"score_{fit.pk}": 1})
    client.post(path, {f"score_{fit.pk}": 5})
    page = page_of(acme.manager, application)
    assert "Weighted total: <strong>100</strong> of 100 (1 reviewer)" in page


def test_a_score_missing_a_criterion_keeps_what_was_typed_and_says_so(acme):
    application = ApplicationFactory(tenant=acme.tenant, partner_type=acme.partner_type)
    fit = SelectionCriterionFactory(tenant=acme.tenant, name="Fit")
    vision = SelectionCriterionFactory(tenant=acme.tenant, name="Vision")
    page = html(
        make_client(acme.manager).post(
            reverse("office:recruitment_application_score", args=[application.pk]),
            {f"score_{fit.pk}": 4, f"comment_{vision.pk}": "Unsure yet"},
        )
    )
    assert "Score this criterion." in page and "Unsure yet" in page
    assert refresh(application).status == S.SUBMITTED


def test_marketing_may_read_the_application_but_not_score_it(acme):
    application = ApplicationFactory(tenant=acme.tenant, partner_type=acme.partner_type)
    fit = SelectionCriterionFactory(tenant=acme.tenant, name="Fit")
    client = make_client(acme.marketing)
    assert client.get(reverse("office:recruitment_application", args=[application.pk])).status_code == 200
    response = client.post(
        reverse("office:recruitment_application_score", args=[application.pk]), {f"score_{fit.pk}": 4}
    )
    assert response.status_code == 403
    assert refresh(application).status == S.SUBMITTED


# --- the queue -------------------------------------------------------------------------------------------


def queue(member, **params) -> str:
    return html(make_client(member).get(reverse("office:recruitment_applications"), params))


def test_the_queue_shows_open_applications_oldest_first_and_filters_them(acme):
    # given applications: an overdue one, one the channel manager vets, one of another type
    # in France, and a rejected one
    now = timezone.now()
    late = ApplicationFactory(
        tenant=acme.tenant, partner_type=acme.partner_type, company_name="Late Ltd", due_at=now - timedelta(hours=2)
    )
    vetted = ApplicationFactory(
        tenant=acme.tenant, partner_type=acme.partner_type, company_name="Vetted Ltd", assigned_to=acme.manager
    )
    other_type = PartnerTypeFactory(tenant=acme.tenant, name="Distributor")
    french = ApplicationFactory(tenant=acme.tenant, partner_type=other_type, company_name="Fromage SA", country="FR")
    ApplicationFactory(
        tenant=acme.tenant, partner_type=acme.partner_type, company_name="Refused Ltd", status=S.REJECTED
    )
    ApplicationFactory(
        tenant=acme.tenant, partner_type=acme.partner_type, company_name="Unverified Ltd", status=S.UNVERIFIED
    )

    # the default: the open ones, oldest first, the overdue one marked in words and with an icon
    page = queue(acme.marketing)
    assert page.index("Late Ltd") < page.index("Vetted Ltd") < page.index("Fromage SA")
    assert "Refused Ltd" not in page and "Unverified Ltd" not in page
    assert "Overdue:" in page and "bi-exclamation-triangle-fill" in page
    # overdue only
    page = queue(acme.marketing, overdue="on")
    assert "Late Ltd" in page and "Vetted Ltd" not in page
    # assigned to me (the channel manager), and unassigned
    page = queue(acme.manager, vetter="me")
    assert "Vetted Ltd" in page and "Late Ltd" not in page
    page = queue(acme.manager, vetter="none")
    assert "Vetted Ltd" not in page and "Late Ltd" in page
    # a partner type, a country, a status, a search
    page = queue(acme.admin, partner_type=other_type.pk)
    assert "Fromage SA" in page and "Late Ltd" not in page
    page = queue(acme.admin, country="FR")
    assert "Fromage SA" in page and "Vetted Ltd" not in page
    page = queue(acme.admin, status="rejected")
    assert "Refused Ltd" in page and "Late Ltd" not in page
    page = queue(acme.admin, q=french.reference.lower())
    assert "Fromage SA" in page and "Late Ltd" not in page
    page = queue(acme.admin, q="vetted")
    assert "Vetted Ltd" in page and "Fromage SA" not in page
    assert late.reference in queue(acme.admin, status="all") and vetted.reference in queue(acme.admin, status="all")


def test_the_queue_shows_reviewers_score_and_the_duplicate_flag(acme):
    from recruitment.models import ApplicationDuplicate, DuplicateMatch
    from recruitment.services.select import application_score

    application = ApplicationFactory(tenant=acme.tenant, partner_type=acme.partner_type, company_name="Flagged Ltd")
    fit = SelectionCriterionFactory(tenant=acme.tenant, name="Fit")
    with tenant_scope(acme.tenant):
        ApplicationDuplicate.objects.create(
            application=application, partner=acme.partner, matched_on=DuplicateMatch.WEBSITE, value="x.example"
        )
        application_score(actor=acme.manager, application=application, scores={fit.pk: 4})
    page = queue(acme.admin)
    assert "Possible duplicate" in page
    assert "<td>80</td>" in page and "<td>1</td>" in page


def _applications(n: int):
    def build(acme):
        fit = SelectionCriterionFactory(tenant=acme.tenant, name="Fit")
        for i in range(n):
            application = ApplicationFactory(
                tenant=acme.tenant, partner_type=acme.partner_type, assigned_to=acme.manager if i % 2 else None
            )
            with tenant_scope(acme.tenant):
                from recruitment.services.select import application_score

                application_score(actor=acme.admin, application=application, scores={fit.pk: 3})

    return build


def test_the_queue_costs_the_same_for_3_and_20_applications(world, no_queries_from_templates):
    acme, globex = world.acme, world.globex
    _applications(3)(acme)
    _applications(20)(globex)
    path = reverse("office:recruitment_applications")
    few, many = cost(acme.admin, path), cost(globex.admin, path)
    assert_list_page(few, many, pinned=7, row=r'class="application-row"', rows=(3, 20))


def test_the_application_page_runs_no_query_while_rendering(acme, no_queries_from_templates):
    application = ApplicationFactory(tenant=acme.tenant, partner_type=acme.partner_type)
    SelectionCriterionFactory(tenant=acme.tenant, name="Fit")
    assert application.reference in page_of(acme.manager, application)


# --- the home ------------------------------------------------------------------------------------------------


def test_the_vetters_home_lists_their_open_applications_most_urgent_first(acme):
    now = timezone.now()
    later = ApplicationFactory(
        tenant=acme.tenant, partner_type=acme.partner_type, assigned_to=acme.manager, due_at=now + timedelta(days=3)
    )
    sooner = ApplicationFactory(
        tenant=acme.tenant, partner_type=acme.partner_type, assigned_to=acme.manager, due_at=now - timedelta(hours=1)
    )
    ApplicationFactory(tenant=acme.tenant, partner_type=acme.partner_type, assigned_to=acme.admin)
    with tenant_scope(acme.tenant):
        group = review_items(actor=acme.manager, tenant=acme.tenant, limit=10)
    assert group.count == 2 and group.overdue == 1
    assert [item.title.split(" ")[0] for item in group.items] == [sooner.reference, later.reference]
    assert group.items[0].overdue


# --- assign, check, note -------------------------------------------------------------------------------------


def test_assigning_a_vetter_notifies_them_and_is_on_the_timeline(acme):
    from prm.notifications.models import Notification

    application = ApplicationFactory(tenant=acme.tenant, partner_type=acme.partner_type)
    response = make_client(acme.admin).post(
        reverse("office:recruitment_application_assign", args=[application.pk]), {"assignee": acme.manager.pk}
    )
    assert response.status_code == 302
    assert refresh(application).assigned_to_id == acme.manager.pk
    with platform_scope():
        assert Notification.objects.filter(recipient=acme.manager, kind="application.assigned").exists()
    assert "Application assigned" in page_of(acme.admin, application)


def test_marketing_cannot_be_made_a_vetter(acme):
    application = ApplicationFactory(tenant=acme.tenant, partner_type=acme.partner_type)
    page = html(
        make_client(acme.admin).post(
            reverse("office:recruitment_application_assign", args=[application.pk]), {"assignee": acme.marketing.pk}
        )
    )
    assert "Nothing was changed" in page
    assert refresh(application).assigned_to_id is None


def test_an_item_needing_evidence_passes_only_with_it_and_the_check_starts_the_review(acme):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from prm.web.files import minimal_pdf
    from recruitment.models import ApplicationCheck, CheckStatus
    from recruitment.services.select import checks_create

    from .factories import DiligenceItemFactory

    application = ApplicationFactory(tenant=acme.tenant, partner_type=acme.partner_type)
    DiligenceItemFactory(tenant=acme.tenant, name="Data security", evidence_required=True)
    with tenant_scope(acme.tenant):
        checks_create(application=application)
        check = ApplicationCheck.objects.get(application=application)
    client = make_client(acme.manager)
    path = reverse("office:recruitment_check", args=[application.pk, check.pk])
    page = html(client.post(path, {"status": "passed", "note": "ISO 27001"}))
    assert "Data security needs evidence: attach it to pass the item." in page
    upload = SimpleUploadedFile("iso.pdf", minimal_pdf("ISO 27001 certificate"), content_type="application/pdf")
    assert client.post(path, {"status": "passed", "note": "ISO 27001", "evidence": upload}).status_code == 302
    with platform_scope():
        check = ApplicationCheck.objects.get(pk=check.pk)
    assert check.status == CheckStatus.PASSED and check.evidence_name == "iso.pdf"
    assert refresh(application).status == S.IN_REVIEW
    download = client.get(reverse("office:recruitment_check_evidence", args=[application.pk, check.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")


def test_an_internal_note_is_on_the_timeline(acme):
    application = ApplicationFactory(tenant=acme.tenant, partner_type=acme.partner_type)
    client = make_client(acme.manager)
    client.post(reverse("office:recruitment_application_note", args=[application.pk]), {"text": "Called their CFO."})
    page = page_of(acme.manager, application)
    assert "Called their CFO." in page and "internal" in page


# --- the decision -----------------------------------------------------------------------------------------------


@pytest.fixture
def program(acme):
    program = ProgramFactory(tenant=acme.tenant, name="Resell", target_partner_type_ids=[acme.partner_type.pk])
    TierFactory(tenant=acme.tenant, program=program, name="Registered", rank=1)
    return program


def test_approving_creates_an_onboarding_partner_enrolled_invited_and_tells_the_applicant(
    acme, program, django_capture_on_commit_callbacks
):
    # given an application, the program for its type and an onboarding template with two items
    application = ApplicationFactory(
        tenant=acme.tenant, partner_type=acme.partner_type, company_name="Newco GmbH", contact_email="ada@newco.example"
    )
    template = OnboardingTemplateFactory(tenant=acme.tenant, partner_type=acme.partner_type)
    OnboardingTemplateItemFactory(tenant=acme.tenant, template=template, title="Accept the agreement")
    OnboardingTemplateItemFactory(tenant=acme.tenant, template=template, title="Complete the profile")
    client = make_client(acme.admin)
    # the page proposes the program that targets the type
    page = page_of(acme.admin, application)
    assert f'<option value="{program.pk}" selected>Resell</option>' in page
    # when the admin approves with the channel manager as account manager
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("office:recruitment_application_approve", args=[application.pk]),
            {"program": program.pk, "account_manager": acme.manager.pk, "display_name": "Newco"},
        )
    assert response.status_code == 302
    # then the partner exists, onboarding, enrolled, with its checklist and its admin invited
    application = refresh(application)
    assert application.status == S.APPROVED and application.decided_by_id == acme.admin.pk
    with platform_scope():
        partner = Partner.objects.get(pk=application.partner_id)
        assert partner.status == PartnerStatus.ONBOARDING and partner.display_name == "Newco"
        assert partner.legal_name == "Newco GmbH" and partner.account_manager_id == acme.manager.pk
        assert Enrollment.objects.filter(partner=partner, program=program).exists()
        onboarding = Onboarding.objects.get(partner=partner)
        assert OnboardingTask.objects.filter(onboarding=onboarding).count() == 2
        invitation = Invitation.objects.get(email="ada@newco.example")
        assert invitation.partner_id == partner.pk and invitation.role == Role.PARTNER_ADMIN
    # and the timeline says so, and the applicant is e-mailed the decision with the status link
    page = page_of(acme.admin, application)
    assert "Application approved" in page and "Newco is onboarding in Resell." in page
    decision = [m for m in mail.outbox if "approved" in m.subject]
    assert len(decision) == 1 and decision[0].to == ["ada@newco.example"]
    assert "Newco GmbH" in decision[0].body and "/apply/status/" in decision[0].body


def test_rejecting_needs_a_reason_and_a_message_which_the_applicant_receives(acme, django_capture_on_commit_callbacks):
    application = ApplicationFactory(tenant=acme.tenant, partner_type=acme.partner_type, language="de")
    client = make_client(acme.admin)
    path = reverse("office:recruitment_application_reject", args=[application.pk])
    # without a message: the page again, with the reason kept, nothing rejected
    page = html(client.post(path, {"reason": "territory"}))
    assert "Tell the applicant why: they read your message." in page
    assert '<option value="territory" selected>' in page
    assert refresh(application).status == S.SUBMITTED
    # without a reason
    page = html(client.post(path, {"message": "We cover your region already."}))
    assert "Choose a reason for the rejection." in page and "We cover your region already." in page
    # with both: rejected, on the timeline, and the applicant reads the message
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(path, {"reason": "territory", "message": "We cover your region already."}).status_code == 302
    application = refresh(application)
    assert application.status == S.REJECTED and application.rejection_reason == "territory"
    assert "Application rejected" in page_of(acme.admin, application)
    sent = [m for m in mail.outbox if m.to == [application.contact_email]]
    assert len(sent) == 1 and "We cover your region already." in sent[0].body


def test_a_channel_manager_may_vet_but_not_decide(acme):
    application = ApplicationFactory(tenant=acme.tenant, partner_type=acme.partner_type)
    client = make_client(acme.manager)
    page = page_of(acme.manager, application)
    assert "Who may decide:" in page and "Approve the application" not in page
    response = client.post(
        reverse("office:recruitment_application_reject", args=[application.pk]),
        {"reason": "other", "message": "No"},
    )
    assert response.status_code == 403
    with tenant_scope(acme.tenant), pytest.raises(NotAllowed):
        application_reject(actor=acme.manager, application=application, reason="other", message="No")
    assert refresh(application).status == S.SUBMITTED


def test_a_decided_application_refuses_a_second_decision_with_a_message(acme):
    application = ApplicationFactory(tenant=acme.tenant, partner_type=acme.partner_type)
    director = acme.admin  # only vendor admins decide
    with tenant_scope(acme.tenant):
        application_reject(actor=director, application=application, reason="other", message="No")
    page = html(
        make_client(acme.admin).post(
            reverse("office:recruitment_application_approve", args=[application.pk]), {"display_name": "X"}
        )
    )
    assert f"{application.reference} is already rejected; nothing was changed." in page
    assert refresh(application).status == S.REJECTED


def test_partner_users_and_other_tenants_get_404(world):
    acme, globex = world.acme, world.globex
    application = ApplicationFactory(tenant=acme.tenant, partner_type=acme.partner_type)
    path = reverse("office:recruitment_application", args=[application.pk])
    assert make_client(acme.partner_admin).get(path).status_code == 404
    assert make_client(globex.admin, host=acme.host).get(path).status_code == 404
    assert make_client(globex.admin).get(path).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_approve_and_reject_at_once_one_wins_the_other_is_told(acme, program):
    application = ApplicationFactory(tenant=acme.tenant, partner_type=acme.partner_type)
    director = acme.admin  # only vendor admins decide
    outcomes = race(
        {
            "approve": lambda: application_approve(actor=acme.admin, application=application, program=program),
            "reject": lambda: application_reject(
                actor=director, application=application, reason="other", message="Not now"
            ),
        },
        tenant=acme.tenant,
    )
    assert list(outcomes.values()).count("done") == 1
    loser = next(outcome for outcome in outcomes.values() if outcome != "done")
    # (one admin in two tabs: the message names the state the other tab reached)
    assert isinstance(loser, InvalidTransition) and "nothing was changed." in str(loser)
    with platform_scope():
        partners = Partner.objects.filter(legal_name=application.company_name).count()
    assert partners == (1 if outcomes["approve"] == "done" else 0)


def test_the_demo_configures_selection_and_scores_the_queue_once(acme):
    from prm.web.demo_kit import Demo
    from recruitment import demo_select
    from recruitment.models import ApplicationScore, DiligenceItem, SelectionCriterion

    # given an application in the queue (the apply part's demo leaves some)
    application = ApplicationFactory(tenant=acme.tenant, partner_type=acme.partner_type)
    demo = Demo(tenant=acme.tenant, seed=0, staff={"admin": acme.admin, "cam": acme.manager})
    # when the demo loads twice
    with tenant_scope(acme.tenant):
        demo_select.load(demo)
        demo_select.load(demo)
        # then the five criteria and items exist once, and two reviewers scored the application
        assert SelectionCriterion.objects.count() == 5 and DiligenceItem.objects.count() == 5
        assert ApplicationScore.objects.filter(application=application).values("reviewer").distinct().count() == 2
    page = page_of(acme.admin, application)
    assert "reviewers disagree" in page and refresh(application).status == S.IN_REVIEW


def test_the_admin_edits_criteria_in_the_list_and_offers_only_staff_as_item_owners(acme, client_for):
    SelectionCriterionFactory(tenant=acme.tenant, name="Shared vision", weight=20)
    client = client_for(acme.admin)
    assert "Shared vision" in html(client.get("/admin/recruitment/selectioncriterion/"))
    page = html(client.get("/admin/recruitment/diligenceitem/add/"))
    assert str(acme.manager) in page and str(acme.partner_admin) not in page
    assert html(client.get("/admin/recruitment/recruitmentsettings/add/"))
