"""People: platform-wide user accounts, their memberships in tenants, and invitations."""

import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractUser, UserManager
from django.core import signing
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prm.tenancy.managers import TenantManager, TenantQuerySet
from prm.tenancy.models import LANGUAGE_CHOICES, TenantOwned, time_zone_choices

from .roles import CAPABILITIES, PARTNER_ROLES, STAFF_ROLES, MembershipKind, Role, capabilities_for


class PrmUserManager(UserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("A user needs an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person. Platform-wide: one login may hold memberships in many tenants.

    ``is_superuser`` marks platform operators only; what a person may do in a tenant comes from
    their Membership there.
    """

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    # The person's own reading settings, everywhere they sign in; blank: each vendor's default
    # (Tenant.default_language / time_zone). TenantMiddleware activates them.
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=LANGUAGE_CHOICES,
        help_text=_("Leave empty to use your vendor's language."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        choices=time_zone_choices,
        help_text=_("Leave empty to use your vendor's time zone."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = PrmUserManager()

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.email


class Membership(TenantOwned):
    """A user's role in one tenant: vendor staff, or a user of one partner company."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", db_index=False)
    kind = models.CharField(max_length=10, choices=MembershipKind.choices)
    role = models.CharField(max_length=20, choices=Role.choices)
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="memberships", db_index=False
    )
    title = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    # Partner users see their own company's people and the vendor's staff (their channel
    # account manager, reviewers), never another partner's.
    rls_partner_predicate = "partner_id IS NULL OR partner_id = %(partner)s"

    class Meta:
        constraints = [
            # One membership per person and tenant (middleware looks it up by user on each request).
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_one_per_tenant"),
            models.CheckConstraint(
                condition=(Q(kind=MembershipKind.STAFF, partner__isnull=True, role__in=sorted(STAFF_ROLES)))
                | (Q(kind=MembershipKind.PARTNER, partner__isnull=False, role__in=sorted(PARTNER_ROLES))),
                name="membership_kind_matches_role_and_partner",
            ),
        ]
        indexes = [
            # A partner's people (profile "people" tab, deactivating a partner).
            models.Index(fields=["tenant", "partner", "is_active"], name="membership_partner_idx"),
            # The platform page: all of one person's portals.
            models.Index(fields=["user", "tenant"], name="membership_user_idx"),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"

    @property
    def is_staff_member(self) -> bool:
        return self.kind == MembershipKind.STAFF

    @property
    def is_partner_user(self) -> bool:
        return self.kind == MembershipKind.PARTNER

    @property
    def capabilities(self) -> frozenset[str]:
        return capabilities_for(self.role) if self.is_active else frozenset()

    def can(self, capability: str) -> bool:
        """Whether the membership holds a declared capability; an undeclared one (a typo) raises."""
        CAPABILITIES.require(capability)
        return capability in self.capabilities


INVITATION_LIFETIME = timedelta(days=14)


_TOKEN_SALT = "prm.accounts.invitation"


def _new_nonce() -> str:
    return secrets.token_hex(16)


def _default_expiry():
    return timezone.now() + INVITATION_LIFETIME


class InvitationQuerySet(TenantQuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(TenantOwned):
    """An invitation to join a tenant as staff or as a user of one partner.

    The link carries a token signed with the secret key over (id, nonce); the database holds
    nothing that could be replayed as a link, and revoking or accepting ends it.
    """

    email = models.EmailField()
    kind = models.CharField(max_length=10, choices=MembershipKind.choices)
    role = models.CharField(max_length=20, choices=Role.choices)
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="invitations", db_index=False
    )
    nonce = models.CharField(max_length=32, default=_new_nonce, editable=False)
    invited_by = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_default_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager.from_queryset(InvitationQuerySet)()

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        indexes = [
            # Pending invitations of a partner / of the staff (people pages).
            models.Index(fields=["tenant", "partner", "accepted_at"], name="invitation_partner_idx"),
        ]

    def __str__(self):
        return f"{self.email} as {self.get_role_display()}"

    @property
    def token(self) -> str:
        return signing.dumps([self.pk, self.nonce], salt=_TOKEN_SALT)

    @staticmethod
    def parse_token(token: str) -> tuple[int, str] | None:
        """(id, nonce) of a genuine token, else None. Expiry is the row's, not the signature's."""
        try:
            pk, nonce = signing.loads(token, salt=_TOKEN_SALT)
            return int(pk), str(nonce)
        except (signing.BadSignature, TypeError, ValueError):
            return None

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class ApiKey(TenantOwned):
    """A credential of an integration (the vendor's CRM, a partner's CRM) for the REST API.

    It acts as the membership that created it (``owner``), never beyond its ``scopes``: the same
    selectors, services and guards as that person's pages. A partner key (``partner`` set) reads
    and writes only its partner's data, as partner users do. The secret is shown once when the key
    is made; only its SHA-256 is kept (the secret is 32 random bytes, so no slow hash is needed).
    Rotating keeps the previous secret valid until ``previous_valid_until``, so an integration can
    switch without a gap. A revoked or expired key, or one whose owner left, signs nothing in.
    """

    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    owner = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="api_keys", db_index=False)
    name = models.CharField(_("name"), max_length=120)
    # The public part of the key (``prm_<prefix>_<secret>``): how a request finds its key.
    prefix = models.CharField(max_length=16)
    secret_hash = models.CharField(max_length=64)
    previous_hash = models.CharField(max_length=64, blank=True)
    previous_valid_until = models.DateTimeField(null=True, blank=True)
    scopes = models.JSONField(default=list)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    rotated_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "prefix"], name="apikey_prefix_unique")]
        indexes = [models.Index(fields=["tenant", "partner", "-created_at"], name="apikey_owner_idx")]

    def __str__(self):
        return self.name

    def usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class SsoProtocol(models.TextChoices):
    OIDC = "oidc", _("OpenID Connect")
    SAML = "saml", _("SAML 2.0")


