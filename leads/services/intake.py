"""Leads in: the one way a lead arrives (entered by staff, imported, sent by the public web form,
referred by a partner; the REST API later), with the duplicate check.

``lead_receive`` takes one lead, ``lead_receive_many`` a batch (an import's): both clean the
values (``LeadInput.clean``), compute the company key and the registrable domain (the website's,
else the e-mail's; a free-mail domain is no evidence), and look for an earlier lead of the tenant
**received within ``LeadSettings.duplicate_window_days``** with the same e-mail address or the
same registrable domain. A repeat is then

* **merged** (``merge_duplicates``): no row is written; the earlier lead's ``duplicate_count`` goes
  up by one and an event ``MERGED`` on it holds what the repeat said (shown on its timeline);
* or **flagged**: kept with status ``DUPLICATE`` and ``duplicate_of``, out of routing, in the
  vendor's queue until someone releases it into routing or discards it
  (``leads.services.referrals``).

Either way it is never routed twice. A new lead (status ``NEW``) is routed after commit
(``leads.route`` through the outbox) when ``route``; a referral waits for the vendor's review
(``PENDING_REVIEW``) and is never merged away (its referrer follows it), only marked with the
lead it repeats.

**Two arrivals of the same customer at once** take turns: the batch takes a transaction-level
advisory lock per e-mail address and domain (in one sorted statement, so two batches never wait
for each other in a circle) before it looks for earlier leads, so the second sees the first.

**Set-based**: a batch costs a fixed number of statements whatever its size: the locks, one
look-up of the earlier leads, the ids (``nextval`` for all), one insert of the leads, one update
of the merged counts, one insert of the events, one of the outbox messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from deals.services.accounts import company_key, registrable_domain
from prm.accounts.models import Membership
from prm.accounts.roles import CAPABILITIES, MembershipKind
from prm.errors import PolicyViolation
from prm.events.services import event_record_many, outbox_enqueue_many, system_event
from prm.notifications.services import notify
from prm.tenancy.models import Tenant
from prm.tenancy.scope import current_tenant_id, step_out_to_tenant
from programs.models import ProductLine

from .. import events, notifications
from ..models import Lead, LeadImport, LeadSource, LeadStatus
from ..permissions import LEADS_MANAGE, A, lead_require
from .common import lead_settings, reference_for

ROUTE_TASK = "leads.route"
# The advisory lock's first key: "leads intake" (the second is the hash of an e-mail or domain).
_LOCK_SPACE = 15_001
# What the models allow; a value past it is refused by ``LeadInput.clean``, never cut.
LIMITS = {
    "company": 200,
    "website": 253,
    "contact_name": 120,
    "email": 254,
    "phone": 40,
    "job_title": 120,
    "region_code": 40,
    "postal_code": 20,
    "city": 100,
    "industry": 60,
    "description": 5000,
    "campaign": 120,
}
STAFF_SOURCES = (LeadSource.MANUAL, LeadSource.IMPORT, LeadSource.API)


@dataclass
class LeadInput:
    """What one arriving lead says, as typed (``clean`` normalises it)."""

    company: str
    website: str = ""
    contact_name: str = ""
    email: str = ""
    phone: str = ""
    job_title: str = ""
    country: str = ""
    region_code: str = ""
    postal_code: str = ""
    city: str = ""
    industry: str = ""
    product_line_id: int | None = None
    description: str = ""
    estimated_value: Decimal | None = None
    currency: str = ""
    campaign: str = ""
    contact_withheld: bool = False
    # Filled by ``clean``
    company_key: str = field(default="", init=False)
    domain: str = field(default="", init=False)

    def clean(self) -> LeadInput:
        """Trimmed, one-spaced, lower-cased where case means nothing; a ``PolicyViolation`` for a
        value too long, a missing company, a negative value."""
        for name, limit in LIMITS.items():
            value = getattr(self, name) or ""
            value = value.strip() if name == "description" else " ".join(str(value).split())
            if len(value) > limit:
                raise PolicyViolation(
                    gettext("%(field)s is too long (at most %(max)s characters).")
                    % {"field": Lead._meta.get_field(name).verbose_name if name != "campaign" else name, "max": limit}
                )
            setattr(self, name, value)
        if not self.company:
            raise PolicyViolation(gettext("Give the company's name."))
        self.email = self.email.lower()
        self.country = (self.country or "").strip().upper()[:2]
        self.currency = (self.currency or "").strip().upper()[:3]
        if self.estimated_value is not None and self.estimated_value < 0:
            raise PolicyViolation(gettext("The estimated value cannot be negative."))
        if self.contact_withheld:
            self.contact_name = self.email = self.phone = self.job_title = ""
        self.company_key = company_key(self.company)
        self.domain = registrable_domain(self.website) or registrable_domain(self.email)
        return self


@dataclass(frozen=True)
class IntakeResult:
    """What became of one arriving lead: ``lead`` is the new lead, or (``merged``) the earlier
    lead it was merged into; ``duplicate_of`` names the earlier lead a flagged (or referred)
    repeat points at."""

    lead: Lead
    created: bool
    merged: bool = False
    duplicate_of_id: int | None = None

    @property
    def flagged(self) -> bool:
        return self.created and self.lead.status == LeadStatus.DUPLICATE


def _guard(actor, source: str, source_partner) -> None:
    if source == LeadSource.REFERRAL:
        if actor is None or source_partner is None or actor.partner_id != source_partner.pk:
            raise PolicyViolation(gettext("A referral comes from a partner user of the referring company."))
        lead_require(actor, None, A.REFER, partner_id=source_partner.pk)
        return
    if source_partner is not None:
        raise PolicyViolation(gettext("Only a referral names the partner that referred it."))
    if actor is not None:
        lead_require(actor, None, A.CREATE)
        if source not in STAFF_SOURCES:
            raise PolicyViolation(gettext("Staff enter leads by hand, by import or through the API."))
    elif source not in (LeadSource.WEB_FORM, LeadSource.IMPORT, LeadSource.API, LeadSource.LOCATOR):
        raise PolicyViolation(gettext("This lead needs someone who enters it."))


@transaction.atomic
def lead_receive(
    *,
    actor=None,
    source: str,
    company: str,
    website: str = "",
    contact_name: str = "",
    email: str = "",
    phone: str = "",
    job_title: str = "",
    country: str = "",
    region_code: str = "",
    postal_code: str = "",
    city: str = "",
    industry: str = "",
    product_line_id: int | None = None,
    description: str = "",
    estimated_value: Decimal | None = None,
    currency: str = "",
    campaign: str = "",
    source_partner=None,
    contact_withheld: bool = False,
    route: bool = True,
    data: dict | None = None,
) -> IntakeResult:
    """THE one way a lead comes in (see the module): cleaned, checked for an earlier lead it
    repeats (merged or flagged), recorded (``RECEIVED``, or ``REFERRED`` for a partner's
    referral), and routed after commit when ``route`` and it is new. ``actor``: the staff member
    entering it, the partner user referring it, or None (the public web form, a system);
    ``data``: what the event keeps besides (the web form's consent, ...)."""
    _guard(actor, source, source_partner)
    item = LeadInput(
        company=company,
        website=website,
        contact_name=contact_name,
        email=email,
        phone=phone,
        job_title=job_title,
        country=country,
        region_code=region_code,
        postal_code=postal_code,
        city=city,
        industry=industry,
        product_line_id=product_line_id,
        description=description,
        estimated_value=estimated_value,
        currency=currency,
        campaign=campaign,
        contact_withheld=contact_withheld and source == LeadSource.REFERRAL,
    ).clean()
    return _receive(
        items=[item],
        actor=actor,
        source=source,
        source_partner=source_partner,
        route=route,
        data=data or {},
    )[0]


@transaction.atomic
def lead_receive_many(
    *, items: list[LeadInput], source: str, created_by=None, lead_import: LeadImport | None = None, route: bool = True
) -> list[IntakeResult]:
    """A batch of cleaned leads (an import's rows, in the file's order): one result per item.
    A repeat of an earlier row of the same batch is merged into (or flagged against) that row's
    lead. ``created_by``: the staff member the leads are recorded as entered by (the import's)."""
    if created_by is not None:
        lead_require(created_by, None, A.CREATE)
    return _receive(
        items=items,
        actor=created_by,
        source=source,
        source_partner=None,
        route=route,
        data={},
        lead_import=lead_import,
    )


def _lock_keys(keys: set[str]) -> None:
    if not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, h) FROM"
            " (SELECT DISTINCT hashtext(k) AS h FROM unnest(%s::text[]) AS k ORDER BY 1) AS s",
            [_LOCK_SPACE, sorted(f"{current_tenant_id()}:{key}" for key in keys)],
        )


