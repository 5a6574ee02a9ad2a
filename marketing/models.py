"""Collaborate and market: the content library, co-branding, campaigns in a box, announcements
and the public partner locator.

Configuration the vendor writes (assets and their versions, co-brand templates and their areas,
campaigns, announcements, the locator's settings) is tenant-owned and read by every partner user
of the tenant through ``selectors/audience.py`` (the audience lists: empty means "anyone"); what a
partner or its people did (acceptances, views and downloads, co-branded documents, campaign
participations, read receipts, digest preferences, the public profile) is partner-owned for
row-level security.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from prm.tenancy.models import TenantOwned
from prm.web.files import private_upload_path

PARTNER_OWNED = "partner_id = %(partner)s"


class Audience(models.Model):
    """Whom something is for. Each list empty means "anyone"; every non-empty list must match
    (``selectors/audience.py`` turns this into one SQL predicate, ``audience_filter``).

    Programs and tiers match the partner's enrolments (any of them); partner types, the partner's
    type; regions, the regions the partner serves (any); roles, the person's role."""

    audience_program_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, verbose_name=_("programs"))
    audience_tier_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, verbose_name=_("tiers"))
    audience_partner_type_ids = ArrayField(
        models.BigIntegerField(), default=list, blank=True, verbose_name=_("partner types")
    )
    audience_regions = ArrayField(models.CharField(max_length=40), default=list, blank=True, verbose_name=_("regions"))
    audience_roles = ArrayField(
        models.CharField(max_length=20), default=list, blank=True, verbose_name=_("partner roles")
    )

    class Meta:
        abstract = True

    @property
    def for_everyone(self) -> bool:
        return not (
            self.audience_program_ids
            or self.audience_tier_ids
            or self.audience_partner_type_ids
            or self.audience_regions
            or self.audience_roles
        )


class PublishStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


# --- the content library ------------------------------------------------------------------------


class AssetFolder(TenantOwned):
    """A folder of the library (one level of nesting under a parent is enough for most vendors;
    deeper trees work too)."""

    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        db_index=False,
        verbose_name=_("parent folder"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("folder")
        verbose_name_plural = _("folders")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "parent", "name"], name="asset_folder_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class AssetKind(models.TextChoices):
    FILE = "file", _("File")
    LINK = "link", _("Link")
    VIDEO = "video", _("Video")


class Asset(TenantOwned, Audience):
    """One piece of content in the library: a file, a link or a video, in versions (the current
    one is what new downloads get; the history stays), for an audience, valid for a period,
    optionally behind terms a person accepts once before downloading."""

    folder = models.ForeignKey(
        AssetFolder,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assets",
        db_index=False,
        verbose_name=_("folder"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=AssetKind.choices, default=AssetKind.FILE)
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True, verbose_name=_("tags"))
    language = models.CharField(_("language"), max_length=8, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PublishStatus.choices, default=PublishStatus.DRAFT)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    requires_terms = models.BooleanField(_("terms must be accepted before download"), default=False)
    terms = models.TextField(_("terms of use"), blank=True)
    current_version = models.ForeignKey(
        "AssetVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # Title (A), tags (B) and description (C) as one tsvector ('simple': the library is multilingual),
    # kept by the services that write an asset (``services/library.py``).
    search = SearchVectorField(null=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "status", "published_at"], name="asset_published_idx"),
            models.Index(fields=["tenant", "folder", "title"], name="asset_folder_idx"),
            # Full-text search: GIN cannot lead with tenant_id (tests/tenancy/test_indexes.py).
            GinIndex(fields=["search"], name="asset_search_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="asset_validity_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AssetVersion(TenantOwned):
    """One version of an asset: a stored file (private, served by a view that checks the
    audience) or an address (a link, a video)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="versions", db_index=False)
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=private_upload_path, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    url = models.URLField(_("address"), max_length=500, blank=True)
    notes = models.TextField(_("what changed"), blank=True)
    created_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("asset version")
        verbose_name_plural = _("asset versions")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["tenant", "asset", "number"], name="asset_version_unique")]

    def __str__(self) -> str:
        return f"{self.asset_id} v{self.number}"


class AssetTermsAcceptance(TenantOwned):
    """A person accepted an asset's terms (once per asset; a new version does not ask again)."""

    rls_partner_predicate = PARTNER_OWNED

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+", db_index=False)
    membership = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="+", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False)
    accepted_at = models.DateTimeField(_("accepted at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "asset", "membership"], name="asset_terms_once"),
        ]


class AssetActivityKind(models.TextChoices):
    VIEW = "view", pgettext_lazy("asset activity", "Viewed")
    DOWNLOAD = "download", pgettext_lazy("asset activity", "Downloaded")


class AssetActivity(TenantOwned):
    """A person viewed an asset's page or downloaded (opened) a version: the vendor's usage
    figures and the scorecards' content-engagement metric (``metrics.py``)."""

    rls_partner_predicate = PARTNER_OWNED

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+", db_index=False)
    version = models.ForeignKey(AssetVersion, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    membership = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="+", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=8, choices=AssetActivityKind.choices)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "asset", "at"], name="asset_activity_asset_idx"),
            models.Index(fields=["tenant", "partner", "at"], name="asset_activity_partner_idx"),
            # A person's latest download of an asset (the library list's subquery per row, the
            # asset's page): by the asset alone it walks all of a popular asset's activity.
            models.Index(fields=["tenant", "membership", "asset", "at"], name="asset_activity_person_idx"),
        ]


