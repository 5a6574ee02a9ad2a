"""Generator step for recruitment and onboarding (imported by bench/datagen.py after e-learning).

* The tenant's selection criteria (5, weighted), due-diligence items (5) and recruitment settings;
  an onboarding template per partner type (profile, agreement, colleagues, first deal, a manual
  kick-off); an agreement per program with a published first version.
* As many applications as partners (5,000 for acme): most decided long ago (approved, rejected,
  expired, withdrawn), about a fifth open (submitted or in review, a third of those overdue, most
  assigned to a channel manager), a few unverified. Every verified one has its due-diligence
  checks; the ones in review or decided have 2-3 reviewers' scores of every criterion; some open
  ones carry a duplicate flag against an existing partner.
* An onboarding per partner in status onboarding (in progress, some tasks done, a third stalled)
  and a completed one for a fifth of the active partners, with their tasks; the onboarding
  partners' admins accepted the first agreement version of half of them.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from bench.bulk import reserve_ids
from bench.datagen import COUNTRIES, INDUSTRIES, StepContext, step
from partners.models import PartnerStatus
from prm.accounts.roles import Role
from recruitment.models import (
    Agreement,
    AgreementAcceptance,
    AgreementVersion,
    Application,
    ApplicationCheck,
    ApplicationDuplicate,
    ApplicationScore,
    DiligenceItem,
    Onboarding,
    OnboardingTask,
    OnboardingTemplate,
    OnboardingTemplateItem,
    RecruitmentSettings,
    SelectionCriterion,
)

CRITERIA = [
    ("Sales and marketing capability", 30),
    ("Logistics and infrastructure", 15),
    ("Relationship strength", 25),
    ("Shared vision", 20),
    ("Technical depth", 10),
]
DILIGENCE = [
    ("data_security", "Data security questionnaire", True),
    ("ip", "Intellectual property terms", False),
    ("compliance", "Export and anti-bribery compliance", False),
    ("references", "Two customer references called", False),
    ("financial", "Financial standing (credit report)", True),
]
TASKS = [
    ("profile", "Complete the company profile"),
    ("agreement", "Accept the partner agreement"),
    ("colleagues", "Invite two colleagues"),
    ("first_deal", "Register a first deal"),
    ("manual", "Kick-off call held"),
]
# (status, weight) of an application.
APPLICATION_MIX = [
    ("approved", 30),
    ("rejected", 25),
    ("expired", 10),
    ("withdrawn", 4),
    ("submitted", 13),
    ("in_review", 15),
    ("unverified", 3),
]
CAPABILITIES = ["sales", "marketing", "logistics", "services", "technical"]
REASONS = ["not_a_fit", "territory", "capability", "diligence", "incomplete", "other"]


@step("recruitment: applications, scores, checks, onboardings")
def recruitment(ctx: StepContext) -> None:
    rng, plan, now = ctx.rng, ctx.plan, ctx.now
    tenant = ctx.tenant_id
    managers = ctx.made["managers"]
    admin = ctx.made["admin"]["membership_id"]
    reviewers = [*managers, admin]

    ctx.copy_one(RecruitmentSettings, {"review_sla_hours": 40, "unverified_expiry_hours": 72, "stall_days": 7})
    criterion_ids = reserve_ids(SelectionCriterion, len(CRITERIA))
    ctx.copy(
        SelectionCriterion,
        [
            {
                "id": cid,
                "tenant_id": tenant,
                "name": name,
                "weight": weight,
                "level_1": "Weak",
                "level_3": "Adequate",
                "level_5": "Excellent",
                "position": n,
            }
            for n, (cid, (name, weight)) in enumerate(zip(criterion_ids, CRITERIA, strict=True))
        ],
    )
    item_ids = reserve_ids(DiligenceItem, len(DILIGENCE))
    ctx.copy(
        DiligenceItem,
        [
            {
                "id": iid,
                "tenant_id": tenant,
                "topic": topic,
                "name": name,
                "evidence_required": evidence,
                "default_owner_id": rng.choice(reviewers),
                "position": n,
            }
            for n, (iid, (topic, name, evidence)) in enumerate(zip(item_ids, DILIGENCE, strict=True))
        ],
    )

    # --- applications --------------------------------------------------------------------------
    count = plan.partners
    app_ids = reserve_ids(Application, count)
    type_ids = list(ctx.made["types"].values())
    statuses = [status for status, _ in APPLICATION_MIX]
    weights = [weight for _, weight in APPLICATION_MIX]
    apps, scores, checks, duplicates = [], [], [], []
    partners = ctx.made["partners"]
    for n, app_id in enumerate(app_ids):
        status = rng.choices(statuses, weights=weights)[0]
        open_ = status in ("submitted", "in_review")
        created = ctx.past(days=30 if open_ or status == "unverified" else 700)
        verified = None if status in ("unverified", "expired") else created + timedelta(hours=rng.uniform(0.1, 30))
        due = verified + timedelta(days=rng.choice([-3, -1, 2, 4, 6])) if verified else None
        if open_ and rng.random() < 0.33:
            due = now - timedelta(days=rng.randint(1, 10))  # overdue
        decided = status in ("approved", "rejected")
        stem = f"{rng.choice(['Nova', 'Blue', 'Iron', 'Delta', 'Peak', 'Orbit', 'Cedar'])}{n}"
        domain = f"{stem.lower()}-{plan.slug}.example"
        country = rng.choice(list(COUNTRIES))
        apps.append(
            {
                "id": app_id,
                "tenant_id": tenant,
                "reference": f"APP-{n:06d}",
                "status": status,
                "company_name": f"{stem} Systems",
                "website": f"https://www.{domain}",
                "email_domains": [domain],
                "country": country,
                "regions_served": [COUNTRIES[country][1]],
                "industries": rng.sample(INDUSTRIES, rng.randint(1, 3)),
                "partner_type_id": rng.choice(type_ids),
                "capabilities": rng.sample(CAPABILITIES, rng.randint(1, 4)),
                "references": "Two customers in manufacturing.",
                "contact_first_name": "Alex",
                "contact_last_name": stem,
                "contact_email": f"alex@{domain}",
                "language": "en",
                "created_at": created,
                "expires_at": created + timedelta(hours=72),
                "verified_at": verified,
                "due_at": due,
                "assigned_to_id": rng.choice(reviewers) if (open_ and rng.random() < 0.7) or decided else None,
                "decided_at": verified + timedelta(days=rng.randint(1, 12)) if decided else None,
                "decided_by_id": admin if decided else None,
                "rejection_reason": rng.choice(REASONS) if status == "rejected" else "",
                "decision_message": "Thank you for your interest." if status == "rejected" else "",
                "updated_at": created,
            }
        )
        if verified is not None:
            for item_id in item_ids:
                done = decided or (status == "in_review" and rng.random() < 0.5)
                checks.append(
                    {
                        "tenant_id": tenant,
                        "application_id": app_id,
                        "item_id": item_id,
                        "status": rng.choice(["passed", "passed", "passed", "waived"]) if done else "open",
                        "owner_id": rng.choice(reviewers),
                        "checked_by_id": admin if done else None,
                        "checked_at": verified + timedelta(days=1) if done else None,
                    }
                )
        if status in ("in_review", "approved", "rejected"):
            for reviewer in rng.sample(reviewers, min(len(reviewers), rng.randint(2, 3))):
                for criterion_id in criterion_ids:
                    scores.append(
                        {
                            "tenant_id": tenant,
                            "application_id": app_id,
                            "reviewer_id": reviewer,
                            "criterion_id": criterion_id,
                            "score": rng.randint(1, 5),
                            "updated_at": verified + timedelta(hours=5),
                        }
                    )
        if open_ and partners and rng.random() < 0.05:
            partner = rng.choice(partners)
            duplicates.append(
                {
                    "tenant_id": tenant,
                    "application_id": app_id,
                    "partner_id": partner["id"],
                    "matched_on": "website",
                    "value": partner["domain"],
                    "found_at": verified,
                }
            )
    ctx.copy(Application, apps)
    ctx.copy(ApplicationCheck, checks)
    ctx.copy(ApplicationScore, scores)
    ctx.copy(ApplicationDuplicate, duplicates)

    # --- onboarding templates, agreements ------------------------------------------------------
    template_ids = reserve_ids(OnboardingTemplate, len(type_ids))
    ctx.copy(
        OnboardingTemplate,
        [
            {"id": tid, "tenant_id": tenant, "partner_type_id": type_id, "name": "Onboarding"}
            for tid, type_id in zip(template_ids, type_ids, strict=True)
        ],
    )
    ctx.copy(
        OnboardingTemplateItem,
        [
            {
                "tenant_id": tenant,
                "template_id": tid,
                "kind": kind,
                "title": title,
                "min_count": 2 if kind == "colleagues" else 1,
                "required": True,
                "position": n,
            }
            for tid in template_ids
            for n, (kind, title) in enumerate(TASKS)
        ],
    )
    program_ids = [program["id"] for program in ctx.made["programs"]]
    agreement_ids = reserve_ids(Agreement, len(program_ids))
    ctx.copy(
        Agreement,
        [
            {"id": aid, "tenant_id": tenant, "program_id": pid, "title": "Partner agreement"}
            for aid, pid in zip(agreement_ids, program_ids, strict=True)
        ],
    )
    text = "The partner resells the vendor's products on these terms."
    digest = hashlib.sha256(text.encode()).hexdigest()
    version_ids = reserve_ids(AgreementVersion, len(agreement_ids))
    ctx.copy(
        AgreementVersion,
        [
            {
                "id": vid,
                "tenant_id": tenant,
                "agreement_id": aid,
                "number": 1,
                "text": text,
                "text_sha256": digest,
                "published_at": now - timedelta(days=800),
                "created_at": now - timedelta(days=800),
            }
            for vid, aid in zip(version_ids, agreement_ids, strict=True)
        ],
    )

    # --- onboardings ---------------------------------------------------------------------------
    admins = {u["partner_id"]: u["membership_id"] for u in ctx.made["partner_users"] if u["role"] == Role.PARTNER_ADMIN}
    chosen = [
        p
        for p in partners
        if p["status"] == PartnerStatus.ONBOARDING or (p["status"] == PartnerStatus.ACTIVE and rng.random() < 0.2)
    ]
    onboarding_ids = reserve_ids(Onboarding, len(chosen))
    onboardings, tasks, acceptances = [], [], []
    for onboarding_id, partner in zip(onboarding_ids, chosen, strict=True):
        in_progress = partner["status"] == PartnerStatus.ONBOARDING
        started = ctx.past(days=60 if in_progress else 900, after=partner["created_at"])
        stalled = in_progress and rng.random() < 0.33
        last = started + timedelta(days=rng.randint(0, 5)) if stalled else ctx.past(days=4, after=started)
        done = rng.randint(0, len(TASKS) - 1) if in_progress else len(TASKS)
        onboardings.append(
            {
                "id": onboarding_id,
                "tenant_id": tenant,
                "partner_id": partner["id"],
                "status": "in_progress" if in_progress else "completed",
                "started_at": started,
                "last_progress_at": last,
                "completed_at": None if in_progress else last,
                "tasks_total": len(TASKS),
                "tasks_done": done,
            }
        )
        for n, (kind, title) in enumerate(TASKS):
            tasks.append(
                {
                    "tenant_id": tenant,
                    "onboarding_id": onboarding_id,
                    "partner_id": partner["id"],
                    "kind": kind,
                    "title": title,
                    "min_count": 2 if kind == "colleagues" else 1,
                    "required": True,
                    "position": n,
                    "done_at": last if n < done else None,
                }
            )
        admin_id = admins.get(partner["id"])
        if admin_id is not None and version_ids and rng.random() < 0.5:
            acceptances.append(
                {
                    "tenant_id": tenant,
                    "version_id": version_ids[0],
                    "partner_id": partner["id"],
                    "accepted_by_id": admin_id,
                    "accepted_by_name": "Partner admin",
                    "accepted_at": last,
                    "ip_address": "192.0.2.10",
                    "text_sha256": digest,
                }
            )
    ctx.copy(Onboarding, onboardings)
    ctx.copy(OnboardingTask, tasks)
    ctx.copy(AgreementAcceptance, acceptances)
