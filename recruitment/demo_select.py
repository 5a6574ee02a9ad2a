"""Selection's part of the demo (``load_demo``): the weighted criteria, the due-diligence checklist
and the recruitment settings; then, on the applications the apply part's demo left in the queue,
two reviewers' scores (they disagree on one criterion) and a few checklist items, through the
services. Idempotent: a tenant that already has criteria is left as it is."""

from __future__ import annotations

from .models import (
    OPEN_STATUSES,
    Application,
    ApplicationCheck,
    CheckStatus,
    DiligenceItem,
    DiligenceTopic,
    RecruitmentSettings,
    SelectionCriterion,
)
from .services.select import application_assign, application_check, application_score, checks_create

# (name, weight, guidance for 1..5)
CRITERIA = [
    (
        "Sales and marketing capability",
        30,
        (
            "No sales team for our market",
            "A few generalist sellers",
            "A sales team, little marketing",
            "Sales and marketing teams with a pipeline",
            "Proven demand generation in our segment",
        ),
    ),
    (
        "Logistics and infrastructure",
        15,
        (
            "None",
            "Relies on us for everything",
            "Basic warehousing or hosting",
            "Own logistics or data centre",
            "Nationwide logistics and certified operations",
        ),
    ),
    (
        "Relationship strength",
        25,
        (
            "No contact so far",
            "One meeting",
            "Known to our channel team",
            "Sponsor at director level",
            "Executive sponsor on both sides",
        ),
    ),
    (
        "Shared vision",
        20,
        (
            "Competes with us",
            "Opportunistic",
            "Interested in our category",
            "Plans built around our products",
            "Strategy aligned for three years",
        ),
    ),
    (
        "Technical depth",
        10,
        (
            "No technical staff",
            "Support by phone only",
            "Some certified engineers",
            "A services team",
            "Architects who design with our products",
        ),
    ),
]

# (topic, name, what to check, evidence required, owner's local part)
DILIGENCE = [
    (
        DiligenceTopic.DATA_SECURITY,
        "Data security",
        "ISO 27001 or SOC 2 report, or our security questionnaire answered.",
        True,
        "cam",
    ),
    (
        DiligenceTopic.INTELLECTUAL_PROPERTY,
        "Intellectual property",
        "No claims against our marks or patents.",
        False,
        "admin",
    ),
    (DiligenceTopic.COMPLIANCE, "Compliance", "Sanctions lists and anti-bribery screening.", False, "admin"),
    (DiligenceTopic.REFERENCES, "References", "Two customer references called.", False, "cam"),
    (DiligenceTopic.FINANCIAL, "Financial standing", "Credit report within the last six months.", False, "director"),
]


def load(demo) -> None:
    if SelectionCriterion.objects.exists():
        return
    for position, (name, weight, levels) in enumerate(CRITERIA):
        SelectionCriterion.objects.create(
            name=name, weight=weight, position=position, **{f"level_{i + 1}": text for i, text in enumerate(levels)}
        )
    for position, (topic, name, description, evidence, owner) in enumerate(DILIGENCE):
        DiligenceItem.objects.create(
            topic=topic,
            name=name,
            description=description,
            evidence_required=evidence,
            default_owner=demo.staff.get(owner),
            position=position,
        )
    RecruitmentSettings.objects.get_or_create(
        tenant_id=demo.tenant.pk,
        defaults={
            "review_sla_hours": 40,
            "intro": f"Tell {demo.tenant.name} about your company: we answer within a week.",
        },
    )
    admin, cam = demo.staff["admin"], demo.staff["cam"]
    criteria = list(SelectionCriterion.objects.order_by("position"))
    scored = 0
    for n, application in enumerate(Application.objects.filter(status__in=OPEN_STATUSES).order_by("created_at")[:3]):
        checks_create(application=application)
        application_assign(actor=admin, application=application, assignee=cam)
        # The admin is keener on sales than the channel manager: a spread of 2 on the first criterion.
        application_score(
            actor=admin,
            application=application,
            scores={c.pk: min(5, 3 + (i == 0) + n % 2) for i, c in enumerate(criteria)},
        )
        application_score(
            actor=cam,
            application=application,
            scores={c.pk: max(1, 3 - (i == 0) + (i == 3)) for i, c in enumerate(criteria)},
        )
        for check in ApplicationCheck.objects.filter(
            application=application, item__evidence_required=False
        ).select_related("item")[:2]:
            application_check(
                actor=cam,
                application=application,
                check=check,
                status=CheckStatus.PASSED,
                owner=cam,
                note="Looks fine.",
            )
        scored += 1
    demo.notes.append(f"{demo.tenant.slug}: {len(criteria)} selection criteria, {scored} applications scored")
