"""E-learning and certification: courses, quizzes, SCORM packages, certificates, competencies.

* ``Course`` is the stable identity a catalogue lists, with its audience and prerequisites; its
  content lives in ``CourseVersion`` rows: editing a published course makes a new draft version,
  publishing it makes it the one new enrolments take, and an ``Enrollment`` keeps the version it
  started on, so in-flight learners finish what they began.
* A version has ordered ``Lesson`` rows (rich text, video, file, SCORM 1.2 package) and an
  optional quiz: a bank of ``Question`` rows with ``Choice`` rows, a random draw per
  ``QuizAttempt``, scored on the server.
* ``ScormPackage`` is a validated, unpacked zip stored per tenant; ``ScormSession`` keeps a
  learner's ``cmi`` data per lesson, so learning resumes on another device.
* ``Certification`` names the courses (and exam) a ``Certificate`` needs, its validity and its
  renewal path. A certificate belongs to the person (``holder``, a membership, and its user): a
  person who leaves keeps it, but the former company's competencies stop counting it.
* ``Competency`` is a company-level rule over certifications (``CompetencyRequirement``);
  ``CompetencyHolding`` rows are its history per partner (gained, lost, why).
* ``CertificateReminder`` makes "each reminder exactly once" a database rule.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from prm.accounts.roles import Role
from prm.tenancy.models import TenantOwned
from prm.web.files import private_upload_path

# The partner roles a course or a path may be meant for (an empty list: every partner user).
PARTNER_ROLE_CHOICES = [
    (Role.PARTNER_ADMIN.value, Role.PARTNER_ADMIN.label),
    (Role.SALES.value, Role.SALES.label),
    (Role.TECHNICAL.value, Role.TECHNICAL.label),
    (Role.PARTNER_MARKETING.value, Role.PARTNER_MARKETING.label),
    (Role.PARTNER_FINANCE.value, Role.PARTNER_FINANCE.label),
]


class CourseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class CourseLevel(models.TextChoices):
    INTRODUCTORY = "intro", _("Introductory")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class Course(TenantOwned):
    """A course in the catalogue: who it is for, what it needs first, and (through its published
    version) what it teaches."""

    code = models.SlugField(_("code"), max_length=60, db_index=False)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    category = models.CharField(_("category"), max_length=80, blank=True)
    level = models.CharField(_("level"), max_length=12, choices=CourseLevel.choices, default=CourseLevel.INTRODUCTORY)
    duration_minutes = models.PositiveIntegerField(_("duration in minutes"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=CourseStatus.choices, default=CourseStatus.DRAFT)
    published_version = models.ForeignKey(
        "CourseVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("published version"),
    )
    # Audience: empty lists mean everyone. Partner types and tiers by id, like the product
    # policy's rules; roles by value.
    audience_partner_type_ids = ArrayField(
        models.BigIntegerField(), default=list, blank=True, verbose_name=_("partner types")
    )
    audience_tier_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, verbose_name=_("tiers"))
    audience_roles = ArrayField(
        models.CharField(max_length=20, choices=PARTNER_ROLE_CHOICES), default=list, blank=True, verbose_name=_("roles")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="course_code_unique")]
        indexes = [
            # The catalogue: a tenant's published courses by title.
            models.Index(fields=["tenant", "status", "title"], name="course_catalogue_idx"),
        ]

    def __str__(self):
        return self.title


class CoursePrerequisite(TenantOwned):
    """``course`` may be started once ``required`` is completed."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="prerequisite_links", db_index=False)
    required = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("prerequisite")
        verbose_name_plural = _("prerequisites")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "course", "required"], name="prerequisite_unique"),
            models.CheckConstraint(condition=~Q(course=models.F("required")), name="prerequisite_not_self"),
        ]


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class CourseVersion(TenantOwned):
    """One version of a course's content and quiz settings. A published version is never edited:
    editing makes a new draft (``learning.services.authoring``)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="versions", db_index=False)
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # The quiz (none when the version has no questions).
    pass_mark_percent = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=70, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    questions_per_attempt = models.PositiveSmallIntegerField(
        _("questions per attempt"), default=0, help_text=_("Drawn at random from the bank; 0 asks every question.")
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=3, help_text=_("0 allows any number of attempts.")
    )
    cooldown_minutes = models.PositiveIntegerField(
        _("wait between attempts (minutes)"), default=0, help_text=_("After a failed attempt.")
    )
    time_limit_minutes = models.PositiveIntegerField(
        _("time limit (minutes)"), default=0, help_text=_("0: no time limit. Enforced on the server.")
    )
    show_answers = models.BooleanField(_("show the correct answers on the result page"), default=True)

    class Meta:
        verbose_name = _("course version")
        verbose_name_plural = _("course versions")
        ordering = ["course", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "course", "number"], name="courseversion_number_unique"),
            # One draft at a time: a second edit continues the same draft.
            models.UniqueConstraint(
                fields=["tenant", "course"], condition=Q(status="draft"), name="courseversion_one_draft"
            ),
        ]

    def __str__(self):
        return f"{self.course_id} v{self.number}"


class LessonKind(models.TextChoices):
    TEXT = "text", _("Text")
    VIDEO = "video", _("Video")
    FILE = "file", _("Download")
    SCORM = "scorm", _("SCORM package")


class Lesson(TenantOwned):
    """One step of a version, in ``position`` order."""

    version = models.ForeignKey(CourseVersion, on_delete=models.CASCADE, related_name="lessons", db_index=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=LessonKind.choices, default=LessonKind.TEXT)
    # Sanitised with nh3 when saved (``learning.richtext``), escaped again by nh3's allow-list on display.
    body = models.TextField(_("text"), blank=True)
    video_url = models.URLField(_("video address"), blank=True)
    file = models.FileField(_("file"), upload_to=private_upload_path, blank=True, max_length=200)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    scorm_package = models.ForeignKey(
        "ScormPackage", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    duration_minutes = models.PositiveIntegerField(_("duration in minutes"), default=0)

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["version", "position", "id"]
        indexes = [models.Index(fields=["tenant", "version", "position"], name="lesson_version_idx")]

    def __str__(self):
        return self.title


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")


class Question(TenantOwned):
    """A question of a version's bank."""

    version = models.ForeignKey(CourseVersion, on_delete=models.CASCADE, related_name="questions", db_index=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.TextField(_("question"))
    kind = models.CharField(_("kind"), max_length=8, choices=QuestionKind.choices, default=QuestionKind.SINGLE)
    explanation = models.TextField(_("explanation"), blank=True, help_text=_("Shown with the answers, if shown."))

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["version", "position", "id"]
        indexes = [models.Index(fields=["tenant", "version", "position"], name="question_version_idx")]

    def __str__(self):
        return self.text[:80]


class Choice(TenantOwned):
    """An answer of a question; ``is_correct`` never leaves the server before a submission."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices", db_index=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("answer"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["question", "position", "id"]
        indexes = [models.Index(fields=["tenant", "question", "position"], name="choice_question_idx")]

    def __str__(self):
        return self.text[:80]


class ScormPackage(TenantOwned):
    """A validated SCORM 1.2 zip, unpacked under ``storage_path`` (private, per tenant) and served
    only to those who may take a lesson that uses it."""

    title = models.CharField(_("title"), max_length=200)
    identifier = models.CharField(_("manifest identifier"), max_length=200, blank=True)
    launch_path = models.CharField(_("launch file"), max_length=500)
    storage_path = models.CharField(max_length=300, editable=False)
    size_bytes = models.BigIntegerField(_("unpacked size"), default=0)
    file_count = models.PositiveIntegerField(_("files"), default=0)
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SCORM package")
        verbose_name_plural = _("SCORM packages")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="scorm_recent_idx")]

    def __str__(self):
        return self.title


class LearningPath(TenantOwned):
    """Ordered courses for a role and partner type (an empty audience: everyone)."""

    code = models.SlugField(_("code"), max_length=60, db_index=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    audience_partner_type_ids = ArrayField(
        models.BigIntegerField(), default=list, blank=True, verbose_name=_("partner types")
    )
    audience_roles = ArrayField(
        models.CharField(max_length=20, choices=PARTNER_ROLE_CHOICES), default=list, blank=True, verbose_name=_("roles")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("learning path")
        verbose_name_plural = _("learning paths")
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="learningpath_code_unique")]

    def __str__(self):
        return self.title


class LearningPathStep(TenantOwned):
    path = models.ForeignKey(LearningPath, on_delete=models.CASCADE, related_name="steps", db_index=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+", db_index=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("path step")
        verbose_name_plural = _("path steps")
        ordering = ["path", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "path", "course"], name="pathstep_unique")]


class EnrollmentStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


class Enrollment(TenantOwned):
    """A person taking a course, on the version they started."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrollments", db_index=False)
    version = models.ForeignKey(CourseVersion, on_delete=models.PROTECT, related_name="+", db_index=False)
    learner = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="enrollments", db_index=False
    )
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    status = models.CharField(
        _("status"), max_length=12, choices=EnrollmentStatus.choices, default=EnrollmentStatus.IN_PROGRESS
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    progress_percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    last_lesson = models.ForeignKey(
        Lesson, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    best_score = models.DecimalField(_("best score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    # When the version's quiz (or a SCORM lesson's own assessment) was passed; None while not.
    quiz_passed_at = models.DateTimeField(_("quiz passed at"), null=True, blank=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "learner", "course"], name="learning_enrollment_unique")
        ]
        indexes = [
            # The partner admin's team page and the reports by partner.
            models.Index(fields=["tenant", "partner", "status"], name="learning_enroll_partner_idx"),
            # Reports by course.
            models.Index(fields=["tenant", "course", "status"], name="learning_enroll_course_idx"),
        ]


class LessonProgress(TenantOwned):
    """A lesson a learner finished."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="progress", db_index=False)
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    completed_at = models.DateTimeField(_("completed at"), auto_now_add=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "enrollment", "lesson"], name="lessonprogress_unique")]


class AttemptStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    EXPIRED = "expired", _("Time ran out")


class QuizAttempt(TenantOwned):
    """One attempt at a version's quiz: the questions drawn for it, the answers, the score.
    Scored on the server once; a second submission changes nothing."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="attempts", db_index=False)
    version = models.ForeignKey(CourseVersion, on_delete=models.PROTECT, related_name="+", db_index=False)
    learner = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    number = models.PositiveSmallIntegerField(_("attempt"))
    status = models.CharField(_("status"), max_length=10, choices=AttemptStatus.choices, default=AttemptStatus.OPEN)
    question_ids = ArrayField(models.BigIntegerField(), default=list)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # {"<question id>": [choice ids]}, as submitted (only questions of the draw, only their choices).
    answers = models.JSONField(default=dict, blank=True)
    # Question ids answered wrongly (item analysis reads it).
    missed_question_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    score_percent = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "enrollment", "number"], name="attempt_number_unique"),
            # One attempt in progress per enrolment: two tabs cannot start two.
            models.UniqueConstraint(
                fields=["tenant", "enrollment"], condition=Q(status="open"), name="attempt_one_open"
            ),
        ]
        indexes = [
            # Item analysis and pass rates by version.
            models.Index(fields=["tenant", "version", "status"], name="attempt_version_idx"),
        ]


