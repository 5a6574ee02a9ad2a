"""Factories that keep every related object in one tenant.

* A tenant-owned factory takes its tenant from, in order: an explicit ``tenant=``, any related
  tenant-owned object passed in (``PartnerFactory(partner_type=pt)`` lands in ``pt``'s tenant),
  or a new tenant. Related objects it creates itself get that same tenant.
* Mixing tenants is refused with an error, so a test cannot build a cross-tenant row by accident.
* Rows are written through the platform scope (the escape hatch): factories are test set-up, and
  can be called inside or outside any scope. Tests then act inside ``tenant_scope``.
"""

from __future__ import annotations

import datetime

import factory
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import models
from django.utils import timezone
from factory.django import DjangoModelFactory

from partners.models import Partner, PartnerContact, PartnerStatus, PartnerType
from prm.accounts.models import Invitation, Membership, User
from prm.accounts.roles import MembershipKind, Role
from prm.notifications.models import Notification
from prm.tenancy.models import Tenant, TenantOwned
from prm.tenancy.scope import platform_scope
from programs.models import (
    AuthorizationRule,
    Enrollment,
    LicenceStatus,
    LicenceType,
    ManualMetric,
    ManualMetricValue,
    PartnerLicence,
    Product,
    ProductLine,
    Program,
    Region,
    TerritoryGrant,
    Tier,
    TierChangeProposal,
    TierRequirement,
    TierStanding,
)

PASSWORD = "correct-horse-battery-staple"


