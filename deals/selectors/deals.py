"""Every read an actor makes of deals: partner users their partner's (a rep only their own),
staff their tenant's. A deal the actor may not see is a 404, never a 403."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from prm.events.selectors import events_for_object
from prm.tenancy.search import contains_ignoring_case
from programs.models import Product
from programs.selectors.policies import product_catalogue
from programs.selectors.tiers import tier_ranks_for_partner
from programs.services.policy import product_lines_for_partner

from ..models import Deal, DealAttachment, DealExtension, DealLine, DealMessage, DealStage, DealStatus
from ..permissions import DealAction, deal_filter, deal_may, deal_reach

SORTS = {
    "-created": ("-created_at", "-id"),
    "created": ("created_at", "id"),
    "customer": ("customer_name", "id"),
    "-amount": ("-amount", "-id"),
    "due": ("decision_due_at", "id"),
    "protected": ("protected_until", "id"),
}


def _visible(actor) -> QuerySet[Deal]:
    """The registrations the guard lets the actor see (``DealAction.VIEW``)."""
    visible = deal_filter(actor, DealAction.VIEW)
    return Deal.objects.none() if visible is None else Deal.objects.filter(visible)


def deal_list_for_actor(
    *,
    actor,
    mine: bool = False,
    status: str = "",
    stage: str = "",
    search: str = "",
    sort: str = "-created",
    submitted_only: bool = False,
    partner_id: int | None = None,
    partner_search: str = "",
    product_line_id: int | None = None,
    close_from: date | None = None,
    close_to: date | None = None,
    protected_from: date | None = None,
    protected_to: date | None = None,
) -> QuerySet[Deal]:
    """The deals list: ``mine`` keeps the actor's own registrations (always so for a partner
    user who may not read the company's). Filtered by status, stage and customer name; the back
    office's list also by partner (its id or a part of its name), product line (deals with a
    line of it), expected close date and protection expiry (inclusive bounds).
    ``submitted_only`` leaves drafts out: the vendor's side sees a registration once it is
    submitted, as the portal promises partners."""
    deals = _visible(actor)
    if submitted_only:
        deals = deals.exclude(status=DealStatus.DRAFT)
    if mine:
        deals = deals.filter(registered_by=actor)
    if status in DealStatus.values:
        deals = deals.filter(status=status)
    if stage in DealStage.values:
        deals = deals.filter(stage=stage)
    if partner_id is not None:
        deals = deals.filter(partner_id=partner_id)
    if partner_search.strip():
        deals = deals.filter(Q(contains_ignoring_case("partner__display_name", partner_search.strip())))
    if product_line_id is not None:
        # EXISTS, not a join: a deal with two lines of the line is one row (dealline_line_idx).
        lines = DealLine.objects.filter(deal_id=OuterRef("pk"), product_line_id=product_line_id)
        deals = deals.filter(Exists(lines))
    for field, lookup, value in (
        ("expected_close_on", "gte", close_from),
        ("expected_close_on", "lte", close_to),
        ("protected_until", "gte", protected_from),
        ("protected_until", "lte", protected_to),
    ):
        if value is not None:
            deals = deals.filter(**{f"{field}__{lookup}": value})
    if search.strip():
        term = search.strip()
        # Not __icontains: planned as badly under row-level security (prm/tenancy/search.py).
        deals = deals.filter(
            Q(contains_ignoring_case("customer_name", term)) | Q(contains_ignoring_case("customer_domain", term))
        )
    # Staff lists show the partner and who registered; the portal list shows who registered.
    return deals.select_related("partner", "registered_by__user").order_by(*SORTS.get(sort, SORTS["-created"]))


# What a row of the portal's deal list shows.
LIST_ROW_FIELDS = (
    "id",
    "customer_name",
    "currency",
    "amount",
    "status",
    "stage",
    "decision_due_at",
    "protected_until",
    "created_at",
    "registered_by__user__first_name",
    "registered_by__user__last_name",
    "registered_by__user__email",
)


def deal_rows_for_actor(**kwargs) -> tuple[QuerySet[dict], QuerySet[Deal]]:
    """The deals list (arguments as ``deal_list_for_actor``) as the few fields a row shows:
    dicts instead of a deal, a partner, a membership and a user per row; and the same deals
    without the registrant's joins, to count (``paginate(count_from=...)``)."""
    deals = deal_list_for_actor(**kwargs)
    return deals.values(*LIST_ROW_FIELDS), deals


def deal_get_for_actor(*, actor, deal_id: int) -> Deal:
    """One deal with what its page shows, or a 404 when the actor may not see it."""
    deal = (
        _visible(actor)
        .select_related("partner", "program", "registered_by__user", "reviewer__user", "decided_by_rule")
        .prefetch_related(Prefetch("lines", queryset=DealLine.objects.select_related("product", "product_line")))
        .filter(pk=deal_id)
        .first()
    )
    if deal is None:
        raise Http404
    return deal


def event_list_for_actor(*, actor, deal: Deal) -> list:
    """The deal's events, newest first (partner users never see vendor-internal ones)."""
    return list(events_for_object(actor=actor, target=deal)[:200])


