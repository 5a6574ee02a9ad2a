"""E-learning's part of the demo (``load_demo``), through the real services.

At acme, channel marketing has built a catalogue: *Acme Platform Essentials* (text, a video, a
PDF and a quiz), *Selling Cloud Security* (for sales), the *Certified Network Engineer exam* and
its shorter recertification, an interactive SCORM lesson made from a package uploaded like any
vendor's, and a draft still being written. Two learning paths order them for sales and technical
people. The *Certified Network Engineer* (CNE) and *Certified Sales Professional* certifications
build on them; the *Network Infrastructure* competency asks for three engineers and unlocks the
*Data Center Fabric* product line; Resell's Gold tier counts certified engineers (optional).

Northwind's sales rep took the courses today (failed the security quiz once, then passed) and is
certified; its admin and its technical lead hold CNE certificates from earlier (the admin's
expires within a month: renewal reminders went out), so Northwind has two of the three engineers
the competency needs and its marketing lead is half-way through the exam course: the partner
admin's *Team learning* page names who to train next. Bluepeak holds the competency, but one of
its three engineers expires within a week: that is "at risk". One certificate was revoked, one
has expired.

Idempotent: a tenant that already has courses is left as it is.
"""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from partners.models import Partner
from prm.accounts.models import Membership
from prm.accounts.roles import Role
from prm.tenancy.time import tenant_today
from prm.web.demo_kit import Demo
from prm.web.files import minimal_pdf
from programs.models import AuthorizationRule, Product, ProductLine, Program, Tier, TierRequirement
from programs.services.evaluation import tier_evaluate

from .models import (
    Certificate,
    Certification,
    CertificationCourse,
    Competency,
    CompetencyRequirement,
    Course,
    LearningPath,
    LearningPathStep,
    LessonKind,
)
from .services.authoring import LessonContent, course_create, course_publish, lesson_add, question_add
from .services.authoring import quiz_settings_update as quiz_rules
from .services.certification import (
    certificate_award,
    certificate_reminders_send,
    certificate_revoke,
    certifications_check,
    learning_sweep,
)
from .services.competency import competencies_recompute
from .services.learner import enrollment_enroll, lesson_complete, quiz_attempt_start, quiz_attempt_submit
from .services.scorm import scorm_course_create, scorm_package_upload

