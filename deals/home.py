"""What deal registration puts on the homes (declared in ``DealsConfig.ready``, through
``prm.web.home``): the work that waits for a member, a main action, and the pipeline card.

Partner users: registrations returned for information, protections that end soon,
special-pricing answers and wins the vendor did not confirm, to act on. Vendor staff: the review
queue by deadline (breaches first), special pricing waiting for the member's role, wins to confirm
and extension requests.

Each source costs one query: the rows it lists carry the count of all of them (a window), so a
home with nothing to do and one with a thousand things cost the same.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max, OuterRef, Q, Subquery, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from prm.accounts.access import OFFICE, PORTAL
from prm.events.models import Event
from prm.web.home import ActionGroup, ActionItem, action_source, home_action, home_card

from . import events
from .models import PROTECTED_STATUSES, Deal, DealExtension, DealStatus, ExtensionStatus, PricingStatus
from .models import SpecialPricingRequest as Pricing
from .permissions import (
    DEALS_REGISTER,
    DEALS_REGISTER_ON_BEHALF,
    DEALS_REVIEW,
    DEALS_VIEW,
    PRICING_DECIDE,
    DealAction,
    deal_filter,
)
from .selectors.pricing import pricing_review_list_for_actor
from .selectors.review import pipeline_get_for_actor

# A protection ending within this many days is on the partner's home; a special-pricing answer
# stays there this many days after it was given. Settings may move both (read at each request).
PROTECTION_WINDOW_DAYS = 30
PRICING_ANSWER_DAYS = 14


def _days(setting: str, default: int) -> int:
    return int(getattr(settings, setting, default))


def _reference(deal_id: int) -> str:
    return f"DR-{deal_id:06d}"


def _title(deal_id: int, customer: str) -> str:
    return f"{_reference(deal_id)} · {customer}"


def _end_of(day) -> datetime:
    """A date as a deadline: the end of that day (in the active time zone)."""
    return timezone.make_aware(datetime.combine(day, time(23, 59)))


def _counted(queryset, limit: int, **window_counts):
    """The first ``limit`` rows, each with ``total`` (all the rows) and the ``window_counts``."""
    windows = {"total": Window(Count("id")), **{name: Window(count) for name, count in window_counts.items()}}
    rows = list(queryset.annotate(**windows)[:limit])
    return rows, (rows[0].total if rows else 0)


def _field_label(name: str) -> str:
    """A registration's field as the registration form names it, in the reader's language (the
    information a reviewer asked for)."""
    from .forms_portal import DealForm

    if name == "lines":
        return gettext("Products")
    field = DealForm.base_fields.get(name)
    return str(field.label) if field is not None and field.label else name.replace("_", " ")


def _visible(actor):
    visible = deal_filter(actor, DealAction.VIEW)
    return None if visible is None else Deal.objects.filter(visible)


# --- the partner's home ------------------------------------------------------------------------------


def info_requested_items(*, actor, tenant, limit: int) -> ActionGroup | None:
    """Registrations the vendor returned for information: the review clock waits for the partner.
    The customer's expected close date is the deadline that matters (no protection before it)."""
    deals = _visible(actor)
    if deals is None:
        return None
    rows, count = _counted(
        deals.filter(status=DealStatus.INFO_REQUESTED)
        .only("id", "customer_name", "info_fields", "expected_close_on", "updated_at")
        .order_by("expected_close_on", "id"),
        limit,
    )
    today = timezone.localdate()
    items = [
        ActionItem(
            title=_title(deal.id, deal.customer_name),
            detail=gettext("Information requested: %(fields)s")
            % {"fields": ", ".join(_field_label(field) for field in deal.info_fields) or gettext("see the message")},
            url=reverse("portal:deal_edit", args=[deal.id]),
            due=_end_of(deal.expected_close_on),
            overdue=deal.expected_close_on < today,
            due_label=gettext("customer closes"),
        )
        for deal in rows
    ]
    return ActionGroup(
        name="deal_info",
        label=gettext("Information requested"),
        count=count,
        items=items,
        url=reverse("portal:deal_list") + "?status=info_requested",
    )


def protection_items(*, actor, tenant, limit: int) -> ActionGroup | None:
    """Protected registrations whose protection ends within ``PROTECTION_WINDOW_DAYS`` (setting
    ``DEALS_HOME_PROTECTION_WINDOW_DAYS``): close the deal, or ask for an extension, before the
    customer is open to others."""
    deals = _visible(actor)
    if deals is None:
        return None
    today = timezone.localdate()
    until = today + timedelta(days=_days("DEALS_HOME_PROTECTION_WINDOW_DAYS", PROTECTION_WINDOW_DAYS))
    rows, count = _counted(
        # Served by deal_protection_idx (protected registrations by protection end).
        deals.filter(status__in=PROTECTED_STATUSES, protected_until__lte=until)
        .only("id", "customer_name", "protected_until")
        .order_by("protected_until", "id"),
        limit,
    )
    items = []
    for deal in rows:
        days = (deal.protected_until - today).days
        items.append(
            ActionItem(
                title=_title(deal.id, deal.customer_name),
                detail=ngettext(
                    "Protection ends in %(days)d day: close it or ask for an extension.",
                    "Protection ends in %(days)d days: close it or ask for an extension.",
                    days,
                )
                % {"days": days}
                if days >= 0
                else gettext("Protection has ended."),
                url=reverse("portal:deal_detail", args=[deal.id]),
                due=_end_of(deal.protected_until),
                overdue=days < 0,
                due_label=gettext("protection ends"),
            )
        )
    return ActionGroup(
        name="deal_protection",
        label=gettext("Protections ending soon"),
        count=count,
        items=items,
        url=reverse("portal:deal_list") + "?sort=protected",
    )


