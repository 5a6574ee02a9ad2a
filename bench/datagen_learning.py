"""Generator step for e-learning (imported by bench/datagen.py after the deals' step).

* ``plan.courses`` courses (200 for acme by default), each with a published version (a fifth of
  them also a retired first version), 3-8 lessons and a question bank of 10 single-choice
  questions with 4 answers, 5 drawn per attempt; a course in ten is still a draft.
* 12 certifications, each needing 2-3 courses and an exam course; 8 competencies over them.
* ``plan.certificates`` certificates (100,000 for acme): ~75 % active (a few hundred expire in
  each of the next 90 days), the rest expired, renewed or revoked; held by partner users, some
  of whom have left their company since.
* Enrolments: every certificate's courses completed, and more courses in progress or completed
  for the rest of the people; 1-3 submitted quiz attempts per enrolment that reached the quiz,
  with the questions drawn and the ones missed (item analysis reads them).
* The competencies each partner holds now (open holdings), computed from its current people's
  active certificates as the recompute would.
* An optional requirement on ``learning.certified_people`` in the managed-services program's
  upper tiers (optional requirements count for nothing there: qualification is unchanged), so
  the team page has a certified-people gap to fill.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from datetime import timedelta

from django.db import connection

from bench.bulk import reserve_ids
from bench.datagen import StepContext, step
from learning.models import (
    Certificate,
    Certification,
    CertificationCourse,
    Choice,
    Competency,
    CompetencyHolding,
    CompetencyRequirement,
    Course,
    CourseVersion,
    Enrollment,
    Lesson,
    Question,
    QuizAttempt,
)
from programs.models import TierRequirement

CATEGORIES = ["Sales", "Pre-sales", "Engineering", "Security", "Cloud", "Networking", "Marketing", "Support"]
TOPICS = (  # noqa: SIM905 (word lists read better as text)
    "Firewalls Switching Routing Wireless SD-WAN Zero-trust Endpoint Backup Storage Kubernetes Observability "
    "Identity Email-security Licensing Pricing Negotiation Discovery Demos Onboarding Renewals"
).split()
LEVELS = ["intro", "intermediate", "advanced"]
BANK = 10  # questions per version
DRAWN = 5  # questions per attempt
CERTIFICATIONS = 12
COMPETENCIES = 8
TRIES = (1, 1, 1, 2, 2, 3)  # quiz attempts of an enrolment that reached the quiz
PROGRESS = (0, 10, 25, 40, 50, 60, 75, 90)  # of an enrolment in progress
# (status, weight) of the certificates that are not the holder's current active one.
PAST = [("expired", 50), ("renewed", 35), ("revoked", 15)]


def _draw(rng: random.Random, items: list, k: int) -> list:
    return rng.sample(items, min(k, len(items)))


@step("e-learning: courses, certificates, enrolments, attempts")
def learning(ctx: StepContext) -> None:
    rng, plan, now = ctx.rng, ctx.plan, ctx.now
    if plan.courses <= 0:
        return
    today = now.date()
    tenant = ctx.tenant_id
    admin = ctx.made["admin"]["membership_id"]

    # --- courses, versions, lessons, questions, answers ----------------------------------------
    course_ids = reserve_ids(Course, plan.courses)
    second = {cid for cid in course_ids if rng.random() < 0.2}
    version_ids = reserve_ids(CourseVersion, plan.courses + len(second))
    versions = iter(version_ids)
    course_rows, version_rows, published = [], [], {}
    for n, course_id in enumerate(course_ids):
        draft = rng.random() < 0.1
        numbers = [1, 2] if course_id in second else [1]
        ids = [next(versions) for _ in numbers]
        for number, version_id in zip(numbers, ids, strict=True):
            current = number == numbers[-1]
            version_rows.append(
                {
                    "id": version_id,
                    "tenant_id": tenant,
                    "course_id": course_id,
                    "number": number,
                    "status": "draft" if draft and current else ("published" if current else "retired"),
                    "published_at": None if draft and current else now - timedelta(days=rng.randint(30, 700)),
                    "created_by_id": admin,
                    "pass_mark_percent": 70,
                    "questions_per_attempt": DRAWN,
                    "max_attempts": 3,
                    "cooldown_minutes": 60,
                    "time_limit_minutes": 30,
                }
            )
        if not draft:
            published[course_id] = ids[-1]
        topic = TOPICS[n % len(TOPICS)]
        course_rows.append(
            {
                "id": course_id,
                "tenant_id": tenant,
                "code": f"course-{n:04d}",
                "title": f"{topic} {CATEGORIES[n % len(CATEGORIES)].lower()} {n // len(TOPICS) + 1}",
                "summary": f"What a partner needs to know about {topic.lower()}.",
                "category": CATEGORIES[n % len(CATEGORIES)],
                "level": LEVELS[n % len(LEVELS)],
                "duration_minutes": rng.choice([20, 30, 45, 60, 90]),
                "status": "draft" if draft else "published",
                "published_version_id": published.get(course_id),
                "audience_roles": [] if rng.random() < 0.8 else ["technical"],
            }
        )
    ctx.copy(Course, course_rows)
    ctx.copy(CourseVersion, version_rows)
    lesson_rows = []
    for version in version_rows:
        for position in range(rng.randint(3, 8)):
            lesson_rows.append(
                {
                    "tenant_id": tenant,
                    "version_id": version["id"],
                    "position": position,
                    "title": f"Lesson {position + 1}",
                    "kind": "text",
                    "body": "<p>What this lesson teaches, in a few paragraphs.</p>",
                    "duration_minutes": rng.choice([5, 10, 15]),
                }
            )
    ctx.copy(Lesson, lesson_rows)
    question_ids = reserve_ids(Question, len(version_rows) * BANK)
    bank: dict[int, list[int]] = {}
    question_rows, choice_rows = [], []
    questions = iter(question_ids)
    for version in version_rows:
        ids = [next(questions) for _ in range(BANK)]
        bank[version["id"]] = ids
        for position, question_id in enumerate(ids):
            question_rows.append(
                {
                    "id": question_id,
                    "tenant_id": tenant,
                    "version_id": version["id"],
                    "position": position,
                    "text": f"Question {position + 1}: which of these is right?",
                    "kind": "single",
                }
            )
            for answer in range(4):
                choice_rows.append(
                    {
                        "tenant_id": tenant,
                        "question_id": question_id,
                        "position": answer,
                        "text": f"Answer {answer + 1}",
                        "is_correct": answer == 0,
                    }
                )
    ctx.copy(Question, question_rows)
    ctx.copy(Choice, choice_rows)
    # Each question has a difficulty: how often it is missed (item analysis has something to rank).
    difficulty = {qid: rng.betavariate(1.5, 5) for qid in question_ids}

    # --- certifications and competencies -----------------------------------------------------
    live = sorted(published)
    certification_ids = reserve_ids(Certification, CERTIFICATIONS)
    needs: dict[int, list[int]] = {}
    cert_rows, cert_course_rows = [], []
    for n, certification_id in enumerate(certification_ids):
        courses = _draw(rng, live, rng.randint(3, 4))
        exam, required = courses[0], courses[1:]
        needs[certification_id] = courses
        cert_rows.append(
            {
                "id": certification_id,
                "tenant_id": tenant,
                "code": f"cert-{n + 1:02d}",
                "name": f"Certified {TOPICS[n % len(TOPICS)]} {'Engineer' if n % 2 else 'Specialist'}",
                "exam_course_id": exam,
                "validity_months": 24,
                "renewal_window_days": 60,
            }
        )
        cert_course_rows += [
            {"tenant_id": tenant, "certification_id": certification_id, "course_id": course_id}
            for course_id in required
        ]
    ctx.copy(Certification, cert_rows)
    ctx.copy(CertificationCourse, cert_course_rows)
    competency_ids = reserve_ids(Competency, COMPETENCIES)
    rules: dict[int, list[tuple[int, int]]] = {}
    requirement_rows = []
    for competency_id in competency_ids:
        rules[competency_id] = [
            (certification_id, rng.randint(1, 3))
            for certification_id in _draw(rng, certification_ids, rng.randint(1, 2))
        ]
        requirement_rows += [
            {"tenant_id": tenant, "competency_id": competency_id, "certification_id": cid, "min_people": people}
            for cid, people in rules[competency_id]
        ]
    ctx.copy(
        Competency,
        (
            {"id": cid, "tenant_id": tenant, "code": f"competency-{n + 1}", "name": f"Competency {n + 1}"}
            for n, cid in enumerate(competency_ids)
        ),
    )
    ctx.copy(CompetencyRequirement, requirement_rows)

    # --- certificates ---------------------------------------------------------------------
    people = ctx.made["partner_users"]
    if not people:
        return
    # A Pareto share of people learn a lot; most hold one or two certifications.
    weights = list(itertools.accumulate(min(rng.paretovariate(1.2), 30.0) for _ in people))
    certificate_rows, held = [], set()
    active_by_partner: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    target = plan.certificates
    for person in rng.choices(people, cum_weights=weights, k=target):
        certification_id = rng.choice(certification_ids)
        key = (person["membership_id"], certification_id)
        active = key not in held and rng.random() < 0.78
        if active:
            held.add(key)
            # Spread over two years of validity: a few hundred expire in each coming day.
            expires_on = today + timedelta(days=rng.randint(-5, 730))
            status = "active" if expires_on >= today else "expired"
            issued_on = expires_on - timedelta(days=730)
            if status == "active" and person["active"]:
                active_by_partner[person["partner_id"]][certification_id].add(person["membership_id"])
        else:
            status = rng.choices([s for s, _ in PAST], weights=[w for _, w in PAST])[0]
            expires_on = today - timedelta(days=rng.randint(1, 900))
            issued_on = expires_on - timedelta(days=730)
        certificate_rows.append(
            {
                "tenant_id": tenant,
                "certification_id": certification_id,
                "holder_id": person["membership_id"],
                "partner_id": person["partner_id"],
                "holder_name": f"Member {person['membership_id']}",
                "code": f"{tenant:x}{len(certificate_rows):07x}{rng.getrandbits(48):012x}",
                "status": status,
                "issued_on": issued_on,
                "expires_on": expires_on,
                "status_changed_at": now,
                "revoked_reason": "Issued in error." if status == "revoked" else "",
            }
        )
    ctx.copy(Certificate, certificate_rows)

    # --- enrolments and attempts ----------------------------------------------------------
    enrolled: dict[tuple[int, int], dict] = {}
    for row in certificate_rows:
        person = (row["holder_id"], row["partner_id"])
        for course_id in needs[row["certification_id"]]:
            enrolled.setdefault((person[0], course_id), {"partner": person[1], "completed": True})
    for person in people:
        if not person["active"] or rng.random() < 0.3:
            continue
        for course_id in _draw(rng, live, rng.randint(1, 5)):
            enrolled.setdefault(
                (person["membership_id"], course_id), {"partner": person["partner_id"], "completed": rng.random() < 0.5}
            )
    enrolment_ids = reserve_ids(Enrollment, len(enrolled))
    enrolment_rows, attempt_rows = [], []
    for enrolment_id, ((learner_id, course_id), facts) in zip(enrolment_ids, enrolled.items(), strict=True):
        version_id = published[course_id]
        completed = facts["completed"]
        # Plain arithmetic on one random number per value: a quarter of a million enrolments and
        # twice as many attempts make random.randint/sample the step's main cost otherwise.
        started = now - timedelta(seconds=rng.random() * 700 * 86400)
        reached_quiz = completed or rng.random() < 0.3
        passed_at, best = None, None
        if reached_quiz:
            drawn_from = bank[version_id]
            tries = TRIES[int(rng.random() * len(TRIES))]
            for number in range(1, tries + 1):
                start = int(rng.random() * BANK)
                asked = (drawn_from + drawn_from)[start : start + DRAWN]
                last = number == tries
                missed = [] if (completed and last) else [q for q in asked if rng.random() < difficulty[q]]
                if not completed and last and not missed:
                    missed = asked[:2]
                score = 100 * (DRAWN - len(missed)) // DRAWN
                passed = score >= 70
                best = max(best or 0, score)
                submitted = started + timedelta(days=number, minutes=5 + rng.random() * 20)
                if passed and passed_at is None:
                    passed_at = submitted
                attempt_rows.append(
                    {
                        "tenant_id": tenant,
                        "enrollment_id": enrolment_id,
                        "version_id": version_id,
                        "learner_id": learner_id,
                        "partner_id": facts["partner"],
                        "number": number,
                        "status": "submitted",
                        "question_ids": asked,
                        "started_at": submitted - timedelta(minutes=20),
                        "deadline_at": submitted + timedelta(minutes=10),
                        "submitted_at": submitted,
                        "missed_question_ids": missed,
                        "score_percent": score,
                        "passed": passed,
                    }
                )
        activity = started + timedelta(days=rng.random() * 30)
        enrolment_rows.append(
            {
                "id": enrolment_id,
                "tenant_id": tenant,
                "course_id": course_id,
                "version_id": version_id,
                "learner_id": learner_id,
                "partner_id": facts["partner"],
                "status": "completed" if completed else "in_progress",
                "enrolled_at": started,
                "last_activity_at": activity,
                "completed_at": activity if completed else None,
                "progress_percent": 100 if completed else PROGRESS[int(rng.random() * len(PROGRESS))],
                "best_score": best,
                "quiz_passed_at": passed_at if completed else None,
            }
        )
    ctx.copy(Enrollment, enrolment_rows)
    ctx.copy(QuizAttempt, attempt_rows)

    # --- competencies held now, as the recompute would find them ---------------------------------
    holdings = []
    for partner_id, by_certification in active_by_partner.items():
        for competency_id, requirements in rules.items():
            if all(len(by_certification.get(cid, ())) >= people_needed for cid, people_needed in requirements):
                holdings.append(
                    {
                        "tenant_id": tenant,
                        "competency_id": competency_id,
                        "partner_id": partner_id,
                        "gained_at": ctx.past(days=300),
                        "gained_reason": "Requirements met.",
                    }
                )
    ctx.copy(CompetencyHolding, holdings)

    # --- what the tiers ask of e-learning (optional: qualification is unchanged) ---------------------
    managed = next((p for p in ctx.made["programs"] if p["slug"] == "managed-services"), None)
    if managed is not None:
        ctx.copy(
            TierRequirement,
            (
                {
                    "tenant_id": tenant,
                    "tier_id": tier_id,
                    "metric": "learning.certified_people",
                    "param": cert_rows[0]["code"],
                    "operator": "gte",
                    "threshold": 2 * rank,
                    "window_days": 0,
                    "mandatory": False,
                }
                for rank, tier_id in enumerate(managed["tiers"], start=1)
                if rank > 1
            ),
        )
    ctx.made["learning"] = {"courses": course_ids, "certifications": certification_ids}
    with connection.cursor() as cursor:
        for model in (Certificate, Enrollment, QuizAttempt, CompetencyHolding):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
