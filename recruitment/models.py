"""Recruitment, selection and onboarding: from a public application to an active partner.

* **Apply.** ``Application`` is a company's request to become a partner, made on the tenant's
  public ``/apply/`` page. It waits ``unverified`` until its contact proves the e-mail address
  (a signed link), then reaches the vendor's queue. ``ApplicationAttachment`` rows are its
  documents; ``ApplicationDuplicate`` rows are what the duplicate guard found (an existing
  partner or another open application with the same domain). ``JoinRequest`` is the other road
  an applicant whose company is already a partner may take: the partner's admin approves or
  declines it.
* **Select.** ``SelectionCriterion`` (weighted, scored 1-5 with guidance per level) and
  ``DiligenceItem`` (the due-diligence checklist's template) are configured in the admin;
  ``ApplicationScore`` is one reviewer's score of one criterion; ``ApplicationCheck`` is one
  checklist item of one application (owner, evidence, outcome). ``RecruitmentSettings`` holds
  the tenant's knobs (review SLA, expiry of unverified applications, stall days, transparency).
* **Onboard.** Approval creates the partner (status onboarding) with an ``Onboarding`` and its
  ``OnboardingTask`` rows copied from the ``OnboardingTemplate`` of its partner type. Tasks of
  an automatic kind complete themselves from what happens elsewhere (a profile completed, an
  agreement accepted, colleagues invited, a course passed, a first deal registered); manual ones
  are ticked by staff. ``Agreement`` / ``AgreementVersion`` are a program's versioned terms;
  ``AgreementAcceptance`` records who accepted which version, when, from where, and the hash of
  the text they saw.
* **Bulk.** ``PartnerImport`` is one upload of existing partners and their users: its mapping,
  validation report and progress; the rows import in a worker.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from prm.tabular import ImportStatus as ImportStatus  # the import states, shared by every import
from prm.tabular import TabularImport
from prm.tenancy.models import TenantOwned
from prm.web.files import private_upload_path


class Capability(models.TextChoices):
    """What an applicant says it can do for the vendor's customers."""

    SALES = "sales", _("Sales")
    MARKETING = "marketing", _("Marketing")
    LOGISTICS = "logistics", _("Logistics")
    SERVICES = "services", _("Services")
    TECHNICAL = "technical", _("Technical")


class RecruitmentSettings(TenantOwned):
    """The tenant's recruitment knobs (one row per tenant, edited in the admin)."""

    review_sla_hours = models.PositiveSmallIntegerField(
        _("review SLA (business hours)"),
        default=40,
        help_text=_("How long a verified application may wait for a decision before it is overdue."),
    )
    unverified_expiry_hours = models.PositiveSmallIntegerField(
        _("unverified applications expire after (hours)"), default=72
    )
    stall_days = models.PositiveSmallIntegerField(_("onboarding stalls after (days without progress)"), default=7)
    show_scores_to_applicant = models.BooleanField(
        _("show the scores to the applicant"),
        default=False,
        help_text=_("Applicants always see the criteria they are judged on; the scores only when this is on."),
    )
    intro = models.TextField(
        _("introduction on the application page"), blank=True, help_text=_("Shown above the form on /apply/.")
    )

    class Meta:
        verbose_name = _("recruitment settings")
        verbose_name_plural = _("recruitment settings")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="recruitment_settings_unique")]

    def __str__(self):
        return str(_("Recruitment settings"))