# (code, title, category, level, minutes, roles, prerequisites, lessons, questions, quiz rules)
# A lesson: (kind, title, text or address). A question: (text, right answer, wrong answers).
COURSES = [
    (
        "platform-essentials",
        "Acme Platform Essentials",
        "Foundations",
        "intro",
        45,
        (),
        (),
        [
            (
                LessonKind.TEXT,
                "What Acme sells",
                "<h2>Three product families</h2><p>Acme sells <strong>core networking</strong> (switches, "
                "routers, access points), <strong>cloud security</strong> (gateways and zero-trust access) and "
                "hardened products for the <strong>public sector</strong>.</p><ul><li>Every product is "
                "registered per customer.</li><li>Protected deals last 90 days.</li></ul>",
            ),
            (LessonKind.VIDEO, "A tour of the portfolio", "https://www.youtube.com/watch?v=aqz-KE-bpKQ"),
            (LessonKind.FILE, "Price list and product sheet", "Acme product sheet 2026"),
            (
                LessonKind.TEXT,
                "The partner program in five minutes",
                "<p>Tiers reward revenue, trained people and a joint business plan. Registered deals are "
                "protected; certified people unlock product lines.</p>",
            ),
        ],
        [
            ("How long is an approved registration protected by default?", "90 days", ["30 days", "1 year"]),
            ("Which family includes zero-trust access?", "Cloud security", ["Core networking", "Public sector"]),
            ("What unlocks some product lines?", "Certified people", ["A larger logo", "A second partner admin"]),
            ("Who registers a deal?", "The partner", ["The customer", "Nobody: deals are automatic"]),
        ],
        {"pass_mark_percent": 75, "max_attempts": 3, "cooldown_minutes": 30, "time_limit_minutes": 15},
    ),
    (
        "selling-security",
        "Selling Cloud Security",
        "Sales",
        "intermediate",
        30,
        (Role.SALES, Role.PARTNER_ADMIN),
        ("platform-essentials",),
        [
            (
                LessonKind.TEXT,
                "Finding the security buyer",
                "<p>Security budgets sit with the CISO; network budgets with IT. Bring both to the table.</p>",
            ),
            (
                LessonKind.TEXT,
                "Objections and answers",
                "<ol><li><em>We already have a firewall.</em> Zero-trust covers what a perimeter cannot.</li>"
                "<li><em>It is too expensive.</em> Compare with one incident's cost.</li></ol>",
            ),
        ],
        [
            ("Who usually owns the security budget?", "The CISO", ["The facilities manager", "The reseller"]),
            ("What does zero-trust add to a perimeter firewall?", "Per-request checks", ["More ports", "A VPN"]),
            ("A customer finds it expensive. You compare with…", "The cost of one incident", ["A competitor"]),
        ],
        {"pass_mark_percent": 70, "max_attempts": 3, "cooldown_minutes": 10},
    ),
    (
        "network-engineer-exam",
        "Certified Network Engineer exam",
        "Technical",
        "advanced",
        60,
        (),
        ("platform-essentials",),
        [
            (
                LessonKind.TEXT,
                "How the exam works",
                "<p>Five questions drawn from the bank, twenty minutes, 80 % to pass. Two attempts, an hour apart.</p>",
            ),
            (
                LessonKind.TEXT,
                "Campus design refresher",
                "<p>Core, distribution and access layers; redundant uplinks; VLANs per function.</p>",
            ),
        ],
        [
            ("Which layer connects end devices?", "Access", ["Core", "Distribution"]),
            ("What keeps a campus up when one uplink fails?", "Redundant uplinks", ["A bigger switch"]),
            ("What separates traffic by function on one switch?", "VLANs", ["Cable colours", "Port speed"]),
            ("Which Acme switch has 48 ports?", "Edge Switch 48", ["Edge Switch 24", "Branch Router R1"]),
            ("What does Wi-Fi 7 need for multi-link operation?", "Compatible clients", ["A fibre uplink"]),
            ("Where does the branch router sit?", "At the branch edge", ["In the data centre core"]),
        ],
        {
            "pass_mark_percent": 80,
            "questions_per_attempt": 5,
            "max_attempts": 2,
            "cooldown_minutes": 60,
            "time_limit_minutes": 20,
        },
    ),
    (
        "network-engineer-renewal",
        "Network Engineer recertification",
        "Technical",
        "intermediate",
        20,
        (),
        (),
        [(LessonKind.TEXT, "What changed this year", "<p>Wi-Fi 7 access points and the 48-port edge switch.</p>")],
        [
            ("Which access point is new this year?", "Wi-Fi 7", ["Wi-Fi 5"]),
            ("How many ports has the new edge switch?", "48", ["12"]),
        ],
        {"pass_mark_percent": 100, "max_attempts": 0},
    ),
]

PATHS = [
    (
        "sales-onboarding",
        "Sales onboarding",
        (Role.SALES, Role.PARTNER_ADMIN),
        ("platform-essentials", "selling-security"),
    ),
    (
        "technical-onboarding",
        "Technical onboarding",
        (Role.TECHNICAL,),
        ("platform-essentials", "network-engineer-exam"),
    ),
]

# (code, name, required courses, exam, months valid, renewal window days, renewal course)
CERTIFICATIONS = [
    ("cne", "Certified Network Engineer", ("platform-essentials",), "network-engineer-exam", 24, 60,
     "network-engineer-renewal"),
    ("csp", "Certified Sales Professional", ("platform-essentials",), "selling-security", 12, 30, None),
]  # fmt: skip

