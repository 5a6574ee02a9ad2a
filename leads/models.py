"""Lead distribution: the right partner, fairly, fast and explainably.

* **In.** ``Lead`` is one prospective customer the vendor wants a partner to work: imported
  (``LeadImport``: mapping, preview, row report, progress), entered by staff, sent by the public
  web-to-lead form, or referred by a partner (``source_partner``; its contact details may be
  withheld until the vendor accepts the referral). A lead that repeats an earlier one (same
  e-mail, or same company domain, within the tenant's window) is merged into it or flagged
  (``duplicate_of``), never routed twice.
* **Rules.** ``RoutingRule`` belongs to a program and is tried in priority order: territory
  (countries, regions, postal-code prefixes), industries, product lines, a minimum tier, required
  certifications and competencies; its strategy is weighted round robin (``RotationState`` keeps
  each partner's place in the rotation, in the database, so that restarts and parallel workers
  keep it exact) or nearest first (``PartnerLocation`` coordinates from the shipped city data).
  A fall-back rule catches what no other rule matched. ``NamedAccount`` pins a customer to a
  partner. ``LeadCapacity`` is a partner's monthly cap, daily quota, pause and out-of-office
  dates. ``LeadProgramSettings`` holds a program's acceptance window and how many offers a lead
  gets before it returns to the vendor's queue.
* **Offers.** ``LeadOffer`` is one lead offered to one partner with a deadline in business hours;
  it is accepted, declined, or expires and the lead is routed on. A partner is offered a lead once
  (a unique constraint), and at most one partner holds it (a partial unique constraint).
* **Explain.** ``RoutingDecision`` is the log of one routing run: the rules tried, the candidates
  and why each was excluded, the rotation position, the winner. Staff read it all; a partner reads
  only what its offer carries (the rule it matched and its weight).
* **Work.** ``LeadMessage`` is the two-way conversation on an accepted lead; conversion creates a
  deal registration that carries the lead's source (``deals.Deal.source_*``) for attribution.
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


class LeadSettings(TenantOwned):
    """The tenant's lead knobs (one row per tenant, edited in the admin)."""

    duplicate_window_days = models.PositiveSmallIntegerField(
        _("duplicate window (days)"),
        default=30,
        help_text=_(
            "A lead with the same e-mail or company domain as one received within this many days is a duplicate."
        ),
    )
    merge_duplicates = models.BooleanField(
        _("merge duplicates"),
        default=True,
        help_text=_("Merge a duplicate into the earlier lead; otherwise keep it, flagged, out of routing."),
    )
    web_form_enabled = models.BooleanField(_("public web-to-lead form"), default=True)
    web_form_intro = models.TextField(_("introduction on the web-to-lead form"), blank=True)
    referrals_enabled = models.BooleanField(_("partners may refer leads"), default=True)
    default_acceptance_hours = models.PositiveSmallIntegerField(
        _("acceptance window (business hours)"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_("For programs without their own lead settings."),
    )
    default_max_offers = models.PositiveSmallIntegerField(
        _("offers before the lead returns to the queue"), default=3, validators=[MinValueValidator(1)]
    )
    # Up to when the lead managers have had their digest of leads returned to the queue.
    queue_digest_at = models.DateTimeField(_("queue digest sent up to"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("lead settings")
        verbose_name_plural = _("lead settings")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="lead_settings_unique")]

    def __str__(self):
        return str(_("Lead settings"))


class LeadProgramSettings(TenantOwned):
    """A program's acceptance window and offer limit."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("program")
    )
    acceptance_hours = models.PositiveSmallIntegerField(
        _("acceptance window (business hours)"), default=48, validators=[MinValueValidator(1), MaxValueValidator(720)]
    )
    max_offers = models.PositiveSmallIntegerField(
        _("offers before the lead returns to the queue"), default=3, validators=[MinValueValidator(1)]
    )
    stale_after_days = models.PositiveSmallIntegerField(
        _("pull back accepted leads left unchanged for (days)"),
        default=0,
        validators=[MaxValueValidator(365)],
        help_text=_(
            "A lead the partner accepted and then left without any change (status, stage, next step, owner, a "
            "message from the partner) for this many days goes back to the vendor and is offered to the next "
            "partner. 0: never."
        ),
    )

    class Meta:
        verbose_name = _("program lead settings")
        verbose_name_plural = _("program lead settings")
        constraints = [models.UniqueConstraint(fields=["tenant", "program"], name="lead_program_settings_unique")]

    def __str__(self):
        return str(self.program)


class LeadCapacity(TenantOwned):
    """How many leads a partner takes: caps, a pause, out-of-office dates (one row per partner;
    no row: no limit). Edited by the partner's admin in the portal and by staff."""

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("partner")
    )
    monthly_cap = models.PositiveIntegerField(_("monthly cap"), null=True, blank=True)
    daily_quota = models.PositiveIntegerField(_("daily quota"), null=True, blank=True)
    paused = models.BooleanField(_("paused"), default=False)
    paused_reason = models.CharField(_("why paused"), max_length=200, blank=True)
    away_from = models.DateField(_("out of office from"), null=True, blank=True)
    away_until = models.DateField(_("out of office until"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("lead capacity")
        verbose_name_plural = _("lead capacities")
        constraints = [models.UniqueConstraint(fields=["tenant", "partner"], name="lead_capacity_unique")]


class RoutingStamp(models.Model):
    """When the rows the routing engine's partner side reads last changed (partners, enrollments,
    tiers, licences, territory grants, regions: ``services.routing.PARTNER_SIDE_TABLES``): one row
    whose ``stamp`` is the id of the last transaction that changed any of them.

    Written only by database triggers (migration 0008), at the commit of such a transaction, so
    that every way of changing those rows (the services, the admin, imports, SQL, a ``TRUNCATE``)
    moves it, together with the change. The engine keeps each rule's partner-side answer for a
    kind of lead while the stamp stays where it was (``services.routing._partner_side``).

    Not tenant-owned: a number, the same for every tenant. One tenant's change ends every
    tenant's memoised answers, which is rare (partners and their standing change seldom) and
    cheap (each is built again by one statement)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    stamp = models.BigIntegerField()

    def __str__(self):
        return f"routing stamp {self.stamp}"


class LeadOfferTally(TenantOwned):
    """How many offers a partner got on its latest day and in its latest month (the tenant's
    calendar): what a daily quota and a monthly cap are checked against, read in the routing
    statement instead of counting the partner's offers there (which read every offer of the month
    of every capped partner, heap and all: half the statement at 100,000 open offers).

    Kept by a database trigger on ``leads_leadoffer`` (migration 0003), so that every way an offer
    is written (routing, routing by hand, the bench's generator, tests) counts; a day or month
    later than the stored one starts the count again. Never written by the application."""

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("partner")
    )
    day = models.DateField(_("day"))
    offers_on_day = models.PositiveIntegerField(_("offers that day"), default=0)
    month = models.DateField(_("month"))
    offers_in_month = models.PositiveIntegerField(_("offers that month"), default=0)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("lead offer tally")
        verbose_name_plural = _("lead offer tallies")
        constraints = [models.UniqueConstraint(fields=["tenant", "partner"], name="lead_offer_tally_unique")]


class Strategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Weighted round robin")
    NEAREST = "nearest", _("Nearest first (weight breaks ties)")


class RoutingRule(TenantOwned):
    """One rule of a program's routing, tried in ``priority`` order (lower first). Empty lists
    mean "any". A fall-back rule matches every lead (its criteria are ignored) and is tried last."""

    rls_partner_predicate = "false"

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("program")
    )
    name = models.CharField(_("name"), max_length=120)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100, help_text=_("Lower is tried first."))
    is_active = models.BooleanField(_("active"), default=True)
    is_fallback = models.BooleanField(_("fall-back"), default=False)
    strategy = models.CharField(_("strategy"), max_length=12, choices=Strategy.choices, default=Strategy.ROUND_ROBIN)
    countries = ArrayField(models.CharField(max_length=2), default=list, blank=True, verbose_name=_("countries"))
    region_codes = ArrayField(models.CharField(max_length=40), default=list, blank=True, verbose_name=_("regions"))
    postal_prefixes = ArrayField(
        models.CharField(max_length=10), default=list, blank=True, verbose_name=_("postal-code prefixes")
    )
    industries = ArrayField(models.CharField(max_length=60), default=list, blank=True, verbose_name=_("industries"))
    product_line_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, verbose_name=_("product lines"))
    min_tier = models.ForeignKey(
        "programs.Tier",
        verbose_name=_("minimum tier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    certification_codes = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, verbose_name=_("required certifications")
    )
    competency_codes = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, verbose_name=_("required competencies")
    )
    partner_tags = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        verbose_name=_("partner tags"),
        help_text=_("Only partners with one of these tags (e.g. marked for investment)."),
    )
    max_distance_km = models.PositiveIntegerField(
        _("maximum distance (km)"),
        null=True,
        blank=True,
        help_text=_("Nearest first only: farther partners are skipped."),
    )
    # The rotation's clock: the pass of the last winner (weighted round robin, see RotationState).
    clock = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["priority", "id"]
        indexes = [models.Index(fields=["tenant", "is_active", "priority"], name="lead_rule_priority_idx")]

    def __str__(self):
        return self.name


class RotationState(TenantOwned):
    """A partner's place in a rule's weighted round robin (stride scheduling): the partner with
    the lowest ``pass_value`` is next; winning adds ``STRIDE // weight``. Persisted, and updated
    under the rule's row lock, so restarts and parallel workers keep the rotation exact."""

    rls_partner_predicate = "false"

    rule = models.ForeignKey(RoutingRule, on_delete=models.CASCADE, related_name="+", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False)
    pass_value = models.BigIntegerField(default=0)
    served = models.PositiveIntegerField(default=0)
    last_served_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "rule", "partner"], name="lead_rotation_unique")]


