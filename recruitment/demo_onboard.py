"""The onboard part of the demo (acme only), through the part's services: an onboarding template per
partner type (profile, agreement, two colleagues, a course passed, a first deal, a kick-off call),
an agreement per program (version 1; version 2 with a deadline on the first program), and two
partners in onboarding: one half-way, one stalled for two weeks (the board marks it).

Idempotent: a tenant that already has onboarding templates is left as it is."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from learning.models import Course, CourseStatus
from partners.models import PartnerStatus, PartnerType
from partners.services import partner_create, partner_update
from prm.web.demo_kit import demo_partner_users
from programs.models import Program, Tier
from programs.services.decisions import enrollment_create

from .models import (
    Agreement,
    AgreementVersion,
    Onboarding,
    OnboardingTask,
    OnboardingTemplate,
    OnboardingTemplateItem,
    TaskKind,
)
from .services.onboard import agreement_publish, agreement_version_save, onboarding_start, onboarding_tick

TERMS = (
    "1. Scope. The partner markets and resells the vendor's products in its territory.\n"
    "2. Conduct. The partner follows the vendor's brand and compliance guidelines.\n"
    "3. Term. This agreement runs for one year and renews unless either side ends it."
)


def load(demo) -> None:
    if demo.tenant.slug != "acme" or OnboardingTemplate.objects.exists():
        return
    admin, cam = demo.staff["admin"], demo.staff.get("cam") or demo.staff["admin"]
    course = Course.objects.filter(status=CourseStatus.PUBLISHED).order_by("pk").first()
    for partner_type in PartnerType.objects.order_by("pk"):
        template = OnboardingTemplate.objects.create(partner_type=partner_type, name=f"{partner_type.name} onboarding")
        items = [
            (TaskKind.PROFILE_COMPLETED, "Complete your company profile", None, 1),
            (TaskKind.AGREEMENT_ACCEPTED, "Accept the partner agreement", None, 1),
            (TaskKind.COLLEAGUES_INVITED, "Invite two colleagues", None, 2),
            *([(TaskKind.COURSE_PASSED, f"Pass “{course.title}”", course, 1)] if course else []),
            (TaskKind.FIRST_DEAL, "Register your first deal", None, 1),
            (TaskKind.MANUAL, "Kick-off call held", None, 1),
        ]
        for position, (kind, title, item_course, count) in enumerate(items):
            OnboardingTemplateItem.objects.create(
                template=template, kind=kind, title=title, course=item_course, min_count=count, position=position
            )
    programs = list(Program.objects.order_by("pk"))
    for n, program in enumerate(programs):
        agreement = Agreement.objects.create(program=program, title=f"{program.name} partner agreement")
        first = agreement_version_save(actor=admin, version=AgreementVersion(agreement=agreement, number=1, text=TERMS))
        agreement_publish(actor=admin, version=first)
        if n == 0:
            second = agreement_version_save(
                actor=admin,
                version=AgreementVersion(
                    agreement=agreement, number=2, text=TERMS + "\n4. Data. Customer data stays in the EU."
                ),
            )
            agreement_publish(actor=admin, version=second, accept_by=timezone.localdate() + timedelta(days=21))
    partner_type = PartnerType.objects.order_by("pk").first()
    if partner_type is None:
        return
    entry = Tier.objects.filter(program=programs[0]).order_by("rank").first() if programs else None
    for name, stalled in (("Brightpath Systems", False), ("Quietwater IT", True)):
        partner = partner_create(
            actor=admin,
            legal_name=f"{name} GmbH",
            display_name=name,
            partner_type=partner_type,
            country="DE",
            status=PartnerStatus.ONBOARDING,
            account_manager=cam,
        )
        if entry is not None:
            enrollment_create(actor=None, partner=partner, program=programs[0], tier=entry)
        onboarding = onboarding_start(actor=cam, partner=partner)
        if not stalled:
            # Its partner admin signs in to the portal and finds the checklist half done.
            (member,) = demo_partner_users(partner, "brightpath.example", 1)
            demo.login(f"{member.get_role_display()} of {partner}, onboarding", member.user.email)
            partner_update(
                actor=admin,
                partner=partner,
                changes={
                    "website": "https://brightpath.example",
                    "phone": "+49 30 555 0100",
                    "address_line": "Torstr. 10",
                    "city": "Berlin",
                    "postal_code": "10119",
                    "description": "Network integrator for mid-sized manufacturers.",
                    "industries": ["Manufacturing"],
                },
            )
            kickoff = OnboardingTask.objects.filter(onboarding=onboarding, kind=TaskKind.MANUAL).first()
            if kickoff is not None:
                onboarding_tick(actor=cam, task=kickoff)
        else:
            # Two weeks without progress: the board marks it stalled and the next sweep nudges it.
            Onboarding.objects.filter(pk=onboarding.pk).update(
                started_at=timezone.now() - timedelta(days=20), last_progress_at=timezone.now() - timedelta(days=14)
            )
    demo.notes.append("acme: onboarding templates, agreements, 2 partners in onboarding (1 stalled)")
