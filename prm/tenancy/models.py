"""Tenants (vendors) and the abstract base of every row a tenant owns."""

import secrets
from zoneinfo import available_timezones

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .managers import TenantManager
from .scope import current_tenant_id


def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone this machine knows. A callable, so migrations name it instead of freezing
    a list that differs with each machine's tzdata."""
    return sorted((tz, tz) for tz in available_timezones())


# Each language named in itself (settings.LANGUAGES): a reader finds their own whatever the
# page's language.
LANGUAGE_CHOICES = settings.LANGUAGES


# A logo's formats (TenantSettingsForm checks the content), by the extension it is stored with.
LOGO_CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


def tenant_logo_path(instance, filename):
    # A random name: of the uploaded name only the extension the form verified survives.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return f"tenants/{secrets.token_hex(16)}" + (f".{extension}" if extension in LOGO_CONTENT_TYPES else "")


class Tenant(models.Model):
    """A vendor: one company running its partner program on this installation.

    Platform-level (not tenant-owned): the host of every request resolves to one of these.
    """

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=63,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$", _("Lower-case letters, digits and dashes."))],
        help_text=_("The portal lives at <slug>.<base domain>."),
    )
    custom_domain = models.CharField(
        _("custom domain"), max_length=253, unique=True, null=True, blank=True, help_text=_("e.g. partners.acme.com")
    )
    logo = models.FileField(_("logo"), upload_to=tenant_logo_path, blank=True)
    brand_color = models.CharField(
        _("brand colour"),
        max_length=7,
        default="#1f4e8c",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour like #1f4e8c."))],
    )
    default_currency = models.CharField(
        _("default currency"),
        max_length=3,
        default="USD",
        validators=[RegexValidator(r"^[A-Z]{3}$", _("An ISO 4217 code."))],
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        choices=time_zone_choices,
        help_text=_("Dates and times show in this zone for people who have not chosen their own."),
    )
    default_language = models.CharField(
        _("default language"),
        max_length=8,
        default="en",
        choices=LANGUAGE_CHOICES,
        help_text=_("The portal's language for people who have not chosen their own."),
    )
    require_mfa = models.BooleanField(
        _("require two-factor sign-in"),
        default=False,
        help_text=_("Require two-factor sign-in for every user, not only vendor admins."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")

    def __str__(self):
        return self.name

    @property
    def host(self) -> str:
        from django.conf import settings

        return self.custom_domain or f"{self.slug}.{settings.PRM_BASE_DOMAIN}"

    def absolute_url(self, path: str = "/") -> str:
        """A link into this tenant's portal, for e-mails (which have no request to ask)."""
        from django.conf import settings

        return f"{settings.PRM_URL_SCHEME}://{self.host}{settings.PRM_URL_PORT}{path}"


class TenantOwned(models.Model):
    """Base of every tenant-owned model.

    * ``objects`` is fail-closed: it filters by the current scope's tenant and raises outside one.
    * ``save()`` stamps the scope's tenant on new rows.
    * Row-level security is applied to the table after every migration (``rls.py``); set
      ``rls_partner_predicate`` on partner-owned models to narrow partner users further.
    * There is no index on ``tenant_id`` alone: every model declares composite indexes that lead
      with it, which serve the same lookups.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", db_index=False, editable=False)

    objects = TenantManager()

    #: SQL predicate (over this table's columns) a partner user's transaction must satisfy;
    #: ``%(partner)s`` stands for the partner id of the transaction. ``None``: not partner-owned.
    rls_partner_predicate: str | None = None

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.tenant_id is None:
            self.tenant_id = current_tenant_id()
        super().save(*args, **kwargs)

    @property
    def owning_partner_id(self) -> int | None:
        """The partner this row belongs to, if any: events about it are shown to that partner's
        users. Partner-owned rows carry ``partner_id``; the partner record itself overrides this."""
        return getattr(self, "partner_id", None)


def tenant_owned_models():
    from django.apps import apps

    return [
        model
        for model in apps.get_models()
        if issubclass(model, TenantOwned) and model._meta.managed and not model._meta.proxy
    ]