class ScormSession(TenantOwned):
    """A learner's SCORM 1.2 runtime data for one lesson, saved on every commit from the player:
    ``cmi`` holds the whole tree the package wrote; the columns hold what the product reads."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="scorm_sessions", db_index=False)
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+", db_index=False)
    learner = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    cmi = models.JSONField(default=dict, blank=True)
    lesson_status = models.CharField(max_length=20, blank=True)
    score_raw = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    suspend_data = models.TextField(blank=True)
    lesson_location = models.CharField(max_length=255, blank=True)
    commits = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "enrollment", "lesson"], name="scormsession_unique")]


class Certification(TenantOwned):
    """What a certificate needs (courses, an exam), how long it lasts and how it is renewed."""

    code = models.SlugField(_("code"), max_length=60, db_index=False)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    exam_course = models.ForeignKey(
        Course,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("exam"),
        help_text=_("The course whose quiz is the exam (passing it is required)."),
    )
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"), default=24, help_text=_("0: the certificate does not expire.")
    )
    renewal_window_days = models.PositiveSmallIntegerField(
        _("renewal window (days)"), default=60, help_text=_("Before expiry: when renewal opens and reminders start.")
    )
    renewal_course = models.ForeignKey(
        Course,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("renewal course"),
        help_text=_("A shorter re-certification course that renews a certificate within its window."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="certification_code_unique")]

    def __str__(self):
        return self.name


class CertificationCourse(TenantOwned):
    """A course a certification requires (besides its exam)."""

    certification = models.ForeignKey(
        Certification, on_delete=models.CASCADE, related_name="required_courses", db_index=False
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("required course")
        verbose_name_plural = _("required courses")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "certification", "course"], name="certificationcourse_unique")
        ]


class CertificateStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    RENEWED = "renewed", _("Renewed")
    REVOKED = "revoked", _("Revoked")


class Certificate(TenantOwned):
    """A certification a person holds. ``status`` is what services last decided; "expiring" is an
    active certificate inside its renewal window (``learning.selectors``)."""

    certification = models.ForeignKey(
        Certification, on_delete=models.PROTECT, related_name="certificates", db_index=False
    )
    holder = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="certificates", db_index=False
    )
    # The company the person was with when it was awarded (its users see it; the competency
    # counts the holder's current company).
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    holder_name = models.CharField(_("holder"), max_length=200)
    # Unguessable (``secrets``), shown on the PDF and the public verification page.
    code = models.CharField(_("verification code"), max_length=32)
    status = models.CharField(
        _("status"), max_length=10, choices=CertificateStatus.choices, default=CertificateStatus.ACTIVE
    )
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(_("reason"), max_length=500, blank=True)
    renews = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    pdf = models.FileField(upload_to=private_upload_path, blank=True, max_length=200)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-id"]
        constraints = [
            # The public verification page looks a code up on the tenant's host.
            models.UniqueConstraint(fields=["tenant", "code"], name="certificate_code_unique"),
            # One active certificate per person and certification (a renewal replaces it).
            models.UniqueConstraint(
                fields=["tenant", "certification", "holder"],
                condition=Q(status="active"),
                name="certificate_one_active",
            ),
        ]
        indexes = [
            # The competency recompute and the partner's certified people.
            models.Index(
                fields=["tenant", "certification", "holder"],
                condition=Q(status="active"),
                name="certificate_active_idx",
            ),
            # The expiry sweep and "expiring in the next 30/60/90 days".
            models.Index(fields=["tenant", "expires_on"], condition=Q(status="active"), name="certificate_expiry_idx"),
            # A person's certificates (my learning) and a partner's (reports).
            models.Index(fields=["tenant", "holder", "-issued_on"], name="certificate_holder_idx"),
            models.Index(fields=["tenant", "partner", "status"], name="certificate_partner_idx"),
        ]

    def __str__(self):
        return f"{self.certification_id}: {self.holder_name}"


class ReminderStage(models.TextChoices):
    WINDOW = "window", _("Renewal window opens")
    DAYS_30 = "d30", _("30 days before expiry")
    DAYS_7 = "d7", _("7 days before expiry")
    DAYS_1 = "d1", _("1 day before expiry")


class CertificateReminder(TenantOwned):
    """A reminder sent: the unique constraint makes each one happen once, whatever the number of
    runs or a worker that died between two."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="reminders", db_index=False)
    stage = models.CharField(max_length=8, choices=ReminderStage.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    rls_partner_predicate = "false"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "certificate", "stage"], name="certreminder_once"),
        ]


