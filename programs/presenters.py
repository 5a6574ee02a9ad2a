"""What the tier pages show, ready to print: the view models of standings, requirements,
benefits and proposals, the "Your tier" home card and a partner record's "Programs" tab.

Standings are read as evaluation wrote them (``TierStanding.results``); nothing is measured per
page view. The functions below turn them into rows and cards, so templates only print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import metrics
from .forms import ManualMetricValueForm, TierOverrideForm
from .models import Enrollment, Operator, Tier, TierChangeProposal
from .permissions import METRICS_RECORD, TIERS_OVERRIDE
from .selectors.tiers import enrollment_list_for_actor, manual_metric_options_for_actor, manual_value_list_for_actor

# How many recorded manual values the programs tab lists (the history is append-only).
MANUAL_VALUES_SHOWN = 50


def _decimal(text) -> Decimal | None:
    if text is None or text == "":
        return None
    try:
        value = Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


_number = metrics.format_number
_amount = metrics.format_measure


@dataclass
class RequirementRow:
    """One requirement's result, ready to print: a progress bar and its words."""

    label: str
    operator_label: str
    threshold: str
    value: str
    gap: str  # "8,000 more" ("" when met)
    projected: str
    met: bool
    projected_met: bool
    mandatory: bool
    available: bool
    percent: int  # 0..100, how far along the requirement the value is
    shortfall: Decimal  # 0..1, the share still missing (ranks the biggest gap)

    @property
    def mark(self) -> str:
        if not self.available:
            return gettext("not measured yet")
        if self.met and not self.projected_met:
            return gettext("met, trending below")
        if self.met:
            return gettext("met")
        return gettext("at risk") if self.mandatory else gettext("not met")


def _result_label(result: dict) -> str:
    """A result's metric in the reader's language: a registry metric by its key (evaluation stored
    its label in the language it ran in), a manual metric by the name the vendor gave it."""
    metric = metrics.get(result.get("metric", ""))
    if metric is not None:
        return gettext(metric.label)
    return result.get("label") or result.get("metric", "")


def _requirement_row(result: dict, currency: str) -> RequirementRow:
    unit = result.get("unit", "")
    operator = result.get("operator", Operator.GTE)
    value, threshold = _decimal(result.get("value")), _decimal(result.get("threshold"))
    gap = _decimal(result.get("gap")) or Decimal(0)
    met, available = bool(result.get("met")), bool(result.get("available", True))
    if met:
        share = Decimal(1)
    elif value is None or threshold is None:
        share = Decimal(0)
    elif operator in (Operator.LTE, Operator.LT):
        share = threshold / value if value > 0 else Decimal(0)
    else:
        share = value / threshold if threshold > 0 else Decimal(0)
    share = min(max(share, Decimal(0)), Decimal(1))
    if met or not available:
        gap_text = ""
    elif operator in (Operator.LTE, Operator.LT):
        gap_text = gettext("%(amount)s less") % {"amount": _amount(gap, unit, currency)}
    elif operator == Operator.EQ:
        gap_text = gettext("%(amount)s off") % {"amount": _amount(gap, unit, currency)}
    else:
        gap_text = gettext("%(amount)s more") % {"amount": _amount(gap, unit, currency)}
    return RequirementRow(
        label=_result_label(result),
        # The operator's words in the reader's language; what evaluation stored only for an unknown one.
        operator_label=Operator(operator).label if operator in Operator.values else result.get("operator_label", ""),
        threshold=_amount(threshold, unit, currency),
        value=_amount(value, unit, currency) if available else gettext("not measured yet"),
        gap=gap_text,
        # A pace needs a trend: with no value a review period ago there is none to carry forward.
        projected=_amount(_decimal(result.get("projected")), unit, currency)
        if available and result.get("previous") is not None
        else "",
        met=met,
        projected_met=bool(result.get("projected_met")),
        mandatory=bool(result.get("mandatory", True)),
        available=available,
        percent=int(share * 100),
        shortfall=Decimal(0) if met or not available else 1 - share,
    )


def _rows_for_tier(results: list, tier_id: int | None, currency: str) -> list[RequirementRow]:
    if tier_id is None:
        return []
    return [_requirement_row(r, currency) for r in results or [] if r.get("tier_id") == tier_id]


@dataclass
class BenefitRow:
    label: str
    current: str
    next: str
    better: bool  # the next tier offers more


def _percent(value) -> str:
    return f"{_number(Decimal(value))}%"


def _benefit_rows(current: Tier, upcoming: Tier | None) -> list[BenefitRow]:
    def mdf(tier):
        if not tier.mdf_eligible:
            return gettext("No")
        return gettext("Yes, %(percent)s allocation") % {"percent": _percent(tier.mdf_allocation_percent)}

    def content(tier):
        return ", ".join(tier.content_access) or gettext("Standard")

    def days(tier):
        return ngettext("%(days)d day", "%(days)d days", tier.protection_days) % {"days": tier.protection_days}

    shown = [
        (_("Discount"), lambda t: _percent(t.discount_percent), lambda t: t.discount_percent),
        (_("Deal protection"), days, lambda t: t.protection_days),
        (_("MDF"), mdf, lambda t: (t.mdf_eligible, t.mdf_allocation_percent)),
        (_("Lead routing weight"), lambda t: str(t.lead_routing_weight), lambda t: t.lead_routing_weight),
        (_("Rebate"), lambda t: _percent(t.rebate_percent), lambda t: t.rebate_percent),
        (_("Content access"), content, lambda t: len(set(t.content_access) - set(current.content_access))),
    ]
    rows = []
    for label, text, rank in shown:
        better = upcoming is not None and rank(upcoming) > rank(current)
        rows.append(BenefitRow(label, text(current), text(upcoming) if upcoming else "", better))
    return rows