def message_list_for_actor(*, actor, deal: Deal) -> list[DealMessage]:
    """The conversation, oldest first. Partner users never read vendor-internal notes (the
    row-level policy refuses them too; this says so at the ORM level)."""
    messages = DealMessage.objects.filter(deal_id=deal.pk).select_related("author__user")
    if not deal_may(actor, deal, DealAction.VIEW_INTERNAL):
        messages = messages.filter(internal=False)
    return list(messages.order_by("created_at", "id"))


def attachment_list_for_actor(*, actor, deal: Deal) -> list[DealAttachment]:
    return list(DealAttachment.objects.filter(deal_id=deal.pk).select_related("uploaded_by__user"))


def attachment_get_for_actor(*, actor, deal_id: int, attachment_id: int) -> DealAttachment:
    """An attachment of a deal the actor may see, or a 404."""
    deal = deal_get_for_actor(actor=actor, deal_id=deal_id)
    attachment = DealAttachment.objects.filter(deal_id=deal.pk, pk=attachment_id).first()
    if attachment is None:
        raise Http404
    return attachment


def _of_deal(actor, deal: Deal, model, row_id: int):
    """A row of ``model`` belonging to ``deal``, a deal the actor may see (its selector found
    it), in any status; else a 404. The row carries the deal: the services judge it by its deal,
    with no second read of it."""
    if not deal_may(actor, deal, DealAction.VIEW):
        raise Http404
    row = model.objects.filter(deal_id=deal.pk, pk=row_id).first()
    if row is None:
        raise Http404
    row.deal = deal
    return row


def extension_get_for_actor(*, actor, deal: Deal, extension_id: int) -> DealExtension:
    """An extension request of a deal the actor may see, in any status: deciding one decided
    meanwhile is the service's ``InvalidTransition``, told on the deal page, not a 404."""
    return _of_deal(actor, deal, DealExtension, extension_id)


def product_options_for_actor(*, actor) -> list[Product]:
    """The catalogue a registration picks its products from, by line: the tenant's active
    products of active lines (the policy refuses a line no longer offered), for whoever may
    register or edit a registration (the guard's ``REGISTER``: staff on a partner's behalf, a
    partner's registrants). Anyone else asking is a 404."""
    if deal_reach(actor, DealAction.REGISTER) is None:
        raise Http404
    return product_catalogue()


@dataclass
class ProductOffer:
    """What a registration form offers: the ``products`` the partner may register (by line), and
    why the others are not offered: ``refused`` by product id (a short reason, to refuse a
    tampered row with it) and ``not_offered``, the same grouped by reason for the form to say
    under its picker (``[(reason, [product names])]``)."""

    products: list[Product]
    refused: dict[int, str] = dataclass_field(default_factory=dict)
    refused_names: dict[int, str] = dataclass_field(default_factory=dict)
    not_offered: list[tuple[str, list[str]]] = dataclass_field(default_factory=list)


def _why_not(line, codes: tuple[str, ...], ranks: dict[int, int]) -> list[str]:
    """Short reasons a partner is refused a product line, from the policy's reason codes and the
    line's rules (the policy's own sentences are long: they are shown on a refused submission)."""
    reasons: list[str] = []
    rules = line.policy_rules
    for code in codes:
        if code == "min_tier":
            for rule in rules:
                if rule.min_tier_id is None:
                    continue
                tier = rule.min_tier
                if tier.program_id not in ranks:
                    reasons.append(_("not in your program (%(program)s)") % {"program": tier.program.name})
                elif ranks[tier.program_id] < tier.rank:
                    reasons.append(_("needs the %(tier)s tier") % {"tier": tier.name})
        elif code == "partner_type":
            reasons.append(_("not sold by your type of partner"))
        elif code.startswith("licence_"):
            names = {rule.required_licence_type.name for rule in rules if rule.required_licence_type_id}
            reasons += [_("needs a verified %(licence)s") % {"licence": name} for name in sorted(names)]
        elif code == "competency":
            reasons.append(_("needs a certification"))
        elif code.startswith("territory_"):
            reasons.append(_("needs a territory grant"))
        elif code == "partner_status":
            reasons.append(_("your company's account is not active"))
    unique = list(dict.fromkeys(reasons))
    return unique or [_("not offered to your company")]


def product_offer_for_actor(*, actor) -> ProductOffer:
    """The products a registration form offers ``actor``. A partner user is offered the products
    of the lines its program's policy lets its company register (the policy service's decision
    per line, as ``deal_submit`` asks it, without the deal's country and amount, which the
    submission judges) and told why the rest is missing. Staff registering on a partner's behalf
    choose the partner on the form: they are offered the whole catalogue (``deal_submit`` judges
    the partner's lines). Anyone who may not register is a 404."""
    if deal_reach(actor, DealAction.REGISTER) is None:
        raise Http404
    if not actor.is_partner_user:
        return ProductOffer(products=product_catalogue())
    ranks = tier_ranks_for_partner(partner_id=actor.partner_id)
    offer = ProductOffer(products=[])
    groups: dict[str, list[str]] = {}
    # Asked as a registration (an onboarding company may register its first deal), not as a sale.
    for line, decision in product_lines_for_partner(partner=actor.partner, action="register_deal"):
        if decision.allowed:
            offer.products += line.active_products
            continue
        reason = "; ".join(_why_not(line, decision.codes, ranks))
        for product in line.active_products:
            offer.refused[product.pk] = reason
            offer.refused_names[product.pk] = product.name
            groups.setdefault(reason, []).append(product.name)
    offer.not_offered = sorted(groups.items())
    return offer
