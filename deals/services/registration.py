"""Registering a deal: create a draft, edit it, submit it (policy, conflicts, auto-approval)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from partners.models import Partner
from prm.accounts.models import Membership
from prm.errors import CrossTenantReference, NotAllowed, PolicyViolation
from prm.events.services import changes_apply
from prm.events.texts import money
from prm.tenancy.time import tenant_today, tenant_zone
from programs.models import Product  # the schema, for type hints: its rows are read through selectors
from programs.selectors.tiers import program_get_for_partner, tier_ranks_for_partner
from programs.services.policy import deal_parameters, policy_decide

from .. import conflicts, events, notifications
from ..models import AutoApprovalRule, Deal, DealLine, DealStage, DealStatus
from ..normalize import CustomerIdentity
from ..permissions import DealAction, deal_require
from .common import (
    DEFAULT_REVIEW_HOURS,
    PARTNER_EDITABLE_FIELDS,
    Attribution,
    business_deadline,
    check_transition,
    lock,
    record,
    reviewer_for,
    set_status,
    tell,
)
from .review import _approve, _strong_conflicts

S = DealStatus
LineInput = tuple[Product, int, Decimal | None]

# Fields whose change makes the customer another one (its identity is recomputed).
_IDENTITY_FIELDS = {"customer_name", "customer_website", "contact_email"}
# The amount is the lines' total: asking about one is asking about the other.
_AMOUNT_FIELDS = {"amount", "lines"}


def deal_register_role_refusal(*, actor: Membership, partner: Partner) -> str | None:
    """The program's policy on who registers, which ``deal_register`` applies after the table's
    rule: a program may name the partner roles that register deals (``deal_registration_roles``;
    every role when one of the partner's programs names none). Staff registering on a partner's
    behalf are not judged by it. The sentence a refused partner user reads, or None; the portal's
    registration form asks it before it offers itself."""
    if actor.is_partner_user and actor.role not in deal_parameters(partner=partner).roles:
        return _("Your role may not register deals in your company's program: ask your company's admin.")
    return None


def _may_register(actor: Membership, deal: Deal) -> None:
    """The table's rule (the guard), then the program's policy on roles."""
    deal_require(actor, deal, DealAction.REGISTER)
    refusal = deal_register_role_refusal(actor=actor, partner=deal.partner)
    if refusal is not None:
        raise NotAllowed(refusal)


def _clean_lines(partner: Partner, lines: list[LineInput]) -> list[tuple[Product, int, Decimal]]:
    if not lines:
        raise PolicyViolation(_("Add at least one product to the registration."))
    cleaned = []
    for product, quantity, unit_price in lines:
        if product.tenant_id != partner.tenant_id:
            raise CrossTenantReference(_("That product is not in this portal's catalogue."))
        if not product.is_active:
            raise PolicyViolation(_("%(product)s is no longer sold.") % {"product": product.name})
        if int(quantity) < 1:
            raise PolicyViolation(_("Enter a quantity of at least 1 for %(product)s.") % {"product": product.name})
        price = product.list_price if unit_price is None else Decimal(unit_price)
        if price < 0:
            raise PolicyViolation(_("The price of %(product)s cannot be negative.") % {"product": product.name})
        cleaned.append((product, int(quantity), price))
    return cleaned


def lines_total(lines) -> Decimal:
    """The deal's amount when it has products: the sum of quantity * unit price of its lines
    (``(product, quantity, price)`` tuples), as a commercial PRM derives an opportunity's amount
    from its products. The portal's form shows the same sum live (deals/static/deals/lines.js)."""
    return sum((Decimal(quantity) * Decimal(price) for _product, quantity, price in lines), Decimal("0.00"))


def _check_close_date(expected_close_on: date | None) -> None:
    """A registration is for a deal still to close: not before today, in the vendor's time zone."""
    if expected_close_on is not None and expected_close_on < tenant_today():
        raise PolicyViolation(
            _("The expected close date cannot be in the past: enter today or a later date."), code="close_date_past"
        )


def _write_lines(deal: Deal, lines: list[tuple[Product, int, Decimal]]) -> None:
    DealLine.objects.filter(deal=deal).delete()
    DealLine.objects.bulk_create(
        [
            DealLine(
                deal=deal,
                partner_id=deal.partner_id,
                product=product,
                product_line_id=product.line_id,
                quantity=quantity,
                unit_price=price,
            )
            for product, quantity, price in lines
        ]
    )


def _identify(deal: Deal) -> None:
    identity = CustomerIdentity.of(name=deal.customer_name, website=deal.customer_website, email=deal.contact_email)
    deal.customer_key, deal.customer_domain = identity.key, identity.domain


def _check_values(*, amount, currency: str, country: str, stage: str) -> None:
    if amount is None or Decimal(amount) < 0:
        raise PolicyViolation(_("Enter the deal's amount (zero or more)."))
    if len(currency or "") != 3 or not currency.isalpha():
        raise PolicyViolation(_("Enter the currency as a three-letter code, e.g. EUR."))
    if len(country or "") != 2 or not country.isalpha():
        raise PolicyViolation(_("Enter the customer's country as a two-letter code, e.g. DE."))
    if stage not in DealStage.values:
        raise PolicyViolation(_("Unknown stage %(stage)r.") % {"stage": stage})


@transaction.atomic
def deal_register(
    *,
    actor: Membership,
    partner: Partner,
    customer_name: str,
    customer_country: str,
    currency: str,
    expected_close_on: date,
    lines: list[LineInput],
    amount: Decimal | None = None,
    customer_website: str = "",
    customer_address: str = "",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    stage: str = DealStage.QUALIFY,
    title: str = "",
    notes: str = "",
    submit: bool = False,
    attribution: Attribution | None = None,
) -> Deal:
    """A registration for ``partner``: by one of its users whose role may register, or by staff
    on its behalf (``entered_by`` keeps who). Prices default to the catalogue's; the amount is the
    lines' total (``lines_total``: a registration always has products, so a typed ``amount`` is
    only checked, never kept). The expected close date is today or later. A draft; with
    ``submit``, submitted at once in the same transaction, so that a submission the policy
    refuses leaves no draft behind. ``attribution``: where the opportunity came from (a lead, a
    referral; the partner's own when None), written once and never changed."""
    # The registration this actor is about to make: the guard judges it before anything is typed in.
    deal = Deal(
        tenant_id=partner.tenant_id,
        partner=partner,
        registered_by=actor,
        entered_by=actor if actor.is_staff_member else None,
        status=S.DRAFT,
    )
    _may_register(actor, deal)
    if not customer_name.strip():
        raise PolicyViolation(_("Enter the end customer's company name."))
    country, currency = customer_country.strip().upper(), currency.strip().upper()
    cleaned = _clean_lines(partner, lines)
    amount = lines_total(cleaned)
    _check_values(amount=amount, currency=currency, country=country, stage=stage)
    _check_close_date(expected_close_on)
    fields = {
        "stage": stage,
        "title": title.strip(),
        "customer_name": customer_name.strip(),
        "customer_website": customer_website.strip(),
        "customer_country": country,
        "customer_address": customer_address.strip(),
        "contact_name": contact_name.strip(),
        "contact_email": contact_email.strip(),
        "contact_phone": contact_phone.strip(),
        "amount": amount,
        "currency": currency,
        "expected_close_on": expected_close_on,
        "notes": notes,
    }
    if attribution is not None:
        fields.update(attribution.fields())
    for name, value in fields.items():
        setattr(deal, name, value)
    _identify(deal)
    deal.save()
    _write_lines(deal, cleaned)
    record(
        actor=actor,
        deal=deal,
        verb=events.CREATED,
        message=gettext_noop("Registered as a draft on the partner's behalf.")
        if actor.is_staff_member
        else gettext_noop("Registered as a draft."),
        data={"entered_by_staff": actor.is_staff_member},
    )
    return deal_submit(actor=actor, deal=deal) if submit else deal


@transaction.atomic
def deal_update(
    *, actor: Membership, deal: Deal, changes: dict, lines: list[LineInput] | None = None, submit: bool = False
) -> Deal:
    """Edit a draft, or complete a registration the reviewer returned: then only the fields the
    reviewer named may change (the rest was reviewed already). The amount follows the lines (the
    new ones, or those kept: a typed amount is never kept), so a reviewer asking about the amount
    asks about the products too, and the other way round. A new expected close date is today or
    later. With ``submit``, (re)submitted in the same transaction: a refused submission keeps none
    of the edit."""
    deal_require(actor, deal, DealAction.EDIT)
    deal = lock(deal)
    if deal.status not in (S.DRAFT, S.INFO_REQUESTED):
        raise PolicyViolation(
            _("%(reference)s is %(status)s: it can no longer be edited.")
            % {"reference": deal.reference, "status": deal.get_status_display().lower()}
        )
    unknown = set(changes) - PARTNER_EDITABLE_FIELDS
    if unknown:
        raise PolicyViolation(_("These cannot be edited: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    changes = dict(changes)
    changes.pop("amount", None)  # the lines' total, below
    cleaned = _clean_lines(deal.partner, lines) if lines is not None else None
    if cleaned is not None:
        changes["amount"] = lines_total(cleaned)
    if deal.status == S.INFO_REQUESTED:
        asked = set(deal.info_fields)
        if asked & _AMOUNT_FIELDS:
            asked |= _AMOUNT_FIELDS
        refused = {name for name in changes if getattr(deal, name) != changes[name]} - asked
        if lines is not None and "lines" not in asked:
            refused.add("lines")
        if refused:
            raise PolicyViolation(
                _("The reviewer asked only about %(asked)s; %(refused)s cannot change now.")
                % {"asked": ", ".join(sorted(asked)) or _("nothing"), "refused": ", ".join(sorted(refused))}
            )
    for name in ("customer_country", "currency"):
        if name in changes:
            changes[name] = str(changes[name]).strip().upper()
    if "expected_close_on" in changes and changes["expected_close_on"] != deal.expected_close_on:
        _check_close_date(changes["expected_close_on"])
    diff = changes_apply(instance=deal, changes=changes)
    _check_values(amount=deal.amount, currency=deal.currency, country=deal.customer_country, stage=deal.stage)
    if not deal.customer_name.strip():
        raise PolicyViolation(_("Enter the end customer's company name."))
    if _IDENTITY_FIELDS & set(diff):
        _identify(deal)
    deal.save()
    if cleaned is not None:
        _write_lines(deal, cleaned)
        diff["lines"] = {"from": "", "to": f"{len(cleaned)} line(s)"}
    if diff:
        record(
            actor=actor,
            deal=deal,
            verb=events.EDITED,
            message=gettext_noop("Edited %(fields)s"),
            params={"fields": sorted(diff)},
            data=diff,
        )
    return deal_submit(actor=actor, deal=deal) if submit else deal


def _policy_check(*, actor: Membership, deal: Deal) -> None:
    """The policy service decides for every product line of the deal; every reason is shown."""
    lines = {line.product_line_id: line.product_line for line in deal.lines.select_related("product_line")}
    today = tenant_today()  # once, not per line
    decisions = [
        policy_decide(
            partner=deal.partner,
            action="register_deal",
            product_line=line,
            country=deal.customer_country,
            amount=deal.amount,
            currency=deal.currency,
            # Staff submitting on a partner's behalf are not judged by the partner's role rules.
            membership=actor if actor.is_partner_user else None,
            on=today,
        )
        for line in (lines.values() or [None])
    ]
    reasons: list[str] = []
    for decision in decisions:
        for reason in decision.reasons:
            if reason.message not in reasons:
                reasons.append(reason.message)
    if reasons:
        error = PolicyViolation(
            _("This registration cannot be submitted: %(reasons)s") % {"reasons": " ".join(reasons)},
            code="policy_refused",
        )
        error.reasons = tuple(reasons)
        raise error


@dataclass(frozen=True)
class _DealFacts:
    amount: Decimal
    currency: str
    tenant_currency: str
    has_conflict: bool
    line_ids: frozenset[int]
    ranks: dict[int, int]  # the partner's tier rank by program id


def rule_matches(rule: AutoApprovalRule, facts: _DealFacts) -> bool:
    """Every condition of the rule holds (an empty condition does not restrict)."""
    if rule.require_no_conflict and facts.has_conflict:
        return False
    if rule.max_amount is not None and (facts.currency != facts.tenant_currency or facts.amount > rule.max_amount):
        return False
    if rule.min_tier_id is not None:
        rank = facts.ranks.get(rule.min_tier.program_id)
        if rank is None or rank < rule.min_tier.rank:
            return False
    return not rule.product_line_ids or facts.line_ids <= set(rule.product_line_ids)


def _auto_rule(deal: Deal) -> AutoApprovalRule | None:
    if deal.program_id is None:
        return None
    rules = list(
        AutoApprovalRule.objects.filter(program_id=deal.program_id, is_active=True)
        .select_related("min_tier")
        .order_by("priority", "id")
    )
    if not rules:
        return None
    facts = _DealFacts(
        amount=deal.amount,
        currency=deal.currency,
        tenant_currency=deal_parameters(partner=deal.partner).currency,
        has_conflict=deal.has_conflict,
        line_ids=frozenset(deal.lines.values_list("product_line_id", flat=True)),
        ranks=tier_ranks_for_partner(partner_id=deal.partner_id),
    )
    return next((rule for rule in rules if rule_matches(rule, facts)), None)


@transaction.atomic
def deal_submit(*, actor: Membership, deal: Deal) -> Deal:
    """Submit a draft (or resubmit a completed one): the policy decides eligibility, conflicts
    are recorded, then the program's auto-approval rules may approve at once; otherwise the deal
    waits for its reviewer until a deadline in business hours."""
    deal_require(actor, deal, DealAction.SUBMIT)
    deal = lock(deal)
    check_transition(deal, S.SUBMITTED, verb="submitted")
    if deal.status == S.DRAFT:
        # A draft saved weeks ago may name a day gone by; a completed registration keeps the date
        # the reviewer saw unless the reviewer asked about it.
        _check_close_date(deal.expected_close_on)
    _policy_check(actor=actor, deal=deal)
    program = program_get_for_partner(partner=deal.partner)
    if deal.program_id != (program.pk if program else None):
        deal.program = program
        deal.save(update_fields=["program"])
    rows = conflicts.conflicts_record(deal=deal, phase="submit")
    now = timezone.now()
    resubmitted = deal.status == S.INFO_REQUESTED
    before = set_status(
        deal,
        S.SUBMITTED,
        actor=actor,
        fields={
            "submitted_at": now,
            "decision_due_at": None,
            "reminded_at": None,
            "escalated_at": None,
            "reviewer": None,
            "info_fields": [],
        },
    )
    record(
        actor=actor,
        deal=deal,
        verb=events.RESUBMITTED if resubmitted else events.SUBMITTED,
        before=before,
        message=gettext_noop("Resubmitted with the requested information.")
        if resubmitted
        else gettext_noop("Submitted for review."),
        data={"has_conflict": deal.has_conflict},
    )
    # A strong conflict (the same customer in all likelihood, or a vendor's named or direct-only
    # account) is never approved over by a rule: a reviewer must look and acknowledge it.
    rule = None if _strong_conflicts(rows) else _auto_rule(deal)
    if rule is not None:
        try:
            return _approve(actor=None, deal=deal, rule=rule, note="")
        except PolicyViolation:
            pass  # the customer is protected for someone else: a reviewer decides
    hours = program.deal_review_hours if program else DEFAULT_REVIEW_HOURS
    reviewer = reviewer_for(deal.partner)
    deal.reviewer = reviewer
    deal.decision_due_at = business_deadline(now, hours, tenant_zone())
    deal.save(update_fields=["reviewer", "decision_due_at"])
    if reviewer is not None:
        event = record(
            actor=actor,
            deal=deal,
            verb=events.ASSIGNED,
            # Not internal: both sides see when the decision is due.
            message=gettext_noop("Assigned to %(reviewer)s; decision due by %(due)s."),
            params={"reviewer": str(reviewer.user), "due": deal.decision_due_at},
            data={"reviewer_id": reviewer.pk, "decision_due_at": deal.decision_due_at.isoformat()},
        )
        tell(
            deal,
            event,
            to=[reviewer],
            kind=notifications.SUBMITTED,
            title=gettext_noop("to review (possible conflict)") if deal.has_conflict else gettext_noop("to review"),
            body=gettext_noop("%(partner)s: %(amount)s. Decision due by %(due)s."),
            params={
                "partner": str(deal.partner),
                "amount": money(deal.amount, deal.currency),
                "due": deal.decision_due_at,
            },
        )
    return deal