class SelectionCriterion(TenantOwned):
    """A weighted criterion applications are scored on, 1 to 5, with guidance per level."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    level_1 = models.CharField(_("guidance for 1"), max_length=200, blank=True)
    level_2 = models.CharField(_("guidance for 2"), max_length=200, blank=True)
    level_3 = models.CharField(_("guidance for 3"), max_length=200, blank=True)
    level_4 = models.CharField(_("guidance for 4"), max_length=200, blank=True)
    level_5 = models.CharField(_("guidance for 5"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("is active"), default=True)

    class Meta:
        verbose_name = _("selection criterion")
        verbose_name_plural = _("selection criteria")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["tenant", "position"], name="recruit_criterion_idx")]

    def __str__(self):
        return self.name

    @property
    def guidance(self) -> list[tuple[int, str]]:
        return [(level, getattr(self, f"level_{level}")) for level in range(1, 6)]


class DiligenceTopic(models.TextChoices):
    DATA_SECURITY = "data_security", _("Data security")
    INTELLECTUAL_PROPERTY = "ip", _("Intellectual property")
    COMPLIANCE = "compliance", _("Compliance")
    REFERENCES = "references", _("References")
    FINANCIAL = "financial", _("Financial standing")
    OTHER = "other", _("Other")


class DiligenceItem(TenantOwned):
    """An item of the due-diligence checklist every application is vetted against."""

    topic = models.CharField(_("topic"), max_length=16, choices=DiligenceTopic.choices)
    name = models.CharField(_("name"), max_length=160)
    description = models.TextField(_("what to check"), blank=True)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    default_owner = models.ForeignKey(
        "accounts.Membership",
        verbose_name=_("default owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("is active"), default=True)

    class Meta:
        verbose_name = _("due-diligence item")
        verbose_name_plural = _("due-diligence items")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["tenant", "position"], name="recruit_diligence_idx")]

    def __str__(self):
        return self.name


class ApplicationStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Awaiting e-mail verification")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The application's pipeline: who may move where. Approved, rejected, expired and withdrawn are final.
APPLICATION_TRANSITIONS: dict[str, frozenset[str]] = {
    ApplicationStatus.UNVERIFIED: frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.EXPIRED}),
    ApplicationStatus.SUBMITTED: frozenset(
        {
            ApplicationStatus.IN_REVIEW,
            ApplicationStatus.APPROVED,
            ApplicationStatus.REJECTED,
            ApplicationStatus.WITHDRAWN,
        }
    ),
    ApplicationStatus.IN_REVIEW: frozenset(
        {ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN}
    ),
    ApplicationStatus.APPROVED: frozenset(),
    ApplicationStatus.REJECTED: frozenset(),
    ApplicationStatus.EXPIRED: frozenset(),
    ApplicationStatus.WITHDRAWN: frozenset(),
}
OPEN_STATUSES = frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW})


class RejectionReason(models.TextChoices):
    NOT_A_FIT = "not_a_fit", _("Not a fit for our programs now")
    TERRITORY = "territory", _("Territory already covered")
    CAPABILITY = "capability", _("Capabilities do not match what we need")
    DILIGENCE = "diligence", _("Due diligence not passed")
    INCOMPLETE = "incomplete", _("Application incomplete")
    DUPLICATE = "duplicate", _("Company is already a partner or has applied")
    OTHER = "other", _("Other")


class Application(TenantOwned):
    """A company's application to become a partner of the tenant."""

    # Vendor-internal (applicants' details, vetting, uploaded files): no partner user reads it.
    rls_partner_predicate = "false"

    reference = models.CharField(_("reference"), max_length=16, db_index=False)
    status = models.CharField(
        _("status"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.UNVERIFIED
    )
    # The company
    company_name = models.CharField(_("company name"), max_length=200)
    website = models.URLField(_("website"), blank=True)
    email_domains = ArrayField(
        models.CharField(max_length=253), default=list, blank=True, verbose_name=_("e-mail domains")
    )
    country = models.CharField(_("HQ country"), max_length=2)
    regions_served = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, verbose_name=_("regions served")
    )
    industries = ArrayField(models.CharField(max_length=60), default=list, blank=True, verbose_name=_("industries"))
    partner_type = models.ForeignKey(
        "partners.PartnerType",
        verbose_name=_("partner type sought"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    capabilities = ArrayField(
        models.CharField(max_length=12, choices=Capability.choices),
        default=list,
        blank=True,
        verbose_name=_("capabilities"),
    )
    capability_notes = models.TextField(_("about your capabilities"), blank=True)
    references = models.TextField(_("customer references"), blank=True)
    # The contact person
    contact_first_name = models.CharField(_("first name"), max_length=80)
    contact_last_name = models.CharField(_("last name"), max_length=80)
    contact_email = models.EmailField(_("e-mail"))
    contact_phone = models.CharField(_("phone"), max_length=40, blank=True)
    contact_title = models.CharField(_("job title"), max_length=120, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    submitted_ip = models.GenericIPAddressField(_("sent from"), null=True, blank=True)
    # The pipeline
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("e-mail verified at"), null=True, blank=True)
    due_at = models.DateTimeField(_("decision due"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        "accounts.Membership",
        verbose_name=_("vetter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    rejection_reason = models.CharField(_("reason"), max_length=12, choices=RejectionReason.choices, blank=True)
    decision_message = models.TextField(_("message to the applicant"), blank=True)
    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("program"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text=_("The partner the approval created."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            # The applicant's status link and the queue's search go by reference.
            models.UniqueConstraint(fields=["tenant", "reference"], name="recruit_application_ref_unique"),
        ]
        indexes = [
            # The queue: open applications by status, oldest first.
            models.Index(fields=["tenant", "status", "created_at"], name="recruit_app_status_idx"),
            # "Assigned to me".
            models.Index(fields=["tenant", "assigned_to", "status"], name="recruit_app_vetter_idx"),
            # The expiry sweep: unverified applications past their time.
            models.Index(
                fields=["tenant", "expires_at"],
                condition=Q(status="unverified"),
                name="recruit_app_expiry_idx",
            ),
            # The per-address rate limit and the duplicate guard by contact.
            models.Index(fields=["tenant", "contact_email"], name="recruit_app_email_idx"),
        ]

    def __str__(self):
        return f"{self.reference} {self.company_name}"

    @property
    def contact_name(self) -> str:
        return f"{self.contact_first_name} {self.contact_last_name}".strip()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ApplicationAttachment(TenantOwned):
    """A document an applicant sent with its application (a checked type, within the size limit)."""

    # Vendor-internal (applicants' details, vetting, uploaded files): no partner user reads it.
    rls_partner_predicate = "false"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments", db_index=False)
    document = models.FileField(_("document"), upload_to=private_upload_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=20)
    size = models.PositiveIntegerField(_("size"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")
        indexes = [models.Index(fields=["tenant", "application"], name="recruit_attach_app_idx")]

    def __str__(self):
        return self.name


class DuplicateMatch(models.TextChoices):
    WEBSITE = "website", _("Same website domain")
    EMAIL_DOMAIN = "email_domain", _("Same e-mail domain")
    NAME = "name", _("Same company name")


class ApplicationDuplicate(TenantOwned):
    """What the duplicate guard found for an application: an existing partner or another open
    application of the tenant with the same domain (or name)."""

    # Vendor-internal (applicants' details, vetting, uploaded files): no partner user reads it.
    rls_partner_predicate = "false"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="duplicates", db_index=False)
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    other_application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    matched_on = models.CharField(_("matched on"), max_length=12, choices=DuplicateMatch.choices)
    value = models.CharField(_("value"), max_length=253)
    found_at = models.DateTimeField(_("found at"), auto_now_add=True)

    class Meta:
        verbose_name = _("duplicate flag")
        verbose_name_plural = _("duplicate flags")
        indexes = [models.Index(fields=["tenant", "application"], name="recruit_dup_app_idx")]


class ApplicationScore(TenantOwned):
    """One reviewer's score (1-5) of one criterion of one application."""

    # Vendor-internal (applicants' details, vetting, uploaded files): no partner user reads it.
    rls_partner_predicate = "false"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="scores", db_index=False)
    reviewer = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    criterion = models.ForeignKey(SelectionCriterion, on_delete=models.PROTECT, related_name="+", db_index=False)
    score = models.PositiveSmallIntegerField(_("score"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            # One score per reviewer and criterion; scoring again replaces it.
            models.UniqueConstraint(
                fields=["tenant", "application", "reviewer", "criterion"], name="recruit_score_unique"
            ),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="recruit_score_range"),
        ]


class CheckStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    WAIVED = "waived", _("Waived")


class ApplicationCheck(TenantOwned):
    """One due-diligence item of one application: its owner, evidence and outcome."""

    # Vendor-internal (applicants' details, vetting, uploaded files): no partner user reads it.
    rls_partner_predicate = "false"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="checks", db_index=False)
    item = models.ForeignKey(DiligenceItem, on_delete=models.PROTECT, related_name="+", db_index=False)
    status = models.CharField(_("status"), max_length=8, choices=CheckStatus.choices, default=CheckStatus.OPEN)
    owner = models.ForeignKey(
        "accounts.Membership",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    evidence = models.FileField(_("evidence"), upload_to=private_upload_path, max_length=300, blank=True)
    evidence_name = models.CharField(_("evidence name"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    checked_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("due-diligence check")
        verbose_name_plural = _("due-diligence checks")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "application", "item"], name="recruit_check_unique"),
        ]


class JoinRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class JoinRequest(TenantOwned):
    """A person asking to join a partner company that already exists (offered by the duplicate
    guard); the partner's admin approves (an invitation follows) or declines."""

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False)
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.SET_NULL, related_name="join_requests", db_index=False
    )
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    email = models.EmailField(_("e-mail"))
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=JoinRequestStatus.choices, default=JoinRequestStatus.PENDING
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("request to join")
        verbose_name_plural = _("requests to join")
        constraints = [
            # One pending request per person and company.
            models.UniqueConstraint(
                fields=["tenant", "partner", "email"],
                condition=Q(status="pending"),
                name="recruit_join_pending_unique",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "partner", "status"], name="recruit_join_partner_idx")]

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


# --- Onboarding ---------------------------------------------------------------------------------


class TaskKind(models.TextChoices):
    """How an onboarding task completes: by itself from what happens, or ticked by staff."""

    PROFILE_COMPLETED = "profile", _("Company profile completed")
    AGREEMENT_ACCEPTED = "agreement", _("Partner agreement accepted")
    COLLEAGUES_INVITED = "colleagues", _("Colleagues invited")
    COURSE_PASSED = "course", _("Course passed")
    FIRST_DEAL = "first_deal", _("First deal registered")
    MANUAL = "manual", _("Ticked by the vendor")


AUTOMATIC_KINDS = frozenset(
    {
        TaskKind.PROFILE_COMPLETED,
        TaskKind.AGREEMENT_ACCEPTED,
        TaskKind.COLLEAGUES_INVITED,
        TaskKind.COURSE_PASSED,
        TaskKind.FIRST_DEAL,
    }
)


class OnboardingTemplate(TenantOwned):
    """The onboarding checklist a new partner of one type gets."""

    partner_type = models.ForeignKey(
        "partners.PartnerType",
        verbose_name=_("partner type"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("onboarding template")
        verbose_name_plural = _("onboarding templates")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "partner_type"], name="recruit_template_type_unique"),
        ]

    def __str__(self):
        return self.name


class OnboardingTemplateItem(TenantOwned):
    """One item of an onboarding template."""

    template = models.ForeignKey(OnboardingTemplate, on_delete=models.CASCADE, related_name="items", db_index=False)
    kind = models.CharField(_("kind"), max_length=12, choices=TaskKind.choices)
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    course = models.ForeignKey(
        "learning.Course",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text=_("For 'Course passed': the course a person of the partner must complete."),
    )
    min_count = models.PositiveSmallIntegerField(
        _("how many"), default=1, help_text=_("For 'Colleagues invited': how many people.")
    )
    required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("onboarding template item")
        verbose_name_plural = _("onboarding template items")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["tenant", "template", "position"], name="recruit_titem_idx")]

    def __str__(self):
        return self.title


class OnboardingStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


class Onboarding(TenantOwned):
    """A new partner's way to active: its checklist's progress."""

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False)
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    status = models.CharField(
        _("status"), max_length=12, choices=OnboardingStatus.choices, default=OnboardingStatus.IN_PROGRESS
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    last_progress_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # The stall the partner was last nudged for (its last progress at the time): once per stall.
    nudged_for = models.DateTimeField(null=True, blank=True)
    nudged_at = models.DateTimeField(_("nudged at"), null=True, blank=True)
    tasks_total = models.PositiveSmallIntegerField(default=0)
    tasks_done = models.PositiveSmallIntegerField(default=0)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("onboarding")
        verbose_name_plural = _("onboardings")
        constraints = [models.UniqueConstraint(fields=["tenant", "partner"], name="recruit_onboarding_unique")]
        indexes = [
            # The onboarding board: partners in onboarding, oldest first; the stall sweep.
            models.Index(fields=["tenant", "status", "started_at"], name="recruit_onb_status_idx"),
        ]

    @property
    def percent(self) -> int:
        return round(100 * self.tasks_done / self.tasks_total) if self.tasks_total else 100


class OnboardingTask(TenantOwned):
    """One item of a partner's onboarding checklist."""

    onboarding = models.ForeignKey(Onboarding, on_delete=models.CASCADE, related_name="tasks", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(_("kind"), max_length=12, choices=TaskKind.choices)
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    course = models.ForeignKey(
        "learning.Course", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    min_count = models.PositiveSmallIntegerField(default=1)
    required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("onboarding task")
        verbose_name_plural = _("onboarding tasks")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["tenant", "onboarding", "position"], name="recruit_task_onb_idx")]

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Agreement(TenantOwned):
    """A program's partner agreement; its text lives in versions."""

    program = models.ForeignKey(
        "programs.Program", verbose_name=_("program"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    title = models.CharField(_("title"), max_length=160)
    is_active = models.BooleanField(_("is active"), default=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        indexes = [models.Index(fields=["tenant", "program"], name="recruit_agreement_prog_idx")]

    def __str__(self):
        return self.title


class AgreementVersion(TenantOwned):
    """One version of an agreement's text. A published version is never edited; a new version asks
    every partner of the program to accept again by its deadline."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="versions", db_index=False)
    number = models.PositiveSmallIntegerField(_("version"))
    text = models.TextField(_("text"))
    text_sha256 = models.CharField(max_length=64, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    accept_by = models.DateField(
        _("accept by"), null=True, blank=True, help_text=_("Partners who have not accepted by then are flagged.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "agreement", "number"], name="recruit_agr_version_unique"),
        ]

    def __str__(self):
        return f"{self.agreement} v{self.number}"


class AgreementAcceptance(TenantOwned):
    """A partner's acceptance of one agreement version: who, when, from where, and the hash of the
    text they were shown."""

    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="acceptances", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    accepted_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    accepted_by_name = models.CharField(max_length=200)
    accepted_at = models.DateTimeField(_("accepted at"), auto_now_add=True)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    text_sha256 = models.CharField(max_length=64)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("agreement acceptance")
        verbose_name_plural = _("agreement acceptances")
        constraints = [
            # A version is accepted once per partner.
            models.UniqueConstraint(fields=["tenant", "partner", "version"], name="recruit_acceptance_unique"),
        ]
        indexes = [models.Index(fields=["tenant", "version"], name="recruit_accept_version_idx")]


# --- Bulk import --------------------------------------------------------------------------------


class PartnerImport(TabularImport):
    """One upload of existing partners and their users: mapping, validation report, progress."""

    invite_users = models.BooleanField(_("send invitations to the users"), default=False)
    partners_created = models.PositiveIntegerField(default=0)
    partners_existing = models.PositiveIntegerField(default=0)
    users_created = models.PositiveIntegerField(default=0)
    users_existing = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("partner import")
        verbose_name_plural = _("partner imports")
        indexes = [models.Index(fields=["tenant", "created_at"], name="recruit_import_created_idx")]
