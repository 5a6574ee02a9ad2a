"""Special pricing: a partner asks for a discount on an approved registration; the vendor's roles
approve it in turn, by discount band, until the band that covers the discount approves it.

The chain is fixed when the request is made (``pricing_chain``): every band's role up to and
including the first band whose limit covers the discount (the highest band covers anything
above it). Each decision is one ``SpecialPricingStep``; a rejection at any step ends it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from prm.accounts.models import Membership
from prm.accounts.roles import Role
from prm.accounts.selectors import vendor_admin_list
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation, assert_same_tenant
from prm.events.texts import label
from prm.tenancy.scope import step_out_to_tenant

from .. import events, notifications
from ..models import (
    DEFAULT_PRICING_BANDS,
    Deal,
    DealStatus,
    PricingBand,
    PricingDecision,
    PricingStatus,
    SpecialPricingRequest,
    SpecialPricingStep,
    percent_text,
)
from ..permissions import DealAction, deal_require
from .common import lock, partner_recipients, record, tell

JUSTIFICATION_MAX_LENGTH = 5000
NOTE_MAX_LENGTH = 2000


def role_label(role: str) -> str:
    return Role(role).label if role in Role.values else role


def pricing_bands(*, program_id: int | None) -> list[tuple[Decimal, str]]:
    """The program's bands (limit, role), lowest first; the defaults when it has none. Read as
    the tenant: a partner user's request reads its program's configuration."""
    if program_id is not None:
        with step_out_to_tenant():
            bands = list(
                PricingBand.objects.filter(program_id=program_id)
                .order_by("up_to_percent", "id")
                .values_list("up_to_percent", "approver_role")
            )
        if bands:
            return bands
    return list(DEFAULT_PRICING_BANDS)


def pricing_chain(*, discount: Decimal, bands: list[tuple[Decimal, str]]) -> list[str]:
    """The roles that approve ``discount`` in turn: each band's up to the first that covers it
    (the last band covers anything above it). A role met twice decides once, at its first band."""
    chain: list[str] = []
    for up_to, role in bands:
        if role not in chain:
            chain.append(role)
        if discount <= up_to:
            break
    return chain


def _approvers(role: str) -> list[Membership]:
    """Who is told a request awaits ``role``: its active members, else the vendor admins (who may
    decide any step). Read as the tenant: partner users cannot see staff memberships."""
    with step_out_to_tenant():
        members = list(
            Membership.objects.filter(partner__isnull=True, role=role, is_active=True).select_related("user")
        )
        return members or vendor_admin_list()


def _discount(value) -> Decimal:
    try:
        discount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise PolicyViolation(gettext("Enter the discount as a percentage, e.g. 12.5.")) from None
    if not discount.is_finite() or not Decimal(0) < discount <= Decimal(100):
        raise PolicyViolation(gettext("Ask for a discount above 0 % and at most 100 %."))
    if discount != discount.quantize(Decimal("0.01")):
        raise PolicyViolation(gettext("Give the discount with at most two decimals."))
    return discount


@transaction.atomic
def pricing_request(
    *,
    actor: Membership,
    deal: Deal,
    discount_percent,
    justification: str,
    competitor: str = "",
    competitor_price: Decimal | None = None,
) -> SpecialPricingRequest:
    """The partner asks for a discount on its approved registration; the first role of the chain
    is told. One request waits at a time per deal (``pricing_one_pending``)."""
    deal_require(actor, deal, DealAction.PRICING_REQUEST)
    discount = _discount(discount_percent)
    justification = (justification or "").strip()
    competitor = (competitor or "").strip()
    if not justification:
        raise PolicyViolation(gettext("Say why the customer needs this discount."))
    if len(justification) > JUSTIFICATION_MAX_LENGTH:
        raise PolicyViolation(
            gettext("Keep the justification under %(max)s characters.") % {"max": JUSTIFICATION_MAX_LENGTH}
        )
    if len(competitor) > 200:
        raise PolicyViolation(gettext("Keep the competitor's name under 200 characters."))
    if competitor_price is not None and Decimal(competitor_price) < 0:
        raise PolicyViolation(gettext("The competitor's price cannot be negative."))
    # The deal's lock orders this against its closing and against a second request.
    deal = lock(deal)
    if deal.status != DealStatus.APPROVED:
        raise InvalidTransition(
            gettext("%(reference)s is %(status)s: special pricing can be asked only on an approved registration.")
            % {"reference": deal.reference, "status": deal.get_status_display().lower()},
            code="deal_not_approved",
        )
    chain = pricing_chain(discount=discount, bands=pricing_bands(program_id=deal.program_id))
    try:
        with transaction.atomic():
            pricing = SpecialPricingRequest.objects.create(
                deal=deal,
                partner_id=deal.partner_id,
                requested_by=actor,
                discount_percent=discount,
                justification=justification,
                competitor=competitor,
                competitor_price=competitor_price,
                approval_chain=chain,
                current_role=chain[0],
            )
    except IntegrityError:
        raise PolicyViolation(
            gettext("A special-pricing request on this registration is already waiting for an answer."),
            code="pricing_pending",
        ) from None
    event = record(
        actor=actor,
        deal=deal,
        verb=events.PRICING_REQUESTED,
        message=gettext_noop("Special pricing of %(discount)s %% requested."),
        params={"discount": percent_text(discount)},
        note=justification,
        data={"pricing_id": pricing.pk, "discount": str(discount), "chain": chain},
    )
    tell(
        deal,
        event,
        to=_approvers(pricing.current_role),
        kind=notifications.PRICING_AWAITING,
        title=gettext_noop("special pricing of %(discount)s %% awaits your decision"),
        params={"discount": pricing.discount_text},
        note=justification[:300],
    )
    return pricing


def _locked(pricing: SpecialPricingRequest) -> tuple[Deal, SpecialPricingRequest]:
    # Deal first, then the request: the order of every deal transition (no deadlock).
    deal = lock(Deal(pk=pricing.deal_id))
    return deal, SpecialPricingRequest.objects.select_for_update().get(pk=pricing.pk)


def _no_longer_pending(pricing: SpecialPricingRequest) -> InvalidTransition:
    return InvalidTransition(
        gettext("This special-pricing request was already %(status)s; nothing was changed.")
        % {"status": pricing.get_status_display().lower()},
        code="pricing_decided",
    )


@transaction.atomic
def pricing_decide(
    *,
    actor: Membership,
    pricing: SpecialPricingRequest,
    approve: bool,
    note: str = "",
    step_role: str | None = None,
) -> SpecialPricingRequest:
    """Decide the awaited step: the member of its role (or a vendor admin, at any step) approves
    or rejects (with a note). An approval below the covering band passes the request on to the
    next role; at the covering band it approves the request; a rejection ends it. ``step_role``
    is the step the decider saw: if the request has moved on since, nothing is changed.

    Row-locked: of two decisions at once, the second sees the first's outcome and is refused."""
    assert_same_tenant(actor, pricing)
    deal_require(actor, pricing.deal, DealAction.PRICING_DECIDE)
    note = (note or "").strip()
    if not approve and not note:
        raise PolicyViolation(gettext("Tell the partner why the special pricing is rejected."))
    if len(note) > NOTE_MAX_LENGTH:
        raise PolicyViolation(gettext("Keep the note under %(max)s characters.") % {"max": NOTE_MAX_LENGTH})
    deal, pricing = _locked(pricing)
    if pricing.status != PricingStatus.PENDING:
        raise _no_longer_pending(pricing)
    awaited = pricing.current_role
    if step_role is not None and step_role != awaited:
        raise InvalidTransition(
            gettext(
                "This special-pricing request was already decided at that step and has moved on: it now awaits "
                "the %(role)s; nothing was changed."
            )
            % {"role": role_label(awaited).lower()},
            code="pricing_moved_on",
        )
    if not pricing.awaits(actor.role):
        if SpecialPricingStep.objects.filter(request=pricing, role=actor.role).exists():
            raise InvalidTransition(
                gettext(
                    "Your step of this special-pricing request was already decided; it now awaits the %(role)s. "
                    "Nothing was changed."
                )
                % {"role": role_label(awaited).lower()},
                code="pricing_moved_on",
            )
        raise NotAllowed(
            gettext("This special-pricing request awaits the %(role)s's decision.")
            % {"role": role_label(awaited).lower()}
        )
    if approve and deal.status not in (DealStatus.APPROVED, DealStatus.WON_PENDING):
        raise InvalidTransition(
            gettext("%(reference)s is %(status)s: its special pricing can no longer be approved.")
            % {"reference": deal.reference, "status": deal.get_status_display().lower()}
        )
    SpecialPricingStep.objects.create(
        request=pricing,
        partner_id=pricing.partner_id,
        role=awaited,
        decided_by=actor,
        decision=PricingDecision.APPROVED if approve else PricingDecision.REJECTED,
        note=note,
    )
    # The event's actor records who; its message (the partner's timeline too) names the role.
    data = {"pricing_id": pricing.pk, "discount": str(pricing.discount_percent), "role": awaited}
    chain = pricing.approval_chain
    position = chain.index(awaited) if awaited in chain else len(chain) - 1
    if approve and position + 1 < len(chain):
        pricing.current_role = chain[position + 1]
        pricing.save(update_fields=["current_role"])
        event = record(
            actor=actor,
            deal=deal,
            verb=events.PRICING_ESCALATED,
            message=gettext_noop(
                "Special pricing of %(discount)s %% approved at the %(step)s's step; it now awaits the %(next)s."
            ),
            params={
                "discount": pricing.discount_text,
                "step": label(role_label(awaited), lower=True),
                "next": label(role_label(pricing.current_role), lower=True),
            },
            note=note,
            data={**data, "next_role": pricing.current_role},
        )
        tell(
            deal,
            event,
            to=_approvers(pricing.current_role),
            kind=notifications.PRICING_AWAITING,
            title=gettext_noop("special pricing of %(discount)s %% awaits your decision"),
            body=gettext_noop("Approved up to the %(step)s's step."),
            params={"discount": pricing.discount_text, "step": label(role_label(awaited), lower=True)},
            note=pricing.justification[:300],
        )
        return pricing
    pricing.status = PricingStatus.APPROVED if approve else PricingStatus.REJECTED
    pricing.current_role = ""
    pricing.decided_at = timezone.now()
    pricing.decision_note = note
    pricing.save(update_fields=["status", "current_role", "decided_at", "decision_note"])
    event = record(
        actor=actor,
        deal=deal,
        verb=events.PRICING_APPROVED if approve else events.PRICING_REJECTED,
        message=gettext_noop("Special pricing of %(discount)s %% approved at the %(step)s's step.")
        if approve
        else gettext_noop("Special pricing of %(discount)s %% rejected at the %(step)s's step."),
        params={"discount": pricing.discount_text, "step": label(role_label(awaited), lower=True)},
        note=note,
        data=data,
    )
    tell(
        deal,
        event,
        to=partner_recipients(deal),
        kind=notifications.PRICING_DECIDED,
        title=gettext_noop("special pricing of %(discount)s %% approved")
        if approve
        else gettext_noop("special pricing of %(discount)s %% rejected"),
        params={"discount": pricing.discount_text},
        note=note,
    )
    return pricing


