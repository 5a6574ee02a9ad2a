"""Factories of recruitment and onboarding (tests/factories.py's rules: one tenant per object graph)."""

from __future__ import annotations

import hashlib

import factory
from django.utils import timezone

from recruitment.models import (
    Agreement,
    AgreementVersion,
    Application,
    ApplicationStatus,
    Capability,
    DiligenceItem,
    DiligenceTopic,
    OnboardingTemplate,
    OnboardingTemplateItem,
    SelectionCriterion,
    TaskKind,
)

from ..factories import PartnerTypeFactory, ProgramFactory, TenantOwnedFactory, _same_tenant


class ApplicationFactory(TenantOwnedFactory):
    """A verified application waiting in the queue (``status="unverified"`` for a fresh one)."""

    class Meta:
        model = Application

    reference = factory.Sequence(lambda n: f"APP-{n:06d}")
    status = ApplicationStatus.SUBMITTED
    company_name = factory.Sequence(lambda n: f"Applicant {n} Ltd")
    website = factory.Sequence(lambda n: f"https://applicant{n}.example")
    email_domains = factory.Sequence(lambda n: [f"applicant{n}.example"])
    country = "DE"
    regions_served = factory.LazyFunction(lambda: ["DACH"])
    industries = factory.LazyFunction(lambda: ["Manufacturing"])
    partner_type = factory.SubFactory(PartnerTypeFactory, tenant=_same_tenant())
    capabilities = factory.LazyFunction(lambda: [Capability.SALES, Capability.SERVICES])
    contact_first_name = "Ada"
    contact_last_name = factory.Sequence(lambda n: f"Applicant{n}")
    contact_email = factory.Sequence(lambda n: f"ada@applicant{n}.example")
    verified_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=5))


class SelectionCriterionFactory(TenantOwnedFactory):
    class Meta:
        model = SelectionCriterion

    name = factory.Sequence(lambda n: f"Criterion {n}")
    weight = 1
    level_1 = "Weak"
    level_5 = "Excellent"
    position = factory.Sequence(lambda n: n)


class DiligenceItemFactory(TenantOwnedFactory):
    class Meta:
        model = DiligenceItem

    topic = DiligenceTopic.DATA_SECURITY
    name = factory.Sequence(lambda n: f"Check {n}")
    position = factory.Sequence(lambda n: n)


class OnboardingTemplateFactory(TenantOwnedFactory):
    class Meta:
        model = OnboardingTemplate

    partner_type = factory.SubFactory(PartnerTypeFactory, tenant=_same_tenant())
    name = factory.Sequence(lambda n: f"Onboarding {n}")


class OnboardingTemplateItemFactory(TenantOwnedFactory):
    class Meta:
        model = OnboardingTemplateItem

    template = factory.SubFactory(OnboardingTemplateFactory, tenant=_same_tenant())
    kind = TaskKind.MANUAL
    title = factory.Sequence(lambda n: f"Step {n}")
    position = factory.Sequence(lambda n: n)


class AgreementFactory(TenantOwnedFactory):
    class Meta:
        model = Agreement

    program = factory.SubFactory(ProgramFactory, tenant=_same_tenant())
    title = "Partner agreement"


class AgreementVersionFactory(TenantOwnedFactory):
    """A published version (``published_at=None`` for a draft)."""

    class Meta:
        model = AgreementVersion

    agreement = factory.SubFactory(AgreementFactory, tenant=_same_tenant())
    number = factory.Sequence(lambda n: n + 1)
    text = "The partner sells the vendor's products on the terms below."
    text_sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.text.encode()).hexdigest())
    published_at = factory.LazyFunction(timezone.now)