@dataclass
class StandingCard:
    """An enrollment as both sides see it: tier, status, requirements, benefits."""

    enrollment: Enrollment
    tier: Tier
    next_tier: Tier | None
    status: str  # "unevaluated", "on_track", "at_risk", "below"
    status_label: str
    evaluated_at: object = None
    stale: bool = False  # the tier changed after the last evaluation
    next_rows: list[RequirementRow] = field(default_factory=list)
    current_rows: list[RequirementRow] = field(default_factory=list)
    benefits: list[BenefitRow] = field(default_factory=list)
    pending: TierChangeProposal | None = None
    override_form: TierOverrideForm | None = None

    @property
    def program(self):
        return self.enrollment.program

    @property
    def biggest_gap(self) -> RequirementRow | None:
        """The next tier's requirement furthest from being met (by share of its threshold)."""
        open_rows = [row for row in self.next_rows if row.shortfall > 0]
        return max(open_rows, key=lambda row: row.shortfall) if open_rows else None

    @property
    def held_until(self) -> date | None:
        until = self.enrollment.override_until
        return until if until and until >= timezone.localdate() else None


STATUS_LABELS = {
    "unevaluated": _("Not evaluated yet"),
    "on_track": _("On track"),
    "at_risk": _("At risk"),
    "below": _("Below requirements"),
}


def standing_card(enrollment: Enrollment, *, currency: str) -> StandingCard:
    """What to show about one enrollment (from ``enrollment_list_for_actor``)."""
    ladder = getattr(enrollment.program, "ladder", [])
    standing = enrollment.standing_list[0] if enrollment.standing_list else None
    next_tier = None
    if standing is not None and standing.next_tier_id:
        next_tier = next((t for t in ladder if t.pk == standing.next_tier_id), standing.next_tier)
    if next_tier is None or next_tier.rank <= enrollment.tier.rank:
        next_tier = next((t for t in ladder if t.rank > enrollment.tier.rank), None)
    if standing is None:
        status = "unevaluated"
    elif standing.at_risk:
        status = "at_risk"
    elif standing.meets_current:
        status = "on_track"
    else:
        status = "below"
    pending = getattr(enrollment, "pending_proposals", None)
    card = StandingCard(
        enrollment=enrollment,
        tier=enrollment.tier,
        next_tier=next_tier,
        status=status,
        status_label=STATUS_LABELS[status],
        benefits=_benefit_rows(enrollment.tier, next_tier),
        pending=pending[0] if pending else None,
    )
    if standing is not None:
        card.evaluated_at = standing.evaluated_at
        changed = enrollment.tier_changed_at
        card.stale = changed is not None and changed > standing.evaluated_at
        card.next_rows = _rows_for_tier(standing.results, next_tier.pk if next_tier else None, currency)
        card.current_rows = _rows_for_tier(standing.results, enrollment.tier_id, currency)
    return card


def standing_cards(*, actor, partner_id: int, currency: str) -> list[StandingCard]:
    return [standing_card(e, currency=currency) for e in enrollment_list_for_actor(actor=actor, partner_id=partner_id)]


@dataclass
class ProposalRow:
    proposal: TierChangeProposal
    groups: list[tuple[Tier, list[RequirementRow]]]


def proposal_row(proposal: TierChangeProposal, currency: str) -> ProposalRow:
    groups = []
    for tier in (proposal.to_tier, proposal.from_tier):
        rows = _rows_for_tier(proposal.results, tier.pk, currency)
        if rows:
            groups.append((tier, rows))
    return ProposalRow(proposal=proposal, groups=groups)


def distribution_chart(row) -> dict:
    """A program's distribution for the bar chart (static/js/charts.js reads it)."""
    return {
        "label": gettext("Partners in %(program)s") % {"program": row.program.name},
        "labels": [count.tier.name for count in row.tiers],
        "values": [count.enrollments for count in row.tiers],
        "colors": [count.tier.color for count in row.tiers],
    }


def partner_programs_context(
    *, actor, partner, currency: str, override: tuple[int, TierOverrideForm] | None = None, metric_form=None
) -> dict:
    """The "Programs" tab of a partner's record: standings with override forms, pending
    proposals, manual metric values and the form to record one. ``override`` and
    ``metric_form`` carry a bound form back after invalid input."""
    cards = standing_cards(actor=actor, partner_id=partner.pk, currency=currency)
    if actor.can(TIERS_OVERRIDE):
        for card in cards:
            if override is not None and override[0] == card.enrollment.pk:
                card.override_form = override[1]
            else:
                card.override_form = TierOverrideForm(
                    tiers=card.program.ladder, auto_id=f"id_override{card.enrollment.pk}_%s"
                )
    metrics = manual_metric_options_for_actor(actor=actor)
    if metric_form is None and metrics and actor.can(METRICS_RECORD):
        metric_form = ManualMetricValueForm(metrics=metrics, initial={"effective_on": timezone.localdate()})
    return {
        "cards": cards,
        "manual_values": list(manual_value_list_for_actor(actor=actor, partner_id=partner.pk)[:MANUAL_VALUES_SHOWN]),
        "manual_values_shown": MANUAL_VALUES_SHOWN,
        "metric_form": metric_form,
    }
