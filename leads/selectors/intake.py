"""Reads of the intake part: the vendor's lead list and queue, a lead waiting for a decision (a
referral, a flagged duplicate) with the leads it may repeat, the imports, and a partner's
referrals. What an actor may not see is a 404."""

from __future__ import annotations

from datetime import timedelta

import tablib
from django.contrib.contenttypes.models import ContentType
from django.db.models import Func, IntegerField, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from prm import tabular
from prm.events.models import Event
from prm.tenancy.search import contains_ignoring_case
from programs.selectors.tiers import tier_options

from .. import events
from ..models import Lead, LeadImport, LeadSource, LeadStatus
from ..permissions import A, lead_filter
from ..services.common import lead_settings
from ..services.imports import COLUMNS, PREVIEW_ROWS, table_read

# The vendor's queue: what waits for a person.
QUEUE_STATUSES = (LeadStatus.PENDING_REVIEW, LeadStatus.DUPLICATE, LeadStatus.QUEUED)
# A lead new or between two offers (OFFERED, offered to nobody now) waits for the ``leads.route``
# task, seconds normally. Still so after this long, that task keeps failing (the outbox sweep only
# re-sends it) or the lead was entered without routing: it joins the queue, to be routed by hand.
STALLED_AFTER = timedelta(minutes=15)


def waiting_for_a_person(now=None) -> Q:
    """The leads of the vendor's queue: ``QUEUE_STATUSES``, and the stalled new or between-offers
    leads (``STALLED_AFTER``)."""
    stalled_since = (now or timezone.now()) - STALLED_AFTER
    return Q(status__in=QUEUE_STATUSES) | Q(
        status__in=(LeadStatus.NEW, LeadStatus.OFFERED), offered_to__isnull=True, updated_at__lt=stalled_since
    )


LIST_FIELDS = (
    "id",
    "reference",
    "company",
    "contact_name",
    "email",
    "contact_withheld",
    "country",
    "city",
    "status",
    "source",
    "queue_reason",
    "campaign",
    "created_at",
    "duplicate_count",
    "duplicate_of_id",
    "program_id",
    "offered_to__display_name",
    "partner__display_name",
    "source_partner__display_name",
)


def _staff(actor, action=A.VIEW) -> None:
    if lead_filter(actor, action) is None or not actor.is_staff_member:
        raise Http404


def program_options() -> list[tuple[int, str]]:
    """The tenant's programs (those with tiers), by name: the lead list's program filter."""
    seen: dict[int, str] = {}
    for tier in tier_options():
        seen.setdefault(tier.program_id, tier.program_name)
    return sorted(seen.items(), key=lambda item: item[1].casefold())


def lead_rows_for_actor(
    *,
    actor,
    view: str = "queue",
    status: str = "",
    source: str = "",
    program_id: int | None = None,
    partner_search: str = "",
    country: str = "",
    search: str = "",
) -> tuple[QuerySet, QuerySet]:
    """The vendor's leads, newest first, as rows of ``LIST_FIELDS``, and the same leads without
    the joins (to count): ``view`` "queue" is what waits for a person (referrals to review,
    flagged duplicates, leads no partner took), "all" every lead."""
    _staff(actor)
    leads = Lead.objects.all()
    if view == "queue":
        leads = leads.filter(waiting_for_a_person())
    if status:
        leads = leads.filter(status=status)
    if source:
        leads = leads.filter(source=source)
    if program_id:
        leads = leads.filter(program_id=program_id)
    if country:
        leads = leads.filter(country=country)
    if partner_search:
        leads = leads.filter(
            Q(contains_ignoring_case("partner__display_name", partner_search))
            | Q(contains_ignoring_case("offered_to__display_name", partner_search))
            | Q(contains_ignoring_case("source_partner__display_name", partner_search))
        )
    if search:
        leads = leads.filter(
            Q(contains_ignoring_case("company", search))
            | Q(contains_ignoring_case("email", search))
            | Q(contains_ignoring_case("reference", search))
            | Q(contains_ignoring_case("contact_name", search))
        )
    leads = leads.order_by("-created_at", "-id")
    return leads.values(*LIST_FIELDS), leads


PARTNER_LEADS_SHOWN = 25


def partner_lead_rows_for_actor(*, actor, partner_id: int, limit: int = PARTNER_LEADS_SHOWN):
    """A partner's leads for its record (staff only): those it holds, the one offered to it now and
    those it referred, newest first (``limit`` of them, as rows of ``LIST_FIELDS``), and how many it
    holds per status."""
    from django.db.models import Count

    _staff(actor)
    mine = Q(partner_id=partner_id) | Q(offered_to_id=partner_id) | Q(source_partner_id=partner_id)
    rows = list(Lead.objects.filter(mine).order_by("-created_at", "-id").values(*LIST_FIELDS)[:limit])
    held = Lead.objects.filter(partner_id=partner_id).values_list("status").annotate(n=Count("id")).order_by()
    return rows, dict(held)


def queue_items_for_actor(*, actor, limit: int) -> tuple[list[dict], int]:
    """The queue's oldest leads (what has waited longest first) and how many wait, in one query."""
    from django.db.models import Count, Window

    _staff(actor)
    rows = list(
        Lead.objects.filter(waiting_for_a_person())
        .annotate(total=Window(Count("id")))
        .order_by("created_at", "id")
        .values("id", "reference", "company", "status", "created_at", "total")[:limit]
    )
    return rows, rows[0]["total"] if rows else 0