# (code, name, {certification: people})
COMPETENCIES = [
    ("network-infrastructure", "Network Infrastructure", {"cne": 3}),
    ("security-specialist", "Security Specialist", {"csp": 1, "cne": 1}),
]


def load(demo: Demo) -> None:
    tenant = demo.tenant
    if Course.objects.exists():
        return
    author = demo.staff.get("marketing") or demo.staff["admin"]
    if tenant.slug != "acme":
        _course(author, ("platform-basics", f"{tenant.name} Platform Basics", "Foundations", "intro", 20, (), (),
                         [(LessonKind.TEXT, "Welcome", f"<p>What {tenant.name} sells, in ten minutes.</p>")],
                         [("Is this the basics course?", "Yes", ["No"])], {}), {})  # fmt: skip
        demo.notes.append(f"{tenant.slug}: 1 course")
        return
    courses: dict[str, Course] = {}
    for spec in COURSES:
        courses[spec[0]] = _course(author, spec, courses)
    courses["edge-switch-lab"] = _scorm_course(author)
    _draft(author)
    for code, title, roles, steps in PATHS:
        path = LearningPath.objects.create(code=code, title=title, audience_roles=[str(role) for role in roles])
        for position, course in enumerate(steps):
            LearningPathStep.objects.create(path=path, course=courses[course], position=position)
    certifications = {}
    for code, name, required, exam, months, window, renewal in CERTIFICATIONS:
        certification = Certification.objects.create(
            code=code,
            name=name,
            exam_course=courses[exam],
            validity_months=months,
            renewal_window_days=window,
            renewal_course=courses[renewal] if renewal else None,
        )
        for course in required:
            CertificationCourse.objects.create(certification=certification, course=courses[course])
        certifications[code] = certification
    for code, name, needs in COMPETENCIES:
        competency = Competency.objects.create(code=code, name=name)
        for certification, people in needs.items():
            CompetencyRequirement.objects.create(
                competency=competency, certification=certifications[certification], min_people=people
            )
    _what_competencies_unlock(tenant)
    _people(demo, courses, certifications)
    demo.notes.append(
        f"{tenant.slug}: {len(courses)} courses, {Certificate.objects.count()} certificates,"
        f" competencies held by {Partner.objects.filter(pk__in=_holders()).count()} partners"
    )