class Competency(TenantOwned):
    """A company-level qualification: held while every requirement is met by the partner's current
    people with active certificates."""

    code = models.SlugField(_("code"), max_length=80, db_index=False)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="competency_code_unique")]

    def __str__(self):
        return self.name


class CompetencyRequirement(TenantOwned):
    """At least ``min_people`` of the partner's current people hold an active ``certification``."""

    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="requirements", db_index=False)
    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="+", db_index=False)
    min_people = models.PositiveSmallIntegerField(_("at least (people)"), default=1, validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("competency requirement")
        verbose_name_plural = _("competency requirements")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "competency", "certification"], name="competencyrequirement_unique"
            ),
        ]


class CompetencyHolding(TenantOwned):
    """A period a partner held a competency: open (``lost_at`` empty) while held. The rows are its
    history; the recompute closes and opens them in bulk."""

    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="holdings", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    gained_at = models.DateTimeField(_("gained at"))
    gained_reason = models.CharField(_("why gained"), max_length=300, blank=True)
    lost_at = models.DateTimeField(_("lost at"), null=True, blank=True)
    lost_reason = models.CharField(_("why lost"), max_length=300, blank=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("competency held")
        verbose_name_plural = _("competencies held")
        ordering = ["-gained_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "competency", "partner"], condition=Q(lost_at__isnull=True), name="holding_one_open"
            ),
        ]
        indexes = [
            # What a partner holds now (policy decisions, the tier card, the metric).
            models.Index(fields=["tenant", "partner"], condition=Q(lost_at__isnull=True), name="holding_partner_idx"),
        ]