class LibraryVisit(TenantOwned):
    """When a person last opened the library: "new since your last visit" is what was published
    after ``previous_at`` (the visit before the current one, so that the badge survives paging)."""

    rls_partner_predicate = PARTNER_OWNED

    membership = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="+", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False)
    previous_at = models.DateTimeField(null=True)
    visited_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "membership"], name="library_visit_unique")]


# --- co-branding ----------------------------------------------------------------------------------


class CobrandTemplate(TenantOwned, Audience):
    """A PDF the vendor uploads for partners to co-brand: its areas say where the partner's logo,
    name, contact block and custom text go."""

    name = models.CharField(_("name"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    file = models.FileField(_("PDF template"), upload_to=private_upload_path)
    page_count = models.PositiveSmallIntegerField(_("pages"), default=1)
    # The first page's size in PDF points, for the area editor and the preview.
    page_width = models.FloatField(default=595.0)
    page_height = models.FloatField(default=842.0)
    status = models.CharField(_("status"), max_length=10, choices=PublishStatus.choices, default=PublishStatus.DRAFT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("co-brand template")
        verbose_name_plural = _("co-brand templates")
        ordering = ["name"]
        indexes = [models.Index(fields=["tenant", "status", "name"], name="cobrand_template_idx")]

    def __str__(self) -> str:
        return self.name


class AreaKind(models.TextChoices):
    LOGO = "logo", _("Logo")
    COMPANY_NAME = "company_name", _("Company name")
    CONTACT = "contact", _("Contact block")
    TEXT = "text", _("Custom text")


class CobrandArea(TenantOwned):
    """A rectangle on a page of a template (PDF points from the page's bottom-left corner) that the
    partner's content fills."""

    template = models.ForeignKey(CobrandTemplate, on_delete=models.CASCADE, related_name="areas", db_index=False)
    kind = models.CharField(_("kind"), max_length=12, choices=AreaKind.choices)
    label = models.CharField(_("label"), max_length=80, blank=True)
    page = models.PositiveSmallIntegerField(_("page"), default=1, validators=[MinValueValidator(1)])
    x = models.FloatField(_("x"), validators=[MinValueValidator(0)])
    y = models.FloatField(_("y"), validators=[MinValueValidator(0)])
    width = models.FloatField(_("width"), validators=[MinValueValidator(1)])
    height = models.FloatField(_("height"), validators=[MinValueValidator(1)])
    font_size = models.FloatField(_("font size"), default=11, validators=[MinValueValidator(4), MaxValueValidator(72)])
    color = models.CharField(_("colour"), max_length=7, default="#000000")
    editable = models.BooleanField(_("partners may edit the text"), default=True)
    max_chars = models.PositiveSmallIntegerField(_("at most characters"), default=200)
    default_text = models.TextField(_("default text"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["page", "position", "id"]
        indexes = [models.Index(fields=["tenant", "template", "page"], name="cobrand_area_idx")]

    def __str__(self) -> str:
        return self.label or self.get_kind_display()


class CobrandStatus(models.TextChoices):
    PENDING = "pending", _("Being made")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class CobrandDocument(TenantOwned):
    """A partner's co-branded PDF: the values it filled the areas with, made in a worker."""

    rls_partner_predicate = PARTNER_OWNED

    template = models.ForeignKey(CobrandTemplate, on_delete=models.PROTECT, related_name="+", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False)
    requested_by = models.ForeignKey(
        "accounts.Membership", null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    values = models.JSONField(default=dict)  # area id -> text (logo areas: the logo's stored name)
    preview = models.BooleanField(default=False)  # a preview (watermarked), not the final document
    status = models.CharField(max_length=8, choices=CobrandStatus.choices, default=CobrandStatus.PENDING)
    file = models.FileField(upload_to=private_upload_path, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "partner", "created_at"], name="cobrand_doc_partner_idx"),
            models.Index(fields=["tenant", "template", "created_at"], name="cobrand_doc_template_idx"),
        ]


# --- campaigns in a box ---------------------------------------------------------------------------


class Campaign(TenantOwned, Audience):
    """A campaign partners run with the vendor: assets, an e-mail they personalise, suggested
    dates and an MDF activity type. Leads and deals cite it by ``code`` (their ``campaign`` /
    ``source_campaign``), which is how they are attributed to it."""

    name = models.CharField(_("name"), max_length=160)
    code = models.SlugField(
        _("code"),
        max_length=60,
        db_index=False,
        help_text=_("What leads and deals cite to be attributed to this campaign (e.g. spring-launch)."),
    )
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PublishStatus.choices, default=PublishStatus.DRAFT)
    starts_on = models.DateField(_("suggested start"), null=True, blank=True)
    ends_on = models.DateField(_("suggested end"), null=True, blank=True)
    email_subject = models.CharField(_("e-mail subject"), max_length=200, blank=True)
    email_body = models.TextField(
        _("e-mail body"),
        blank=True,
        help_text=_("Partners personalise it; {{ partner }}, {{ contact }} and {{ website }} are filled in."),
    )
    fund_type = models.ForeignKey(
        "incentives.MdfActivityType",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("MDF activity type"),
    )
    suggested_cost = models.DecimalField(_("suggested cost"), max_digits=14, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="campaign_code_unique")]
        indexes = [models.Index(fields=["tenant", "status", "starts_on"], name="campaign_status_idx")]

    def __str__(self) -> str:
        return self.name


class CampaignAsset(TenantOwned):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="items", db_index=False)
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+", db_index=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "campaign", "asset"], name="campaign_asset_unique")]


class CampaignParticipation(TenantOwned):
    """A partner joined a campaign: its personalised e-mail, and the MDF request it asked with."""

    rls_partner_predicate = PARTNER_OWNED

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="participations", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False)
    joined_by = models.ForeignKey(
        "accounts.Membership", null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    joined_at = models.DateTimeField(_("joined at"))
    email_subject = models.CharField(_("e-mail subject"), max_length=200, blank=True)
    email_body = models.TextField(_("e-mail body"), blank=True)
    mdf_request = models.ForeignKey(
        "incentives.MdfRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "campaign", "partner"], name="campaign_participation_unique"),
        ]
        indexes = [models.Index(fields=["tenant", "partner", "joined_at"], name="campaign_part_partner_idx")]


# --- announcements --------------------------------------------------------------------------------


class Announcement(TenantOwned, Audience):
    """News for partners' people: targeted like content, shown from ``publish_at`` to
    ``expires_at``, pinned or not, optionally sent by e-mail (at once or in each person's digest)."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    publish_at = models.DateTimeField(_("publish at"))
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    pinned = models.BooleanField(_("pinned"), default=False)
    send_email = models.BooleanField(_("also send by e-mail"), default=False)
    is_draft = models.BooleanField(_("draft"), default=False)
    delivered_at = models.DateTimeField(null=True, blank=True, editable=False)  # e-mails/digest entries made
    created_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-pinned", "-publish_at"]
        indexes = [models.Index(fields=["tenant", "publish_at"], name="announcement_publish_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("publish_at")),
                name="announcement_expires_after_publish",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AnnouncementReceipt(TenantOwned):
    """A person read an announcement."""

    rls_partner_predicate = PARTNER_OWNED

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="receipts", db_index=False)
    membership = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="+", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False)
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "announcement", "membership"], name="announcement_read_once"),
        ]
        indexes = [models.Index(fields=["tenant", "membership", "announcement"], name="announcement_receipt_idx")]


class DigestFrequency(models.TextChoices):
    IMMEDIATE = "immediate", _("One e-mail per announcement")
    DAILY = "daily", _("A daily digest")
    WEEKLY = "weekly", _("A weekly digest")
    NONE = "none", _("No e-mail (the portal only)")


class AnnouncementPreference(TenantOwned):
    """How a person wants announcements by e-mail. No row: one e-mail per announcement."""

    rls_partner_predicate = PARTNER_OWNED

    membership = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="+", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False)
    frequency = models.CharField(
        _("announcements by e-mail"), max_length=10, choices=DigestFrequency.choices, default=DigestFrequency.IMMEDIATE
    )
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "membership"], name="announcement_pref_unique")]


# --- the partner locator --------------------------------------------------------------------------


class LocatorSettings(TenantOwned):
    """The tenant's public partner locator (one row per tenant; none: the locator is off)."""

    enabled = models.BooleanField(_("the locator is public"), default=False)
    title = models.CharField(_("title"), max_length=120, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    frame_ancestors = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        verbose_name=_("sites that may embed it"),
        help_text=_(
            "Origins such as https://www.example.com, one per line: the embeddable page's CSP frame-ancestors."
        ),
    )
    confirm_every_months = models.PositiveSmallIntegerField(
        _("profiles are confirmed every (months)"), default=12, validators=[MinValueValidator(1)]
    )
    hide_after_days = models.PositiveSmallIntegerField(
        _("days after the prompt before an unconfirmed profile is hidden"), default=30
    )
    featured_placement = models.BooleanField(
        _("featured partners come first"),
        default=False,
        help_text=_("Paid or sponsored placement; the locator says so on the page."),
    )
    featured_label = models.CharField(_("featured label"), max_length=60, blank=True)
    # The ranking's weights (points): the page explains them.
    weight_tier = models.PositiveSmallIntegerField(_("points for the tier"), default=40)
    weight_competencies = models.PositiveSmallIntegerField(_("points for competencies"), default=25)
    weight_proximity = models.PositiveSmallIntegerField(_("points for proximity"), default=25)
    weight_completeness = models.PositiveSmallIntegerField(_("points for a complete profile"), default=10)

    class Meta:
        verbose_name = _("locator settings")
        verbose_name_plural = _("locator settings")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="locator_settings_one")]