class NamedAccount(TenantOwned):
    """A customer pinned to a partner: its leads go to that partner first, whatever the rules."""

    rls_partner_predicate = "false"

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("partner")
    )
    name = models.CharField(_("company"), max_length=200)
    name_key = models.CharField(max_length=200, editable=False)  # deals.normalize.company_key(name)
    domain = models.CharField(_("web domain"), max_length=253, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("named account")
        verbose_name_plural = _("named accounts")
        indexes = [
            models.Index(fields=["tenant", "name_key"], name="lead_named_key_idx"),
            models.Index(fields=["tenant", "domain"], name="lead_named_domain_idx"),
        ]

    def __str__(self):
        return self.name


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    PENDING_REVIEW = "pending_review", _("Referral awaiting review")
    AWAITING_CONTACT = "awaiting_contact", _("Accepted referral: waiting for the contact details")
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    WORKING = "working", _("Being worked")
    CONVERTED = "converted", _("Converted to a deal")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    QUEUED = "queued", _("In the vendor's queue")
    DUPLICATE = "duplicate", _("Duplicate")
    DISQUALIFIED = "disqualified", _("Disqualified")


OPEN_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.OFFERED, LeadStatus.QUEUED)
HELD_LEAD_STATUSES = (LeadStatus.ACCEPTED, LeadStatus.WORKING)