class IdentityProvider(TenantOwned):
    """Single sign-on: the vendor's identity provider for its staff (``partner`` empty) or a
    partner company's for its people, chosen at sign-in by the e-mail address's domain.

    Configured by the vendor's admins in the admin. Its domains are trusted only once verified
    (``domains_verified_at``, with who verified them): then a person of such a domain who signs in
    through it and has no membership yet gets one (just in time) with ``default_role``. With
    ``sso_required``, people of its domains may not sign in with a password or an e-mailed code.
    """

    partner = models.ForeignKey(
        "partners.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("partner"),
        help_text=_("Empty: the vendor's own staff sign in through it."),
    )
    name = models.CharField(_("name"), max_length=120, help_text=_("What the sign-in button says, e.g. Okta"))
    slug = models.SlugField(
        _("slug"), max_length=60, db_index=False, help_text=_("Part of its sign-in addresses")
    )  # the (tenant, slug) constraint indexes it
    protocol = models.CharField(_("protocol"), max_length=4, choices=SsoProtocol.choices)
    domains = models.JSONField(
        _("e-mail domains"), default=list, help_text=_("The e-mail domains whose people sign in through it")
    )
    domains_verified_at = models.DateTimeField(_("domains verified"), null=True, blank=True)
    domains_verified_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    default_role = models.CharField(
        _("role of people joining through it"), max_length=20, choices=Role.choices, blank=True
    )
    sso_required = models.BooleanField(
        _("single sign-on required"), default=False, help_text=_("Turns password and code sign-in off for them")
    )
    is_active = models.BooleanField(_("active"), default=True)
    # OpenID Connect
    server_url = models.URLField(
        _("issuer URL"), blank=True, help_text=_("Where /.well-known/openid-configuration is served")
    )
    client_id = models.CharField(_("client id"), max_length=200, blank=True)
    client_secret = models.TextField(_("client secret"), blank=True)  # encrypted at rest (mfa_secrets)
    # SAML 2.0
    idp_entity_id = models.CharField(_("IdP entity id"), max_length=300, blank=True)
    idp_sso_url = models.URLField(_("IdP sign-in URL"), max_length=500, blank=True)
    idp_x509cert = models.TextField(_("IdP certificate"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "slug"], name="idp_slug_unique")]
        verbose_name = _("identity provider")

    def __str__(self):
        return self.name

    @property
    def provider_id(self) -> str:
        """allauth's id of the provider: unique across tenants (their accounts live in one table)."""
        return f"t{self.tenant_id}-{self.slug}"


class PortalActivity(TenantOwned):
    """A day on which a partner user used the portal: one row per person and day, written by the
    tenant middleware on the person's first request of the day (the session remembers the day, so
    later requests write nothing). Scorecards measure portal engagement from it."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+", db_index=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "membership", "day"], name="portal_activity_once")]
        indexes = [models.Index(fields=["tenant", "partner", "day"], name="portal_activity_partner_idx")]