# --- one lead waiting for a decision --------------------------------------------------------------


def lead_review_get_for_actor(*, actor, lead_id: int) -> Lead:
    """A lead for its review page (staff): with its referrer, product line and who entered it."""
    _staff(actor)
    lead = (
        Lead.objects.select_related("source_partner", "product_line", "created_by__user", "duplicate_of")
        .filter(pk=lead_id)
        .first()
    )
    if lead is None:
        raise Http404
    return lead


def lead_possible_duplicates(*, lead: Lead, limit: int = 10) -> list[dict]:
    """Other leads of the window with the same e-mail address or company domain (what a referral
    or a flagged duplicate may repeat), newest first."""
    if not lead.email and not lead.domain:
        return []
    since = timezone.now() - timedelta(days=lead_settings().duplicate_window_days)
    match = Q(pk__in=[])
    if lead.email:
        match |= Q(email=lead.email)
    if lead.domain:
        match |= Q(domain=lead.domain)
    rows = (
        Lead.objects.filter(match, created_at__gte=since)
        .exclude(pk=lead.pk)
        .order_by("-created_at", "-id")
        .values("id", "reference", "company", "email", "domain", "status", "created_at")[:limit]
    )
    return list(rows)


def lead_intake_notes(*, lead: Lead) -> list[Event]:
    """What the intake recorded on the lead (received, merged repeats with what they said,
    referral decisions), oldest first."""
    verbs = [
        events.RECEIVED,
        events.REFERRED,
        events.MERGED,
        events.DUPLICATE,
        events.REFERRAL_ACCEPTED,
        events.REFERRAL_DECLINED,
        events.CONTACT_SHARED,
        events.RELEASED,
        events.DISCARDED,
    ]
    return list(
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(Lead), object_id=lead.pk, verb__in=verbs
        ).order_by("created_at", "id")[:100]
    )


# --- imports -----------------------------------------------------------------------------------------

IMPORT_LIST_FIELDS = (
    "id",
    "file_name",
    "file_format",
    "status",
    "created_at",
    "total_rows",
    "valid_rows",
    "processed_rows",
    "leads_created",
    "leads_merged",
    "leads_flagged",
    "campaign",
    "created_by__user__email",
    "created_by__user__first_name",
    "created_by__user__last_name",
)


def lead_import_rows_for_actor(*, actor):
    """The tenant's lead imports, newest first (with the number of rejected rows, counted by the
    database: the report itself stays there)."""
    _staff(actor, A.CREATE)
    return (
        LeadImport.objects.order_by("-created_at", "-id")
        .annotate(rejected_count=Func("rejected", function="jsonb_array_length", output_field=IntegerField()))
        .values(*IMPORT_LIST_FIELDS, "rejected_count")
    )


def lead_import_get_for_actor(*, actor, import_id: int) -> LeadImport:
    _staff(actor, A.CREATE)
    lead_import = LeadImport.objects.select_related("created_by__user").filter(pk=import_id).first()
    if lead_import is None:
        raise Http404
    return lead_import


def lead_import_preview(*, lead_import: LeadImport, mapping: dict[str, int]) -> list[dict]:
    with lead_import.document.open("rb") as handle:
        table = table_read(handle.read())
    return tabular.preview_rows(table, mapping, COLUMNS, PREVIEW_ROWS)


def rejected_dataset(*, lead_import: LeadImport) -> tablib.Dataset:
    return tabular.rejected_dataset(headers=list(lead_import.headers), rejected=lead_import.rejected)


rejected_shown = tabular.rejected_shown


# --- a partner's referrals -------------------------------------------------------------------------

REFERRAL_FIELDS = (
    "id",
    "reference",
    "company",
    "status",
    "contact_withheld",
    "country",
    "city",
    "estimated_value",
    "currency",
    "created_at",
    "product_line__name",
)


def referral_rows_for_actor(*, actor) -> tuple[QuerySet, QuerySet]:
    """The referrals of the actor's company, newest first (a partner user with ``LEADS_REFER``);
    staff get a 404 here (they review referrals in the back office)."""
    if actor.is_staff_member or lead_filter(actor, A.REFER) is None:
        raise Http404
    leads = Lead.objects.filter(source=LeadSource.REFERRAL, source_partner_id=actor.partner_id).order_by(
        "-created_at", "-id"
    )
    return leads.values(*REFERRAL_FIELDS), leads


def referral_decline_reasons(*, lead_ids: list[int]) -> dict[int, str]:
    """The vendor's reason for each declined referral among ``lead_ids`` (one query)."""
    if not lead_ids:
        return {}
    rows = Event.objects.filter(
        content_type=ContentType.objects.get_for_model(Lead), object_id__in=lead_ids, verb=events.REFERRAL_DECLINED
    ).values_list("object_id", "note")
    return dict(rows)


def referral_get_for_actor(*, actor, lead_id: int) -> Lead:
    """One referral of the actor's company (a 404 for anyone else's, staff included)."""
    if actor.is_staff_member or lead_filter(actor, A.REFER) is None:
        raise Http404
    lead = Lead.objects.filter(pk=lead_id, source=LeadSource.REFERRAL, source_partner_id=actor.partner_id).first()
    if lead is None:
        raise Http404
    return lead