def pricing_answer_items(*, actor, tenant, limit: int) -> ActionGroup | None:
    """Special-pricing requests the vendor answered lately: use the discount in the quote, or
    rethink the offer."""
    deals = _visible(actor)
    if deals is None:
        return None
    since = timezone.now() - timedelta(days=_days("DEALS_HOME_PRICING_ANSWER_DAYS", PRICING_ANSWER_DAYS))
    rows, count = _counted(
        Pricing.objects.filter(
            deal__in=deals,
            status__in=(PricingStatus.APPROVED, PricingStatus.REJECTED),
            decided_at__gte=since,
            deal__status__in=PROTECTED_STATUSES,
        )
        .select_related("deal")
        .only("id", "deal_id", "status", "discount_percent", "decided_at", "deal__customer_name")
        .order_by("-decided_at", "-id"),
        limit,
    )
    items = [
        ActionItem(
            title=_title(request.deal_id, request.deal.customer_name),
            detail=(
                gettext("Special price of %(discount)s %% approved: use it in your quote.")
                if request.status == PricingStatus.APPROVED
                else gettext("Special price of %(discount)s %% refused: read why on the deal.")
            )
            % {"discount": request.discount_text},
            url=reverse("portal:deal_detail", args=[request.deal_id]),
            since=request.decided_at,
            since_label=gettext("answered"),
        )
        for request in rows
    ]
    return ActionGroup(name="deal_pricing_answer", label=gettext("Special-pricing answers"), count=count, items=items)


def refused_win_items(*, actor, tenant, limit: int) -> ActionGroup | None:
    """Wins the vendor did not confirm lately (the deal is protected again): read why, then
    report the win again or carry on with the deal. The refusal is the deal's event (its reason
    is the message the partner reads on the deal)."""
    deals = _visible(actor)
    if deals is None:
        return None
    since = timezone.now() - timedelta(days=_days("DEALS_HOME_PRICING_ANSWER_DAYS", PRICING_ANSWER_DAYS))
    # Served by event_object_idx (the deal's events by time).
    refusals = Event.objects.filter(
        content_type=ContentType.objects.get_for_model(Deal),
        object_id=OuterRef("pk"),
        verb=events.WIN_REFUSED,
        created_at__gte=since,
    )
    refused_at = Subquery(refusals.values("object_id").annotate(last=Max("created_at")).values("last")[:1])
    rows, count = _counted(
        deals.filter(status=DealStatus.APPROVED)
        .annotate(refused_at=refused_at)
        .filter(refused_at__isnull=False)
        .only("id", "customer_name")
        .order_by("-refused_at", "-id"),
        limit,
    )
    items = [
        ActionItem(
            title=_title(deal.id, deal.customer_name),
            detail=gettext("The win was not confirmed: read why, then report it again or carry on."),
            url=reverse("portal:deal_detail", args=[deal.id]),
            since=deal.refused_at,
            since_label=gettext("refused"),
        )
        for deal in rows
    ]
    return ActionGroup(name="deal_win_refused", label=gettext("Wins not confirmed"), count=count, items=items)


# --- the back office's dashboard ------------------------------------------------------------------------


def review_items(*, actor, tenant, limit: int) -> ActionGroup | None:
    """Registrations waiting for a decision that are the member's (or no one's yet), the missed
    and the nearest deadline first (served by ``deal_review_idx``)."""
    now = timezone.now()
    waiting = Deal.objects.filter(
        Q(reviewer_id=actor.pk) | Q(reviewer__isnull=True), status=DealStatus.SUBMITTED
    ).order_by("decision_due_at", "submitted_at", "id")
    rows, count = _counted(
        waiting.only("id", "customer_name", "decision_due_at", "submitted_at", "partner__display_name").select_related(
            "partner"
        ),
        limit,
        late=Count("id", filter=Q(decision_due_at__lt=now)),
    )
    items = [
        ActionItem(
            title=_title(deal.id, deal.customer_name),
            detail=gettext("Review the registration of %(partner)s.") % {"partner": deal.partner.display_name},
            url=reverse("office:deal_detail", args=[deal.id]),
            due=deal.decision_due_at,
            overdue=deal.decision_due_at is not None and deal.decision_due_at < now,
            due_label=gettext("decision due"),
            since=deal.submitted_at,
        )
        for deal in rows
    ]
    return ActionGroup(
        name="deal_review",
        label=gettext("Registrations to review"),
        count=count,
        items=items,
        url=reverse("office:deal_reviews"),
        overdue=rows[0].late if rows else 0,
    )