def _keys(item: LeadInput) -> list[str]:
    return [key for key in (f"e:{item.email}" if item.email else "", f"d:{item.domain}" if item.domain else "") if key]


def _earlier_leads(items: list[LeadInput], since) -> dict[str, int]:
    """The earliest lead within the window per e-mail / domain key: {key: lead id}.
    Flagged repeats point at their original, so they are not originals themselves."""
    emails = {item.email for item in items if item.email}
    domains = {item.domain for item in items if item.domain}
    if not emails and not domains:
        return {}
    found = (
        Lead.objects.filter(Q(email__in=emails) | Q(domain__in=domains), created_at__gte=since)
        .filter(duplicate_of__isnull=True)
        .order_by("created_at", "id")
        .values_list("id", "email", "domain")
    )
    earliest: dict[str, int] = {}
    for lead_id, email, domain in found:
        if email in emails:
            earliest.setdefault(f"e:{email}", lead_id)
        if domain in domains:
            earliest.setdefault(f"d:{domain}", lead_id)
    return earliest


def _new_ids(count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Lead._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _said(item: LeadInput, source: str) -> dict:
    """What a merged repeat said, kept on the earlier lead's event."""
    said = {
        "source": source,
        "company": item.company,
        "contact_name": item.contact_name,
        "email": item.email,
        "phone": item.phone,
        "campaign": item.campaign,
        "description": item.description[:1000],
    }
    return {key: value for key, value in said.items() if value}


def _receive(
    *,
    items: list[LeadInput],
    actor,
    source: str,
    source_partner,
    route: bool,
    data: dict,
    lead_import: LeadImport | None = None,
) -> list[IntakeResult]:
    settings = lead_settings()
    now = timezone.now()
    referral = source == LeadSource.REFERRAL
    earlier: dict[str, int] = {}
    if not referral:
        # A referral is checked by the vendor's reviewer (its page lists the leads it may repeat):
        # the referring partner's transaction sees only its own leads.
        _lock_keys({key for item in items for key in _keys(item)})
        earlier = _earlier_leads(items, now - timedelta(days=settings.duplicate_window_days))
    default_currency = None
    if any(item.estimated_value is not None and not item.currency for item in items):
        default_currency = Tenant.objects.only("default_currency").get(pk=current_tenant_id()).default_currency
    lines = _product_lines({item.product_line_id for item in items if item.product_line_id})
    ids = iter(_new_ids(len(items)))
    created_by = actor  # the staff member who entered it, the partner user who referred it
    if lead_import is not None:
        created_by = lead_import.created_by

    # Decide each item in order: an earlier lead (stored, or a new one of this batch) it repeats.
    decided: list[tuple[LeadInput, Lead | None, int | None, bool]] = []  # item, new lead, original, merged
    merged_into: dict[int, list[LeadInput]] = {}
    new_leads: list[Lead] = []
    for item in items:
        original = next((earlier[key] for key in _keys(item) if key in earlier), None)
        if original is not None and settings.merge_duplicates and not referral:
            merged_into.setdefault(original, []).append(item)
            decided.append((item, None, original, True))
            continue
        lead_id = next(ids)
        if referral:
            status = LeadStatus.PENDING_REVIEW
        elif original is not None:
            status = LeadStatus.DUPLICATE
        else:
            status = LeadStatus.NEW
        lead = Lead(
            pk=lead_id,
            reference=reference_for(lead_id),
            status=status,
            source=source,
            source_partner=source_partner,
            campaign=item.campaign,
            lead_import=lead_import,
            company=item.company,
            company_key=item.company_key,
            website=item.website,
            domain=item.domain,
            contact_name=item.contact_name,
            email=item.email,
            phone=item.phone,
            job_title=item.job_title,
            contact_withheld=item.contact_withheld,
            country=item.country,
            region_code=item.region_code,
            postal_code=item.postal_code,
            city=item.city,
            industry=item.industry,
            product_line_id=item.product_line_id if item.product_line_id in lines else None,
            description=item.description,
            estimated_value=item.estimated_value,
            currency=item.currency or (default_currency if item.estimated_value is not None else "") or "",
            duplicate_of_id=original,
            created_by=created_by,
        )
        new_leads.append(lead)
        decided.append((item, lead, original, False))
        if original is None:
            # Later rows of this batch repeat this one.
            for key in _keys(item):
                earlier.setdefault(key, lead_id)
    Lead.objects.bulk_create(new_leads)
    if merged_into:
        # One statement for every earlier lead a repeat of this batch was merged into.
        added = Case(*(When(pk=pk, then=Value(len(repeats))) for pk, repeats in merged_into.items()))
        Lead.objects.filter(pk__in=list(merged_into)).update(
            duplicate_count=F("duplicate_count") + added, updated_at=now
        )
    _record(decided, actor=actor, source=source, lead_import=lead_import, data=data)
    if route:
        outbox_enqueue_many(
            task_name=ROUTE_TASK,
            kwargs_list=[{"lead_id": lead.pk, "trigger": "new"} for lead in new_leads if lead.status == LeadStatus.NEW],
        )
    if referral and new_leads:
        with step_out_to_tenant():  # staff memberships and their notifications: vendor rows
            _tell_lead_managers(new_leads[0], source_partner)
    merged_leads = {lead.pk: lead for lead in Lead.objects.filter(pk__in=list(merged_into))} if merged_into else {}
    results = []
    for _item, lead, original, merged in decided:
        if merged:
            results.append(
                IntakeResult(lead=merged_leads[original], created=False, merged=True, duplicate_of_id=original)
            )
        else:
            results.append(IntakeResult(lead=lead, created=True, duplicate_of_id=original))
    return results


def _product_lines(ids: set[int]) -> set[int]:
    """The ids among ``ids`` that are product lines of this tenant (others are dropped)."""
    return set(ProductLine.objects.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()


def _record(decided, *, actor, source: str, lead_import, data: dict) -> None:
    """One event per arrival, in one insert: ``RECEIVED``/``REFERRED`` on a new lead (and
    ``DUPLICATE``, internal, on a flagged one), ``MERGED`` on the earlier lead of a merged repeat."""
    lead_type = ContentType.objects.get_for_model(Lead)
    extra = {"import": lead_import.pk} if lead_import is not None else {}
    recorded = []
    for item, lead, original, merged in decided:
        if merged:
            recorded.append(
                system_event(
                    target_type=lead_type,
                    object_id=original,
                    partner_id=None,
                    verb=events.MERGED,
                    message=gettext_noop("A repeat of this lead arrived and was merged into it: %(said)s"),
                    params={"said": " · ".join(v for k, v in _said(item, source).items() if k != "source")},
                    data={"repeat": _said(item, source), **extra},
                )
            )
            continue
        referral = source == LeadSource.REFERRAL
        recorded.append(
            system_event(
                target_type=lead_type,
                object_id=lead.pk,
                # A referral's history is its referrer's to read, too.
                partner_id=lead.source_partner_id,
                verb=events.REFERRED if referral else events.RECEIVED,
                to_state=lead.status,
                data={"source": source, **extra, **data},
            )
        )
        if original is not None:
            recorded.append(
                system_event(
                    target_type=lead_type,
                    object_id=lead.pk,
                    partner_id=None,
                    verb=events.DUPLICATE,
                    message=gettext_noop("Same e-mail address or company domain as %(reference)s."),
                    params={"reference": reference_for(original)},
                    data={"duplicate_of": original},
                    internal=True,
                )
            )
    if actor is not None:
        for event in recorded:
            event.actor_id, event.actor_label = actor.pk, str(actor.user)
    elif lead_import is not None:
        for event in recorded:
            event.actor_id, event.actor_label = lead_import.created_by_id, str(lead_import.created_by.user)
    event_record_many(events=recorded)


def lead_managers() -> list[Membership]:
    """The staff who manage leads (``LEADS_MANAGE``): who hears of a referral or an import."""
    roles = sorted(CAPABILITIES.require(LEADS_MANAGE))
    return list(
        Membership.objects.filter(kind=MembershipKind.STAFF, role__in=roles, is_active=True)
        .select_related("user")
        .order_by("pk")
    )


def _tell_lead_managers(lead: Lead, partner) -> None:
    from django.urls import reverse

    notify(
        recipients=lead_managers(),
        kind=notifications.REFERRAL_RECEIVED,
        title=gettext_noop("%(partner)s referred %(company)s"),
        body=gettext_noop("Referral %(reference)s is waiting for your review."),
        params={"partner": partner.display_name, "company": lead.company, "reference": lead.reference},
        url=reverse("office:lead_review", kwargs={"lead_id": lead.pk}),
    )
