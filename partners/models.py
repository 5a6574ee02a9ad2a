"""The master partner record: one row per partner company of a tenant, and its people."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from prm.tenancy.models import TenantOwned


class PartnerType(TenantOwned):
    """A kind of partner (reseller, referral agent, MSP, ...). Vendors add their own."""

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80, db_index=False)  # the (tenant, slug) constraint indexes it
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("partner type")
        verbose_name_plural = _("partner types")
        ordering = ["name"]
        constraints = [
            # The directory's type filter and demo/import lookups go by slug.
            models.UniqueConstraint(fields=["tenant", "slug"], name="partnertype_slug_unique"),
        ]

    def __str__(self):
        return self.name


DEFAULT_PARTNER_TYPES = [
    ("reseller", "Reseller"),
    ("referral-agent", "Referral agent"),
    ("msp", "Managed service provider"),
    ("distributor", "Distributor"),
    ("technology-partner", "Technology partner"),
    ("systems-integrator", "Systems integrator"),
]


class PartnerStatus(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    ONBOARDING = "onboarding", _("Onboarding")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")


# The lifecycle: who may move where. Terminated is final.
PARTNER_TRANSITIONS: dict[str, frozenset[str]] = {
    PartnerStatus.APPLICANT: frozenset({PartnerStatus.ONBOARDING, PartnerStatus.TERMINATED}),
    PartnerStatus.ONBOARDING: frozenset({PartnerStatus.ACTIVE, PartnerStatus.SUSPENDED, PartnerStatus.TERMINATED}),
    PartnerStatus.ACTIVE: frozenset({PartnerStatus.SUSPENDED, PartnerStatus.TERMINATED}),
    PartnerStatus.SUSPENDED: frozenset({PartnerStatus.ACTIVE, PartnerStatus.TERMINATED}),
    PartnerStatus.TERMINATED: frozenset(),
}

# A partner in these states has no portal access: its users' memberships are deactivated.
INACTIVE_STATUSES = frozenset({PartnerStatus.SUSPENDED, PartnerStatus.TERMINATED})


class SizeBand(models.TextChoices):
    MICRO = "1-9", _("1-9 employees")
    SMALL = "10-49", _("10-49 employees")
    MEDIUM = "50-249", _("50-249 employees")
    LARGE = "250-999", _("250-999 employees")
    ENTERPRISE = "1000+", _("1,000+ employees")


# The tag of a partner marked for investment (the scorecards set and clear it). Programs
# (``Targeting.target_tags``), lead routing (``RoutingRule.partner_tags``) and MDF allocation by
# tier target it like any other of ``Partner.tags``: vendor-internal labels partners never see.
INVEST_TAG = "invest"
# How a tag reads where it has a name of its own; any other reads as typed.
TAG_LABELS = {INVEST_TAG: _("Investment")}


def tag_label(tag: str) -> str:
    return str(TAG_LABELS.get(tag, tag))


class Partner(TenantOwned):
    """A partner company of one tenant: the single source of truth about it."""

    legal_name = models.CharField(_("legal name"), max_length=200)
    display_name = models.CharField(_("display name"), max_length=200)
    website = models.URLField(_("website"), blank=True)
    email_domains = ArrayField(
        models.CharField(max_length=253), default=list, blank=True, verbose_name=_("e-mail domains")
    )
    partner_type = models.ForeignKey(
        PartnerType, on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("partner type")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=PartnerStatus.choices, default=PartnerStatus.APPLICANT
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)

    address_line = models.CharField(_("street address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("HQ country"), max_length=2, help_text=_("ISO 3166 code, e.g. DE"))
    regions_served = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, verbose_name=_("regions served")
    )
    countries_served = ArrayField(
        models.CharField(max_length=2), default=list, blank=True, verbose_name=_("countries served")
    )
    industries = ArrayField(models.CharField(max_length=60), default=list, blank=True, verbose_name=_("industries"))
    size_band = models.CharField(_("size band"), max_length=10, choices=SizeBand.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    description = models.TextField(_("description"), blank=True)

    account_manager = models.ForeignKey(
        "accounts.Membership",
        verbose_name=_("account manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_partners",
        db_index=False,
        help_text=_("The vendor's channel account manager for this partner."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        db_index=False,
        help_text=_("The distributor this partner buys through (two-tier distribution)."),
    )
    external_crm_id = models.CharField(_("external CRM id"), max_length=64, blank=True)
    custom_attributes = models.JSONField(_("custom attributes"), default=dict, blank=True)
    tags = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        verbose_name=_("tags"),
        help_text=_("The vendor's labels, e.g. marked for investment; programs and lead routing can target them."),
    )

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # A partner user sees its own company and, for a distributor, the partners below it.
    rls_partner_predicate = "id = %(partner)s OR parent_id = %(partner)s"

    # Fields a partner admin may edit in the portal; the rest belong to the vendor.
    PARTNER_EDITABLE_FIELDS = (
        "display_name",
        "website",
        "phone",
        "address_line",
        "city",
        "postal_code",
        "regions_served",
        "countries_served",
        "industries",
        "size_band",
        "description",
    )

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["display_name"]
        constraints = [
            # CRM sync finds partners by their external id; blank ids are not unique.
            models.UniqueConstraint(
                fields=["tenant", "external_crm_id"],
                condition=~Q(external_crm_id=""),
                name="partner_crm_id_unique",
            ),
        ]
        indexes = [
            # Directory default ordering and status/type/country filters.
            models.Index(fields=["tenant", "display_name"], name="partner_name_idx"),
            models.Index(fields=["tenant", "status", "display_name"], name="partner_status_idx"),
            models.Index(fields=["tenant", "partner_type"], name="partner_type_idx"),
            models.Index(fields=["tenant", "country"], name="partner_country_idx"),
            # "My partners" for a channel account manager.
            models.Index(fields=["tenant", "account_manager"], name="partner_manager_idx"),
            models.Index(fields=["tenant", "parent"], name="partner_parent_idx"),
            # No index serves the directory's text search: it runs under row-level security, where
            # PostgreSQL cannot use a trigram or array index for it (substring and array tests are
            # not LEAKPROOF). Its page walks the name indexes above (prm/tenancy/search.py).
        ]

    def __str__(self):
        return self.display_name

    @property
    def owning_partner_id(self) -> int:
        """A partner's own record belongs to it (its events show on its users' timelines)."""
        return self.pk

    @property
    def is_operational(self) -> bool:
        return self.status not in INACTIVE_STATUSES


class PartnerContact(TenantOwned):
    """A person at a partner who is not (or not yet) a portal user: signatory, billing, ..."""

    class ContactRole(models.TextChoices):
        PRIMARY = "primary", _("Primary contact")
        EXECUTIVE = "executive", _("Executive sponsor")
        SIGNATORY = "signatory", _("Agreement signatory")
        BILLING = "billing", _("Billing")
        TECHNICAL = "technical", _("Technical")
        MARKETING = "marketing", _("Marketing")

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="contacts", db_index=False, verbose_name=_("partner")
    )
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    role = models.CharField(_("role"), max_length=12, choices=ContactRole.choices, default=ContactRole.PRIMARY)
    title = models.CharField(_("title"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("partner contact")
        verbose_name_plural = _("partner contacts")
        ordering = ["name"]
        indexes = [
            # The people tab of one partner.
            models.Index(fields=["tenant", "partner"], name="contact_partner_idx"),
        ]

    def __str__(self):
        return self.name


class PartnerLocation(TenantOwned):
    """A place a partner works from, with coordinates: lead routing sends a lead to the nearest, and
    the partner locator will show them. The HQ is one (``is_headquarters``); coordinates come from
    the city data the project ships (``prm.geo``) or are typed in."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="locations", db_index=False, verbose_name=_("partner")
    )
    label = models.CharField(_("label"), max_length=80, blank=True)
    city = models.CharField(_("city"), max_length=100)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    is_headquarters = models.BooleanField(_("headquarters"), default=False)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        verbose_name = _("partner location")
        verbose_name_plural = _("partner locations")
        indexes = [models.Index(fields=["tenant", "partner"], name="partner_location_idx")]

    def __str__(self):
        return f"{self.city}, {self.country}"


__all__ = ["INVEST_TAG", "Partner", "PartnerContact", "PartnerLocation", "PartnerStatus", "PartnerType", "SizeBand"]