class TenantFactory(DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Vendor {n}")
    slug = factory.Sequence(lambda n: f"vendor{n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save(update_fields=["password"])


def _tenant_of(value) -> Tenant | None:
    if isinstance(value, Tenant):
        return value
    if isinstance(value, TenantOwned) and value.tenant_id is not None:
        return Tenant.objects.get(pk=value.tenant_id)
    return None


class TenantOwnedFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    tenant = factory.SubFactory(TenantFactory)

    @classmethod
    def _generate(cls, strategy, params):
        # Top-level calls only: nested SubFactories receive tenant= from their parent.
        if params.get("tenant") is None:
            params.pop("tenant", None)
            for value in params.values():
                tenant = _tenant_of(value) if isinstance(value, TenantOwned) else None
                if tenant is not None:
                    params["tenant"] = tenant
                    break
        return super()._generate(strategy, params)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        tenant = kwargs["tenant"]
        for name, value in kwargs.items():
            if isinstance(value, TenantOwned) and value.tenant_id != tenant.pk:
                raise ValueError(
                    f"{model_class.__name__}.{name} belongs to tenant {value.tenant_id}, "
                    f"not {tenant.pk}: factories never mix tenants."
                )
        with platform_scope():
            return super()._create(model_class, *args, **kwargs)


def _same_tenant():
    return factory.SelfAttribute("..tenant")


class PartnerTypeFactory(TenantOwnedFactory):
    class Meta:
        model = PartnerType

    name = factory.Sequence(lambda n: f"Type {n}")
    slug = factory.Sequence(lambda n: f"type-{n}")


class PartnerFactory(TenantOwnedFactory):
    class Meta:
        model = Partner

    partner_type = factory.SubFactory(PartnerTypeFactory, tenant=_same_tenant())
    legal_name = factory.Sequence(lambda n: f"Partner {n} GmbH")
    display_name = factory.Sequence(lambda n: f"Partner {n}")
    country = "DE"
    status = PartnerStatus.ACTIVE
    website = ""


class StaffMembershipFactory(TenantOwnedFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    kind = MembershipKind.STAFF
    role = Role.CHANNEL_MANAGER
    partner = None


class PartnerMembershipFactory(TenantOwnedFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(PartnerFactory, tenant=_same_tenant())
    kind = MembershipKind.PARTNER
    role = Role.PARTNER_ADMIN


# The name the brief uses: a staff membership unless a partner is given.
def MembershipFactory(**kwargs) -> Membership:
    if kwargs.get("partner") is not None or kwargs.get("kind") == MembershipKind.PARTNER:
        return PartnerMembershipFactory(**kwargs)
    return StaffMembershipFactory(**kwargs)


class ProgramFactory(TenantOwnedFactory):
    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"Program {n}")
    slug = factory.Sequence(lambda n: f"program-{n}")


class TierFactory(TenantOwnedFactory):
    class Meta:
        model = Tier

    program = factory.SubFactory(ProgramFactory, tenant=_same_tenant())
    name = factory.Sequence(lambda n: f"Tier {n}")
    rank = factory.Sequence(lambda n: n + 1)
    color = "#c0a040"
    protection_days = 90


class EnrollmentFactory(TenantOwnedFactory):
    class Meta:
        model = Enrollment

    partner = factory.SubFactory(PartnerFactory, tenant=_same_tenant())
    tier = factory.SubFactory(TierFactory, tenant=_same_tenant())
    program = factory.SelfAttribute("tier.program")


class TierRequirementFactory(TenantOwnedFactory):
    class Meta:
        model = TierRequirement

    tier = factory.SubFactory(TierFactory, tenant=_same_tenant())
    metric = "partners.active_users"
    operator = "gte"
    threshold = 1
    window_days = 365
    mandatory = True


class ManualMetricFactory(TenantOwnedFactory):
    class Meta:
        model = ManualMetric

    code = factory.Sequence(lambda n: f"metric-{n}")
    name = factory.Sequence(lambda n: f"Metric {n}")
    evidence_required = False


class ManualMetricValueFactory(TenantOwnedFactory):
    class Meta:
        model = ManualMetricValue

    partner = factory.SubFactory(PartnerFactory, tenant=_same_tenant())
    metric = factory.SubFactory(ManualMetricFactory, tenant=_same_tenant())
    value = 1
    effective_on = factory.LazyFunction(lambda: datetime.date.today())


class TierStandingFactory(TenantOwnedFactory):
    """A standing as evaluation writes it; pass ``results`` (see TierStanding) for the details."""

    class Meta:
        model = TierStanding

    enrollment = factory.SubFactory(EnrollmentFactory, tenant=_same_tenant())
    partner = factory.SelfAttribute("enrollment.partner")
    program = factory.SelfAttribute("enrollment.program")
    qualifying_tier = factory.SelfAttribute("enrollment.tier")
    evaluated_at = factory.LazyFunction(timezone.now)


class TierChangeProposalFactory(TenantOwnedFactory):
    """A pending proposal for an enrollment; ``to_tier`` must be of the enrollment's program."""

    class Meta:
        model = TierChangeProposal

    enrollment = factory.SubFactory(EnrollmentFactory, tenant=_same_tenant())
    partner = factory.SelfAttribute("enrollment.partner")
    program = factory.SelfAttribute("enrollment.program")
    from_tier = factory.SelfAttribute("enrollment.tier")
    to_tier = factory.SubFactory(TierFactory, tenant=_same_tenant(), program=factory.SelfAttribute("..program"))
    direction = TierChangeProposal.Direction.PROMOTION
    reason = "Meets every requirement of the next tier."


class RegionFactory(TenantOwnedFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"Region {n}")
    code = factory.Sequence(lambda n: f"region-{n}")
    countries = factory.LazyFunction(lambda: ["DE", "AT", "CH"])


class ProductLineFactory(TenantOwnedFactory):
    class Meta:
        model = ProductLine

    name = factory.Sequence(lambda n: f"Line {n}")
    slug = factory.Sequence(lambda n: f"line-{n}")


class ProductFactory(TenantOwnedFactory):
    class Meta:
        model = Product

    line = factory.SubFactory(ProductLineFactory, tenant=_same_tenant())
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    list_price = 1000
    currency = "USD"


class AuthorizationRuleFactory(TenantOwnedFactory):
    class Meta:
        model = AuthorizationRule

    product_line = factory.SubFactory(ProductLineFactory, tenant=_same_tenant())


class LicenceTypeFactory(TenantOwnedFactory):
    class Meta:
        model = LicenceType

    name = factory.Sequence(lambda n: f"Licence {n}")
    code = factory.Sequence(lambda n: f"licence-{n}")


class PartnerLicenceFactory(TenantOwnedFactory):
    class Meta:
        model = PartnerLicence

    partner = factory.SubFactory(PartnerFactory, tenant=_same_tenant())
    licence_type = factory.SubFactory(LicenceTypeFactory, tenant=_same_tenant())
    number = factory.Sequence(lambda n: f"LIC-{n}")
    document = factory.django.FileField(filename="licence.pdf", data=b"%PDF-1.4 test licence")
    expires_on = factory.LazyFunction(lambda: datetime.date(2099, 12, 31))
    status = LicenceStatus.VERIFIED


class TerritoryGrantFactory(TenantOwnedFactory):
    class Meta:
        model = TerritoryGrant

    partner = factory.SubFactory(PartnerFactory, tenant=_same_tenant())
    country = "DE"
    exclusive = False
    valid_from = factory.LazyFunction(lambda: datetime.date(2020, 1, 1))


class ContactFactory(TenantOwnedFactory):
    class Meta:
        model = PartnerContact

    partner = factory.SubFactory(PartnerFactory, tenant=_same_tenant())
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"contact{n}@partner.example")
    role = PartnerContact.ContactRole.PRIMARY


class InvitationFactory(TenantOwnedFactory):
    class Meta:
        model = Invitation

    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    partner = factory.SubFactory(PartnerFactory, tenant=_same_tenant())
    kind = factory.LazyAttribute(lambda o: MembershipKind.PARTNER if o.partner else MembershipKind.STAFF)
    role = factory.LazyAttribute(lambda o: Role.SALES if o.partner else Role.MARKETING)
    invited_by = None


class NotificationFactory(TenantOwnedFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(StaffMembershipFactory, tenant=_same_tenant())
    partner = factory.LazyAttribute(lambda o: o.recipient.partner)
    kind = "partner.status_changed"
    title = factory.Sequence(lambda n: f"Notification {n}")
    body = "Something happened."


def give_totp(user: User) -> Authenticator:
    """A second factor, so the MFA middleware lets vendor admins through.

    Made by allauth's own ``TOTP.activate``, so the secret goes through MfaAdapter and is stored
    encrypted, as an enrolment stores it; ``prm.accounts.mfa_secrets.decrypt`` reads it back.
    """
    return TOTP.activate(user, generate_totp_secret()).instance


def refresh(instance: models.Model) -> models.Model:
    """Reload a row (any tenant) for assertions."""
    with platform_scope():
        instance.refresh_from_db()
    return instance


# --- Deals (string model names and a local import keep this block self-contained) --------------


def _customer_identity(o):
    from deals.normalize import CustomerIdentity

    return CustomerIdentity.of(name=o.customer_name, website=o.customer_website, email=o.contact_email)


class DealFactory(TenantOwnedFactory):
    """A registration; its customer_key/customer_domain come from deals.normalize, as the services'."""

    class Meta:
        model = "deals.Deal"

    partner = factory.SubFactory(PartnerFactory, tenant=_same_tenant())
    registered_by = factory.SubFactory(
        PartnerMembershipFactory, tenant=_same_tenant(), partner=factory.SelfAttribute("..partner"), role=Role.SALES
    )
    status = "submitted"
    customer_name = factory.Sequence(lambda n: f"Customer {n} Ltd")
    customer_website = ""
    contact_email = ""
    customer_key = factory.LazyAttribute(lambda o: _customer_identity(o).key)
    customer_domain = factory.LazyAttribute(lambda o: _customer_identity(o).domain)
    customer_country = "DE"
    amount = 10_000
    currency = "USD"
    expected_close_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    submitted_at = factory.LazyAttribute(lambda o: None if o.status == "draft" else timezone.now())


class DealLineFactory(TenantOwnedFactory):
    class Meta:
        model = "deals.DealLine"

    deal = factory.SubFactory(DealFactory, tenant=_same_tenant())
    partner = factory.LazyAttribute(lambda o: o.deal.partner)
    product = factory.SubFactory(ProductFactory, tenant=_same_tenant())
    product_line = factory.LazyAttribute(lambda o: o.product.line)
    quantity = 1
    unit_price = 1000


class CustomerAccountFactory(TenantOwnedFactory):
    class Meta:
        model = "deals.CustomerAccount"

    name = factory.Sequence(lambda n: f"Account {n} Inc")
    name_key = factory.LazyAttribute(lambda o: _customer_identity_of_name(o.name))
    domain = ""
    kind = "customer"


def _customer_identity_of_name(name: str) -> str:
    from deals.normalize import company_key

    return company_key(name)