def pricing_items(*, actor, tenant, limit: int) -> ActionGroup | None:
    """Special-pricing requests waiting for the member's role, the longest waiting first."""
    rows, count = _counted(pricing_review_list_for_actor(actor=actor), limit)
    items = [
        ActionItem(
            title=_title(request.deal_id, request.deal.customer_name),
            detail=gettext("%(partner)s asks for %(discount)s %% off.")
            % {"partner": request.partner.display_name, "discount": request.discount_text},
            url=reverse("office:deal_detail", args=[request.deal_id]) + "#pricing",
            since=request.requested_at,
        )
        for request in rows
    ]
    return ActionGroup(
        name="deal_pricing",
        label=gettext("Special pricing to decide"),
        count=count,
        items=items,
        url=reverse("office:pricing_queue"),
    )


def win_items(*, actor, tenant, limit: int) -> ActionGroup | None:
    """Wins the partner reported that wait for the vendor's confirmation."""
    rows, count = _counted(
        Deal.objects.filter(status=DealStatus.WON_PENDING)
        .only("id", "customer_name", "won_on", "updated_at", "partner__display_name")
        .select_related("partner")
        .order_by("updated_at", "id"),
        limit,
    )
    items = [
        ActionItem(
            title=_title(deal.id, deal.customer_name),
            detail=gettext("%(partner)s reports the deal won: confirm it or refuse it.")
            % {"partner": deal.partner.display_name},
            url=reverse("office:deal_detail", args=[deal.id]),
            since=deal.updated_at,
            since_label=gettext("reported"),
        )
        for deal in rows
    ]
    return ActionGroup(
        name="deal_win",
        label=gettext("Wins to confirm"),
        count=count,
        items=items,
        url=reverse("office:deal_list") + "?status=won_pending",
    )


def extension_items(*, actor, tenant, limit: int) -> ActionGroup | None:
    """Partners' requests to extend a protection, the oldest first (``extension_pending_idx``)."""
    rows, count = _counted(
        DealExtension.objects.filter(status=ExtensionStatus.PENDING)
        .select_related("deal", "partner")
        .only(
            "id",
            "deal_id",
            "days",
            "requested_at",
            "deal__customer_name",
            "deal__protected_until",
            "partner__display_name",
        )
        .order_by("requested_at", "id"),
        limit,
    )
    items = [
        ActionItem(
            title=_title(extension.deal_id, extension.deal.customer_name),
            detail=ngettext(
                "%(partner)s asks for %(days)d more day of protection.",
                "%(partner)s asks for %(days)d more days of protection.",
                extension.days,
            )
            % {"partner": extension.partner.display_name, "days": extension.days},
            url=reverse("office:deal_detail", args=[extension.deal_id]),
            due=_end_of(extension.deal.protected_until) if extension.deal.protected_until else None,
            due_label=gettext("protection ends"),
            since=extension.requested_at,
        )
        for extension in rows
    ]
    return ActionGroup(name="deal_extension", label=gettext("Extension requests"), count=count, items=items)


def pipeline_card(*, request, actor) -> dict | None:
    """The pipeline's figures (stored by the worker) and the live review counts."""
    pipeline = pipeline_get_for_actor(actor=actor)
    return {"pipeline": pipeline}


def register() -> None:
    home_action(
        area=PORTAL,
        label=gettext_lazy("Register a deal"),
        url_name="portal:deal_create",
        capability=DEALS_REGISTER,
        icon="plus-lg",
        order=10,
    )
    home_action(
        area=PORTAL, label=gettext_lazy("Your deals"), url_name="portal:deal_list", capability=DEALS_REGISTER, order=20
    )
    home_action(
        area=OFFICE, label=gettext_lazy("Review queue"), url_name="office:deal_reviews", capability=DEALS_VIEW, order=10
    )
    home_action(
        area=OFFICE,
        label=gettext_lazy("Register a deal for a partner"),
        url_name="office:deal_register",
        capability=DEALS_REGISTER_ON_BEHALF,
        order=30,
    )
    action_source(area=PORTAL, name="deal_info", items=info_requested_items, order=10)
    action_source(area=PORTAL, name="deal_protection", items=protection_items, order=20)
    action_source(area=PORTAL, name="deal_pricing_answer", items=pricing_answer_items, order=30)
    action_source(area=PORTAL, name="deal_win_refused", items=refused_win_items, order=35)
    action_source(area=OFFICE, name="deal_review", items=review_items, capability=DEALS_REVIEW, order=10)
    action_source(area=OFFICE, name="deal_pricing", items=pricing_items, capability=PRICING_DECIDE, order=20)
    action_source(area=OFFICE, name="deal_win", items=win_items, capability=DEALS_REVIEW, order=30)
    action_source(area=OFFICE, name="deal_extension", items=extension_items, capability=DEALS_REVIEW, order=40)
    home_card(area=OFFICE, template="deals/_home_pipeline.html", context=pipeline_card, capability=DEALS_VIEW, order=20)