def _course(author, spec, courses: dict[str, Course]) -> Course:
    code, title, category, level, minutes, roles, prerequisites, lessons, questions, rules = spec
    course = course_create(
        actor=author,
        code=code,
        title=title,
        summary=f"{title}: {lessons[0][1].lower()} and more, with a quiz at the end.",
        category=category,
        level=level,
        duration_minutes=minutes,
        audience_roles=[str(role) for role in roles],
        prerequisites=[courses[c] for c in prerequisites],
    )
    version = course.versions.get()
    for kind, lesson_title, content in lessons:
        lesson = LessonContent(title=lesson_title, kind=kind, duration_minutes=max(minutes // len(lessons), 1))
        if kind == LessonKind.TEXT:
            lesson.body = content
        elif kind == LessonKind.VIDEO:
            lesson.video_url = content
        else:
            lesson.file = SimpleUploadedFile(f"{content}.pdf", minimal_pdf(content), content_type="application/pdf")
        lesson_add(actor=author, version=version, content=lesson)
    for text, right, wrong in questions:
        question_add(
            actor=author, version=version, text=text, choices=[(right, True), *[(answer, False) for answer in wrong]]
        )
    if rules:
        quiz_rules(actor=author, version=version, **rules)
    course_publish(actor=author, course=course)
    return Course.objects.select_related("published_version").get(pk=course.pk)


def _scorm_zip() -> bytes:
    """A small SCORM 1.2 package: one page that reports itself passed with a score of 95."""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest identifier="acme-edge-lab" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"'
        ' xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"><metadata><schema>ADL SCORM</schema>'
        "<schemaversion>1.2</schemaversion></metadata><organizations default='o'><organization identifier='o'>"
        "<title>Installing the Edge Switch</title><item identifier='i' identifierref='r'><title>Lab</title>"
        "</item></organization></organizations><resources><resource identifier='r' type='webcontent'"
        " adlcp:scormtype='sco' href='lab.html'><file href='lab.html'/><file href='lab.js'/></resource>"
        "</resources></manifest>"
    )
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Edge Switch lab</title>'
        '<script src="lab.js" defer></script></head><body><h1>Installing the Edge Switch</h1>'
        "<ol><li>Rack the switch and connect power.</li><li>Connect the uplink to port 48.</li>"
        "<li>Claim it in the cloud console.</li></ol>"
        '<button type="button" id="done">I installed it</button><p id="state"></p></body></html>'
    )
    script = (
        "var api = window.parent && window.parent.API;"
        "if (api) { api.LMSInitialize(''); }"
        "document.getElementById('done').addEventListener('click', function () {"
        " if (!api) { return; }"
        " api.LMSSetValue('cmi.core.score.raw', '95');"
        " api.LMSSetValue('cmi.core.lesson_status', 'passed');"
        " api.LMSCommit(''); api.LMSFinish('');"
        " document.getElementById('state').textContent = 'Done: you can close this lesson.'; });"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", manifest)
        archive.writestr("lab.html", page)
        archive.writestr("lab.js", script)
    return buffer.getvalue()


def _scorm_course(author) -> Course:
    upload = SimpleUploadedFile("edge-switch-lab.zip", _scorm_zip(), content_type="application/zip")
    package = scorm_package_upload(actor=author, upload=upload, title="Installing the Edge Switch (lab)")
    course = scorm_course_create(
        actor=author, package=package, code="edge-switch-lab", title="Installing the Edge Switch (interactive)"
    )
    return Course.objects.select_related("published_version").get(pk=course.pk)


def _draft(author) -> None:
    course = course_create(
        actor=author,
        code="zero-trust-deep-dive",
        title="Zero-Trust Access deep dive",
        category="Technical",
        level="advanced",
        summary="Being written: policies, identity providers and rollout plans.",
    )
    lesson_add(
        actor=author,
        version=course.versions.get(),
        content=LessonContent(title="Policies", kind=LessonKind.TEXT, body="<p>To be written.</p>"),
    )


def _what_competencies_unlock(tenant) -> None:
    """A product line the Network Infrastructure competency unlocks, and an optional Gold
    requirement counting certified engineers (optional: nobody's tier changes for it)."""
    line = ProductLine.objects.create(
        slug="data-center-fabric", name="Data Center Fabric", description="Spine and leaf switching for data centres."
    )
    AuthorizationRule.objects.create(
        product_line=line,
        required_competency="network-infrastructure",
        note="Partners with three Certified Network Engineers.",
    )
    Product.objects.create(
        sku="ACM-DCF", line=line, name="Data Center Fabric switch", list_price=18500, currency=tenant.default_currency
    )
    gold = Tier.objects.filter(program__in=Program.objects.filter(slug="resell"), name="Gold").first()
    if gold is not None:
        TierRequirement.objects.create(
            tier=gold,
            metric="learning.certified_people",
            param="cne",
            threshold=Decimal(3),
            window_days=0,
            mandatory=False,
        )


def _member(partner: Partner, role: str) -> Membership | None:
    return Membership.objects.filter(partner=partner, role=role, is_active=True).select_related("user").first()


def _take(member: Membership, course: Course, *, fail_first: bool = False) -> None:
    """``member`` takes ``course`` through the portal's services: every lesson, then the quiz."""
    enrollment = enrollment_enroll(actor=member, course=course)
    for lesson in course.published_version.lessons.order_by("position"):
        lesson_complete(actor=member, enrollment=enrollment, lesson=lesson)
    if fail_first:
        attempt = quiz_attempt_start(actor=member, enrollment=enrollment)
        quiz_attempt_submit(actor=member, attempt=attempt, answers={})
        # The cool-down has passed since (a demo's history).
        attempt.refresh_from_db()
        attempt.submitted_at -= timedelta(hours=2)
        attempt.started_at -= timedelta(hours=2)
        attempt.save(update_fields=["submitted_at", "started_at"])
    attempt = quiz_attempt_start(actor=member, enrollment=enrollment)
    right = {}
    for question in course.published_version.questions.filter(pk__in=attempt.question_ids).prefetch_related("choices"):
        right[question.pk] = [choice.pk for choice in question.choices.all() if choice.is_correct]
    quiz_attempt_submit(actor=member, attempt=attempt, answers=right)
    # What the worker does after the commit, done now so the demo shows it at once.
    certifications_check(membership=member, course_id=course.pk)


def _people(demo: Demo, courses: dict[str, Course], certifications: dict[str, Certification]) -> None:
    today = tenant_today()
    partners = {p.display_name: p for p in Partner.objects.filter(display_name__in=["Northwind", "Bluepeak"])}
    northwind, bluepeak = partners.get("Northwind"), partners.get("Bluepeak")
    cne = certifications["cne"]
    if northwind is not None:
        sales, admin = _member(northwind, Role.SALES), _member(northwind, Role.PARTNER_ADMIN)
        tech, marketing = _member(northwind, Role.TECHNICAL), _member(northwind, Role.PARTNER_MARKETING)
        if sales is not None:  # today, in the portal: essentials, then security (failed once)
            _take(sales, courses["platform-essentials"])
            _take(sales, courses["selling-security"], fail_first=True)
        if admin is not None:  # certified two years ago less a month: inside the renewal window
            certificate_award(certification=cne, holder=admin, issued_on=today - timedelta(days=700))
        if tech is not None:
            certificate_award(certification=cne, holder=tech, issued_on=today - timedelta(days=200))
        if marketing is not None:  # half-way to the third engineer
            _take(marketing, courses["platform-essentials"])
            exam = enrollment_enroll(actor=marketing, course=courses["network-engineer-exam"])
            lesson_complete(
                actor=marketing,
                enrollment=exam,
                lesson=courses["network-engineer-exam"].published_version.lessons.first(),
            )
    if bluepeak is not None:
        engineers = list(Membership.objects.filter(partner=bluepeak, is_active=True).select_related("user")[:3])
        for n, engineer in enumerate(engineers):
            # The last one's certificate ends within a week: the competency is at risk.
            issued = today - timedelta(days=725 if n == len(engineers) - 1 else 100 + 30 * n)
            certificate_award(certification=cne, holder=engineer, issued_on=issued)
    others = Partner.objects.exclude(display_name__in=["Northwind", "Bluepeak"]).order_by("display_name")
    someone = Membership.objects.filter(partner__in=others[:4], is_active=True).select_related("user").order_by("pk")
    people = list(someone[:2])
    if len(people) == 2:
        revoked = certificate_award(certification=cne, holder=people[0], issued_on=today - timedelta(days=90))
        certificate_revoke(actor=demo.staff["admin"], certificate=revoked, reason="The exam was taken by a colleague.")
        certificate_award(certification=certifications["csp"], holder=people[1], issued_on=today - timedelta(days=400))
    competencies_recompute()
    tier_evaluate()  # the standings count the certified engineers Gold now asks for
    learning_sweep(today=today)  # the expired one expires, and the reminders due today go out
    certificate_reminders_send(today=today)  # a second run sends nothing again


def _holders():
    from .models import CompetencyHolding

    return CompetencyHolding.objects.filter(lost_at__isnull=True).values("partner_id")