@transaction.atomic
def pricing_withdraw(*, actor: Membership, pricing: SpecialPricingRequest) -> SpecialPricingRequest:
    """The partner takes back its pending request; whoever it awaited is told."""
    assert_same_tenant(actor, pricing)
    deal_require(actor, pricing.deal, DealAction.PRICING_WITHDRAW)
    deal, pricing = _locked(pricing)
    if pricing.status != PricingStatus.PENDING:
        raise _no_longer_pending(pricing)
    awaited = pricing.current_role
    pricing.status = PricingStatus.WITHDRAWN
    pricing.current_role = ""
    pricing.decided_at = timezone.now()
    pricing.save(update_fields=["status", "current_role", "decided_at"])
    event = record(
        actor=actor,
        deal=deal,
        verb=events.PRICING_WITHDRAWN,
        message=gettext_noop("Special pricing of %(discount)s %% withdrawn by the partner."),
        params={"discount": pricing.discount_text},
        data={"pricing_id": pricing.pk, "discount": str(pricing.discount_percent)},
    )
    tell(
        deal,
        event,
        to=_approvers(awaited),
        kind=notifications.PRICING_AWAITING,
        title=gettext_noop("special pricing of %(discount)s %% withdrawn"),
        params={"discount": pricing.discount_text},
    )
    return pricing