class ProfileStatus(models.TextChoices):
    DRAFT = "draft", _("Not public")
    PUBLIC = "public", _("Public")
    HIDDEN = "hidden", _("Hidden (not confirmed in time)")


class PublicProfile(TenantOwned):
    """What a partner shows in the locator, and that it chose to: opted in, which parts are public,
    when it last confirmed the profile is right."""

    rls_partner_predicate = PARTNER_OWNED

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False)
    status = models.CharField(_("status"), max_length=8, choices=ProfileStatus.choices, default=ProfileStatus.DRAFT)
    headline = models.CharField(_("headline"), max_length=160, blank=True)
    description = models.TextField(_("description"), blank=True)
    logo = models.FileField(_("logo"), upload_to=private_upload_path, blank=True)
    public_email = models.EmailField(_("public e-mail"), blank=True)
    public_phone = models.CharField(_("public phone"), max_length=40, blank=True)
    product_line_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, verbose_name=_("product lines"))
    show_tier = models.BooleanField(_("show the tier badge"), default=True)
    show_certifications = models.BooleanField(_("show certifications"), default=True)
    show_competencies = models.BooleanField(_("show competencies"), default=True)
    show_locations = models.BooleanField(_("show locations"), default=True)
    show_website = models.BooleanField(_("show the website"), default=True)
    show_contact = models.BooleanField(_("show the e-mail and phone"), default=True)
    featured = models.BooleanField(_("featured (sponsored)"), default=False)  # set by the vendor only
    completeness = models.PositiveSmallIntegerField(default=0)  # 0..100, kept by the services
    search = SearchVectorField(null=True, editable=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    prompted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("public profile")
        verbose_name_plural = _("public profiles")
        constraints = [models.UniqueConstraint(fields=["tenant", "partner"], name="public_profile_one")]
        indexes = [
            models.Index(fields=["tenant", "status", "confirmed_at"], name="public_profile_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}"