class LeadSource(models.TextChoices):
    IMPORT = "import", _("Import")
    WEB_FORM = "web_form", _("Web form")
    API = "api", _("API")
    REFERRAL = "referral", _("Partner referral")
    LOCATOR = "locator", _("Partner locator")
    MANUAL = "manual", _("Entered by staff")


class LeadStage(models.TextChoices):
    """How far a partner has worked an accepted lead."""

    NOT_CONTACTED = "not_contacted", _("Not contacted yet")
    CONTACTED = "contacted", _("Contacted")
    MEETING = "meeting", _("Meeting booked")
    QUALIFIED = "qualified", _("Qualified")
    NURTURE = "nurture", _("Nurturing")


class QueueReason(models.TextChoices):
    NO_RULE = "no_rule", _("No rule matched")
    NO_CANDIDATE = "no_candidate", _("No partner could take it")
    MAX_OFFERS = "max_offers", _("Offered the maximum number of times")
    RETURNED = "returned", _("Returned by the partner")
    FLAGGED = "flagged", _("Flagged as spam or a duplicate by a partner")
    MANUAL = "manual", _("Held by staff")
    STALE = "stale", _("Not worked by the partner in time")


class Lead(TenantOwned):
    """One prospective customer to be worked by a partner."""

    # A partner user sees the leads it holds, the one offered to it now, and the ones it referred.
    rls_partner_predicate = "partner_id = %(partner)s OR offered_to_id = %(partner)s OR source_partner_id = %(partner)s"

    reference = models.CharField(_("reference"), max_length=20, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW)
    stage = models.CharField(_("stage"), max_length=16, choices=LeadStage.choices, default=LeadStage.NOT_CONTACTED)
    queue_reason = models.CharField(_("why in the queue"), max_length=12, choices=QueueReason.choices, blank=True)
    # Where it came from: set once, carried to the deal (immutable there).
    source = models.CharField(_("source"), max_length=10, choices=LeadSource.choices)
    source_partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("referred by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    campaign = models.CharField(_("campaign"), max_length=120, blank=True)
    lead_import = models.ForeignKey(
        "LeadImport", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # The company and the person
    company = models.CharField(_("company"), max_length=200)
    company_key = models.CharField(max_length=200, editable=False)  # deals.normalize.company_key(company)
    website = models.CharField(_("website"), max_length=253, blank=True)
    domain = models.CharField(max_length=253, blank=True, editable=False)  # registrable domain
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    contact_withheld = models.BooleanField(
        _("contact withheld"),
        default=False,
        help_text=_("A referral whose contact details the partner shares only once the vendor accepts it."),
    )
    # When the referrer was reminded to share the withheld contact (once, REFERRAL_REMINDER_DAYS
    # after the vendor accepted the referral).
    contact_reminded_at = models.DateTimeField(null=True, blank=True)
    # Where and what
    country = models.CharField(_("country"), max_length=2, blank=True)
    region_code = models.CharField(_("region"), max_length=40, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    industry = models.CharField(_("industry"), max_length=60, blank=True)
    product_line = models.ForeignKey(
        "programs.ProductLine",
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    description = models.TextField(_("what they need"), blank=True)
    estimated_value = models.DecimalField(
        _("estimated value"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    # Routing and holding
    program = models.ForeignKey(
        "programs.Program", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    offered_to = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    offer_count = models.PositiveSmallIntegerField(default=0)
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    owner = models.ForeignKey(
        "accounts.Membership",
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    expected_value = models.DecimalField(
        _("expected value"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    deal = models.ForeignKey(
        "deals.Deal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    converted_at = models.DateTimeField(null=True, blank=True)
    won_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    won_on = models.DateField(null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    duplicate_count = models.PositiveIntegerField(default=0)  # merged repeats
    created_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "reference"], name="lead_reference_unique"),
            # Held by a partner means accepted by it (and the other way round).
            models.CheckConstraint(
                condition=Q(partner__isnull=True) | Q(accepted_at__isnull=False), name="lead_partner_accepted"
            ),
        ]
        indexes = [
            # The vendor's queue and filters, newest first.
            models.Index(fields=["tenant", "status", "-created_at"], name="lead_status_idx"),
            models.Index(fields=["tenant", "-created_at"], name="lead_created_idx"),
            # The vendor's queue as it opens (leads.selectors.intake.waiting_for_a_person): the
            # few thousand leads waiting for a person among hundreds of thousands, counted from the
            # index alone (it holds what the stalled test reads) and listed newest first. Without
            # it the planner misjudged the "stalled" arm and read the whole table (45 ms at 150,000).
            models.Index(
                fields=["tenant", "-created_at"],
                name="lead_waiting_idx",
                include=["status", "offered_to", "updated_at"],
                condition=Q(status__in=["pending_review", "duplicate", "queued"])
                | Q(offered_to__isnull=True, status__in=["new", "offered"]),
            ),
            # A partner's leads.
            models.Index(fields=["tenant", "partner", "status"], name="lead_partner_idx"),
            models.Index(fields=["tenant", "source_partner"], name="lead_referrer_idx"),
            models.Index(fields=["tenant", "offered_to"], name="lead_offered_idx"),
            # The duplicate check.
            models.Index(fields=["tenant", "email", "created_at"], name="lead_email_idx"),
            models.Index(fields=["tenant", "domain", "created_at"], name="lead_domain_idx"),
        ]

    def __str__(self):
        return f"{self.reference} {self.company}"

    @property
    def owning_partner_id(self) -> int | None:
        """Its events show on the holding partner's timeline."""
        return self.partner_id


class OfferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Timed out")
    WITHDRAWN = "withdrawn", _("Withdrawn by the vendor")
    RETURNED = "returned", _("Returned after acceptance")


class DeclineReason(models.TextChoices):
    NOT_OUR_TERRITORY = "territory", _("Not in our territory")
    NOT_A_FIT = "not_a_fit", _("Not a fit for our business")
    NO_CAPACITY = "capacity", _("No capacity right now")
    EXISTING_CUSTOMER = "existing", _("Already our customer or in our pipeline")
    BAD_DATA = "bad_data", _("Contact details are wrong")
    SPAM = "spam", _("Spam")
    DUPLICATE = "duplicate", _("Duplicate of a lead we have")
    OTHER = "other", _("Other")


class LeadOffer(TenantOwned):
    """One lead offered to one partner, with a deadline; why it was offered travels with it."""

    rls_partner_predicate = "partner_id = %(partner)s"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="offers", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False)
    decision = models.ForeignKey(
        "RoutingDecision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    status = models.CharField(_("status"), max_length=10, choices=OfferStatus.choices, default=OfferStatus.PENDING)
    # Why this partner (what the partner may read): the rule, the strategy and its weight.
    rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    rule_name = models.CharField(max_length=120, blank=True)
    strategy = models.CharField(max_length=12, choices=Strategy.choices, blank=True)
    pinned = models.BooleanField(default=False)  # a named account of this partner
    weight = models.PositiveSmallIntegerField(default=1)
    distance_km = models.FloatField(null=True, blank=True)
    offered_at = models.DateTimeField(_("offered"))
    due_at = models.DateTimeField(_("answer by"))
    remind_at = models.DateTimeField(null=True, blank=True)  # half the window, in business hours
    reminded_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(_("first opened"), null=True, blank=True)
    opened_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    decline_reason = models.CharField(_("reason"), max_length=10, choices=DeclineReason.choices, blank=True)
    decline_note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("lead offer")
        verbose_name_plural = _("lead offers")
        constraints = [
            # A partner is offered a lead once: declined or timed out, it is never offered again.
            models.UniqueConstraint(fields=["tenant", "lead", "partner"], name="lead_offer_once"),
            # One open offer per lead, and one partner holding it.
            models.UniqueConstraint(
                fields=["tenant", "lead"], condition=Q(status="pending"), name="lead_offer_one_pending"
            ),
            models.UniqueConstraint(
                fields=["tenant", "lead"], condition=Q(status="accepted"), name="lead_offer_one_accepted"
            ),
        ]
        indexes = [
            # The deadline sweep: open offers by deadline.
            models.Index(fields=["tenant", "due_at"], condition=Q(status="pending"), name="lead_offer_due_idx"),
            # The reminder sweep: open offers not yet reminded, by reminder time.
            models.Index(
                fields=["tenant", "remind_at"],
                condition=Q(status="pending", reminded_at__isnull=True),
                name="lead_offer_remind_idx",
            ),
            # A partner's inbox and its capacity counts.
            models.Index(fields=["tenant", "partner", "offered_at"], name="lead_offer_partner_idx"),
            models.Index(fields=["tenant", "lead"], name="lead_offer_lead_idx"),
            # Reports over a period.
            models.Index(fields=["tenant", "offered_at"], name="lead_offer_offered_idx"),
        ]

    def __str__(self):
        return f"{self.lead_id} -> {self.partner_id} ({self.status})"


class DecisionOutcome(models.TextChoices):
    OFFERED = "offered", _("Offered to a partner")
    PINNED = "pinned", _("Offered to the named account's partner")
    QUEUED = "queued", _("Returned to the vendor's queue")


class RoutingDecision(TenantOwned):
    """The log of one routing run of one lead. ``log`` holds every rule tried with its candidates'
    counts, each exclusion (rule, capacity, declined before, policy, ...) with the partners it
    named, the rotation position and the winner; staff read it, partners never do."""

    rls_partner_predicate = "false"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+", db_index=False)
    created_at = models.DateTimeField()
    trigger = models.CharField(max_length=16)  # new, declined, expired, returned, manual, ...
    outcome = models.CharField(max_length=8, choices=DecisionOutcome.choices)
    rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    log = models.JSONField(default=dict)
    # How long the engine took to decide: reading and judging, up to the statement that writes the
    # decision with its offer (written in it, so the writes and the messages are not counted; the
    # bench times the whole call, commit included).
    duration_ms = models.FloatField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "lead", "created_at"], name="lead_decision_lead_idx"),
            models.Index(fields=["tenant", "created_at"], name="lead_decision_created_idx"),
        ]


class LeadMessage(TenantOwned):
    """The two-way conversation on a lead between the partner holding it and the vendor.
    Append-only. ``internal`` notes are the vendor's own."""

    rls_partner_predicate = "partner_id = %(partner)s AND NOT internal"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="messages", db_index=False)
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    author = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+", db_index=False)
    body = models.TextField(_("message"))
    internal = models.BooleanField(_("internal note"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "lead", "created_at"], name="lead_message_lead_idx")]


class LeadImport(TabularImport):
    """One upload of leads: mapping, preview, row report, progress."""

    campaign = models.CharField(_("campaign"), max_length=120, blank=True)
    route_after_import = models.BooleanField(_("route the leads once imported"), default=True)
    leads_created = models.PositiveIntegerField(default=0)
    leads_merged = models.PositiveIntegerField(default=0)
    leads_flagged = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("lead import")
        verbose_name_plural = _("lead imports")
        indexes = [models.Index(fields=["tenant", "created_at"], name="lead_import_created_idx")]
